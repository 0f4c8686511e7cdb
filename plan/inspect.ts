import type { MockedResource } from "./mocks";
import { roleNameForGuid } from "../components/shared/roles";
import { podTemplatePaths, types } from "./kinds";
import { isUnknownValue, valueAt } from "./unknowns";

// The webhook's pod label, the client-id annotation and the token audience: one definition, in the component.
export { clientIdAnnotation, useLabel } from "../components/identity/workloadIdentity";

/** A string at a path, or undefined. */
export function str(value: unknown, dotted: string): string | undefined {
    const v = valueAt(value, dotted);
    return typeof v === "string" ? v : undefined;
}

/** A type token without its provider, for short labels: `keyvault:Vault`, `apps/v1:Deployment`. */
export function shortType(type: string): string {
    const parts = type.split(":");
    if (parts.length !== 3) return type;
    if (parts[0] === "azure-native" || parts[0] === "kubernetes") return `${parts[1]}:${parts[2]}`;
    if (parts[0] === "random") return `random:${parts[2]}`;
    return type;
}

/** `<short type> "<name>"`, how the plan names a resource in prose. */
export function describe(r: Pick<MockedResource, "type" | "name">): string {
    return `${shortType(r.type)} "${r.name}"`;
}

/** A Kubernetes object's `namespace/name` (namespace `default` when unset). */
export function k8sName(r: MockedResource): string {
    return `${str(r.inputs, "metadata.namespace") ?? "default"}/${str(r.inputs, "metadata.name") ?? r.name}`;
}

/** The role definition GUID at the end of a `roleDefinitionId`. */
export function roleGuid(roleDefinitionId: string): string {
    return roleDefinitionId.split("/").pop() ?? roleDefinitionId;
}

/** The role's name for a `roleDefinitionId`, resolved from its GUID. */
export function roleName(roleDefinitionId: string): string {
    return roleNameForGuid(roleGuid(roleDefinitionId));
}

/** Indexes that resolve ids and principals to the resources in the program. */
export class ResourceIndex {
    private readonly byId = new Map<string, MockedResource>();
    private readonly byPrincipal = new Map<string, MockedResource>();
    readonly byUrn = new Map<string, MockedResource>();
    private readonly rehearsed: Map<string, MockedResource>;

    /**
     * @param resources the plan's resources.
     * @param rehearsal the same program's rehearsal, when `resources` are a preview's: it says what a value
     *   computed from constants (a role definition's GUID) is, where the preview has it unknown.
     */
    constructor(readonly resources: readonly MockedResource[], rehearsal: readonly MockedResource[] = []) {
        this.rehearsed = new Map(rehearsal.map((r) => [r.urn, r]));
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            if (r.custom && r.id) this.byId.set(r.id, r);
            const principal = r.type === types.identity ? str(r.state, "principalId") : undefined;
            if (principal) this.byPrincipal.set(principal, r);
        }
    }

    /** The rehearsal's twin of a resource, if there is one. */
    twin(r: MockedResource): MockedResource | undefined {
        return this.rehearsed.get(r.urn);
    }

    /** The resource whose id is `id` (or, for an unknown id, the resource it names), if the program creates it. */
    resourceWithValue(id: unknown): MockedResource | undefined {
        if (typeof id === "string") return this.byId.get(id);
        return isUnknownValue(id) && id.unknown.resource && id.unknown.output === "id" ? this.byUrn.get(id.unknown.resource) : undefined;
    }

    /** The identity a principal id is (or, for an unknown one, comes from), if the program creates it. */
    identityWithPrincipalValue(principalId: unknown): MockedResource | undefined {
        if (typeof principalId === "string") return this.byPrincipal.get(principalId);
        const from = isUnknownValue(principalId) && principalId.unknown.resource ? this.byUrn.get(principalId.unknown.resource) : undefined;
        return from?.type === types.identity ? from : undefined;
    }

    /** The resource whose id is `id`, if the program creates it. */
    resourceWithId(id: string): MockedResource | undefined {
        return this.byId.get(id);
    }

    /** The identity whose principalId is `principalId`, if the program creates it. */
    identityWithPrincipal(principalId: string): MockedResource | undefined {
        return this.byPrincipal.get(principalId);
    }

    /** The issuer URLs of the clusters in the program, with the cluster that reports each. */
    clusterIssuers(): Map<string, MockedResource> {
        const issuers = new Map<string, MockedResource>();
        for (const r of this.resources) {
            const issuer = str(r.state, "oidcIssuerProfile.issuerURL");
            if (r.type === types.cluster && issuer) issuers.set(issuer, r);
        }
        return issuers;
    }
}

/** The pod template of a workload resource: its labels and ServiceAccount, or undefined for other kinds. */
export function podTemplate(r: MockedResource): { labels: Record<string, unknown>; serviceAccountName: string; namespace: string } | undefined {
    const path = podTemplatePaths[r.type];
    if (path === undefined) return undefined;
    const template = valueAt(r.inputs, path) ?? {};
    const labels = (valueAt(template, "metadata.labels") ?? {}) as Record<string, unknown>;
    const serviceAccountName = str(template, "spec.serviceAccountName") ?? str(template, "spec.serviceAccount") ?? "default";
    return { labels, serviceAccountName, namespace: str(r.inputs, "metadata.namespace") ?? "default" };
}

/** Groups items by a key; items without one are left out. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        if (k === undefined) continue;
        const group = groups.get(k);
        if (group) group.push(item);
        else groups.set(k, [item]);
    }
    return groups;
}
