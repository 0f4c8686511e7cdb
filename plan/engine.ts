import * as pulumi from "@pulumi/pulumi";
import { containsUnknowns } from "@pulumi/pulumi/output";
import { EngineMocks, ExistingClusters, MockedResource } from "./mocks";
import { secretMask } from "./mask";
import { RehearsalRecord, rehearsalOf, withRehearsal } from "./shadow";
import { PlanValues, unknownFromResources } from "./unknowns";

/** What {@link evaluate} runs. */
export interface EvaluateOptions {
    /** The project name (URNs and `pulumi.getProject()`). */
    readonly project: string;
    /** The stack name (URNs and `pulumi.getStack()`). */
    readonly stack: string;
    /** The whole config, `project:key` → string; it replaces any config an earlier run set. */
    readonly config: Readonly<Record<string, string>>;
    /** The config keys that are secret. */
    readonly secretKeys?: readonly string[];
    /**
     * The program: called once with the mocks installed and the config set. Its result is treated as the
     * stack outputs. A module-level program must be imported inside it (or before, and called again per run).
     */
    readonly program: () => unknown | Promise<unknown>;
    /** Existing clusters that `getManagedCluster` finds (bring-your-own-cluster mode). */
    readonly existingClusters?: ExistingClusters;
    /**
     * What the values Azure computes are: `unknown` (default) runs a preview where they are unknown, as a real
     * `pulumi preview` of a new stack sees them, so nothing derived from them is computed; `rehearsal` gives them
     * concrete, deterministic, Azure-shaped values, so every derived value is computed the real way.
     */
    readonly values?: PlanValues;
    /**
     * With `values: "unknown"`: rehearse in the same evaluation (plan/shadow.ts), so that the result's `rehearsal`
     * is what a separate `rehearsal` evaluation gives, at the cost of one evaluation instead of two.
     */
    readonly rehearse?: boolean;
}

/** The outcome of one evaluation. */
export interface Evaluation {
    /** Every resource the program registered, with its URN, parent, dependencies, inputs and mocked state. */
    readonly resources: readonly MockedResource[];
    /** The program's outputs, resolved; secret outputs are replaced by the mask. */
    readonly outputs: Record<string, unknown>;
    /** What each invoke (data source) answered, in call order. */
    readonly answers: EngineMocks["answers"];
    /** The values the run gave what Azure computes. */
    readonly values: PlanValues;
    /** The first error the program raised, synchronously or in an apply, if any. */
    readonly error?: Error;
    /** With `rehearse`: the same run as the rehearsal saw it (`values: "rehearsal"`). */
    readonly rehearsal?: Evaluation;
}

/** Internals of the SDK's runtime that the public typings leave out. */
interface RuntimeInternals {
    waitForRPCs(): Promise<void>;
}

/** Internals of an Output: its value as a promise that rejects when the value failed. */
interface OutputInternals {
    isKnown: Promise<boolean>;
    allResources(): Promise<Set<pulumi.Resource>>;
    promise(withUnknowns?: boolean): Promise<unknown>;
}

// Pulumi's runtime state is process-global, so evaluations run one at a time.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Evaluates a Pulumi program on the in-process mock engine, with the values Azure computes unknown (a
 * preview) or rehearsed (see {@link EvaluateOptions.values}). Safe to call many times in one process: each call installs
 * fresh mocks and replaces the whole config, so no run sees another's resources or keys.
 */
export function evaluate(options: EvaluateOptions): Promise<Evaluation> {
    const run = queue.then(() => evaluateNow(options));
    queue = run.catch(() => undefined);
    return run;
}

async function evaluateNow(options: EvaluateOptions): Promise<Evaluation> {
    const values = options.values ?? "unknown";
    if (values === "unknown" && options.rehearse) return withRehearsal((record) => evaluateWith(options, record));
    return evaluateWith(options);
}

async function evaluateWith(options: EvaluateOptions, record?: RehearsalRecord): Promise<Evaluation> {
    const values = options.values ?? "unknown";
    const rehearsal = values === "rehearsal";
    const style = rehearsal ? "fake" : record ? "rehearsed" : "unknown";
    const mocks = await new EngineMocks({ style, knownInvokes: true, existingClusters: options.existingClusters })
        .install(options.project, options.stack, !rehearsal, record);
    // setAllConfig overwrites the whole map (it does not merge), so an earlier run's keys are gone.
    pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);

    const errors: Error[] = [];
    // Errors thrown inside applies surface as rejected promises nobody awaits; collect them instead of crashing.
    const onRejection = (reason: unknown): void => {
        errors.push(reason instanceof Error ? reason : new Error(String(reason)));
    };
    process.on("unhandledRejection", onRejection);
    // Pulumi captures a stack trace per resource and per promise; ts-node's source-map formatting of them
    // dominated plan time (10 ms a resource). The plan never prints a stack, so it keeps none while it runs.
    const errorClass = Error as { prepareStackTrace?: unknown; stackTraceLimit: number };
    const { prepareStackTrace, stackTraceLimit } = errorClass;
    errorClass.prepareStackTrace = undefined;
    errorClass.stackTraceLimit = 0;
    let finished = false;
    try {
        const run = async (): Promise<Evaluation> => {
            let result: unknown;
            try {
                result = await options.program();
            } catch (err) {
                errors.push(err as Error);
            }
            await settle(mocks);
            let outputs: Record<string, unknown> = {};
            let rehearsedOutputs: Record<string, unknown> = {};
            try {
                if (errors.length === 0) outputs = await resolveOutputs(result, mocks.resources, false);
                if (errors.length === 0 && record) rehearsedOutputs = await resolveOutputs(result, mocks.rehearsed, true);
            } catch (err) {
                errors.push(err as Error);
            }
            await settle(mocks);
            const answers = [...mocks.answers];
            const evaluation: Evaluation = { resources: [...mocks.resources], outputs, answers, values, error: errors[0] };
            return record ? { ...evaluation, rehearsal: { resources: [...mocks.rehearsed], outputs: rehearsedOutputs, answers, values: "rehearsal", error: errors[0] } } : evaluation;
        };
        // A failed registration or invoke leaves the engine waiting forever, so stop at the first error or a stall.
        const evaluation = await Promise.race([run(), watchdog(mocks, errors, () => finished)]);
        // A failed run's other outputs reject a moment later; they belong to this run, not the caller's next one.
        if (evaluation.error) await new Promise((resolve) => setTimeout(resolve, 50));
        return evaluation;
    } finally {
        finished = true;
        errorClass.prepareStackTrace = prepareStackTrace;
        errorClass.stackTraceLimit = stackTraceLimit;
        process.off("unhandledRejection", onRejection);
    }
}

/** How long the program may register nothing new, with no error, before the plan gives up on it. */
const stallMs = 15000;

/**
 * Resolves, with the first error, once the program has failed (an error was collected) or stalled
 * (nothing registered for {@link stallMs}); never resolves once `finished` says the run is over.
 */
function watchdog(mocks: EngineMocks, errors: Error[], finished: () => boolean): Promise<Evaluation> {
    return new Promise((resolve) => {
        let seen = mocks.resources.length;
        let idle = 0;
        const tick = (): void => {
            if (finished()) return;
            if (mocks.resources.length !== seen) {
                seen = mocks.resources.length;
                idle = 0;
            } else {
                idle += 20;
            }
            if (errors.length > 0 || idle >= stallMs) {
                const error = errors[0] ?? new Error(`the program stopped making progress: nothing registered for ${stallMs / 1000} s (a value that never resolves?)`);
                resolve({ resources: [...mocks.resources], outputs: {}, answers: [...mocks.answers], values: mocks.style === "fake" ? "rehearsal" : "unknown", error });
                return;
            }
            setTimeout(tick, 20);
        };
        setTimeout(tick, 20);
    });
}

/**
 * Waits until the engine has no RPC in flight and the mocks have seen no new resource for a few turns of the event
 * loop: registrations run asynchronously. (No timers: a turn of the loop is enough, and free.)
 */
export async function settle(mocks: EngineMocks): Promise<void> {
    const runtime = pulumi.runtime as unknown as RuntimeInternals;
    let quiet = 0;
    let seen = -1;
    while (quiet < 3) {
        await runtime.waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
        quiet = mocks.resources.length === seen ? quiet + 1 : 0;
        seen = mocks.resources.length;
    }
}

/**
 * Resolves a program's result to plain values; secret outputs become the mask, never their value. `rehearsed`:
 * the rehearsal's view of a run that rehearses (each unknown's rehearsed value), else the preview's.
 */
async function resolveOutputs(result: unknown, recorded: readonly MockedResource[], rehearsed: boolean): Promise<Record<string, unknown>> {
    if (result === null || result === undefined) return {};
    const value = await resolve(result, recorded, rehearsed);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : { result: value };
}

async function resolve(value: unknown, recorded: readonly MockedResource[], rehearsed: boolean): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        if (await pulumi.isSecret(value)) return secretMask;
        const output = value as unknown as OutputInternals;
        if (!(await output.isKnown)) {
            if (rehearsed) {
                const value = rehearsalOf(await output.promise(true));
                if (!containsUnknowns(value)) return resolve(value, recorded, rehearsed);
            }
            // An unknown output names the resources it comes from; the plan names the one Azure computes it on.
            const urns = await Promise.all([...await output.allResources()].map((r) => resolve(r.urn, recorded, rehearsed)));
            return unknownFromResources(urns as string[], recorded);
        }
        return resolve(await output.promise(), recorded, rehearsed);
    }
    if (pulumi.Resource.isInstance(value)) return { urn: await resolve(value.urn, recorded, rehearsed) };
    if (value instanceof Promise) return resolve(await value, recorded, rehearsed);
    if (Array.isArray(value)) return Promise.all(value.map((v) => resolve(v, recorded, rehearsed)));
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await resolve(v, recorded, rehearsed);
        return out;
    }
    return value;
}
