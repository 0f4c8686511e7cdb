/**
 * The stack config schema, written with zod: every key the program reads, its type, allowed values, rules,
 * default or per-profile default, and the shape of every nested object (unknown nested keys are refused).
 * It is the one home of config keys: `infra/config.ts` parses with it, `infra/docs.ts` generates
 * `Pulumi.yaml`'s `config:` block and the README's config reference from it (a test ties both to it).
 * The Azure and Kubernetes rules themselves live in `components/shared/`, which the components use too.
 */

import { z } from "zod";
import { KubeloginMethod, kubeloginMethods } from "../components/cluster/kubeconfig";
import { tokenExpirationRange } from "../components/identity/workloadIdentity";
import { softDeleteRetentionRange } from "../components/keyvault/keyVault";
import { armIdProblem, guidProblem } from "../components/shared/arm";
import { cloudNames, defaultCloud } from "../components/shared/clouds";
import {
    aksSkuTiers, availabilityZones, networkDataplanes, oneOfProblem, publicNetworkAccessModes, vaultSkus,
} from "../components/shared/enums";
import {
    agentPoolNameProblem, dns1123LabelProblem, dns1123SubdomainProblem, federatedNamespaceProblem, issuerLabelProblem, issuerUrlProblem,
    vaultNamePrefixProblem, vaultSecretNameProblem,
} from "../components/shared/names";
import { ipv4CidrProblem, vaultIpRuleProblem } from "../components/shared/network";
import { poolCountRange } from "../components/shared/pools";
import { roleProblem } from "../components/shared/roles";
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
const roleName = ruled((v) => roleProblem("", v)?.trimStart());
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
    role: roleName.describe("A built-in role name (Key Vault Secrets User, ...) or a role definition GUID."),
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
    image: text.optional().describe("When set, a Deployment of this image runs as the workload."),
    port: whole(1, 65535).optional().describe("The Deployment's container port."),
    replicas: whole(0, 100).optional().describe("The Deployment's replicas, 0-100. Default 1."),
    env: z.record(z.string(), z.string()).superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
            if (!envName.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `is not an environment variable name (letters, digits and '_', not starting with a digit)` });
            else if (name.startsWith("AZURE_")) ctx.addIssue({ code: "custom", path: [name], message: `is set by the workload identity webhook; setting it stops the webhook injecting its own` });
        }
    }).optional().describe("Extra environment variables for the Deployment's container, {NAME: value}."),
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
    nodeLabels: z.record(z.string(), z.string()).optional().describe("Kubernetes labels for the pool's nodes."),
    nodeTaints: z.array(taint).optional().describe("Taints such as dedicated=batch:NoSchedule."),
});

// ---- the keys ----

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
    verifyImage: key({ type: "string", schema: text, default: "mcr.microsoft.com/azure-cli:2.67.0", description: "The verification Job's image; it needs sh and the Azure CLI (az)." }),
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

/** The nested objects the README documents field by field, with the key path they sit under. */
export const nestedSchemas = {
    "workloads[]": workloadSchema.in,
    "workloads[].extraSubjects[]": subjectSchema,
    "workloads[].roles[]": roleSchema,
    "userNodePools[]": userNodePoolSchema,
} as const;
