import type { Plan, PlanResource } from "./model";
import { groupBy, shortType } from "./inspect";

/** The graph formats `--graph` writes, by file extension. */
export type GraphFormat = "mermaid" | "dot";

/** The format for a file name: `.mmd`/`.mermaid` → Mermaid, `.dot`/`.gv` → DOT; undefined otherwise. */
export function graphFormatFor(file: string): GraphFormat | undefined {
    if (/\.(mmd|mermaid)$/i.test(file)) return "mermaid";
    if (/\.(dot|gv)$/i.test(file)) return "dot";
    return undefined;
}

/** Ids and edges shared by both formats. Edges point from a resource to the resources that wait for it. */
function layout(plan: Plan): { id: Map<string, string>; children: Map<string, PlanResource[]>; edges: [string, string][] } {
    const id = new Map(plan.resources.map((r, i) => [r.urn, `${r.custom ? "n" : "c"}${i}`]));
    const children = groupBy(plan.resources, (r) => r.parent ?? "");
    const seen = new Set<string>();
    const edges: [string, string][] = [];
    for (const r of plan.resources) {
        for (const dep of r.dependsOn) {
            const from = id.get(dep);
            const key = `${from}>${id.get(r.urn)}`;
            if (from && !seen.has(key)) {
                seen.add(key);
                edges.push([from, id.get(r.urn)!]);
            }
        }
    }
    return { id, children, edges };
}

/** The resources (components as nested groups) and their dependency edges, as a Mermaid flowchart. */
export function renderMermaid(plan: Plan): string {
    const { id, children, edges } = layout(plan);
    const label = (r: PlanResource): string => `"${`${shortType(r.type)}<br/>${r.name}`.replace(/"/g, "#quot;")}"`;
    const lines = [
        `%% Stack "${plan.stack}" of project "${plan.project}": resources grouped by component; A --> B means B waits for A.`,
        "flowchart LR",
    ];
    const visit = (parent: string | null, indent: string): void => {
        for (const r of children.get(parent ?? "") ?? []) {
            if (!r.custom) {
                lines.push(`${indent}subgraph ${id.get(r.urn)}[${label(r)}]`);
                visit(r.urn, `${indent}  `);
                lines.push(`${indent}end`);
            } else {
                lines.push(`${indent}${id.get(r.urn)}[${label(r)}]`);
                visit(r.urn, indent);
            }
        }
    };
    visit(null, "  ");
    for (const [from, to] of edges) lines.push(`  ${from} --> ${to}`);
    return `${lines.join("\n")}\n`;
}

/** The same graph in Graphviz DOT: components are clusters, each with a folder node that edges to the component use. */
export function renderDot(plan: Plan): string {
    const { id, children, edges } = layout(plan);
    const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const label = (r: PlanResource): string => quote(`${shortType(r.type)}\n${r.name}`).replace(/\n/g, "\\n");
    const lines = [
        `// Stack "${plan.stack}" of project "${plan.project}": resources grouped by component; A -> B means B waits for A.`,
        `digraph ${quote(`${plan.project}-${plan.stack}`)} {`,
        "  rankdir=LR;",
        "  node [shape=box, fontsize=10];",
    ];
    const visit = (parent: string | null, indent: string): void => {
        for (const r of children.get(parent ?? "") ?? []) {
            if (!r.custom) {
                lines.push(`${indent}subgraph cluster_${id.get(r.urn)} {`);
                lines.push(`${indent}  label=${label(r)};`);
                lines.push(`${indent}  ${id.get(r.urn)} [label=${label(r)}, shape=folder];`);
                visit(r.urn, `${indent}  `);
                lines.push(`${indent}}`);
            } else {
                lines.push(`${indent}${id.get(r.urn)} [label=${label(r)}];`);
                visit(r.urn, indent);
            }
        }
    };
    visit(null, "  ");
    for (const [from, to] of edges) lines.push(`  ${from} -> ${to};`);
    lines.push("}");
    return `${lines.join("\n")}\n`;
}

/** The graph in `format`. */
export function renderGraph(plan: Plan, format: GraphFormat): string {
    return format === "mermaid" ? renderMermaid(plan) : renderDot(plan);
}
