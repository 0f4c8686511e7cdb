/**
 * One evaluation, two views: a preview that also carries the rehearsal.
 *
 * The offline plan shows what a real `pulumi preview` of a new stack shows (every value Azure computes unknown, and
 * everything the program derives from one unknown too), and checks the trust chains on the concrete strings a
 * rehearsal computes. Evaluating the program twice (once each way) doubled the plan's cost. Here the program runs
 * once, as a preview, with the SDK's own unknown-tracking intact, and every unknown also carries the value the
 * rehearsal gives it:
 *
 * - a value Azure computes is an unknown that holds its rehearsed value ({@link rehearsedUnknown}); the SDK treats
 *   it as unknown (its `__pulumiUnknown` marker is how the SDK recognises unknowns), so everything the SDK decides
 *   from unknowns (which Outputs are known, which inputs are sent as unknown) is exactly a preview's;
 * - while a run is active, `Output.apply` on an unknown value still runs the callback, on the rehearsed value, and
 *   wraps the result as an unknown that holds it, so applies run the real way (a real preview skips them) and what
 *   they compute stays unknown;
 * - each input the preview sees unknown is also read with every unknown replaced by its rehearsed value
 *   ({@link rehearsedInputs}), so the mocks see both the preview's inputs and the rehearsal's;
 * - a resource constructed inside such an apply's callback (which a real preview would never run) is
 *   rehearsal-only.
 *
 * An unknown with nothing rehearsed (the SDK's own `unknown`) stays what it is in a real preview: applies on it are
 * skipped. Nothing here is active outside {@link withRehearsal}, so every other use of the SDK is unchanged.
 *
 * This reaches into the SDK's internals (Output's `apply`, `runtime/resource.registerResource`); they are pinned by
 * package.json's exact @pulumi/pulumi version and covered by test/shadow.test.ts, which fails if they change shape.
 */
import * as pulumi from "@pulumi/pulumi";
import { containsUnknowns, unknown } from "@pulumi/pulumi/output";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as runtimeResource from "@pulumi/pulumi/runtime/resource";
import { isSecretValue } from "./mask";
import { mapChildren } from "./walk";

/** An unknown that also holds the value the rehearsal gives it. */
export interface RehearsedUnknown {
    readonly __pulumiUnknown: true;
    readonly rehearsed: unknown;
}

/** An unknown holding `value`, its rehearsed value. */
export function rehearsedUnknown(value: unknown): RehearsedUnknown {
    return { __pulumiUnknown: true, rehearsed: value };
}

/** Whether `value` is the SDK's unknown (any kind: ours, the SDK's singleton, or one copied through serialization). */
function isUnknown(value: unknown): boolean {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>).__pulumiUnknown === true;
}

/** Whether `value` is an unknown that holds a rehearsed value. */
export function isRehearsedUnknown(value: unknown): value is RehearsedUnknown {
    return isUnknown(value) && "rehearsed" in (value as object);
}

/** Whether a value is a plain object or array (what the walkers below copy); anything else is kept as is. */
function isPlain(value: unknown): value is Record<string, unknown> | unknown[] {
    if (Array.isArray(value)) return true;
    if (value === null || typeof value !== "object") return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
}

/**
 * The rehearsal's view of a value: every unknown that holds a rehearsed value replaced by it, deeply. An unknown
 * with nothing rehearsed stays (so {@link hasBareUnknown} can tell), and anything that is not plain data (an
 * Output, a Resource, an asset) is kept as is. A part with no unknown in it is the same object, not a copy.
 */
export function rehearsalOf(value: unknown): unknown {
    if (isRehearsedUnknown(value)) return rehearsalOf(value.rehearsed);
    return isUnknown(value) ? value : mapPlain(value, rehearsalOf);
}

/** `value` with `fn` applied to each element or entry when it is plain data (see {@link mapChildren}); else `value`. */
function mapPlain(value: unknown, fn: (item: unknown, key: string | number) => unknown): unknown {
    return isPlain(value) ? mapChildren(value, fn) : value;
}

/** Whether `value` holds an unknown with nothing rehearsed (so the rehearsal cannot compute with it). */
function hasBareUnknown(value: unknown): boolean {
    if (isUnknown(value)) return !isRehearsedUnknown(value) || hasBareUnknown(value.rehearsed);
    if (!isPlain(value)) return false;
    return (Array.isArray(value) ? value : Object.values(value)).some(hasBareUnknown);
}

/**
 * The preview's value with the rehearsal's carried along: where `preview` holds an unknown, the unknown holding the
 * rehearsed value at the same place (or `preview`'s own unknown when the rehearsal has none there). A part with no
 * unknown in it is the same object, not a copy.
 */
export function withRehearsed(preview: unknown, rehearsal: unknown): unknown {
    // One object for both (an input with no unknown in it, kept as is by rehearsedInputs): nothing to carry.
    if (preview === rehearsal) return preview;
    // The SDK sends an unknown secret as a bare unknown, so the rehearsal may be secret where the preview is not.
    if (isSecretValue(rehearsal) && !isSecretValue(preview)) return withRehearsed(preview, (rehearsal as { value?: unknown }).value);
    if (isUnknown(preview)) return rehearsal === undefined || isUnknown(rehearsal) ? preview : rehearsedUnknown(rehearsal);
    if (!isPlain(rehearsal)) return preview;
    return mapPlain(preview, (item, key) => withRehearsed(item, (rehearsal as Record<string | number, unknown>)[key]));
}

/**
 * `rehearsal`, with every part that is equal to the same part of `preview` replaced by `preview`'s object, so that
 * the two records of one resource hold their common parts once.
 */
export function sharedWith(rehearsal: unknown, preview: unknown): unknown {
    if (rehearsal === preview || !isPlain(rehearsal) || !isPlain(preview) || Array.isArray(rehearsal) !== Array.isArray(preview)) return rehearsal;
    const shared = mapPlain(rehearsal, (item, key) => sharedWith(item, (preview as Record<string | number, unknown>)[key]));
    const keys = Object.keys(shared as object);
    const same = keys.length === Object.keys(preview).length
        && keys.every((k) => (shared as Record<string, unknown>)[k] === (preview as Record<string, unknown>)[k]);
    return same ? preview : shared;
}

/** The SDK's Output internals the patched `apply` uses (all public on the implementation, internal in the typings). */
interface OutputInternals {
    resources(): Set<pulumi.Resource>;
    allResources(): Promise<Set<pulumi.Resource>>;
    promise(withUnknowns?: boolean): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    apply(func: (value: unknown) => unknown, runWithUnknowns?: boolean): pulumi.Output<unknown>;
}

type OutputConstructor = new (resources: Set<pulumi.Resource>, promise: Promise<unknown>, isKnown: Promise<boolean>, isSecret: Promise<boolean>, allResources: Promise<Set<pulumi.Resource>>) => pulumi.Output<unknown>;
type RegisterResource = typeof runtimeResource.registerResource;

/** What the active run collects. */
interface Run {
    /**
     * Each registered resource's inputs as the program gave them (Outputs and all), by `<type>::<name>`, with its
     * parent (two resources may share a type and name under different parents) and whether it was registered inside
     * an apply a real preview would not run.
     */
    readonly props: Map<string, { parent: pulumi.Resource | undefined; props: pulumi.Inputs; rehearsalOnly: boolean }[]>;
}

let active: Run | undefined;
/**
 * How many applies on unknown values are running their callback's synchronous part now: a resource constructed
 * there is rehearsal-only. (A callback that awaits before constructing one is not seen; async-context tracking
 * would see it, but enabling the promise hooks it needs cost a tenth of the whole plan.)
 */
let insideUnknownApply = 0;

/** `<type>::<name>`: how a registration is keyed (the mocks key their pending requests the same way). */
export function registrationKey(type: string, name: string): string {
    return `${type}::${name}`;
}

let installed = false;

/** Installs the patches once; they do nothing unless a {@link withRehearsal} run is active. */
function install(): void {
    if (installed) return;
    installed = true;
    const Output = pulumi.Output as unknown as OutputConstructor & { prototype: OutputInternals };
    const stockApply = Output.prototype.apply;
    Output.prototype.apply = function (this: OutputInternals, func, runWithUnknowns) {
        return active ? shadowApply(this, func, runWithUnknowns === true, Output) : stockApply.call(this, func, runWithUnknowns);
    };
    const stockRegister: RegisterResource = runtimeResource.registerResource;
    (runtimeResource as { registerResource: RegisterResource }).registerResource = function (res, parent, t, name, custom, remote, newDependency, props, ...rest) {
        if (active) {
            const key = registrationKey(t, name);
            const registered = active.props.get(key) ?? [];
            registered.push({ parent, props, rehearsalOnly: insideUnknownApply > 0 });
            active.props.set(key, registered);
        }
        return stockRegister.call(this, res, parent, t, name, custom, remote, newDependency, props, ...rest);
    };
}

/**
 * `Output.apply` while a run is active. Known values and the SDK's own property access (`runWithUnknowns`) on
 * partly known values behave exactly as the SDK's; on an unknown value the callback runs on the rehearsed value and
 * the result is an unknown holding what it returned.
 */
function shadowApply(source: OutputInternals, func: (value: unknown) => unknown, runWithUnknowns: boolean, Output: OutputConstructor): pulumi.Output<unknown> {
    const applied = Promise.all([source.allResources(), source.promise(true), source.isKnown, source.isSecret]).then(([allResources, value, isKnown, isSecret]) => {
        // Most applies (the SDK's own, on URNs and input objects) are on known values: the SDK's way, without the
        // unknown checks below walking the value.
        return isKnown ? applyKnown(allResources, value, isSecret, func) : applyUnknown(allResources, value, isSecret, func, runWithUnknowns);
    });
    return new Output(source.resources(), applied.then((a) => a.value), applied.then((a) => a.isKnown), applied.then((a) => a.isSecret), applied.then((a) => a.allResources));
}

/** The result of an apply, as the SDK's own `apply` resolves it. */
interface Applied {
    allResources: Set<pulumi.Resource>;
    value: unknown;
    isKnown: boolean;
    isSecret: boolean;
}

/** An apply on a known value, as the SDK's (a plain result is known at once; a promise or an Output is lifted). */
function applyKnown(allResources: Set<pulumi.Resource>, value: unknown, isSecret: boolean, func: (value: unknown) => unknown): Applied | Promise<Applied> {
    const returned = func(value);
    const thenable = returned !== null && typeof returned === "object" && typeof (returned as { then?: unknown }).then === "function";
    if (thenable || pulumi.Output.isInstance(returned)) return Promise.resolve(returned).then((v) => lift(allResources, v, isSecret, true));
    return { allResources, value: returned, isKnown: true, isSecret };
}

/** An apply on a value that is unknown, or partly: see {@link shadowApply}. */
async function applyUnknown(allResources: Set<pulumi.Resource>, value: unknown, isSecret: boolean, func: (value: unknown) => unknown, runWithUnknowns: boolean): Promise<Applied> {
    const partlyUnknown = !isUnknown(value) && containsUnknowns(value);
    if (runWithUnknowns && partlyUnknown) {
        // The SDK's proxy and `output()` looking inside a partly unknown value: the SDK's way.
        return lift(allResources, await func(value), isSecret, true);
    }
    const rehearsed = rehearsalOf(value);
    // Unknown with nothing rehearsed: the SDK's own unknown, or a value the SDK marked unknown without one (an
    // invoke whose arguments wait on a resource at preview answers `{}`, unknown).
    if (!(isUnknown(value) || partlyUnknown) || hasBareUnknown(rehearsed)) {
        // As in a real preview: the callback does not run (the SDK's proxy sees the unknown), the result is unknown.
        return runWithUnknowns ? lift(allResources, await func(unknown), isSecret, false) : { allResources, value: unknown, isKnown: false, isSecret };
    }
    insideUnknownApply += 1;
    let returned: unknown;
    try {
        returned = func(rehearsed);
    } finally {
        insideUnknownApply -= 1;
    }
    const result = await lift(allResources, await returned, isSecret, false);
    return { ...result, value: rehearsedUnknown(rehearsalOf(result.value)), isKnown: false };
}

/** What an apply's callback returned, with an Output it returned unwrapped (its value, secrecy and resources merged). */
async function lift(allResources: Set<pulumi.Resource>, value: unknown, isSecret: boolean, isKnown: boolean): Promise<Applied> {
    if (!pulumi.Output.isInstance(value)) return { allResources, value, isKnown, isSecret };
    const inner = value as unknown as OutputInternals;
    const [innerValue, innerKnown, innerSecret, innerResources] = await Promise.all([inner.promise(true), inner.isKnown, inner.isSecret, inner.allResources()]);
    return { allResources: new Set([...allResources, ...innerResources]), value: innerValue, isKnown: isKnown && innerKnown, isSecret: isSecret || innerSecret };
}

/**
 * A resource's inputs as the rehearsal would send them, from the inputs the preview sent (`preview`) and the ones the
 * program gave (`props`): each input the preview sees unknown, with every Output and promise in it replaced by a
 * known one holding its rehearsed value, serialized and deserialized by the SDK exactly as the mock engine's request
 * is (so secrets and dropped undefineds look the same); every other input is the preview's own (the same object).
 */
async function rehearsedInputs(preview: Record<string, unknown>, props: pulumi.Inputs, label: string): Promise<Record<string, unknown>> {
    const unknownKeys = Object.keys(preview).filter((k) => containsUnknowns(preview[k]));
    if (unknownKeys.length === 0) return preview;
    const Output = pulumi.Output as unknown as OutputConstructor;
    const twin = (value: unknown): unknown => {
        if (pulumi.Output.isInstance(value)) {
            const o = value as unknown as OutputInternals;
            const promise = o.promise(true).then((v) => twin(rehearsalOf(v)));
            return new Output(o.resources(), promise, Promise.resolve(true), o.isSecret, o.allResources());
        }
        if (value instanceof Promise) return value.then((v) => twin(rehearsalOf(v)));
        if (isRehearsedUnknown(value)) return twin(value.rehearsed);
        return mapPlain(value, twin);
    };
    const subset = Object.fromEntries(unknownKeys.map((k) => [k, twin(props[k])]));
    const serialized = await rpc.serializeProperties(`rehearsal of ${label}`, subset);
    const rehearsed = rpc.deserializeProperties({ toJavaScript: () => serialized } as Parameters<typeof rpc.deserializeProperties>[0]) as Record<string, unknown>;
    return { ...preview, ...rehearsed };
}

/** The rehearsal-side record of a run: see {@link withRehearsal}. */
export interface RehearsalRecord {
    /**
     * The rehearsed inputs of a registration (`<type>::<name>` under the parent `parentUrn`), given the inputs the
     * preview sent, and whether it happened inside an apply a real preview would not run; undefined for a
     * registration that did not pass the SDK's `registerResource` (which would mean the SDK changed shape).
     */
    registration(key: string, parentUrn: string, preview: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; rehearsalOnly: boolean }> | undefined;
}

/**
 * Runs `body` (an evaluation in preview mode, with mocks that answer with {@link rehearsedUnknown}s) with the
 * patches active, and gives it the record to read the rehearsed inputs from. One run at a time (the engine is
 * process-global anyway).
 */
export async function withRehearsal<T>(body: (record: RehearsalRecord) => Promise<T>): Promise<T> {
    install();
    if (active) throw new Error("a rehearsed preview is already running");
    const run: Run = { props: new Map() };
    active = run;
    try {
        return await body({
            registration: (key, parentUrn, preview) => {
                const registered = run.props.get(key);
                if (!registered) return undefined;
                return (async () => {
                    const urns = await Promise.all(registered.map((r) => (r.parent ? (r.parent.urn as unknown as OutputInternals).promise() as Promise<string> : Promise.resolve(""))));
                    const found = urns.indexOf(parentUrn);
                    if (found < 0) throw new Error(`no rehearsed inputs for ${key} under ${parentUrn || "the stack"} (plan/shadow.ts)`);
                    const [{ props, rehearsalOnly }] = registered.splice(found, 1);
                    if (registered.length === 0) run.props.delete(key);
                    return { inputs: await rehearsedInputs(preview, props, key), rehearsalOnly };
                })();
            },
        });
    } finally {
        active = undefined;
    }
}
