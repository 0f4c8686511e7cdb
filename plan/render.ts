import type { Plan, PlanResource, TrustChain, TrustRole } from "./model";
import { groupBy, shortType, useLabel } from "./inspect";
import { isUnknownValue, unknownText } from "./unknowns";

/** Marks for a consistent and a broken link. */
export const ok = "✓";
export const broken = "✗";

/** A value in one line: scalars as they are, lists in brackets, maps in braces. */
export function showValue(value: unknown): string {
    if (value === null || value === undefined) return String(value);
    if (typeof value === "string") return value === "" ? '""' : value;
    if (isUnknownValue(value)) return unknownText(value);
    if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
    if (typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${k}: ${showValue(v)}`).join(", ")}}`;
    return String(value);
}

/** A resource's header line: type, logical name and its options. */
function headline(r: PlanResource): string {
    const flags = [r.protect && "protect", r.deleteBeforeReplace && "deleteBeforeReplace"].filter(Boolean);
    return `${r.type} "${r.name}"${flags.length > 0 ? `  [${flags.join(", ")}]` : ""}`;
}

/** A property as lines: long lists one item a line. */
function propertyLines(key: string, value: unknown): string[] {
    if (Array.isArray(value) && value.some((v) => typeof v === "string" && v.length > 40)) {
        return [`${key}:`, ...value.map((v) => `  - ${showValue(v)}`)];
    }
    return [`${key}: ${showValue(value)}`];
}

/** The resource tree, by parent, under the stack. */
export function renderTree(plan: Plan): string[] {
    const children = groupBy(plan.resources, (r) => r.parent ?? "");
    const lines = [`pulumi:pulumi:Stack "${plan.project}-${plan.stack}"`];
    const visit = (parent: string | null, prefix: string): void => {
        const list = children.get(parent ?? "") ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            lines.push(`${prefix}${last ? "└─ " : "├─ "}${headline(r)}`);
            const childPrefix = prefix + (last ? "   " : "│  ");
            const indent = `${childPrefix}${children.has(r.urn) ? "│" : " "}    `;
            for (const [key, value] of Object.entries(r.properties)) {
                for (const line of propertyLines(key, value)) lines.push(`${indent}${line}`);
            }
            visit(r.urn, childPrefix);
        });
    };
    visit(null, "");
    return lines;
}

function scopeName(role: TrustRole): string {
    if (!role.scopeResource) return showValue(role.scope);
    const [type, name] = role.scopeResource.split(" ");
    return `${shortType(type)} "${name}"`;
}

/** One chain: per ServiceAccount, namespace/ServiceAccount → FIC → identity → role → scope, and every broken link. */
function renderChain(chain: TrustChain): string[] {
    const id = chain.identity;
    const lines = [`${chain.status === "ok" ? ok : broken} identity ${id.azureName}${id.component ? `  (${id.component})` : ""}`];
    lines.push(`    clientId: ${showValue(id.clientId)}`);
    const roles = chain.roles.length > 0 ? chain.roles.map((r) => `${r.role} → ${scopeName(r)}`).join(" | ") : "(no role)";
    for (const s of chain.subjects) {
        const fics = s.federatedCredentials.length > 0 ? `FIC ${s.federatedCredentials.map((f) => f.name).join(" + ")}` : "(no FIC)";
        lines.push(`    ${s.status === "ok" ? ok : broken} ${s.namespace}/${s.serviceAccountName} → ${fics} → ${id.azureName} → ${roles}`);
        for (const f of s.federatedCredentials) {
            lines.push(`        FIC ${f.name}: issuer ${showValue(f.issuer)} (${f.issuerSource}), audiences ${f.audiences.join(", ")}`);
        }
        if (s.serviceAccount) lines.push(`        ServiceAccount ${s.namespace}/${s.serviceAccountName}: client-id ${s.serviceAccount.clientIdAnnotation === null ? "(none)" : showValue(s.serviceAccount.clientIdAnnotation)}`);
        for (const p of s.pods) lines.push(`        ${p.kind} ${p.name}: ${p.useLabel ? `labelled ${useLabel}: "true"` : `no ${useLabel} label`}`);
    }
    for (const n of chain.needs) {
        lines.push(`    ${n.providedBy ? ok : broken} needs ${n.action} on ${showValue(n.resourceName)}: ${n.providedBy ? `${n.providedBy.role} allows it` : "no granted role allows it"}`);
    }
    for (const c of chain.ciSubjects) {
        lines.push(`    ${c.status === "ok" ? ok : broken} CI ${c.subject} (${c.description}) → FIC ${c.name} → ${id.azureName} → ${roles}`);
        lines.push(`        FIC ${c.name}: issuer ${showValue(c.issuer)}, audiences ${c.audiences.join(", ")}`);
    }
    for (const problem of chain.problems) lines.push(`    ${broken} ${problem}`);
    return lines;
}

/** The trust chain section. */
export function renderTrust(plan: Plan): string[] {
    const { ok: good, broken: bad } = plan.summary.trustChains;
    const lines = [`Trust chains: ${good} ${ok}, ${bad} ${broken}`];
    if (plan.trustChains.length === 0) lines.push("    (no workload identity in this program)");
    for (const chain of plan.trustChains) lines.push(...renderChain(chain));
    for (const problem of plan.unlinkedProblems) lines.push(`${broken} ${problem}`);
    return lines;
}

/** Outputs, one a line; nested maps indented. */
function renderOutputs(outputs: Record<string, unknown>, indent = "    "): string[] {
    return Object.entries(outputs).flatMap(([key, value]) => value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknownValue(value)
        ? [`${indent}${key}:`, ...renderOutputs(value as Record<string, unknown>, `${indent}    `)]
        : [`${indent}${key}: ${showValue(value)}`]);
}

/** The summary line: counts by type. */
export function renderSummary(plan: Plan): string {
    const counts = Object.entries(plan.summary.byType).map(([type, n]) => `${n} ${shortType(type)}`).join(", ");
    const { ok: good, broken: bad } = plan.summary.trustChains;
    return `Summary: ${plan.summary.resources} resources, ${plan.summary.components} components (${counts}); trust chains ${good} ${ok}, ${bad} ${broken}`;
}

/** What the plan's values are: unknowns of a preview, or a rehearsal's stand-ins. */
function valuesNote(plan: Plan): string[] {
    return plan.values === "rehearsal"
        ? ["Rehearsal: values Azure computes are deterministic Azure-shaped stand-ins, and everything derived from them is computed; secrets read [secret]."]
        : ["Values Azure computes at deploy read <known after deploy: ...>; secrets read [secret].",
            "Trust chains are checked on a rehearsal with Azure-shaped values (--values rehearsal shows it)."];
}

/** The whole human-readable plan. */
export function renderPlan(plan: Plan): string {
    return [
        `Plan for stack "${plan.stack}" of project "${plan.project}"`,
        "Evaluated offline on Pulumi's mock engine: no cloud, no credentials, nothing deployed.",
        ...valuesNote(plan),
        "",
        "Resources",
        ...renderTree(plan),
        "",
        ...renderTrust(plan),
        "",
        "Outputs",
        ...(Object.keys(plan.outputs).length > 0 ? renderOutputs(plan.outputs) : ["    (none)"]),
        "",
        renderSummary(plan),
        "",
    ].join("\n");
}
