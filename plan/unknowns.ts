import type { MockedResource } from "./mocks";
import type { UnknownValue } from "./model";

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
    const keys = Object.keys(value);
    const inner = (value as Record<string, unknown>).unknown;
    return keys.length === 1 && inner !== null && typeof inner === "object" && "resource" in (inner as object);
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

/** How the text plan shows an unknown: `<known after deploy: clientId of managedidentity:UserAssignedIdentity "orders-identity">`. */
export function unknownText(value: UnknownValue): string {
    const { resource, output } = value.unknown;
    // An invoke's answer (the deployer's client config) is read at a real preview, with credentials.
    if (resource === null) return output === null ? "<known after deploy>" : `<read at a real preview: ${output}>`;
    return output === null ? `<known after deploy: from ${urnLabel(resource)}>` : `<known after deploy: ${output} of ${urnLabel(resource)}>`;
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

/** Whether the value at `dotted`, or one of its ancestors, is the SDK's unknown. */
function unknownAt(value: unknown, dotted: string): boolean {
    let v = value;
    for (const key of dotted.split(".")) {
        if (isRawUnknown(v)) return true;
        if (v === null || typeof v !== "object") return false;
        v = (v as Record<string, unknown>)[key];
    }
    return isRawUnknown(v);
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
        // The rehearsal's own outputs (state leaves its inputs do not hold) where the preview's state is unknown.
        for (const [path, value] of leaves(twin.state)) {
            if (valueAt(twin.inputs, path) !== value && unknownAt(r.state, path)) add(value, unknownValue(r.urn, path));
        }
        if (r.custom && r.id === "") add(twin.id, unknownValue(r.urn, "id"));
    }
    return traced;
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

/**
 * Traced values indexed for {@link traceString}: each value of 6+ characters under its rarest 6-character window
 * (with that window's offset), so a string's windows find every value it may contain among few candidates; and all
 * values sorted, so the values a string is the start of are one binary search away. `order` is the map's order.
 */
interface TraceIndex {
    readonly byWindow: Map<string, { value: string; marker: UnknownValue; order: number; offset: number }[]>;
    readonly sorted: { value: string; marker: UnknownValue; order: number }[];
}
const traceWindow = 6;

/** The offsets of the windows a value may be indexed under: every `traceWindow`-th one, and the last. */
function windowOffsets(value: string): number[] {
    const offsets: number[] = [];
    for (let i = 0; i + traceWindow <= value.length; i += traceWindow) offsets.push(i);
    if (value.length > traceWindow && (value.length - traceWindow) % traceWindow !== 0) offsets.push(value.length - traceWindow);
    return offsets;
}

function traceIndex(traced: ReadonlyMap<string, UnknownValue>): TraceIndex {
    return indexed(traced, "windows", () => {
        const entries = [...traced].map(([value, marker], order) => ({ value, marker, order }));
        // How common each candidate window is (ARM ids share long prefixes, so the rarest one keeps lists short).
        const frequency = new Map<string, number>();
        for (const { value } of entries) {
            for (const i of windowOffsets(value)) {
                const window = value.slice(i, i + traceWindow);
                frequency.set(window, (frequency.get(window) ?? 0) + 1);
            }
        }
        const byWindow: TraceIndex["byWindow"] = new Map();
        for (const entry of entries) {
            let offset = -1;
            let rarest = Infinity;
            for (const i of windowOffsets(entry.value)) {
                const count = frequency.get(entry.value.slice(i, i + traceWindow))!;
                if (count < rarest) [offset, rarest] = [i, count];
            }
            if (offset < 0) continue;
            const window = entry.value.slice(offset, offset + traceWindow);
            const list = byWindow.get(window) ?? [];
            list.push({ ...entry, offset });
            byWindow.set(window, list);
        }
        return { byWindow, sorted: entries.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)) };
    });
}

/** Below this many traced values, {@link traceString} compares with each directly (cheaper than its index). */
const directTraceLimit = 64;

/** How much of `s` a traced value explains: its length when `s` contains it, `s`'s when it is `s` cut short; else 0. */
function overlap(s: string, value: string): number {
    return value.length >= 6 && s.includes(value) ? value.length : s.length >= 12 && value.startsWith(s) ? s.length : 0;
}

/** The traced value `s` is, or the one it contains (the longest), as a marker with `output` null when only contained. */
export function traceString(s: string, traced: ReadonlyMap<string, UnknownValue>): UnknownValue | undefined {
    const exact = traced.get(s);
    if (exact) return exact;
    // A URN is made of types and names, which are never Outputs: no value Azure computes is in one.
    if (s.startsWith("urn:pulumi:")) return undefined;
    // The same strings recur across a plan (names, URNs, namespaces): each is traced once per map.
    const memo = indexed(traced, "traced strings", () => new Map<string, UnknownValue | undefined>());
    if (memo.has(s)) return memo.get(s);
    const found = traceContained(s, traced);
    memo.set(s, found);
    return found;
}

/** {@link traceString} for a string that is not itself a traced value. */
function traceContained(s: string, traced: ReadonlyMap<string, UnknownValue>): UnknownValue | undefined {
    // The longest traced value it contains, or (a value the program cut short, like an issuer without its slash) starts;
    // the first in the map's order among equals.
    let best: [string, UnknownValue] | undefined;
    const consider = (value: string, marker: UnknownValue): void => {
        const length = overlap(s, value);
        if (length > 0 && (!best || length > best[0].length)) best = [value.slice(0, length), marker];
    };
    if (traced.size <= directTraceLimit) {
        for (const [value, marker] of traced) consider(value, marker);
    } else {
        const index = traceIndex(traced);
        const candidates = new Map<number, [string, UnknownValue]>();
        for (let i = 0; i + traceWindow <= s.length; i++) {
            for (const c of index.byWindow.get(s.slice(i, i + traceWindow)) ?? []) {
                if (s.startsWith(c.value, i - c.offset)) candidates.set(c.order, [c.value, c.marker]);
            }
        }
        if (s.length >= 12) {
            let low = 0;
            let high = index.sorted.length;
            while (low < high) {
                const mid = (low + high) >> 1;
                if (index.sorted[mid].value < s) low = mid + 1;
                else high = mid;
            }
            for (let i = low; i < index.sorted.length && index.sorted[i].value.startsWith(s); i++) candidates.set(index.sorted[i].order, [index.sorted[i].value, index.sorted[i].marker]);
        }
        for (const [value, marker] of [...candidates].sort(([a], [b]) => a - b).map(([, c]) => c)) consider(value, marker);
    }
    if (!best) return undefined;
    // Computed from a resource's output: the resource, no output. From an invoke: the invoke's field, which names it.
    return best[1].unknown.resource === null ? best[1] : unknownValue(best[1].unknown.resource, null);
}

/**
 * Rewrites a value computed from rehearsed values as the preview sees it: every string that is or contains a
 * rehearsed value becomes an {@link UnknownValue}; inside the keys named in `prose` (sentences), each rehearsed
 * value is replaced by its {@link unknownText} instead.
 */
export function unrehearse<T>(value: T, traced: ReadonlyMap<string, UnknownValue>, prose: readonly string[] = ["problems", "unlinkedProblems"]): T {
    // Word by word: a word that is or holds a rehearsed value becomes the text of its unknown, punctuation kept.
    const sentence = (s: string): string => s.split(/(\s+)/).map((word) => {
        const m = /^(["(]*)(.*?)([",;:)]*)$/.exec(word)!;
        const marker = m[2] ? traceString(m[2], traced) : undefined;
        return marker ? `${m[1]}${unknownText(marker)}${m[3]}` : word;
    }).join("");
    const walk = (v: unknown, inProse: boolean): unknown => {
        if (typeof v === "string") return inProse ? sentence(v) : traceString(v, traced) ?? v;
        if (Array.isArray(v)) return v.map((item) => walk(item, inProse));
        if (v !== null && typeof v === "object") {
            return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, inProse || prose.includes(k))]));
        }
        return v;
    };
    return walk(value, false) as T;
}

/**
 * {@link describeUnknowns}, with the rehearsal naming each unknown exactly: the rehearsed value at the same
 * resource and path (which an unknown of a single rehearsing evaluation also holds itself) is looked up in `traced`.
 */
export function describeUnknownsTraced(resources: readonly MockedResource[], rehearsal: readonly MockedResource[], traced: ReadonlyMap<string, UnknownValue>): MockedResource[] {
    const twins = new Map(rehearsal.map((r) => [r.urn, r]));
    const fromInvokes = new Map([...traced].filter(([, marker]) => marker.unknown.resource === null));
    const describe = new UnknownDescriber(resources);
    return resources.map((r) => {
        const twin = twins.get(r.urn);
        const pick = (raw: unknown, rehearsed: unknown, path: string, plain: (path: string) => UnknownValue): unknown => {
            if (isRawUnknown(raw)) {
                return (typeof rehearsed === "string" ? traceString(rehearsed, traced) : undefined) ?? plain(path);
            }
            // A value read by an invoke is a stand-in here too: show it as what it is.
            if (typeof raw === "string") return traceString(raw, fromInvokes) ?? raw;
            const at = (k: string | number): string => (path ? `${path}.${k}` : String(k));
            if (Array.isArray(raw)) return raw.map((item, i) => pick(item, Array.isArray(rehearsed) ? rehearsed[i] : undefined, at(i), plain));
            if (raw !== null && typeof raw === "object") {
                const twinValue = (k: string): unknown => rehearsed !== null && typeof rehearsed === "object" ? (rehearsed as Record<string, unknown>)[k] : undefined;
                return Object.fromEntries(Object.entries(raw).map(([k, item]) => [k, pick(item, twinValue(k), at(k), plain)]));
            }
            return raw;
        };
        return {
            ...r,
            inputs: pick(r.inputs, twin?.inputs, "", (path) => describe.input(r, path)) as Record<string, unknown>,
            state: pick(r.state, twin?.state, "", (path) => describe.state(r, path)) as Record<string, unknown>,
            id: r.id,
        };
    });
}
