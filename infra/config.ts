import * as pulumi from "@pulumi/pulumi";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import type { UserNodePoolArgs } from "../components/cluster/aksCluster";
import { CloudName } from "../components/shared/clouds";
import { ArgsError } from "../components/shared/errors";
import { builtInNamespaces } from "../components/shared/names";
import { EnvironmentProfile, profiles } from "../stacks";
import { ConfigKey, ConfigKeySpec, configSchema, ConfigValue, crossKeyRules, defaultVaultNamePrefix, keyPath, WorkloadValue } from "./schema";

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

    crossKeyRules({ profile, value, isSet, ok, entriesOf, decoded: (k: ConfigKey) => decodedValues[k] }, add);

    if (problems.length > 0) throw new ArgsError(`stack "${stack}" config`, problems);

    const cloud = value("cloud");
    const retention = value("softDeleteRetentionDays");
    const method = value("kubeloginMethod");
    const workloads = value("workloads");
    const extraIssuers = value("extraIssuers");
    const verify = value("verify");
    const verifyWorkload = isSet("verifyWorkload") ? value("verifyWorkload") : workloads[0]?.name;

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
            namePrefix: value("keyVaultNamePrefix") ?? defaultVaultNamePrefix(stack),
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

/** The runtime entry: reads this stack's config from the Pulumi engine and parses it with {@link parseStackConfig}. */
export function stackConfigFromPulumi(): StackConfig {
    const prefix = `${pulumi.getProject()}:`;
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) {
        if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = v;
    }
    return parseStackConfig(pulumi.getStack(), raw);
}
