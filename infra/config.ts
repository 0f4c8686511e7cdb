import * as pulumi from "@pulumi/pulumi";
import { kubeloginMethods, KubeloginMethod } from "../components/cluster/kubeconfig";
import { UserNodePoolArgs } from "../components/cluster/aksCluster";
import { Problems } from "../components/shared/errors";
import { checkNamespaceName, checkServiceAccountName, issuerLabelPattern } from "../components/shared/names";
import { isGuid, resolveRole, roleProblem } from "../components/shared/roles";
import { maxFederatedCredentialsPerIdentity, subjectNameClashes, tokenExpirationRange } from "../components/identity/workloadIdentity";
import { softDeleteRetentionRange, vaultNamePrefixProblem } from "../components/keyvault/keyVault";
import { defaultVerifyTimeoutSeconds, verifyTimeoutRange } from "../components/verification/verificationJob";
import { EnvironmentProfile, profiles } from "../stacks";
import { configSchema, ConfigKey } from "./schema";

/** A role a workload gets. */
export interface WorkloadRoleConfig {
    /** A built-in role name or a role definition GUID. */
    readonly role: string;
    /** An ARM id; absent means this stack's Key Vault. */
    readonly scope?: string;
}

/** One workload: an identity, its ServiceAccounts, roles and optionally a Deployment. */
export interface WorkloadConfig {
    /** The workload's name (a DNS-1123 label); it names the identity and its resources. */
    readonly name: string;
    /** The workload's namespace. */
    readonly namespace: string;
    /** The workload's ServiceAccount. */
    readonly serviceAccountName: string;
    /** Other ServiceAccounts that share this identity (many-to-one). */
    readonly extraSubjects: readonly { readonly namespace: string; readonly serviceAccountName: string }[];
    /** The roles; default Key Vault Secrets User on this stack's vault. */
    readonly roles: readonly WorkloadRoleConfig[];
    /** The projected token's lifetime in seconds, when set. */
    readonly tokenExpirationSeconds?: number;
    /** Create the namespace(s), when set. Unset: yes on the stack's own cluster, no on an existing one. Built-in namespaces never. */
    readonly createNamespace?: boolean;
    /** When set, a Deployment of this image runs as the workload. */
    readonly image?: string;
    /** The Deployment's container port, when set. */
    readonly port?: number;
    /** The Deployment's replicas. */
    readonly replicas: number;
    /** Extra environment variables for the Deployment's container. */
    readonly env: Readonly<Record<string, string>>;
}

/** The validated, typed and frozen stack configuration. */
export interface StackConfig {
    readonly stack: string;
    readonly profile: EnvironmentProfile;
    readonly location: string;
    readonly resourceGroupName?: string;
    readonly existingCluster?: { readonly resourceGroupName: string; readonly name: string };
    readonly kubernetesVersion?: string;
    readonly systemPool: { readonly vmSize: string; readonly count?: number; readonly minCount?: number; readonly maxCount?: number; readonly availabilityZones: readonly string[] };
    readonly userNodePools: readonly UserNodePoolArgs[];
    readonly adminGroupObjectIds: readonly string[];
    readonly disableLocalAccounts: boolean;
    readonly skuTier: "Free" | "Standard" | "Premium";
    readonly networkDataplane: "azure" | "cilium";
    readonly apiServerAuthorizedIpRanges: readonly string[];
    readonly kubelogin: { readonly method: KubeloginMethod; readonly clientId?: string };
    readonly keyVault: {
        readonly namePrefix: string;
        readonly sku: "standard" | "premium";
        readonly softDeleteRetentionDays: number;
        readonly publicNetworkAccess: "Enabled" | "Disabled";
        readonly ipRules: readonly string[];
    };
    readonly workloads: readonly WorkloadConfig[];
    readonly extraIssuers: Readonly<Record<string, string>>;
    /** Secret values: the program wraps each in `pulumi.secret`. */
    readonly vaultSecrets: Readonly<Record<string, string>>;
    readonly verification?: { readonly workload: string; readonly image: string; readonly timeoutSeconds: number };
    readonly tags: Readonly<Record<string, string>>;
}

/** The Kubernetes namespaces that always exist, so the program never creates them. */
export const builtInNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Roles that can read secret values, which the verification Job needs. */
const secretReaderRoles = ["Key Vault Secrets User", "Key Vault Secrets Officer", "Key Vault Administrator"];

const cidrPattern = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const ipRulePattern = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const workloadKeys = ["name", "namespace", "serviceAccountName", "extraSubjects", "roles", "tokenExpirationSeconds", "createNamespace", "image", "port", "replicas", "env"];
/** What a container env var name may look like (C identifier); the webhook's AZURE_* variables are its own. */
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads raw config values, as Pulumi holds them (strings; structured values as JSON), and records a
 * problem naming the key for every value of the wrong type.
 */
class ConfigReader {
    constructor(private readonly raw: Readonly<Record<string, string>>, readonly problems: Problems) {}

    has(key: ConfigKey): boolean {
        return this.raw[key] !== undefined;
    }

    string(key: ConfigKey): string | undefined {
        const value = this.raw[key];
        if (value === undefined) return undefined;
        if (value.trim() === "") {
            this.problems.add(`config key "${key}" is empty: ${configSchema[key].description}`);
            return undefined;
        }
        return value;
    }

    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T): T {
        const value = this.string(key);
        if (value === undefined) return fallback;
        if (!(allowed as readonly string[]).includes(value)) {
            this.problems.add(`config key "${key}" is "${value}": allowed values are ${allowed.map((a) => `"${a}"`).join(", ")}`);
            return fallback;
        }
        return value as T;
    }

    integer(key: ConfigKey, min: number, max: number): number | undefined {
        const value = this.raw[key];
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
            this.problems.add(`config key "${key}" is "${value}": it must be a whole number from ${min} to ${max}`);
            return undefined;
        }
        return n;
    }

    boolean(key: ConfigKey): boolean | undefined {
        const value = this.raw[key];
        if (value === undefined) return undefined;
        if (value !== "true" && value !== "false") {
            this.problems.add(`config key "${key}" is "${value}": it must be true or false`);
            return undefined;
        }
        return value === "true";
    }

    json(key: ConfigKey, shape: "array" | "object"): unknown {
        const value = this.raw[key];
        if (value === undefined) return undefined;
        let parsed: unknown;
        try {
            parsed = JSON.parse(value);
        } catch {
            this.problems.add(`config key "${key}" must be ${shape === "array" ? "a list" : "a map"} (structured YAML in Pulumi.<stack>.yaml, or pulumi config set --path)`);
            return undefined;
        }
        const isArray = Array.isArray(parsed);
        if ((shape === "array") !== isArray || parsed === null || typeof parsed !== "object") {
            this.problems.add(`config key "${key}" must be ${shape === "array" ? "a list" : "a map"}, not ${JSON.stringify(parsed)}`);
            return undefined;
        }
        return parsed;
    }

    stringList(key: ConfigKey, check?: (item: string, itemKey: string) => string | undefined): string[] {
        const list = this.json(key, "array") as unknown[] | undefined;
        return (list ?? []).flatMap((item, i) => {
            const itemKey = `${key}[${i}]`;
            if (typeof item !== "string") {
                this.problems.add(`config key "${itemKey}" must be a string, not ${JSON.stringify(item)}`);
                return [];
            }
            const problem = check?.(item, itemKey);
            if (problem) {
                this.problems.add(problem);
                return [];
            }
            return [item];
        });
    }

    stringMap(key: ConfigKey): Record<string, string> {
        const map = this.json(key, "object") as Record<string, unknown> | undefined;
        const result: Record<string, string> = {};
        for (const [k, v] of Object.entries(map ?? {})) {
            if (typeof v !== "string") {
                this.problems.add(`config key "${key}.${k}" must be a string`);
            } else {
                result[k] = v;
            }
        }
        return result;
    }
}

/** Deep-freezes a plain value. */
function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
    }
    return value;
}

/** The problem with a namespace under a config key, if any. */
function namespaceProblem(key: string, value: unknown): string | undefined {
    return checkNamespaceName(`config key "${key}"`, value);
}

/** The problem with a ServiceAccount name under a config key, if any. */
function serviceAccountProblem(key: string, value: unknown): string | undefined {
    return checkServiceAccountName(`config key "${key}"`, value);
}

/** Parses one workload entry, recording every problem under `workloads[i]`. */
function parseWorkload(entry: unknown, i: number, problems: Problems): WorkloadConfig | undefined {
    const key = `workloads[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        problems.add(`config key "${key}" must be a map such as {name: orders, namespace: apps}`);
        return undefined;
    }
    const w = entry as Record<string, unknown>;
    for (const k of Object.keys(w)) {
        if (!workloadKeys.includes(k)) problems.add(`config key "${key}.${k}" is not a workload setting: allowed are ${workloadKeys.join(", ")}`);
    }
    const before = problems.all.length;
    const name = w.name;
    if (typeof name !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
        problems.add(`config key "${key}.name" ${name === undefined ? "is required" : `is ${JSON.stringify(name)}`}: a workload name is 1-40 lowercase letters, digits and '-'`);
    }
    if (w.namespace === undefined) {
        problems.add(`config key "${key}.namespace" is required: the workload's Kubernetes namespace`);
    } else {
        const p = namespaceProblem(`${key}.namespace`, w.namespace);
        if (p) problems.add(p);
    }
    const serviceAccountName = w.serviceAccountName ?? name;
    const saProblem = serviceAccountProblem(`${key}.serviceAccountName`, serviceAccountName);
    if (saProblem) problems.add(saProblem);

    const extraSubjects: { namespace: string; serviceAccountName: string }[] = [];
    if (w.extraSubjects !== undefined) {
        if (!Array.isArray(w.extraSubjects)) {
            problems.add(`config key "${key}.extraSubjects" must be a list of {namespace, serviceAccountName}`);
        } else {
            w.extraSubjects.forEach((s: Record<string, unknown>, j: number) => {
                const sKey = `${key}.extraSubjects[${j}]`;
                const p1 = namespaceProblem(`${sKey}.namespace`, s?.namespace);
                const p2 = serviceAccountProblem(`${sKey}.serviceAccountName`, s?.serviceAccountName);
                if (p1) problems.add(p1);
                if (p2) problems.add(p2);
                if (!p1 && !p2) extraSubjects.push({ namespace: s.namespace as string, serviceAccountName: s.serviceAccountName as string });
            });
        }
    }
    const subjectKeys = [`${w.namespace}/${serviceAccountName}`, ...extraSubjects.map((s) => `${s.namespace}/${s.serviceAccountName}`)];
    const duplicate = subjectKeys.find((s, j) => subjectKeys.indexOf(s) !== j);
    if (duplicate) problems.add(`config key "${key}.extraSubjects" lists ${duplicate} twice: each ServiceAccount is federated once per issuer`);
    for (const clash of subjectNameClashes([{ namespace: String(w.namespace), serviceAccountName: String(serviceAccountName) }, ...extraSubjects])) {
        problems.add(`config key "${key}.extraSubjects": ${clash}`);
    }

    let roles: WorkloadRoleConfig[] = [{ role: "Key Vault Secrets User" }];
    if (w.roles !== undefined) {
        if (!Array.isArray(w.roles)) {
            problems.add(`config key "${key}.roles" must be a list of {role, scope}`);
        } else {
            roles = [];
            w.roles.forEach((r: Record<string, unknown>, j: number) => {
                const rKey = `${key}.roles[${j}]`;
                const p = roleProblem(`config key "${rKey}.role"`, r?.role);
                if (p) problems.add(p);
                if (r?.scope !== undefined && (typeof r.scope !== "string" || !r.scope.startsWith("/"))) {
                    problems.add(`config key "${rKey}.scope" is ${JSON.stringify(r.scope)}: it must be an ARM id starting with "/subscriptions/" (omit it for this stack's Key Vault)`);
                }
                if (!p) roles.push({ role: r.role as string, scope: r.scope as string | undefined });
            });
        }
    }
    const expiration = w.tokenExpirationSeconds;
    if (expiration !== undefined && (!Number.isInteger(expiration) || (expiration as number) < tokenExpirationRange.min || (expiration as number) > tokenExpirationRange.max)) {
        problems.add(`config key "${key}.tokenExpirationSeconds" is ${JSON.stringify(expiration)}: it must be a whole number from ${tokenExpirationRange.min} to ${tokenExpirationRange.max}`);
    }
    if (w.createNamespace !== undefined && typeof w.createNamespace !== "boolean") {
        problems.add(`config key "${key}.createNamespace" must be true or false`);
    }
    if (w.image !== undefined && (typeof w.image !== "string" || w.image.trim() === "")) {
        problems.add(`config key "${key}.image" must be a container image reference such as ghcr.io/org/app:1.2.3`);
    }
    if (w.port !== undefined && (!Number.isInteger(w.port) || (w.port as number) < 1 || (w.port as number) > 65535)) {
        problems.add(`config key "${key}.port" is ${JSON.stringify(w.port)}: it must be a port from 1 to 65535`);
    }
    if (w.replicas !== undefined && (!Number.isInteger(w.replicas) || (w.replicas as number) < 0 || (w.replicas as number) > 100)) {
        problems.add(`config key "${key}.replicas" is ${JSON.stringify(w.replicas)}: it must be a whole number from 0 to 100`);
    }
    const env: Record<string, string> = {};
    if (w.env !== undefined) {
        if (w.env === null || typeof w.env !== "object" || Array.isArray(w.env)) {
            problems.add(`config key "${key}.env" must be a map of NAME: value`);
        } else {
            for (const [envName, value] of Object.entries(w.env as Record<string, unknown>)) {
                if (!envNamePattern.test(envName) || typeof value !== "string") {
                    problems.add(`config key "${key}.env.${envName}" must be a string under a C-identifier name`);
                } else if (envName.startsWith("AZURE_")) {
                    problems.add(`config key "${key}.env.${envName}": AZURE_* variables come from the workload identity webhook; setting them stops it injecting its own`);
                } else {
                    env[envName] = value;
                }
            }
        }
    }
    if (problems.all.length > before) return undefined;
    return {
        name: name as string,
        namespace: w.namespace as string,
        serviceAccountName: serviceAccountName as string,
        extraSubjects,
        roles,
        tokenExpirationSeconds: expiration as number | undefined,
        createNamespace: w.createNamespace as boolean | undefined,
        image: w.image as string | undefined,
        port: w.port as number | undefined,
        replicas: (w.replicas as number | undefined) ?? 1,
        env,
    };
}

/**
 * Parses and validates a stack's config. `raw` maps config keys (without the project prefix) to their
 * values as Pulumi holds them. Every problem is collected, and one `ArgsError` names each key;
 * nothing is created before this returns.
 */
export function parseStackConfig(stack: string, raw: Readonly<Record<string, string>>): StackConfig {
    const problems = new Problems();
    const read = new ConfigReader(raw, problems);

    for (const key of Object.keys(raw)) {
        if (!(key in configSchema)) {
            problems.add(`config key "${key}" is not known: known keys are ${Object.keys(configSchema).join(", ")}`);
        }
    }

    const profileName = read.string("profile");
    const profile = profileName === undefined ? undefined : profiles[profileName];
    if (profileName === undefined && !read.has("profile")) {
        problems.add(`config key "profile" is required in Pulumi.${stack}.yaml: allowed values are ${Object.keys(profiles).map((p) => `"${p}"`).join(", ")}`);
    } else if (profileName !== undefined && !profile) {
        problems.add(`config key "profile" is "${profileName}": allowed values are ${Object.keys(profiles).map((p) => `"${p}"`).join(", ")}`);
    }
    const p = profile ?? profiles.dev;

    const existingRg = read.string("existingClusterResourceGroup");
    const existingName = read.string("existingClusterName");
    if ((existingRg === undefined) !== (existingName === undefined)) {
        problems.add(`config keys "existingClusterResourceGroup" and "existingClusterName" go together: set both to use an existing cluster, or neither`);
    }

    const zones = read.has("availabilityZones")
        ? read.stringList("availabilityZones", (z, k) => (/^[123]$/.test(z) ? undefined : `config key "${k}" is "${z}": allowed values are "1", "2", "3"`))
        : [...p.systemPool.availabilityZones];
    const count = read.integer("systemNodeCount", 1, 1000);
    const minCount = read.integer("systemMinCount", 1, 1000);
    const maxCount = read.integer("systemMaxCount", 1, 1000);
    if (read.has("systemMinCount") !== read.has("systemMaxCount")) {
        problems.add(`config keys "systemMinCount" and "systemMaxCount" go together: set both to autoscale, or neither`);
    }
    if (minCount !== undefined && maxCount !== undefined && minCount > maxCount) {
        problems.add(`config key "systemMinCount" (${minCount}) must not exceed "systemMaxCount" (${maxCount})`);
    }
    const autoscale = minCount !== undefined && maxCount !== undefined;
    const systemPool = {
        vmSize: read.string("systemVmSize") ?? p.systemPool.vmSize,
        ...(count !== undefined
            ? { count }
            : autoscale
                ? { minCount, maxCount }
                : { count: p.systemPool.count, minCount: p.systemPool.minCount, maxCount: p.systemPool.maxCount }),
        availabilityZones: zones,
    };

    const userNodePools = ((read.json("userNodePools", "array") as UserNodePoolArgs[] | undefined) ?? []).map((pool, i) => {
        if (pool === null || typeof pool !== "object") {
            problems.add(`config key "userNodePools[${i}]" must be a map such as {name: apps, vmSize: Standard_D4ds_v5, count: 2}`);
        } else if (!/^[a-z][a-z0-9]{0,11}$/.test(String(pool.name)) || pool.name === "system") {
            problems.add(`config key "userNodePools[${i}].name" is ${JSON.stringify(pool.name)}: 1-12 lowercase letters and digits, starting with a letter, not "system"`);
        } else if (typeof pool.vmSize !== "string") {
            problems.add(`config key "userNodePools[${i}].vmSize" is required: an Azure VM size`);
        }
        return { availabilityZones: zones, ...pool };
    });

    const adminGroupObjectIds = read.stringList("adminGroupObjectIds", (id, k) => (isGuid(id) ? undefined : `config key "${k}" is "${id}": it must be an Entra group object id (a GUID)`));
    const disableLocalAccounts = read.boolean("disableLocalAccounts") ?? true;
    if (!disableLocalAccounts && p.requires.localAccountsDisabled) {
        problems.add(`config key "disableLocalAccounts" is false, but the ${p.name} profile requires local accounts disabled (Entra ID sign-in only)`);
    }
    const skuTier = read.oneOf("skuTier", ["Free", "Standard", "Premium"] as const, p.skuTier);
    const networkDataplane = read.oneOf("networkDataplane", ["azure", "cilium"] as const, p.networkDataplane);
    const apiServerAuthorizedIpRanges = read.stringList("apiServerAuthorizedIpRanges", (r, k) => (cidrPattern.test(r) ? undefined : `config key "${k}" is "${r}": it must be an IPv4 CIDR such as 203.0.113.0/24`));
    const kubeloginMethod = read.oneOf("kubeloginMethod", kubeloginMethods, "azurecli");
    const kubeloginClientId = read.string("kubeloginClientId");
    if (kubeloginMethod === "spn" && !kubeloginClientId) {
        problems.add(`config key "kubeloginClientId" is required when "kubeloginMethod" is "spn": the service principal's application id`);
    }

    const defaultPrefix = `wid-${stack.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 17).replace(/-+$/, "");
    const namePrefix = read.string("keyVaultNamePrefix") ?? defaultPrefix;
    const prefixProblem = vaultNamePrefixProblem(`config key "keyVaultNamePrefix"`, namePrefix);
    if (prefixProblem) problems.add(prefixProblem);
    const retention = read.integer("softDeleteRetentionDays", softDeleteRetentionRange.min, softDeleteRetentionRange.max) ?? p.softDeleteRetentionDays;
    if (retention < p.requires.minSoftDeleteRetentionDays) {
        problems.add(`config key "softDeleteRetentionDays" is ${retention}, but the ${p.name} profile requires at least ${p.requires.minSoftDeleteRetentionDays}`);
    }
    const keyVault = {
        namePrefix,
        sku: read.oneOf("keyVaultSku", ["standard", "premium"] as const, "standard"),
        softDeleteRetentionDays: retention,
        publicNetworkAccess: read.oneOf("keyVaultPublicNetworkAccess", ["Enabled", "Disabled"] as const, "Enabled"),
        ipRules: read.stringList("keyVaultIpRules", (r, k) => (ipRulePattern.test(r) ? undefined : `config key "${k}" is "${r}": it must be an IPv4 address or CIDR`)),
    };

    const extraIssuers = read.stringMap("extraIssuers");
    for (const [label, url] of Object.entries(extraIssuers)) {
        if (!issuerLabelPattern.test(label) || label === "aks") {
            problems.add(`config key "extraIssuers.${label}": a label is 1-40 letters, digits, '-' and '_', and not "aks" (this stack's cluster)`);
        }
        if (!url.startsWith("https://")) {
            problems.add(`config key "extraIssuers.${label}" is "${url}": it must be an https:// issuer URL, verbatim with its trailing slash`);
        }
    }

    const rawWorkloads = read.json("workloads", "array") as unknown[] | undefined;
    if (!read.has("workloads")) {
        problems.add(`config key "workloads" is required: a list of {name, namespace, ...}, at least one`);
    } else if (rawWorkloads && rawWorkloads.length === 0) {
        problems.add(`config key "workloads" is empty: give at least one workload`);
    }
    const workloads = (rawWorkloads ?? []).flatMap((entry, i) => parseWorkload(entry, i, problems) ?? []);
    const issuerCount = 1 + Object.keys(extraIssuers).length;
    workloads.forEach((w) => {
        const i = (rawWorkloads ?? []).findIndex((e) => (e as { name?: string })?.name === w.name);
        const federations = issuerCount * (1 + w.extraSubjects.length);
        if (federations > maxFederatedCredentialsPerIdentity) {
            problems.add(`config key "workloads[${i}]": workload "${w.name}" needs ${federations} federated credentials (${issuerCount} issuer(s) x ${1 + w.extraSubjects.length} ServiceAccount(s)); Azure allows at most ${maxFederatedCredentialsPerIdentity} per identity`);
        }
    });
    const names = workloads.map((w) => w.name);
    names.forEach((n, i) => {
        if (names.indexOf(n) !== i) problems.add(`config key "workloads[${i}].name" "${n}" is used twice: workload names must be unique`);
    });

    const vaultSecrets = read.stringMap("vaultSecrets");
    for (const name of Object.keys(vaultSecrets)) {
        if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) problems.add(`config key "vaultSecrets.${name}": a secret name is 1-127 letters, digits and '-'`);
    }

    const verify = read.boolean("verify") ?? p.verify;
    const verifyWorkload = read.string("verifyWorkload") ?? workloads[0]?.name;
    const verifyTimeout = read.integer("verifyTimeoutSeconds", verifyTimeoutRange.min, verifyTimeoutRange.max) ?? defaultVerifyTimeoutSeconds;
    const verifyImage = read.string("verifyImage") ?? (configSchema.verifyImage.default as string);
    if (verify && verifyWorkload !== undefined && workloads.length > 0) {
        const target = workloads.find((w) => w.name === verifyWorkload);
        if (!target) {
            problems.add(`config key "verifyWorkload" is "${verifyWorkload}": it must name a workload (${names.join(", ")})`);
        } else if (!target.roles.some((r) => r.scope === undefined && secretReaderRoles.includes(resolveRole(r.role)!.name))) {
            problems.add(`config key "verifyWorkload": workload "${verifyWorkload}" has no role that reads this stack's vault secrets (${secretReaderRoles.join(", ")}), so the verification Job would always fail`);
        }
    }

    const tags = read.stringMap("tags");
    const resourceGroupName = read.string("resourceGroupName");
    const location = read.string("location") ?? (configSchema.location.default as string);
    const kubernetesVersion = read.string("kubernetesVersion");

    problems.throwIfAny(`stack "${stack}" config`);
    return deepFreeze<StackConfig>({
        stack,
        profile: p,
        location,
        resourceGroupName,
        existingCluster: existingRg && existingName ? { resourceGroupName: existingRg, name: existingName } : undefined,
        kubernetesVersion,
        systemPool,
        userNodePools,
        adminGroupObjectIds,
        disableLocalAccounts,
        skuTier,
        networkDataplane,
        apiServerAuthorizedIpRanges,
        kubelogin: { method: kubeloginMethod, clientId: kubeloginClientId },
        keyVault,
        workloads,
        extraIssuers,
        vaultSecrets,
        verification: verify ? { workload: verifyWorkload!, image: verifyImage, timeoutSeconds: verifyTimeout } : undefined,
        tags,
    });
}

/** Reads this stack's config from the Pulumi runtime and parses it with {@link parseStackConfig}. */
export function loadStackConfig(): StackConfig {
    const prefix = `${pulumi.getProject()}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    return parseStackConfig(pulumi.getStack(), raw);
}

