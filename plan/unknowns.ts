import type { MockedResource } from "./mocks";
import type { UnknownValue } from "./model";
import { mapChildren } from "./walk";

/**
 * What the plan gives the values Azure computes at deploy (issuer URL, client and principal ids, vault URIs...):
 * - `unknown`: a preview, as `pulumi preview` of a new stack sees them. The values are unknown, so the program's
 *   `apply` callbacks never run on them and everything derived from them is unknown too; the plan shows each as
 *   a structured {@link UnknownValue} naming where it comes from.
 * - `rehearsal`: concrete, deterministic, Azure-shaped values (an issuer URL with its trailing slash, GUIDs, vault
 *   names and URIs), so every derived value is computed the real way and the trust analysis checks real strings.
 */
export type PlanValues = "unknown" | "rehearsal";

/** The accepted {@link PlanValues}, for argument checks. */
export const planValues: readonly PlanValues[] = ["unknown", "rehearsal"];

/** Whether `value` is the SDK's unknown value (how the mock engine hands an unknown input or output over). */
export function isRawUnknown(value: unknown): boolean {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>).__pulumiUnknown === true;
}

/** Whether `value` is the plan's structured unknown. */
export function isUnknownValue(value: unknown): value is UnknownValue {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const inner = (value as Record<string, unknown>).unknown;
    return inner !== null && typeof inner === "object" && "resource" in inner && Object.keys(value).length === 1;
}

/** A structured unknown. */
export function unknownValue(resource: string | null, output: string | null): UnknownValue {
    return { unknown: { resource, output } };
}

/** The paths (dotted) at which `value` holds the SDK's unknown. */
function unknownPaths(value: unknown, prefix = ""): string[] {
    if (isRawUnknown(value)) return [prefix];
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, prefix ? `${prefix}.${i}` : String(i)));
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [];
}

/** A copy of `value` with each of the SDK's unknowns replaced by what `replace` says for its path. */
function replaceUnknowns(value: unknown, replace: (path: string) => unknown, prefix = ""): unknown {
    if (isRawUnknown(value)) return replace(prefix);
    if (Array.isArray(value)) return value.map((v, i) => replaceUnknowns(v, replace, prefix ? `${prefix}.${i}` : String(i)));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v, replace, prefix ? `${prefix}.${k}` : k)]));
    }
    return value;
}

/**
 * The resource's own computed outputs: state paths that are unknown though the inputs did not make them so
 * (an input that is itself unknown and passed through, like a name, is not the resource's own output).
 */
export function ownUnknownOutputs(r: MockedResource): string[] {
    const fromInputs = new Set(unknownPaths(r.inputs));
    return unknownPaths(r.state).filter((p) => !fromInputs.has(p));
}

/**
 * How each of the SDK's unknowns in a resource's inputs and state is described when nothing more exact is known:
 * - in its own state: the resource itself and the output's path;
 * - in an input: the resource the SDK says the input depends on (its property dependencies), and that
 *   resource's output when it has exactly one computed output; when it has several, or the input depends on
 *   several resources, `output` is null (the value is computed from them after deploy, through the program).
 * Indexes are built once and each resource's computed outputs found once, when first needed.
 */
class UnknownDescriber {
    private readonly byUrn: Map<string, MockedResource>;
    private readonly own = new Map<string, string[]>();
    private readonly fromInputs = new Map<string, Set<string>>();

    constructor(resources: readonly MockedResource[]) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
    }

    private ownOutputs(urn: string): string[] {
        let outputs = this.own.get(urn);
        if (!outputs) {
            const r = this.byUrn.get(urn);
            outputs = r ? ownUnknownOutputs(r) : [];
            this.own.set(urn, outputs);
        }
        return outputs;
    }

    /** The unknown at `path` of `r`'s inputs. */
    input(r: MockedResource, path: string): UnknownValue {
        const top = path.split(".")[0];
        const deps = [...new Set(r.propertyDependencies[top] ?? r.dependencies)].filter((urn) => this.byUrn.has(urn));
        // Components pass their children's outputs through; the custom resource behind them is the source.
        const sources = deps.filter((urn) => this.ownOutputs(urn).length > 0);
        if (sources.length === 1) {
            const outputs = this.ownOutputs(sources[0]);
            return unknownValue(sources[0], outputs.length === 1 ? outputs[0] : null);
        }
        return unknownValue(sources.length === 0 && deps.length === 1 ? deps[0] : null, null);
    }

    /** The unknown at `path` of `r`'s state: an input passed through, or the resource's own output. */
    state(r: MockedResource, path: string): UnknownValue {
        let paths = this.fromInputs.get(r.urn);
        if (!paths) {
            paths = new Set(unknownPaths(r.inputs));
            this.fromInputs.set(r.urn, paths);
        }
        return paths.has(path) ? this.input(r, path) : unknownValue(r.urn, path);
    }
}

/** Replaces the SDK's unknowns in every resource's inputs and state with {@link UnknownValue}s (see {@link UnknownDescriber}). */
export function describeUnknowns(resources: readonly MockedResource[]): MockedResource[] {
    const describe = new UnknownDescriber(resources);
    return resources.map((r) => ({
        ...r,
        inputs: replaceUnknowns(r.inputs, (path) => describe.input(r, path)) as Record<string, unknown>,
        state: replaceUnknowns(r.state, (path) => describe.state(r, path)) as Record<string, unknown>,
        id: r.id,
    }));
}

/**
 * A stack output's unknown: the custom resource it comes from when the SDK names exactly one (`urns` are the
 * output's resources), with that resource's one computed output when it has exactly one.
 */
export function unknownFromResources(urns: readonly string[], resources: readonly MockedResource[]): UnknownValue {
    const byUrn = indexed(resources, "by urn", () => new Map(resources.map((r) => [r.urn, r])));
    const candidates = [...new Set(urns)].flatMap((urn) => byUrn.get(urn) ?? []).filter((r) => r.custom && ownUnknownOutputs(r).length > 0);
    if (candidates.length !== 1) return unknownValue(null, null);
    const outputs = ownUnknownOutputs(candidates[0]);
    return unknownValue(candidates[0].urn, outputs.length === 1 ? outputs[0] : null);
}

/** `<type> "<name>"` of a URN: the short label the text plan uses. */
function urnLabel(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    const [pkg, mod, kind] = type.split(":");
    const short = pkg === "azure-native" || pkg === "kubernetes" ? `${mod}:${kind}` : pkg === "random" ? `random:${kind}` : type;
    return `${short} "${parts[3] ?? urn}"`;
}

/**
 * Each unknown's text, made once per object: a plan shows one unknown in many places (the tracer gives every string
 * that is one traced value the same object), and an unknown is never modified.
 */
const unknownTexts = new WeakMap<UnknownValue, string>();

/** How the text plan shows an unknown: `<known after deploy: clientId of managedidentity:UserAssignedIdentity "orders-identity">`. */
export function unknownText(value: UnknownValue): string {
    let text = unknownTexts.get(value);
    if (text === undefined) {
        const { resource, output } = value.unknown;
        // An invoke's answer (the deployer's client config) is read at a real preview, with credentials.
        text = resource === null ? output === null ? "<known after deploy>" : `<read at a real preview: ${output}>`
            : output === null ? `<known after deploy: from ${urnLabel(resource)}>` : `<known after deploy: ${output} of ${urnLabel(resource)}>`;
        unknownTexts.set(value, text);
    }
    return text;
}

/** The value at a dotted path (`a.b.c`), or undefined. An empty path is the value itself. */
export function valueAt(value: unknown, dotted: string): unknown {
    if (dotted === "") return value;
    let v = value;
    for (const key of dotted.split(".")) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/** Every string leaf of a value, with its dotted path. */
function leaves(value: unknown, prefix = ""): [string, string][] {
    if (typeof value === "string") return [[prefix, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, prefix ? `${prefix}.${i}` : String(i)));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
    return [];
}

/** What {@link traceComputedValues} reads of an evaluation. */
interface EvaluationLike {
    readonly resources: readonly MockedResource[];
    readonly answers: readonly { readonly token: string; readonly args: Record<string, unknown>; readonly result: Record<string, unknown> }[];
}

/**
 * Every value the rehearsal gave something Azure computes, mapped to where it comes from: each resource's own
 * outputs that the preview saw unknown (and its id), and the invokes' unknown answers (`resource` null,
 * `output` `<invoke token>.<field>`). The rehearsal's values are unique per resource and output (GUIDs seeded by
 * name, ARM ids, URLs), so a string equal to one is that output, and a string containing one is computed from it.
 */
export function traceComputedValues(preview: EvaluationLike, rehearsal: EvaluationLike): Map<string, UnknownValue> {
    const traced = new Map<string, UnknownValue>();
    const add = (value: unknown, marker: UnknownValue): void => {
        if (typeof value === "string" && value !== "" && !traced.has(value)) traced.set(value, marker);
    };
    // Invokes are answered at a preview too (a real one reads them with the deployer's credentials): every
    // answered string that is not simply one of the invoke's arguments is a value read from Azure.
    for (const answer of rehearsal.answers) {
        const args = new Set(leaves(answer.args).map(([, v]) => v));
        for (const [path, value] of leaves(answer.result)) {
            if (!args.has(value)) add(value, unknownValue(null, `${answer.token}.${path}`));
        }
    }
    const rehearsed = new Map(rehearsal.resources.map((r) => [r.urn, r]));
    for (const r of preview.resources) {
        const twin = rehearsed.get(r.urn);
        if (!twin) continue;
        // The rehearsal's own outputs (state leaves its inputs do not hold) where the preview's state is unknown,
        // walked side by side (a path's keys may hold dots: label and annotation keys do).
        const walk = (state: unknown, inputs: unknown, preview: unknown, underUnknown: boolean, path: string): void => {
            const unknownHere = underUnknown || isRawUnknown(preview);
            if (typeof state === "string") {
                if (inputs !== state && unknownHere) add(state, unknownValue(r.urn, path));
                return;
            }
            if (state === null || typeof state !== "object") return;
            const record = state as Record<string | number, unknown>;
            for (const k of Array.isArray(state) ? state.keys() : Object.keys(state)) {
                walk(record[k], childOf(inputs, k), childOf(preview, k), unknownHere, path ? `${path}.${k}` : String(k));
            }
        };
        walk(twin.state, twin.inputs, r.state, false, "");
        if (r.custom && r.id === "") add(twin.id, unknownValue(r.urn, "id"));
    }
    return traced;
}

/** `v`'s item or property `k`: undefined where `v` has none (a string, or the SDK's unknown). */
function childOf(v: unknown, k: string | number): unknown {
    return v !== null && typeof v === "object" && !isRawUnknown(v) ? (v as Record<string | number, unknown>)[k] : undefined;
}

/**
 * An index of one kind built once per collection (and again if it grew), so that looking values up is not a scan of the
 * whole collection per value: scans made a plan's analysis quadratic in its workloads (minutes at 1,000).
 */
function indexed<I>(of: ReadonlyMap<unknown, unknown> | readonly unknown[], kind: string, build: () => I): I {
    const size = "size" in of ? of.size : of.length;
    const built = indexes.get(of) ?? new Map<string, { size: number; index: unknown }>();
    indexes.set(of, built);
    const cached = built.get(kind);
    if (cached && cached.size === size) return cached.index as I;
    const index = build();
    built.set(kind, { size, index });
    return index;
}
const indexes = new WeakMap<object, Map<string, { size: number; index: unknown }>>();

/** The shortest traced value a string is searched for inside, and the length of the windows that find them. */
const traceWindow = 6;

/** The shortest string that a traced value may start (a value the program cut short): shorter ones are too common. */
const shortestCut = 12;

/** Below this many traced values, a {@link Tracer} compares a string with each directly (cheaper than its index). */
const directTraceLimit = 64;

/** A traced value, its marker, and its place in the map's order (which breaks ties). */
interface TracedEntry {
    readonly value: string;
    readonly marker: UnknownValue;
    readonly order: number;
}

/** A traced value in the index, under the window at `offset`. */
interface IndexedEntry extends TracedEntry {
    readonly offset: number;
}

/**
 * Traced values indexed for {@link Tracer}: each value of 6+ characters under one of its 6-character windows, so
 * that a string's windows find every value it may contain among few candidates; and all values sorted, so that the
 * values a string is the start of are one binary search away.
 */
interface TraceIndex {
    readonly byWindow: Map<string, IndexedEntry[]>;
    readonly sorted: readonly string[];
    readonly byValue: Map<string, TracedEntry>;
}

/** The offsets of the windows a value may be indexed under: every `traceWindow`-th one, and the last. */
function windowOffsets(value: string): number[] {
    const offsets: number[] = [];
    for (let i = 0; i + traceWindow <= value.length; i += traceWindow) offsets.push(i);
    if (value.length > traceWindow && (value.length - traceWindow) % traceWindow !== 0) offsets.push(value.length - traceWindow);
    return offsets;
}

function buildTraceIndex(traced: ReadonlyMap<string, UnknownValue>): TraceIndex {
    const byWindow = new Map<string, IndexedEntry[]>();
    const byValue = new Map<string, TracedEntry>();
    for (const [value, marker] of traced) {
        const entry = { value, marker, order: byValue.size };
        byValue.set(value, entry);
        // Under the window fewest values are under so far (the first free one), so every list stays short. Values
        // share stretches at their start (an ARM id its subscription and provider path, a URL its host), so the
        // windows are tried from the end: the first is most often free.
        let offset = -1;
        let window = "";
        let fewest = Infinity;
        for (const i of windowOffsets(value).reverse()) {
            const candidate = value.slice(i, i + traceWindow);
            const count = byWindow.get(candidate)?.length ?? 0;
            if (count < fewest) {
                offset = i;
                window = candidate;
                fewest = count;
                if (count === 0) break;
            }
        }
        if (offset < 0) continue;
        const list = byWindow.get(window);
        if (list) list.push({ ...entry, offset });
        else byWindow.set(window, [{ ...entry, offset }]);
    }
    // Sorted as strings compare (by UTF-16 code units), which is what the default sort does.
    return { byWindow, sorted: [...traced.keys()].sort(), byValue };
}

/** How much of `s` a traced value explains: its length when `s` contains it, `s`'s when it is `s` cut short; else 0. */
function overlap(s: string, value: string): number {
    return value.length >= traceWindow && s.includes(value) ? value.length : s.length >= shortestCut && value.startsWith(s) ? s.length : 0;
}

/**
 * Says where a string comes from, given the traced values of a plan ({@link traceComputedValues}; the map must not
 * change once a Tracer reads it). The same strings recur across a plan (names, URNs, namespaces), so each is
 * traced once; the index that finds the values a string contains is built when the first string needs it.
 */
export class Tracer {
    private readonly memo = new Map<string, UnknownValue | undefined>();
    private entries: readonly TracedEntry[] | undefined;
    private index: TraceIndex | undefined;

    /** @param traced traced values and where each comes from, in the order that breaks ties. */
    constructor(readonly traced: ReadonlyMap<string, UnknownValue>) {}

    /**
     * The marker of the traced value `s` is; else of the one it contains (the longest), or that starts with it (a
     * value the program cut short, like an issuer without its slash), with `output` null (`s` is computed from it)
     * unless it is an invoke's; the first in the map's order among equals. Undefined when `s` holds no traced value.
     */
    trace(s: string): UnknownValue | undefined {
        const exact = this.traced.get(s);
        if (exact) return exact;
        // Too short to hold a traced value (or to be one cut short). And a URN is made of types and names, which are
        // never Outputs: no value Azure computes is in one.
        if (s.length < traceWindow || s.startsWith("urn:pulumi:")) return undefined;
        if (this.memo.has(s)) return this.memo.get(s);
        const found = this.contained(s);
        this.memo.set(s, found);
        return found;
    }

    /** {@link trace} for a string that is not itself a traced value. */
    private contained(s: string): UnknownValue | undefined {
        let best: TracedEntry | undefined;
        let bestLength = 0;
        for (const entry of this.candidates(s)) {
            const length = overlap(s, entry.value);
            if (length > bestLength) [best, bestLength] = [entry, length];
        }
        if (!best) return undefined;
        // Computed from a resource's output: the resource, no output. From an invoke: the invoke's field, which names it.
        return best.marker.unknown.resource === null ? best.marker : unknownValue(best.marker.unknown.resource, null);
    }

    /** The traced values `s` may contain or start, in the map's order: all of them in a small map, else the index's few. */
    private candidates(s: string): readonly TracedEntry[] {
        if (this.traced.size <= directTraceLimit) return this.entries ??= [...this.traced].map(([value, marker], order) => ({ value, marker, order }));
        const index = this.index ??= buildTraceIndex(this.traced);
        // By order, so a value found twice (by its window and as one `s` starts) counts once.
        const found = new Map<number, TracedEntry>();
        for (let i = 0; i + traceWindow <= s.length; i++) {
            const list = index.byWindow.get(s.slice(i, i + traceWindow));
            if (!list) continue;
            for (const c of list) {
                if (s.startsWith(c.value, i - c.offset)) found.set(c.order, c);
            }
        }
        if (s.length >= shortestCut) {
            const { sorted } = index;
            let low = 0;
            let high = sorted.length;
            while (low < high) {
                const mid = (low + high) >> 1;
                if (sorted[mid] < s) low = mid + 1;
                else high = mid;
            }
            for (let i = low; i < sorted.length && sorted[i].startsWith(s); i++) {
                const entry = index.byValue.get(sorted[i])!;
                found.set(entry.order, entry);
            }
        }
        return found.size === 0 ? [] : [...found.values()].sort((a, b) => a.order - b.order);
    }
}

/**
 * Rewrites a value computed from rehearsed values as the preview sees it: every string that is or contains a
 * rehearsed value becomes an {@link UnknownValue}; inside the keys named in `prose` (sentences), each rehearsed
 * value is replaced by its {@link unknownText} instead.
 */
export function unrehearse<T>(value: T, tracer: Tracer, prose: readonly string[] = ["problems", "unlinkedProblems"]): T {
    // Word by word: a word that is or holds a rehearsed value becomes the text of its unknown, punctuation kept.
    const sentence = (s: string): string => s.split(/(\s+)/).map((word) => {
        const m = /^(["(]*)(.*?)([",;:)]*)$/.exec(word)!;
        const marker = m[2] ? tracer.trace(m[2]) : undefined;
        return marker ? `${m[1]}${unknownText(marker)}${m[3]}` : word;
    }).join("");
    const walk = (v: unknown, inProse: boolean): unknown => {
        if (typeof v === "string") return inProse ? sentence(v) : tracer.trace(v) ?? v;
        if (v === null || typeof v !== "object") return v;
        return mapChildren(v, (item, k) => walk(item, inProse || (typeof k === "string" && prose.includes(k))));
    };
    return walk(value, false) as T;
}

/**
 * {@link describeUnknowns}, with the rehearsal naming each unknown exactly: the rehearsed value at the same
 * resource and path (which an unknown of a single rehearsing evaluation also holds itself) is traced by `tracer`.
 */
export function describeUnknownsTraced(resources: readonly MockedResource[], rehearsal: readonly MockedResource[], tracer: Tracer): MockedResource[] {
    const twins = new Map(rehearsal.map((r) => [r.urn, r]));
    const fromInvokes = new Tracer(new Map([...tracer.traced].filter(([, marker]) => marker.unknown.resource === null)));
    const describe = new UnknownDescriber(resources);
    return resources.map((r) => {
        const twin = twins.get(r.urn);
        // The path is kept as its keys and joined only for an unknown the rehearsal cannot name.
        const keys: (string | number)[] = [];
        const pick = (raw: unknown, rehearsed: unknown, plain: (path: string) => UnknownValue): unknown => {
            // A value read by an invoke is a stand-in here too: show it as what it is.
            if (typeof raw === "string") return fromInvokes.trace(raw) ?? raw;
            if (raw === null || typeof raw !== "object") return raw;
            if (isRawUnknown(raw)) {
                return (typeof rehearsed === "string" ? tracer.trace(rehearsed) : undefined) ?? plain(keys.join("."));
            }
            const rehearsedParts = rehearsed !== null && typeof rehearsed === "object" ? rehearsed as Record<string | number, unknown> : undefined;
            return mapChildren(raw, (value, k) => {
                keys.push(k);
                const picked = pick(value, rehearsedParts?.[k], plain);
                keys.pop();
                return picked;
            });
        };
        return {
            ...r,
            inputs: pick(r.inputs, twin?.inputs, (path) => describe.input(r, path)) as Record<string, unknown>,
            state: pick(r.state, twin?.state, (path) => describe.state(r, path)) as Record<string, unknown>,
            id: r.id,
        };
    });
}
