import type { Evaluation } from "./engine";
import type { MockedResource } from "./mocks";
import type { Plan, PlanResource } from "./model";
import { groupBy, ResourceIndex } from "./inspect";
import { rank } from "./kinds";
import { maskResources, maskSecrets } from "./mask";
import { keyProperties } from "./properties";
import { analyzeTrust } from "./trust";
import { mapChildren } from "./walk";
import { describeUnknowns, describeUnknownsTraced, isUnknownValue, traceComputedValues, Tracer, unrehearse } from "./unknowns";

// `localeCompare` builds a collator per call; these are the same orders, built once.
const byText = new Intl.Collator();
const byName = new Intl.Collator("en", { numeric: true });

function compare(a: MockedResource, b: MockedResource): number {
    // Most siblings share a type (a component's workloads): equal strings need no collator.
    return rank(a.type) - rank(b.type) || (a.type === b.type ? 0 : byText.compare(a.type, b.type)) || byName.compare(a.name, b.name);
}

/** Resources in tree order: each parent before its children, siblings sorted by {@link compare}. */
export function treeOrder(resources: readonly MockedResource[]): MockedResource[] {
    const urns = new Set(resources.map((r) => r.urn));
    const children = groupBy(resources, (r) => (r.parent && urns.has(r.parent) ? r.parent : ""));
    const out: MockedResource[] = [];
    const visit = (parent: string): void => {
        for (const r of (children.get(parent) ?? []).sort(compare)) {
            out.push(r);
            visit(r.urn);
        }
    };
    visit("");
    return out;
}

/**
 * `resources` in tree order, taken from `ordered` (another view of the same run, in tree order) when both hold the
 * same resources under the same parents: the order depends on nothing else (a URN holds the type and the name).
 */
export function treeOrderAs(resources: readonly MockedResource[], ordered: readonly MockedResource[]): MockedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    if (byUrn.size !== resources.length || resources.length !== ordered.length) return treeOrder(resources);
    const out: MockedResource[] = [];
    for (const r of ordered) {
        const same = byUrn.get(r.urn);
        if (!same || same.parent !== r.parent) return treeOrder(resources);
        out.push(same);
    }
    return out;
}

/** The plan and the secret plaintexts it masked (for scrubbing rendered text). */
export interface BuiltPlan {
    readonly plan: Plan;
    readonly secrets: readonly string[];
}

/**
 * Turns an evaluation into the {@link Plan}: masks secrets first, then orders, describes and checks the trust chains.
 *
 * A preview (`values: "unknown"`) comes with the rehearsal of the same program: the rehearsal names where each
 * unknown comes from, and the trust chains are checked on its concrete strings (so an issuer the program edits is
 * caught), then shown as the preview sees them, with every rehearsed value back to an unknown.
 */
export function buildPlan(project: string, stack: string, evaluation: Evaluation, rehearsal?: Evaluation): BuiltPlan {
    const preview = evaluation.values === "unknown";
    const tracer = new Tracer(preview && rehearsal ? traceComputedValues(evaluation, rehearsal) : new Map());
    const described = !preview ? evaluation.resources
        : rehearsal ? describeUnknownsTraced(evaluation.resources, rehearsal.resources, tracer)
            : describeUnknowns(evaluation.resources);
    const masked = maskResources(described);
    const outputs = maskSecrets(preview && rehearsal ? traceOutputs(evaluation.outputs, rehearsal.outputs, tracer) : evaluation.outputs);
    const ordered = treeOrder(masked.value);
    const index = new ResourceIndex(ordered, preview && rehearsal ? rehearsal.resources : []);
    const resources: PlanResource[] = ordered.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent && index.byUrn.has(r.parent) ? r.parent : null,
        custom: r.custom,
        protect: r.protect,
        deleteBeforeReplace: r.deleteBeforeReplace,
        dependsOn: [...new Set(r.dependencies)].sort(),
        properties: keyProperties(r, index),
        inputs: r.inputs,
    }));
    // The trust analysis reads concrete strings: the rehearsal's, shown back as unknowns in a preview.
    const trust = preview
        ? rehearsal ? unrehearse(analyzeTrust(new ResourceIndex(treeOrderAs(maskResources(rehearsal.resources).value, ordered))), tracer) : analyzeTrust(index)
        : analyzeTrust(index);
    const byType: Record<string, number> = {};
    for (const r of [...resources].sort((a, b) => byText.compare(a.type, b.type))) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const plan: Plan = {
        version: 1,
        project,
        stack,
        values: preview ? "unknown" : "rehearsal",
        resources,
        trustChains: trust.chains,
        unlinkedProblems: trust.unlinkedProblems,
        outputs: outputs.value,
        summary: {
            resources: resources.filter((r) => r.custom).length,
            components: resources.filter((r) => !r.custom).length,
            byType,
            trustChains: {
                ok: trust.chains.filter((c) => c.status === "ok").length,
                broken: trust.chains.filter((c) => c.status === "broken").length,
            },
        },
    };
    return { plan, secrets: [...masked.secrets, ...outputs.secrets] };
}

/** A preview's outputs, each unknown named exactly where the rehearsed value at the same path traces to an output. */
function traceOutputs(outputs: Record<string, unknown>, rehearsed: Record<string, unknown>, tracer: Tracer): Record<string, unknown> {
    const walk = (v: unknown, r: unknown): unknown => {
        if (isUnknownValue(v)) return typeof r === "string" ? tracer.trace(r) ?? v : v;
        if (v === null || typeof v !== "object") return v;
        // An array's items are read from an array only; an object's properties from any object.
        const twin = (Array.isArray(v) ? Array.isArray(r) : r !== null && typeof r === "object") ? r as Record<string | number, unknown> : undefined;
        return mapChildren(v, (item, k) => walk(item, twin?.[k]));
    };
    return walk(outputs, rehearsed) as Record<string, unknown>;
}
