import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { MockedResource } from "./mocks";
import { mapChildren } from "./walk";

/** What the plan prints in place of a secret value. */
export const secretMask = "[secret]";

/** Whether `value` is a Pulumi secret as the engine sees it: `{[specialSigKey]: specialSecretSig, value}` (the SDK's constants). */
export function isSecretValue(value: unknown): value is { value?: unknown } {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** `value` as the engine records a secret (see {@link isSecretValue}). */
export function secretValue(value: unknown): Record<string, unknown> {
    return { [specialSigKey]: specialSecretSig, value };
}

/** The result of {@link maskSecrets}: the masked copy, and the plaintexts it hid (to scrub text output). */
export interface Masked<T> {
    readonly value: T;
    readonly secrets: readonly string[];
}

/**
 * `value` with every Pulumi secret replaced by {@link secretMask}: a copy of each object or array on the way to a
 * secret; every part with no secret in it is the original (never modified: the plan only reads what it gets).
 */
export function maskSecrets<T>(value: T): Masked<T> {
    const secrets: string[] = [];
    const walk = (v: unknown): unknown => {
        if (v === null || typeof v !== "object") return v;
        if (isSecretValue(v)) {
            collectStrings(v.value, secrets);
            return secretMask;
        }
        return mapChildren(v, walk);
    };
    return { value: walk(value) as T, secrets };
}

/**
 * {@link maskSecrets} of each resource's inputs and state, where its secrets are (its other fields are the names,
 * URNs and options the engine recorded): a resource with no secret is the original.
 */
export function maskResources(resources: readonly MockedResource[]): Masked<MockedResource[]> {
    const secrets: string[] = [];
    const value = resources.map((r) => {
        const inputs = maskSecrets(r.inputs);
        const state = maskSecrets(r.state);
        secrets.push(...inputs.secrets, ...state.secrets);
        return inputs.value === r.inputs && state.value === r.state ? r : { ...r, inputs: inputs.value, state: state.value };
    });
    return { value, secrets };
}

function collectStrings(value: unknown, into: string[]): void {
    if (typeof value === "string") into.push(value);
    else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, into));
    else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => collectStrings(v, into));
}

/**
 * Removes any secret plaintext from rendered text, as a second line of defence behind {@link maskSecrets}:
 * a value that escaped its secret wrapper (a program bug) still never reaches the screen or a file.
 * Very short values are skipped, as replacing them would garble ordinary words.
 */
export function scrub(text: string, secrets: Iterable<string>): string {
    let out = text;
    const sorted = [...new Set(secrets)].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
    for (const secret of sorted) out = out.split(secret).join(secretMask);
    // JSON output escapes some characters, so the escaped form is scrubbed too.
    for (const secret of sorted) {
        const escaped = JSON.stringify(secret).slice(1, -1);
        if (escaped !== secret) out = out.split(escaped).join(secretMask);
    }
    return out;
}
