import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";

/** A stack's config as the Pulumi CLI hands it to the program: `<project>:<key>` → string (structured values as JSON). */
export type RawStackConfig = Record<string, string>;

/** What an encrypted (`secure:`) value reads as offline, where it cannot be decrypted. */
export const encryptedPlaceholder = "<encrypted in the stack file>";

/** Replaces every `{secure: ...}` value, at any depth, with {@link encryptedPlaceholder}. */
function withoutCiphertext(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutCiphertext);
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") return encryptedPlaceholder;
        return Object.fromEntries(entries.map(([k, v]) => [k, withoutCiphertext(v)]));
    }
    return value;
}

/** Config values are strings; structured ones travel as JSON, as the CLI sends them. */
function asConfigString(value: unknown): string {
    const plain = withoutCiphertext(value);
    return typeof plain === "string" ? plain : JSON.stringify(plain);
}

/** Thrown when a stack has no `Pulumi.<stack>.yaml`. */
export class UnknownStackError extends Error {}

/**
 * Reads a stack's config the way the Pulumi CLI does: the `default`s declared in Pulumi.yaml, then
 * Pulumi.<stack>.yaml on top. `root` is the folder holding Pulumi.yaml. Encrypted values cannot be
 * decrypted without the CLI, so they read as {@link encryptedPlaceholder}.
 */
export function readStackConfig(root: string, stack: string): RawStackConfig {
    const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, { default?: unknown }> };
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(stackFile)) {
        throw new UnknownStackError(`no stack "${stack}": Pulumi.${stack}.yaml does not exist (stacks here: ${listStacks(root).join(", ")})`);
    }
    const raw: RawStackConfig = {};
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if (spec && typeof spec === "object" && spec.default !== undefined) raw[`${project.name}:${key}`] = asConfigString(spec.default);
    }
    const stackConfig = (parse(readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [key, value] of Object.entries(stackConfig)) {
        const qualified = key.includes(":") ? key : `${project.name}:${key}`;
        raw[qualified] = asConfigString(value);
    }
    return raw;
}

/** The stacks that have a Pulumi.<stack>.yaml in `root`. */
export function listStacks(root: string): string[] {
    return readdirSync(root)
        .map((f: string) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s: string | undefined): s is string => s !== undefined)
        .sort();
}
