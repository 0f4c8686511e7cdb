import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { UserNodePoolArgs } from "../components/cluster/aksCluster";
import { maxFederatedCredentialsPerIdentity, subjectNameClashes } from "../components/identity/workloadIdentity";
import { CloudName } from "../components/shared/clouds";
import { ArgsError } from "../components/shared/errors";
import { builtInNamespaces } from "../components/shared/names";
import { systemPoolName } from "../components/shared/pools";
import { regionProblem } from "../components/shared/regions";
import { resolveRole } from "../components/shared/roles";
import { EnvironmentProfile, profiles } from "../stacks";
import { ConfigKey, ConfigKeySpec, configSchema, ConfigValue, subjectSchema, workloadSchema, WorkloadValue } from "./schema";

export { builtInNamespaces };

/** Deeply read-only. */
type Frozen<T> = T extends (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** One workload, as parsed from the `workloads` key (types from the schema). */
export type WorkloadConfig = Frozen<WorkloadValue>;
/** A role a workload gets. */
export type WorkloadRoleConfig = WorkloadConfig["roles"][number];

/** The validated, typed and deep-frozen stack configuration. */
export type StackConfig = Frozen<{
    stack: string;
    profile: EnvironmentProfile;
    cloud: CloudName;
    location: string;
    resourceGroupName?: string;
    existingCluster?: { resourceGroupName: string; name: string };
    kubernetesVersion?: string;
    systemPool: { vmSize: string; count?: number; minCount?: number; maxCount?: number; availabilityZones: string[] };
    adminGroupObjectIds: string[];
    disableLocalAccounts: boolean;
    skuTier: ConfigValue<"skuTier">;
    networkDataplane: ConfigValue<"networkDataplane">;
    apiServerAuthorizedIpRanges: string[];
    kubelogin: { method: ConfigValue<"kubeloginMethod">; clientId?: string };
    keyVault: {
        namePrefix: string;
        sku: ConfigValue<"keyVaultSku">;
        softDeleteRetentionDays: number;
        publicNetworkAccess: ConfigValue<"keyVaultPublicNetworkAccess">;
        ipRules: string[];
    };
    workloads: WorkloadValue[];
    extraIssuers: Record<string, string>;
    /** Secret values: the program wraps each in `pulumi.secret`. */
    vaultSecrets: Record<string, string>;
    verification?: { workload: string; image: string; timeoutSeconds: number };
    tags: Record<string, string>;
}> & {
    /** The user pools, with the stack's zones where a pool names none. */
    readonly userNodePools: readonly UserNodePoolArgs[];
};

/** Roles that can read secret values (the data action Microsoft.KeyVault/vaults/secrets/getSecret/action), which the verification Job needs. */
const secretReaderRoles = ["Key Vault Secrets User", "Key Vault Secrets Officer", "Key Vault Administrator"];

/** `workloads[2].namespace` from a zod path. */
export function keyPath(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** Phrases for zod's own issues (wrong types, missing fields); the schema's rules carry their own messages. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
    if (issue.code !== "invalid_type") return undefined;
    if (issue.input === undefined) return "is required";
    const expected: Record<string, string> = { string: "a string", number: "a number", boolean: "true or false", array: "a list", object: "a map", record: "a map" };
    return `must be ${expected[issue.expected] ?? issue.expected}, not ${JSON.stringify(issue.input)}`;
}

/** Decodes a raw value as the CLI hands it to the program (scalars as text, lists and maps as JSON). */
function decode(spec: ConfigKeySpec, raw: string): { value?: unknown; problem?: string } {
    switch (spec.type) {
        case "string":
            return raw.trim() === "" ? { problem: `is empty: ${spec.description}` } : { value: raw };
        case "integer":
            return /^[+-]?\d+$/.test(raw.trim()) ? { value: Number(raw) } : { problem: `is "${raw}": it must be a whole number` };
        case "boolean":
            return raw === "true" || raw === "false" ? { value: raw === "true" } : { problem: `is "${raw}": it must be true or false` };
        default: {
            const shape = spec.type === "array" ? "a list" : "a map";
            try {
                return { value: JSON.parse(raw) };
            } catch {
                return { problem: `must be ${shape} (structured YAML in Pulumi.<stack>.yaml, or pulumi config set --path), not ${JSON.stringify(raw)}` };
            }
        }
    }
}

/** The closest known key to a misspelt one, if any is near. */
function closestKey(unknown: string): string | undefined {
    const distance = (a: string, b: string): number => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0][j] = j;
        for (let i = 1; i <= a.length; i++) {
            for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        return d[a.length][b.length];
    };
    const best = Object.keys(configSchema).map((k) => [k, distance(unknown.toLowerCase(), k.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
    return best && best[1] <= 3 ? best[0] : undefined;
}

/** Deep-freezes a plain value. */
function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
    }
    return value;
}

/**
 * Parses and validates a stack's config. `raw` maps config keys (without the project prefix) to their values
 * as Pulumi hands them to the program (strings; lists and maps as JSON). Every problem is collected, each
 * naming the key as the user wrote it; one `ArgsError` reports them all. Nothing is created before this returns.
 */
export function parseStackConfig(stack: string, raw: Readonly<Record<string, string>>): StackConfig {
    const problems: string[] = [];
    const add = (path: readonly PropertyKey[], message: string) => problems.push(`config key "${keyPath(path)}" ${message}`);

    for (const k of Object.keys(raw)) {
        if (!(k in configSchema)) {
            const near = closestKey(k);
            add([k], `is not known${near ? `: did you mean "${near}"?` : ""} Known keys are ${Object.keys(configSchema).join(", ")}`);
        }
    }

    // Each key on its own, so one bad key never hides another's problems.
    const set: Partial<Record<ConfigKey, unknown>> = {};
    const bad = new Set<ConfigKey>();
    /** For a list that failed as a whole: the entries that parsed, by index, so rules across entries still run. */
    const partial = new Map<ConfigKey, [number, unknown][]>();
    /** Each key's decoded value, valid or not. */
    const decodedValues: Partial<Record<ConfigKey, unknown>> = {};
    for (const [k, spec] of Object.entries(configSchema) as [ConfigKey, ConfigKeySpec][]) {
        const text = raw[k];
        if (text === undefined) {
            if (spec.required) add([k], `is required in Pulumi.${stack}.yaml: ${spec.description}`);
            continue;
        }
        const decoded = decode(spec, text);
        if (decoded.problem) {
            add([k], decoded.problem);
            bad.add(k);
            continue;
        }
        decodedValues[k] = decoded.value;
        const result = spec.schema.safeParse(decoded.value, { error: issueMessage });
        if (result.success) {
            set[k] = result.data;
            continue;
        }
        bad.add(k);
        if (spec.schema instanceof z.ZodArray && Array.isArray(decoded.value)) {
            const element = spec.schema.element as z.ZodType;
            partial.set(k, decoded.value.flatMap((e, i): [number, unknown][] => {
                const r = element.safeParse(e);
                return r.success ? [[i, r.data]] : [];
            }));
        }
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const unknownKey of issue.keys) add([k, ...issue.path, unknownKey], issue.message);
            } else {
                add([k, ...issue.path], issue.message);
            }
        }
    }

    const profile: EnvironmentProfile = profiles[(set.profile as string | undefined) ?? "dev"];
    /** The value of a key: as set, else its default (the profile's, when it has one). Undefined when the key was bad. */
    const value = <K extends ConfigKey>(k: K): ConfigValue<K> => {
        const spec = configSchema[k] as ConfigKeySpec;
        if (k in set) return set[k] as ConfigValue<K>;
        return (spec.profileDefault ? spec.profileDefault(profile) : spec.default) as ConfigValue<K>;
    };
    const ok = (...keys: ConfigKey[]) => keys.every((k) => !bad.has(k));
    /** A list key's entries with their indices: all of them, or those that parsed when others did not. */
    const entriesOf = <K extends "workloads" | "userNodePools">(k: K): [number, ConfigValue<K>[number]][] =>
        (ok(k) ? ((value(k) ?? []) as ConfigValue<K>[number][]).map((v, i): [number, ConfigValue<K>[number]] => [i, v]) : (partial.get(k) ?? []) as [number, ConfigValue<K>[number]][]);
    const isSet = (k: ConfigKey) => k in set;

    // ---- rules across keys ----
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
    for (const w of looseWorkloads(decodedValues.workloads)) {
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

    if (problems.length > 0) throw new ArgsError(`stack "${stack}" config`, problems);

    const minCount = value("systemMinCount");
    const maxCount = value("systemMaxCount");
    const systemPool = {
        vmSize: value("systemVmSize"),
        ...(isSet("systemNodeCount")
            ? { count: value("systemNodeCount") }
            : isSet("systemMinCount")
                ? { minCount, maxCount }
                : { count: profile.systemPool.count, minCount: profile.systemPool.minCount, maxCount: profile.systemPool.maxCount }),
        availabilityZones: value("availabilityZones"),
    };
    const defaultPrefix = `wid-${stack.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 17).replace(/-+$/, "");
    return deepFreeze<StackConfig>({
        stack,
        profile,
        cloud,
        location: value("location"),
        resourceGroupName: value("resourceGroupName"),
        existingCluster: isSet("existingClusterName") ? { resourceGroupName: value("existingClusterResourceGroup")!, name: value("existingClusterName")! } : undefined,
        kubernetesVersion: value("kubernetesVersion"),
        systemPool,
        userNodePools: value("userNodePools").map((pool) => ({ ...pool, availabilityZones: pool.availabilityZones ?? [...systemPool.availabilityZones] })),
        adminGroupObjectIds: value("adminGroupObjectIds"),
        disableLocalAccounts: value("disableLocalAccounts"),
        skuTier: value("skuTier"),
        networkDataplane: value("networkDataplane"),
        apiServerAuthorizedIpRanges: value("apiServerAuthorizedIpRanges"),
        kubelogin: { method, clientId: value("kubeloginClientId") },
        keyVault: {
            namePrefix: value("keyVaultNamePrefix") ?? defaultPrefix,
            sku: value("keyVaultSku"),
            softDeleteRetentionDays: retention,
            publicNetworkAccess: value("keyVaultPublicNetworkAccess"),
            ipRules: value("keyVaultIpRules"),
        },
        workloads,
        extraIssuers,
        vaultSecrets: value("vaultSecrets"),
        verification: verify ? { workload: verifyWorkload!, image: value("verifyImage"), timeoutSeconds: value("verifyTimeoutSeconds") } : undefined,
        tags: value("tags"),
    });
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

/** The runtime entry: reads this stack's config from the Pulumi engine and parses it with {@link parseStackConfig}. */
export function stackConfigFromPulumi(): StackConfig {
    const prefix = `${pulumi.getProject()}:`;
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) {
        if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
    }
    return parseStackConfig(pulumi.getStack(), raw);
}
