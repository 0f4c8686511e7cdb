/**
 * The stack config schema, written with zod: every key the program reads, its type, allowed values, rules,
 * default or per-profile default, and the shape of every nested object (unknown nested keys are refused).
 * It is the one home of config keys: `infra/config.ts` parses with it, `infra/docs.ts` generates
 * `Pulumi.yaml`'s `config:` block and the README's config reference from it (a test ties both to it).
 * The Azure and Kubernetes rules themselves live in `components/shared/`, which the components use too.
 */

import { z } from "zod";
import { KubeloginMethod, kubeloginMethods } from "../components/cluster/kubeconfig";
import { maxFederatedCredentialsPerIdentity, subjectNameClashes, tokenExpirationRange } from "../components/identity/workloadIdentity";
import { softDeleteRetentionRange } from "../components/keyvault/keyVault";
import { armIdProblem, guidProblem } from "../components/shared/arm";
import { cloudNames, defaultCloud } from "../components/shared/clouds";
import {
    aksSkuTiers, availabilityZones, networkDataplanes, oneOfProblem, publicNetworkAccessModes, vaultSkus,
} from "../components/shared/enums";
import {
    agentPoolNameProblem, dns1123LabelProblem, imageReferenceProblem, labelProblem, maxVaultNamePrefixLength, dns1123SubdomainProblem, federatedNamespaceProblem, issuerLabelProblem, issuerUrlProblem,
    vaultNamePrefixProblem, vaultSecretNameProblem,
} from "../components/shared/names";
import { ipv4CidrProblem, vaultIpRuleProblem } from "../components/shared/network";
import { poolCountRange, systemPoolName } from "../components/shared/pools";
import { regionProblem } from "../components/shared/regions";
import { builtInRolesAllowing, getSecretDataAction, resolveRole, roleAssigningRoleProblem, roleAssigningRoles, roleProblem } from "../components/shared/roles";
import { defaultVerifyTimeoutSeconds, verifyTimeoutRange } from "../components/verification/verificationJob";
import { programTagKeys, tagProblems } from "../components/shared/tags";
import type { EnvironmentProfile } from "../stacks/profile";
import { profiles } from "../stacks";

/** A config key's type as `Pulumi.yaml` declares it (pulumi/pulumi `sdk/go/common/workspace/project.json`). */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array" | "object";

/** One config key. */
export interface ConfigKeySpec<S extends z.ZodType = z.ZodType> {
    /** How the CLI holds the value: scalars as text, `array` and `object` as structured YAML (JSON for the program). */
    readonly type: PulumiConfigType;
    /** For arrays: the items' type, as `Pulumi.yaml` declares it. */
    readonly items?: PulumiConfigType;
    /** The value's schema, after decoding. */
    readonly schema: S;
    /** What it does, for `pulumi config` users and the README. */
    readonly description: string;
    /** The default, when it does not depend on the profile. */
    readonly default?: z.output<S>;
    /** The default comes from the environment profile (`stacks/`): this reads it. */
    readonly profileDefault?: (profile: EnvironmentProfile) => z.output<S> | undefined;
    /** A default computed from other settings, described for the README. */
    readonly computedDefault?: string;
    /** The key must be set. */
    readonly required?: boolean;
    /** The value should be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
}

function key<S extends z.ZodType>(spec: ConfigKeySpec<S>): ConfigKeySpec<S> {
    return spec;
}

// ---- value builders: each refuses with a message that names the value and what is allowed ----

/** Turns a rule from components/shared (returning a phrase or undefined) into a zod check. */
function ruled(rule: (value: string) => string | undefined): z.ZodType<string> {
    return z.string().superRefine((value, ctx) => {
        const problem = rule(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** A non-empty string. */
const text = ruled((v) => (v.trim() === "" ? "is empty" : undefined));

/** A whole number from `min` to `max`. */
function whole(min: number, max: number): z.ZodType<number> {
    return z.number().superRefine((value, ctx) => {
        if (!Number.isInteger(value) || value < min || value > max) {
            ctx.addIssue({ code: "custom", message: `is ${JSON.stringify(value)}: it must be a whole number from ${min} to ${max}` });
        }
    });
}

/** One of `values`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: (issue) => oneOfProblem(issue.input, values) });
}

/** A map with a fixed set of keys; any other key is refused by name. */
function entry<T extends z.ZodRawShape>(what: string, example: string, shape: T) {
    return z.strictObject(shape, {
        error: (issue) => issue.code === "unrecognized_keys"
            ? `is not a ${what} setting: allowed are ${Object.keys(shape).join(", ")}`
            : `must be a map such as ${example}`,
    });
}

/** A role reference: a built-in role name or a role definition GUID. */
/** A workload's role: known, and not one that assigns roles (least privilege). */
const workloadRoleName = ruled((v) => (roleProblem("", v) ?? roleAssigningRoleProblem("", v))?.trimStart());
const namespaceName = ruled((v) => dns1123LabelProblem(v) ?? federatedNamespaceProblem(v));
const serviceAccountName = ruled(dns1123SubdomainProblem);
const zone = oneOf(availabilityZones);
/** A resource group name: 1–90 letters, digits, '_', '-', '.', '(' and ')', not ending with '.'. */
const resourceGroupName = ruled((v) => (/^[-\w.()]{0,89}[-\w()]$/.test(v) ? undefined : `${JSON.stringify(v)} is not a resource group name: 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending with '.'`));
/** An AKS cluster name: 1–63 letters, digits, '-' and '_', starting and ending with a letter or digit. */
const clusterName = ruled((v) => (/^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(v) ? undefined : `${JSON.stringify(v)} is not an AKS cluster name: 1-63 letters, digits, '-' and '_', starting and ending with a letter or digit`));
/** An Azure VM size, such as Standard_D4ds_v5 (AKS pools take Standard sizes). */
const vmSize = ruled((v) => (/^Standard_[A-Za-z0-9_]+$/.test(v) ? undefined : `${JSON.stringify(v)} is not an Azure VM size such as "Standard_D4ds_v5"`));
/** A Kubernetes version: major.minor or major.minor.patch. */
const kubernetesVersion = ruled((v) => (/^\d+\.\d+(\.\d+)?$/.test(v) ? undefined : `${JSON.stringify(v)} is not a Kubernetes version such as "1.33" or "1.33.2"`));
/** A node taint, `key=value:Effect` or `key:Effect`. */
const taint = ruled((v) => (/^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?(=[-A-Za-z0-9_.]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(v) ? undefined : `${JSON.stringify(v)} is not a taint such as "dedicated=batch:NoSchedule" (effect NoSchedule, PreferNoSchedule or NoExecute)`));
/** A container env var name (C identifier). The webhook's AZURE_* variables are its own. */
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A workload name: it names the identity and its Kubernetes and Azure resources. */
export const maxWorkloadNameLength = 40;
const workloadName = ruled((v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= maxWorkloadNameLength ? undefined : `${JSON.stringify(v)} is not a workload name: 1-${maxWorkloadNameLength} lowercase letters, digits and '-', starting and ending with a letter or digit`));

// ---- nested objects ----

/** A ServiceAccount that shares a workload's identity. */
export const subjectSchema = entry("ServiceAccount", "{namespace: shop, serviceAccountName: orders-worker}", {
    namespace: namespaceName.describe("The ServiceAccount's namespace (DNS-1123 label, not kube-system)."),
    serviceAccountName: serviceAccountName.describe("The ServiceAccount's name (DNS-1123 subdomain)."),
});

/** A role a workload gets. */
export const roleSchema = entry("role", "{role: Key Vault Secrets User}", {
    role: workloadRoleName.describe(`A built-in role name (Key Vault Secrets User, ...) or a role definition GUID; never one that assigns roles (Owner, ${roleAssigningRoles.join(", ")})`),
    scope: ruled(armIdProblem).optional().describe("An ARM id (subscription GUID included). Absent: this stack's Key Vault."),
});

/** The role a workload gets when it lists none. */
export const defaultWorkloadRoles = [{ role: "Key Vault Secrets User" }] as const;

/** One workload: an identity, its ServiceAccounts, roles and optionally a Deployment. */
export const workloadSchema = entry("workload", "{name: orders, namespace: shop}", {
    name: workloadName.describe(`The workload's name, 1-${maxWorkloadNameLength} lowercase letters, digits and '-'; it names the identity.`),
    namespace: namespaceName.describe("The workload's Kubernetes namespace (DNS-1123 label; not kube-system, where the webhook never runs)."),
    serviceAccountName: serviceAccountName.optional().describe("The workload's ServiceAccount. Default: the workload's name."),
    extraSubjects: z.array(subjectSchema).optional().describe("Other ServiceAccounts that share this identity (many-to-one): a list of {namespace, serviceAccountName}."),
    roles: z.array(roleSchema).optional().describe("The roles: a list of {role, scope}. Default: Key Vault Secrets User on this stack's vault."),
    tokenExpirationSeconds: whole(tokenExpirationRange.min, tokenExpirationRange.max).optional().describe(`The projected token's lifetime, ${tokenExpirationRange.min}-${tokenExpirationRange.max} seconds. Default: the webhook's, 3600.`),
    createNamespace: z.boolean().optional().describe("Create the namespace(s). Default: true on the stack's own cluster, false on an existing one; built-in namespaces never. Retained on delete."),
    image: ruled(imageReferenceProblem).optional().describe("When set, a Deployment of this image runs as the workload."),
    port: whole(1, 65535).optional().describe("The Deployment's container port."),
    replicas: whole(0, 100).optional().describe("The Deployment's replicas, 0-100. Default 1."),
    env: z.record(z.string(), z.string()).superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
            if (!envName.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `is not an environment variable name (letters, digits and '_', not starting with a digit)` });
            else if (name.startsWith("AZURE_")) ctx.addIssue({ code: "custom", path: [name], message: `is set by the workload identity webhook; setting it stops the webhook injecting its own` });
        }
    }).optional().describe("Extra environment variables for the Deployment's container, {NAME: value}."),
}).superRefine((w, ctx) => {
    if (w.image !== undefined) return;
    for (const field of ["port", "replicas", "env"] as const) {
        if (w[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: `is set but "image" is not: it configures the workload's Deployment, which exists only with an image` });
    }
}).transform((w) => ({
    name: w.name,
    namespace: w.namespace,
    serviceAccountName: w.serviceAccountName ?? w.name,
    extraSubjects: w.extraSubjects ?? [],
    roles: (w.roles ?? defaultWorkloadRoles.map((r) => ({ ...r }))) as { role: string; scope?: string }[],
    tokenExpirationSeconds: w.tokenExpirationSeconds,
    // Unset: the program decides (yes on the stack's own cluster, no on an existing one).
    createNamespace: w.createNamespace,
    image: w.image,
    port: w.port,
    replicas: w.replicas ?? 1,
    env: w.env ?? {},
}));

/** An extra user node pool. */
export const userNodePoolSchema = entry("user node pool", "{name: apps, vmSize: Standard_D4ds_v5, count: 2}", {
    name: ruled(agentPoolNameProblem).describe("The pool's name: 1-12 lowercase letters and digits, starting with a letter, not \"system\"."),
    vmSize: vmSize.describe("The VM size, such as Standard_D4ds_v5."),
    count: whole(poolCountRange.user.min, poolCountRange.user.max).optional().describe(`A fixed node count, ${poolCountRange.user.min}-${poolCountRange.user.max} (a user pool may have 0). Default 1.`),
    minCount: whole(poolCountRange.user.min, poolCountRange.user.max).optional().describe("The autoscaler's minimum (with maxCount)."),
    maxCount: whole(1, poolCountRange.user.max).optional().describe("The autoscaler's maximum (with minCount)."),
    availabilityZones: z.array(zone).optional().describe("Zones, a subset of [\"1\",\"2\",\"3\"]. Default: the availabilityZones key."),
    nodeLabels: z.record(z.string(), z.string()).superRefine((labels, ctx) => {
        for (const [k, v] of Object.entries(labels)) {
            const problem = labelProblem(k, v);
            if (problem) ctx.addIssue({ code: "custom", path: [k], message: problem });
        }
    }).optional().describe("Kubernetes labels for the pool's nodes."),
    nodeTaints: z.array(taint).optional().describe("Taints such as dedicated=batch:NoSchedule."),
});

// ---- the keys ----

/** The vault name prefix when `keyVaultNamePrefix` is unset: `wid-<stack>`, cut to the prefix limit. */
export function defaultVaultNamePrefix(stack: string): string {
    return `wid-${stack.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, maxVaultNamePrefixLength).replace(/-+$/, "");
}

export const configSchema = {
    profile: key({ type: "string", required: true, schema: oneOf(Object.keys(profiles) as [string, ...string[]]), description: "The environment profile: dev, staging or prod (defaults in stacks/)." }),
    cloud: key({ type: "string", default: defaultCloud, schema: oneOf(cloudNames), description: "The Azure cloud: AzureCloud, AzureUSGovernment or AzureChinaCloud. It sets the token-exchange audience and the region names allowed." }),
    location: key({ type: "string", default: "westeurope", schema: text, description: "The Azure region for every resource: a region name of the cloud, such as westeurope." }),
    resourceGroupName: key({ type: "string", schema: resourceGroupName, description: "Use this existing resource group instead of creating one." }),
    existingClusterResourceGroup: key({ type: "string", schema: resourceGroupName, description: "Bring-your-own-cluster mode: the existing AKS cluster's resource group (with existingClusterName)." }),
    existingClusterName: key({ type: "string", schema: clusterName, description: "Bring-your-own-cluster mode: the existing AKS cluster's name. It must have the OIDC issuer and workload identity on." }),
    kubernetesVersion: key({ type: "string", schema: kubernetesVersion, description: "The Kubernetes version, for example 1.33. Default: AKS's default." }),
    systemVmSize: key({ type: "string", schema: vmSize, profileDefault: (p) => p.systemPool.vmSize, description: "The system pool's VM size." }),
    systemNodeCount: key({ type: "integer", schema: whole(poolCountRange.system.min, poolCountRange.system.max), profileDefault: (p) => p.systemPool.count, description: "The system pool's fixed node count (when not autoscaling)." }),
    systemMinCount: key({ type: "integer", schema: whole(poolCountRange.system.min, poolCountRange.system.max), profileDefault: (p) => p.systemPool.minCount, description: "The system pool autoscaler's minimum (set with systemMaxCount)." }),
    systemMaxCount: key({ type: "integer", schema: whole(poolCountRange.system.min, poolCountRange.system.max), profileDefault: (p) => p.systemPool.maxCount, description: "The system pool autoscaler's maximum (set with systemMinCount)." }),
    availabilityZones: key({ type: "array", items: "string", schema: z.array(zone), profileDefault: (p) => [...p.systemPool.availabilityZones] as (typeof availabilityZones)[number][], description: "Availability zones for the node pools, a subset of [\"1\",\"2\",\"3\"]." }),
    userNodePools: key({ type: "array", items: "object", schema: z.array(userNodePoolSchema), default: [], description: "Extra user node pools: a list of {name, vmSize, count | minCount+maxCount, availabilityZones, nodeLabels, nodeTaints}. See User node pools." }),
    adminGroupObjectIds: key({ type: "array", items: "string", schema: z.array(ruled((v) => guidProblem(v, "an Entra group object id"))), default: [], description: "Entra group object ids (GUIDs) that get cluster-admin through Azure RBAC." }),
    disableLocalAccounts: key({ type: "boolean", schema: z.boolean(), default: true, description: "Disable local (certificate) accounts so only Entra ID signs in. staging and prod refuse false." }),
    skuTier: key({ type: "string", schema: oneOf(aksSkuTiers), profileDefault: (p) => p.skuTier, description: "The AKS tier: Free, Standard or Premium." }),
    networkDataplane: key({ type: "string", schema: oneOf(networkDataplanes), profileDefault: (p) => p.networkDataplane, description: "The network data plane: azure, or cilium (which enforces NetworkPolicies)." }),
    apiServerAuthorizedIpRanges: key({ type: "array", items: "string", schema: z.array(ruled(ipv4CidrProblem)), default: [], description: "IPv4 CIDRs allowed to reach the API server. Default: unrestricted." }),
    kubeloginMethod: key({ type: "string", schema: oneOf(kubeloginMethods as readonly KubeloginMethod[] as [KubeloginMethod, ...KubeloginMethod[]]), default: "azurecli", description: "How the generated kubeconfig signs in: azurecli, workloadidentity, spn or msi." }),
    kubeloginClientId: key({ type: "string", schema: ruled((v) => guidProblem(v, "an application (client) id")), description: "The client id (a GUID) kubelogin uses with spn (required) or msi (a user-assigned identity)." }),
    keyVaultNamePrefix: key({ type: "string", schema: ruled((v) => vaultNamePrefixProblem("", v)?.trimStart()), computedDefault: "wid-<stack>", description: "The vault name's prefix, 1-17 characters (a random suffix makes it unique). Default: wid-<stack>." }),
    keyVaultSku: key({ type: "string", schema: oneOf(vaultSkus), default: "standard", description: "The vault's SKU: standard or premium." }),
    softDeleteRetentionDays: key({ type: "integer", schema: whole(softDeleteRetentionRange.min, softDeleteRetentionRange.max), profileDefault: (p) => p.softDeleteRetentionDays, description: `Key Vault soft-delete retention, ${softDeleteRetentionRange.min}-${softDeleteRetentionRange.max} days. prod requires 90.` }),
    keyVaultPublicNetworkAccess: key({ type: "string", schema: oneOf(publicNetworkAccessModes), default: "Enabled", description: "The vault's public network access: Enabled or Disabled. Disabled needs verify: false (the Job could not reach the vault)." }),
    keyVaultIpRules: key({ type: "array", items: "string", schema: z.array(ruled(vaultIpRuleProblem)), default: [], description: "When set, the vault denies all traffic but these public IPv4 addresses or CIDRs (and trusted Azure services). Needs verify: false." }),
    workloads: key({ type: "array", items: "object", required: true, schema: z.array(workloadSchema), description: "The workloads: a list of {name, namespace, serviceAccountName, extraSubjects, roles, tokenExpirationSeconds, createNamespace, image, port, replicas, env}. See Workloads." }),
    extraIssuers: key({ type: "object", schema: z.record(z.string(), z.string()).superRefine((issuers, ctx) => {
        for (const [label, url] of Object.entries(issuers)) {
            const labelProblem = issuerLabelProblem(label) ?? (label === "aks" ? `"aks" is this stack's own cluster: give other issuers another label` : undefined);
            if (labelProblem) ctx.addIssue({ code: "custom", path: [label], message: labelProblem });
            const urlProblem = issuerUrlProblem(url);
            if (urlProblem) ctx.addIssue({ code: "custom", path: [label], message: urlProblem });
        }
    }), default: {}, description: "Other clusters' OIDC issuers every identity also trusts, by label (multi-cluster, blue/green): {label: issuerUrl}, each URL verbatim." }),
    vaultSecrets: key({ type: "object", secret: true, schema: z.record(z.string(), z.string()).superRefine((secrets, ctx) => {
        for (const name of Object.keys(secrets)) {
            const problem = vaultSecretNameProblem(name);
            if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
        }
    }), default: {}, description: "Secrets to store in the vault, {name: value}. Set with pulumi config set --secret --path 'vaultSecrets.<name>' <value>." }),
    verify: key({ type: "boolean", schema: z.boolean(), profileDefault: (p) => p.verify, description: "Deploy the verification Job that reads a vault secret through workload identity; pulumi up fails if it cannot." }),
    verifyWorkload: key({ type: "string", schema: workloadName, computedDefault: "the first workload", description: "The workload whose ServiceAccount the verification Job runs as. Default: the first workload." }),
    verifyImage: key({ type: "string", schema: ruled(imageReferenceProblem), default: "mcr.microsoft.com/azure-cli:2.67.0", description: "The verification Job's image; it needs sh and the Azure CLI (az)." }),
    verifyTimeoutSeconds: key({ type: "integer", schema: whole(verifyTimeoutRange.min, verifyTimeoutRange.max), default: defaultVerifyTimeoutSeconds, description: "How long the verification Job retries while federation and RBAC propagate, 60-3600 seconds (Key Vault RBAC takes up to 10 minutes)." }),
    tags: key({ type: "object", schema: z.record(z.string(), z.string()).superRefine((tags, ctx) => {
        for (const [tag, problem] of tagProblems(tags, programTagKeys)) {
            ctx.addIssue({ code: "custom", path: tag === undefined ? [] : [tag], message: problem });
        }
    }), default: {}, description: `Tags for every Azure resource, {key: value}: at most ${50 - programTagKeys.length} (the program adds ${programTagKeys.join(", ")}), names up to 512 characters without <>%&\\?/, values up to 256.` }),
} as const;

/** A config key the program knows. */
export type ConfigKey = keyof typeof configSchema;

/** The parsed value of a config key. */
export type ConfigValue<K extends ConfigKey> = z.output<(typeof configSchema)[K]["schema"]>;

/** One parsed workload. */
export type WorkloadValue = z.output<typeof workloadSchema>;
/** One parsed user node pool. */
export type UserNodePoolValue = z.output<typeof userNodePoolSchema>;

// ---- rules across keys and entries ----

/** `workloads[2].namespace` from a zod path. */
export function keyPath(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** Roles that can read secret values (the data action getSecret), which the verification Job needs. */
const secretReaderRoles: readonly string[] = builtInRolesAllowing(getSecretDataAction);

/** What the rules across keys see of a config whose keys were each parsed on their own. */
export interface ParsedKeys {
    /** The environment profile named by `profile` (dev when it is bad or missing). */
    readonly profile: EnvironmentProfile;
    /** A key's value: as set, else its default (the profile's, when it has one). */
    value<K extends ConfigKey>(k: K): ConfigValue<K>;
    /** Whether the stack sets the key. */
    isSet(k: ConfigKey): boolean;
    /** Whether every one of the keys parsed (or is unset). */
    ok(...keys: ConfigKey[]): boolean;
    /** A list key's entries with their indices: all of them, or those that parsed when others did not. */
    entriesOf<K extends "workloads" | "userNodePools">(k: K): [number, ConfigValue<K>[number]][];
    /** A key's decoded value, valid or not. */
    decoded(k: ConfigKey): unknown;
}

/** Records one problem at a config key path such as `["workloads", 2, "namespace"]`. */
export type AddProblem = (path: readonly PropertyKey[], message: string) => void;

/**
 * The rules that span keys or entries: profile requirements, pairs of keys, uniqueness across entries (reported at
 * the second occurrence), Azure's credential limit per identity, the region of the cloud, and what verification needs.
 * Each runs on whatever parsed, so one bad key hides no other problem.
 */
export function crossKeyRules(keys: ParsedKeys, add: AddProblem): void {
    const { profile, value, isSet, ok, entriesOf } = keys;
    const cloud = value("cloud");
    if (ok("cloud", "location")) {
        const problem = regionProblem(value("location"), cloud);
        if (problem) add(["location"], problem);
    }
    if (ok("disableLocalAccounts", "profile") && !value("disableLocalAccounts") && profile.requires.localAccountsDisabled) {
        add(["disableLocalAccounts"], `is false, but the ${profile.name} profile requires local accounts disabled (Entra ID sign-in only)`);
    }
    const retention = value("softDeleteRetentionDays");
    if (ok("softDeleteRetentionDays", "profile") && retention < profile.requires.minSoftDeleteRetentionDays) {
        add(["softDeleteRetentionDays"], `is ${retention}, but the ${profile.name} profile requires at least ${profile.requires.minSoftDeleteRetentionDays}`);
    }
    if (isSet("existingClusterResourceGroup") !== isSet("existingClusterName") && ok("existingClusterResourceGroup", "existingClusterName")) {
        add([isSet("existingClusterName") ? "existingClusterResourceGroup" : "existingClusterName"], `is missing: "existingClusterResourceGroup" and "existingClusterName" go together: set both to use an existing cluster, or neither`);
    }
    if (isSet("systemMinCount") !== isSet("systemMaxCount")) {
        add([isSet("systemMinCount") ? "systemMinCount" : "systemMaxCount"], `is set alone: "systemMinCount" and "systemMaxCount" go together: set both to autoscale, or neither`);
    } else if (isSet("systemMinCount") && ok("systemMinCount", "systemMaxCount") && value("systemMinCount")! > value("systemMaxCount")!) {
        add(["systemMinCount"], `(${value("systemMinCount")}) must not exceed "systemMaxCount" (${value("systemMaxCount")})`);
    }
    if (isSet("systemNodeCount") && isSet("systemMinCount")) {
        add(["systemNodeCount"], `is set together with "systemMinCount"/"systemMaxCount": set a fixed count or the autoscaler's range, not both`);
    }
    // Bring-your-own-cluster mode creates no cluster, so settings that shape one would be ignored without a word.
    if (isSet("existingClusterName")) {
        const clusterShaping: ConfigKey[] = ["kubernetesVersion", "systemVmSize", "systemNodeCount", "systemMinCount", "systemMaxCount", "availabilityZones", "userNodePools", "adminGroupObjectIds", "disableLocalAccounts", "skuTier", "networkDataplane", "apiServerAuthorizedIpRanges"];
        // The CLI passes Pulumi.yaml's defaults as if set, so a key counts only when its value is not the default.
        const changed = (k: ConfigKey) => isSet(k) && JSON.stringify(value(k)) !== JSON.stringify((configSchema[k] as ConfigKeySpec).default);
        for (const k of clusterShaping.filter(changed)) {
            add([k], `is set, but "existingClusterName" uses an existing cluster, which this program does not create or change: remove it (change that cluster with az aks)`);
        }
    }
    const zonesSeen = new Set<string>();
    (ok("availabilityZones") ? value("availabilityZones") : []).forEach((z, i) => {
        if (zonesSeen.has(z)) add(["availabilityZones", i], `"${z}" is listed twice`);
        zonesSeen.add(z);
    });

    const poolNames = new Map<string, number>();
    for (const [i, pool] of entriesOf("userNodePools")) {
        if (pool.name === systemPoolName) add(["userNodePools", i, "name"], `"${pool.name}" is the inline system pool's name: pick another`);
        else if (poolNames.has(pool.name)) add(["userNodePools", i, "name"], `"${pool.name}" is already the name of userNodePools[${poolNames.get(pool.name)}]: pool names must be unique`);
        poolNames.set(pool.name, i);
        const autoscale = pool.minCount !== undefined || pool.maxCount !== undefined;
        if (autoscale && (pool.minCount === undefined || pool.maxCount === undefined)) {
            add(["userNodePools", i, pool.minCount === undefined ? "minCount" : "maxCount"], `is missing: minCount and maxCount go together to turn on the autoscaler`);
        } else if (autoscale && pool.minCount! > pool.maxCount!) {
            add(["userNodePools", i, "minCount"], `(${pool.minCount}) must not exceed maxCount (${pool.maxCount})`);
        }
        if (autoscale && pool.count !== undefined) add(["userNodePools", i, "count"], `is set together with minCount/maxCount: set a fixed count or the autoscaler's range, not both`);
        const seen = new Set<string>();
        (pool.availabilityZones ?? []).forEach((z, j) => {
            if (seen.has(z)) add(["userNodePools", i, "availabilityZones", j], `"${z}" is listed twice`);
            seen.add(z);
        });
    }

    const groups = new Map<string, number>();
    (ok("adminGroupObjectIds") ? value("adminGroupObjectIds") : []).forEach((id, i) => {
        if (groups.has(id.toLowerCase())) add(["adminGroupObjectIds", i], `"${id}" is listed twice (also adminGroupObjectIds[${groups.get(id.toLowerCase())}])`);
        groups.set(id.toLowerCase(), i);
    });

    const method = value("kubeloginMethod");
    if (ok("kubeloginMethod", "kubeloginClientId")) {
        if (method === "spn" && !isSet("kubeloginClientId")) add(["kubeloginClientId"], `is required when "kubeloginMethod" is "spn": the service principal's application id`);
        if (isSet("kubeloginClientId") && method !== "spn" && method !== "msi") add(["kubeloginClientId"], `is set, but "kubeloginMethod" "${method}" does not use it (only spn and msi do)`);
    }

    // Issuers: the same URL under two labels would give one identity two credentials with the same issuer and subject, which Entra refuses.
    const extraIssuers = ok("extraIssuers") ? value("extraIssuers") : {};
    const labelsByUrl = new Map<string, string>();
    for (const [label, url] of Object.entries(extraIssuers)) {
        const first = labelsByUrl.get(url);
        if (first !== undefined) add(["extraIssuers", label], `is the same issuer URL as "extraIssuers.${first}": each issuer once, or its credentials would collide`);
        else labelsByUrl.set(url, label);
    }
    const issuerCount = 1 + Object.keys(extraIssuers).length;

    // Workloads: names and ServiceAccounts are unique across the stack; each identity's credentials within Azure's limit.
    const workloads = (ok("workloads") ? value("workloads") : undefined) ?? [];
    if (ok("workloads") && isSet("workloads") && workloads.length === 0) add(["workloads"], `is empty: give at least one workload, such as [{name: orders, namespace: shop}]`);
    const workloadNames = new Map<string, number>();
    const claimedBy = new Map<string, string>();
    // Names and ServiceAccounts are checked on each entry's valid fields, so a bad field elsewhere in an entry hides nothing.
    for (const w of looseWorkloads(keys.decoded("workloads"))) {
        const i = w.index;
        if (w.name !== undefined) {
            if (workloadNames.has(w.name)) add(["workloads", i, "name"], `"${w.name}" is used twice (also workloads[${workloadNames.get(w.name)}].name): workload names must be unique`);
            else workloadNames.set(w.name, i);
        }
        for (const [path, s] of w.subjects) {
            const subject = `${s.namespace}/${s.serviceAccountName}`;
            const first = claimedBy.get(subject);
            if (first !== undefined) {
                add(path, `claims ServiceAccount ${subject}, already claimed by ${first}: one ServiceAccount signs in as one identity (the webhook reads one client-id annotation)`);
            } else {
                claimedBy.set(subject, keyPath(path));
            }
        }
        for (const clash of subjectNameClashes(w.subjects.map(([, s]) => s))) add(["workloads", i, "extraSubjects"], clash);
        const credentials = issuerCount * w.subjectCount;
        if (credentials > maxFederatedCredentialsPerIdentity) {
            add(["workloads", i], `(workload "${w.name ?? i}") needs ${credentials} federated credentials (${issuerCount} issuer(s) x ${w.subjectCount} ServiceAccount(s)); Azure allows at most ${maxFederatedCredentialsPerIdentity} per identity: split it into two workloads`);
        }
    }
    for (const [i, w] of entriesOf("workloads")) {
        const grants = new Map<string, number>();
        w.roles.forEach((r, j) => {
            const grant = `${resolveRole(r.role)?.guid}|${(r.scope ?? "").toLowerCase()}`;
            if (grants.has(grant)) add(["workloads", i, "roles", j], `grants "${r.role}" on ${r.scope ?? "this stack's vault"} again (also roles[${grants.get(grant)}])`);
            grants.set(grant, j);
        });
    }

    // Verification: the Job runs as a workload that can read this vault's secrets, from inside the cluster.
    const verify = value("verify");
    const verifyWorkload = isSet("verifyWorkload") ? value("verifyWorkload") : workloads[0]?.name;
    if (ok("verify", "verifyWorkload", "workloads") && verify && workloads.length > 0) {
        const target = workloads.find((w) => w.name === verifyWorkload);
        if (!target) {
            add(["verifyWorkload"], `is "${verifyWorkload}": it must name a workload (${workloads.map((w) => w.name).join(", ")})`);
        } else if (!target.roles.some((r) => r.scope === undefined && secretReaderRoles.includes(resolveRole(r.role)?.name ?? ""))) {
            add(["verifyWorkload"], `: workload "${verifyWorkload}" has no role that reads this stack's vault secrets (${secretReaderRoles.join(", ")}), so the verification Job would always fail`);
        }
    }
    if (verify && ok("verify", "keyVaultPublicNetworkAccess", "keyVaultIpRules")) {
        const lockedOut = value("keyVaultPublicNetworkAccess") === "Disabled"
            ? `"keyVaultPublicNetworkAccess" is Disabled`
            : value("keyVaultIpRules").length > 0 ? `"keyVaultIpRules" limits the vault to ${value("keyVaultIpRules").length} address range(s)` : undefined;
        if (lockedOut) {
            add(["verify"], `is on, but ${lockedOut}: the verification Job reads the vault from a pod in the cluster, whose egress address is neither allowed nor private-linked, so it would always fail. Set verify: false, or open the vault to the cluster`);
        }
    }

}

/** A workload entry's fields that are valid on their own. */
interface LooseWorkload {
    readonly index: number;
    readonly name?: string;
    /** Each valid ServiceAccount with the config key path that names it. */
    readonly subjects: [PropertyKey[], { namespace: string; serviceAccountName: string }][];
    /** How many ServiceAccounts the entry lists, valid or not (each needs a credential per issuer). */
    readonly subjectCount: number;
}

/** The valid fields of each `workloads` entry, judged field by field with the schema's own field rules. */
function looseWorkloads(decoded: unknown): LooseWorkload[] {
    if (!Array.isArray(decoded)) return [];
    const fields = workloadSchema.in.shape;
    const valid = <T>(schema: z.ZodType<T>, v: unknown): T | undefined => {
        const r = schema.safeParse(v);
        return r.success ? r.data : undefined;
    };
    return decoded.flatMap((entry, index): LooseWorkload[] => {
        if (!entry || typeof entry !== "object" || Array.isArray(entry)) return [];
        const e = entry as Record<string, unknown>;
        const name = valid(fields.name, e.name);
        const namespace = valid(fields.namespace, e.namespace);
        const written = e.serviceAccountName !== undefined;
        const serviceAccountName = written ? valid(fields.serviceAccountName, e.serviceAccountName) : name;
        const subjects: LooseWorkload["subjects"] = [];
        if (namespace !== undefined && serviceAccountName !== undefined) subjects.push([["workloads", index, written ? "serviceAccountName" : "name"], { namespace, serviceAccountName }]);
        const extra = Array.isArray(e.extraSubjects) ? e.extraSubjects : [];
        extra.forEach((s, j) => {
            const subject = valid(subjectSchema, s);
            if (subject) subjects.push([["workloads", index, "extraSubjects", j], subject]);
        });
        return [{ index, name, subjects, subjectCount: 1 + extra.length }];
    });
}

/** The nested objects the README documents field by field, with the key path they sit under. */
export const nestedSchemas = {
    "workloads[]": workloadSchema.in,
    "workloads[].extraSubjects[]": subjectSchema,
    "workloads[].roles[]": roleSchema,
    "userNodePools[]": userNodePoolSchema,
} as const;
