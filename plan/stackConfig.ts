import * as YAML from "yaml";
import { ConfigOverride, readStackFiles, StackFiles, StackFilesError, UnknownStackError } from "../infra/stackFiles";

/** A problem with the command line or the stack files that stops the plan before the program runs (exit 2). */
export class PlanInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanInputError";
    }
}

/** Config as the Pulumi CLI hands it to a program: full keys (`project:key`) to strings, plus which keys are secret. */
export type PlanConfig = StackFiles;

/** What {@link readPlanConfig} reads. */
export interface PlanConfigOptions {
    /** The directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml`. */
    readonly dir: string;
    /** The stack name. */
    readonly stack: string;
    /** `key=value` overrides, applied last; values are parsed as YAML, as with `pulumi config set --path`. */
    readonly set?: readonly string[];
}

/** Parses one `--set key=value`. Scalars stay the text given (as `pulumi config set`); lists and maps are YAML. */
export function parseSetOverride(arg: string): ConfigOverride {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new PlanInputError(`--set "${arg}" must be key=value, for example --set verify=false`);
    const key = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1);
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) throw new PlanInputError(`--set "${arg}": "${key}" is not a config key`);
    const trimmed = raw.trim();
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
        try {
            return { key, value: YAML.parse(trimmed) as unknown };
        } catch (err) {
            throw new PlanInputError(`--set ${key}: the value is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
        }
    }
    return { key, value: raw };
}

/**
 * The plan's config: the stack files read as the CLI reads them (infra/stackFiles.ts `readStackFiles`, which the
 * stack tests use too), with the `--set` overrides applied as `pulumi config set` would before the CLI's checks.
 * Throws {@link PlanInputError} for a missing stack, YAML that does not parse, a bad override, or anything the CLI
 * would refuse (with the CLI's message).
 */
export function readPlanConfig(options: PlanConfigOptions): PlanConfig {
    const overrides = (options.set ?? []).map(parseSetOverride);
    try {
        return readStackFiles(options.dir, options.stack, overrides);
    } catch (err) {
        if (err instanceof StackFilesError || err instanceof UnknownStackError) throw new PlanInputError(err.message);
        // YAML that does not parse: the message says which file and where.
        throw new PlanInputError((err as Error).message.split("\n")[0]);
    }
}
