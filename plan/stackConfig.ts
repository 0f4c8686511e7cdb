import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { encryptedPlaceholder, readStackConfig } from "../infra/stackFiles";

/** A problem with the command line or the stack files that stops the plan before the program runs. */
export class PlanInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanInputError";
    }
}

/** Config as the Pulumi CLI hands it to a program: full keys (`project:key`) to strings, plus which keys are secret. */
export interface LoadedConfig {
    /** The project name, from `Pulumi.yaml`. */
    readonly project: string;
    /** The stack name. */
    readonly stack: string;
    /** `project:key` → value; structured values are JSON-encoded, as the CLI passes them. */
    readonly values: Record<string, string>;
    /** The full keys whose values are encrypted (`secure:`) in the stack file. */
    readonly secretKeys: string[];
}

/** What {@link loadConfig} reads. */
export interface LoadConfigOptions {
    /** The directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml`. */
    readonly dir: string;
    /** The stack name. */
    readonly stack: string;
    /** `key=value` overrides, applied last; values are parsed as YAML, as with `pulumi config set --path`. */
    readonly set?: readonly string[];
}

/** Parses one `--set key=value`. Scalars stay the text given (as `pulumi config set`); lists and maps are YAML. */
export function parseSetOverride(arg: string): { key: string; value: string } {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new PlanInputError(`--set "${arg}" must be key=value, for example --set verify=false`);
    const key = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1);
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) throw new PlanInputError(`--set "${arg}": "${key}" is not a config key`);
    const trimmed = raw.trim();
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
        let parsed: unknown;
        try {
            parsed = YAML.parse(trimmed);
        } catch (err) {
            throw new PlanInputError(`--set ${key}: the value is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
        }
        return { key, value: JSON.stringify(parsed) };
    }
    return { key, value: raw };
}

/**
 * Reads config the way the Pulumi CLI does — the defaults declared in `Pulumi.yaml`, then
 * `Pulumi.<stack>.yaml` (through infra/stackFiles.ts, which the stack tests use too) — then applies the
 * `--set` overrides. Throws {@link PlanInputError} for a missing or unreadable stack file or a bad override.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
    const { dir, stack } = options;
    let values: Record<string, string>;
    let project: string;
    try {
        project = (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
        values = readStackConfig(dir, stack);
    } catch (err) {
        // A missing stack, or YAML that does not parse: the message says which file and where.
        throw new PlanInputError((err as Error).message.split("\n")[0]);
    }
    // The CLI marks `secure:` values secret; offline they read as the placeholder, so that marks them here.
    const secretKeys = Object.keys(values).filter((key) => values[key].includes(encryptedPlaceholder));
    for (const arg of options.set ?? []) {
        const { key, value } = parseSetOverride(arg);
        values[key.includes(":") ? key : `${project}:${key}`] = value;
    }
    return { project, stack, values, secretKeys: secretKeys.sort() };
}
