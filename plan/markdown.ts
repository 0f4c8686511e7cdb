import type { Plan, TrustChain } from "./model";
import { shortType } from "./inspect";
import { broken, ok, renderTree, renderTrust, showValue } from "./render";

/** Text made safe inside a Markdown table cell or list item. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A block of plain text inside a collapsible section (GitHub renders `<details>`). */
function details(summary: string, lines: readonly string[]): string[] {
    // A fence longer than any backtick run in the text keeps the block closed.
    const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
    const fence = "`".repeat(longest + 1);
    return [`<details><summary>${cell(summary)}</summary>`, "", `${fence}text`, ...lines, fence, "", "</details>"];
}

/** One chain as a list item: the identity, each ServiceAccount with its mark, the roles; then every problem. */
function chainItem(chain: TrustChain): string[] {
    const subjects = chain.subjects.map((s) => `${s.status === "ok" ? ok : broken} \`${s.namespace}/${s.serviceAccountName}\``);
    const ci = (chain.ciSubjects ?? []).map((s) => `${s.status === "ok" ? ok : broken} \`${s.subject}\``);
    const roles = chain.roles.length > 0
        ? chain.roles.map((r) => `${r.role} on ${r.scopeResource ?? showValue(r.scope)}`).join("; ")
        : "no role";
    const lines = [`- ${chain.status === "ok" ? ok : broken} **${cell(chain.identity.azureName)}**: ${[...subjects, ...ci].join(", ") || "no subject"} → ${cell(roles)}`];
    for (const problem of chain.problems) lines.push(`  - ${broken} ${cell(problem)}`);
    return lines;
}

/**
 * The plan as a compact Markdown comment for a pull request: a headline with the counts, the resources by type,
 * each trust chain with ✓/✗ and the reasons, and the full resource tree and trust detail collapsed.
 */
export function renderMarkdown(plan: Plan): string {
    const { ok: good, broken: bad } = plan.summary.trustChains;
    const verdict = bad === 0 && plan.unlinkedProblems.length === 0 ? `${ok} every trust chain holds` : `${broken} ${bad + plan.unlinkedProblems.length} broken`;
    const lines = [
        `### Offline plan: stack \`${plan.stack}\``,
        "",
        `**${plan.summary.resources} resources**, ${plan.summary.components} components · trust chains **${good} ${ok}, ${bad} ${broken}** · ${verdict}`,
        "",
        plan.values === "rehearsal"
            ? "_Rehearsal: Azure's computed values are deterministic stand-ins. Evaluated on Pulumi's mock engine; nothing deployed._"
            : "_Preview: Azure's computed values are unknown; trust chains checked on a rehearsal with Azure-shaped values. Evaluated on Pulumi's mock engine; nothing deployed._",
        "",
        "| resource type | count |",
        "|---|---:|",
        ...Object.entries(plan.summary.byType).map(([type, n]) => `| \`${cell(shortType(type))}\` | ${n} |`),
        "",
        "#### Trust chains",
        "",
        ...(plan.trustChains.length === 0 ? ["_No workload identity in this program._"] : plan.trustChains.flatMap(chainItem)),
        ...plan.unlinkedProblems.map((p) => `- ${broken} ${cell(p)}`),
        "",
        ...details("Trust chain detail", renderTrust(plan)),
        "",
        ...details(`Resources (${plan.resources.length})`, renderTree(plan)),
        "",
    ];
    return `${lines.join("\n")}\n`;
}
