import type { Evaluation } from "./engine";
import type { MockedResource } from "./mocks";
import type { Plan, PlanResource } from "./model";
import { groupBy, ResourceIndex } from "./inspect";
import { maskSecrets } from "./mask";
import { keyProperties } from "./properties";
import { analyzeTrust } from "./trust";

/** The order siblings appear in: the trust chain's own order where it has one, then by type and name. */
const typeRank = [
    "azure-native:resources:ResourceGroup",
    "wid:cluster:AksCluster",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:containerservice:AgentPool",
    "pulumi:providers:kubernetes",
    "wid:keyvault:KeyVault",
    "random:index/randomString:RandomString",
    "random:index/randomPassword:RandomPassword",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Secret",
    "kubernetes:core/v1:Namespace",
    "wid:identity:WorkloadIdentity",
    "azure-native:managedidentity:FederatedIdentityCredential",
    "kubernetes:core/v1:ServiceAccount",
    "azure-native:authorization:RoleAssignment",
    "kubernetes:apps/v1:Deployment",
    "wid:verification:VerificationJob",
    "kubernetes:batch/v1:Job",
];

function rank(type: string): number {
    const i = typeRank.indexOf(type);
    return i < 0 ? typeRank.length : i;
}

function compare(a: MockedResource, b: MockedResource): number {
    return rank(a.type) - rank(b.type) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name, "en", { numeric: true });
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

/** The plan and the secret plaintexts it masked (for scrubbing rendered text). */
export interface BuiltPlan {
    readonly plan: Plan;
    readonly secrets: readonly string[];
}

/** Turns an evaluation into the {@link Plan}: masks secrets first, then orders, describes and checks the trust chains. */
export function buildPlan(project: string, stack: string, evaluation: Evaluation): BuiltPlan {
    const masked = maskSecrets([...evaluation.resources]);
    const outputs = maskSecrets(evaluation.outputs);
    const ordered = treeOrder(masked.value);
    const index = new ResourceIndex(ordered);
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
    const trust = analyzeTrust(index);
    const byType: Record<string, number> = {};
    for (const r of [...resources].sort((a, b) => a.type.localeCompare(b.type))) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const plan: Plan = {
        version: 1,
        project,
        stack,
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
