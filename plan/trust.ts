import type { MockedResource } from "./mocks";
import type { CiSubject, TrustChain, TrustRole, TrustSubject } from "./model";
import { checkNeeds, Grant, unmetNeedProblem, workloadNeeds } from "../policy/rules/roles";
import { audienceProblems, classifySubject, clusterIssuerProblems, githubCredentialProblems } from "../policy/rules/federation";
import {
    clientIdAnnotation, describe, groupBy, k8sName, podTemplate, ResourceIndex, roleGuid, roleName, shortType, str, useLabel,
} from "./inspect";
import { types } from "./kinds";
import { annotation } from "./properties";

/** What {@link analyzeTrust} finds. */
export interface TrustAnalysis {
    readonly chains: TrustChain[];
    readonly unlinkedProblems: string[];
}

/** A pod template that runs as some ServiceAccount. */
interface PodRef {
    readonly resource: MockedResource;
    readonly namespace: string;
    readonly serviceAccountName: string;
    readonly labelled: boolean;
}

/**
 * Follows every workload identity's chain — ServiceAccount → FIC → identity → role → scope — and reports
 * each broken link: a FIC subject with no ServiceAccount, a ServiceAccount annotated with another client id,
 * a FIC that does not trust the cluster's issuer or the token-exchange audience, a pod template running as
 * the ServiceAccount without the webhook's label, and an identity with no role. Reads masked resources.
 */
export function analyzeTrust(index: ResourceIndex): TrustAnalysis {
    const resources = index.resources;
    const identities = resources.filter((r) => r.type === types.identity);
    const fics = resources.filter((r) => r.type === types.fic);
    const serviceAccounts = new Map(resources.filter((r) => r.type === types.serviceAccount).map((r) => [k8sName(r), r]));
    const pods: PodRef[] = resources.flatMap((r) => {
        const pod = podTemplate(r);
        return pod ? [{ resource: r, namespace: pod.namespace, serviceAccountName: pod.serviceAccountName, labelled: pod.labels[useLabel] === "true" }] : [];
    });
    const issuers = index.clusterIssuers();
    const identityByUrn = new Map(identities.map((id) => [id.urn, id]));
    const identityByName = new Map(identities.map((id) => [str(id.state, "name"), id]));
    // The identity's name reaches the FIC through an output, so the input's dependency names the identity exactly.
    const ficOwner = new Map(fics.map((fic) => [fic, (fic.propertyDependencies.resourceName ?? []).map((urn) => identityByUrn.get(urn)).find(Boolean)
        ?? identityByName.get(str(fic.inputs, "resourceName"))]));
    const ficsOf = groupBy(fics, (fic) => ficOwner.get(fic)?.urn);
    const annotated = groupBy([...serviceAccounts.values()], (sa) => {
        const value = annotation(sa.inputs, clientIdAnnotation);
        return typeof value === "string" ? value : undefined;
    });
    const annotatedWith = (clientId: unknown): MockedResource[] => annotated.get(String(clientId)) ?? [];
    const assignmentsOf = groupBy(resources.filter((r) => r.type === types.roleAssignment), (r) => str(r.inputs, "principalId"));
    const podsOf = groupBy(pods, (p) => `${p.namespace}/${p.serviceAccountName}`);

    const isWorkloadIdentity = (id: MockedResource): boolean =>
        ficsOf.has(id.urn) || index.byUrn.get(id.parent ?? "")?.type === types.workloadIdentity || annotatedWith(id.state.clientId).length > 0;

    const chains = identities.filter(isWorkloadIdentity).map((identity) => {
        const clientId = String(identity.state.clientId);
        const idLabel = describe(identity);
        const bySubject = new Map<string, { namespace: string; serviceAccountName: string; fics: MockedResource[] }>();
        const problems: string[] = [];
        const ciSubjects: CiSubject[] = [];
        for (const fic of ficsOf.get(identity.urn) ?? []) {
            const subject = str(fic.inputs, "subject") ?? "";
            const kind = classifySubject(subject);
            if (kind.kind === "github") {
                const audiences = (fic.inputs.audiences ?? []) as unknown[];
                const cp = githubCredentialProblems({ name: fic.name, issuer: fic.inputs.issuer, subject, audiences });
                problems.push(...cp);
                ciSubjects.push({
                    urn: fic.urn, name: fic.name, subject, issuer: fic.inputs.issuer as string, audiences: audiences.map(String),
                    description: kind.description, status: cp.length === 0 ? "ok" : "broken", problems: cp,
                });
                continue;
            }
            if (kind.kind !== "serviceAccount") {
                problems.push(`FIC "${fic.name}" has subject "${subject}", which is neither a ServiceAccount's (system:serviceaccount:<namespace>:<name>) nor one GitHub Actions issues (repo:ORG/REPO:...)`);
                continue;
            }
            const key = `${kind.namespace}/${kind.name}`;
            const entry = bySubject.get(key) ?? { namespace: kind.namespace, serviceAccountName: kind.name, fics: [] };
            entry.fics.push(fic);
            bySubject.set(key, entry);
        }
        for (const sa of annotatedWith(clientId)) {
            const key = k8sName(sa);
            if (!bySubject.has(key)) bySubject.set(key, { namespace: key.split("/")[0], serviceAccountName: key.split("/")[1], fics: [] });
        }

        const subjects: TrustSubject[] = [...bySubject.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, entry]) => {
            const subject = `system:serviceaccount:${entry.namespace}:${entry.serviceAccountName}`;
            const sp: string[] = [];
            if (entry.fics.length === 0) {
                sp.push(`ServiceAccount ${key} is annotated with ${idLabel}'s clientId, but no FIC on the identity trusts ${subject}, so Entra ID refuses its tokens`);
            }
            for (const fic of entry.fics) {
                sp.push(...audienceProblems(fic.name, (fic.inputs.audiences ?? []) as unknown[]));
                sp.push(...clusterIssuerProblems(fic.name, fic.inputs.issuer, [...issuers.keys()]));
            }
            if (issuers.size > 0 && entry.fics.length > 0 && sp.length === 0 && !entry.fics.some((f) => issuers.has(String(f.inputs.issuer)))) {
                sp.push(`no FIC for ${key} trusts the cluster's issuer ${[...issuers.keys()].join(" or ")}: ` +
                    entry.fics.map((f) => `FIC "${f.name}" trusts ${String(f.inputs.issuer)}`).join("; "));
            }
            const sa = serviceAccounts.get(key);
            let saRef: TrustSubject["serviceAccount"] = null;
            if (!sa) {
                sp.push(`${entry.fics.map((f) => `FIC "${f.name}"`).join(", ")} trusts ${subject}, but the program creates no ServiceAccount ${key}`);
            } else {
                const value = annotation(sa.inputs, clientIdAnnotation);
                saRef = { urn: sa.urn, clientIdAnnotation: typeof value === "string" ? value : null };
                if (value === undefined) {
                    sp.push(`ServiceAccount ${key} has no ${clientIdAnnotation} annotation, so the webhook cannot tell its pods which identity to use`);
                } else if (value !== clientId) {
                    const other = identities.find((id) => id.state.clientId === value);
                    sp.push(`ServiceAccount ${key} is annotated with ${clientIdAnnotation} "${String(value)}"${other ? ` (${describe(other)}'s)` : ""}, not ${idLabel}'s clientId "${clientId}"`);
                }
            }
            const podRefs = podsOf.get(key) ?? [];
            for (const pod of podRefs.filter((p) => !p.labelled)) {
                sp.push(`${shortType(pod.resource.type)} ${k8sName(pod.resource)} runs as ServiceAccount ${key}, but its pod template lacks the label ${useLabel}: "true", so the webhook never injects the token`);
            }
            problems.push(...sp);
            return {
                namespace: entry.namespace,
                serviceAccountName: entry.serviceAccountName,
                subject,
                federatedCredentials: entry.fics.map((f) => ({
                    urn: f.urn,
                    name: f.name,
                    issuer: String(f.inputs.issuer),
                    issuerSource: issuers.has(String(f.inputs.issuer)) ? `cluster ${issuers.get(String(f.inputs.issuer))!.name}` : "external",
                    audiences: ((f.inputs.audiences ?? []) as unknown[]).map(String),
                })),
                serviceAccount: saRef,
                pods: podRefs.map((p) => ({ urn: p.resource.urn, kind: shortType(p.resource.type), name: k8sName(p.resource), useLabel: p.labelled })),
                status: sp.length === 0 ? "ok" as const : "broken" as const,
                problems: sp,
            };
        });

        const roles: TrustRole[] = (assignmentsOf.get(String(identity.state.principalId)) ?? [])
            .map((r) => {
                const roleDefinitionId = String(r.inputs.roleDefinitionId ?? "");
                const scope = String(r.inputs.scope ?? "");
                const target = index.resourceWithId(scope);
                return {
                    urn: r.urn,
                    role: roleName(roleDefinitionId),
                    // The role definition's tenant-level id: its GUID is a constant, known even where the subscription-qualified id is not.
                    roleDefinition: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid(roleDefinitionId)}`,
                    roleDefinitionId,
                    scope,
                    scopeResource: target ? `${target.type} ${target.name}` : null,
                    principalType: typeof r.inputs.principalType === "string" ? r.inputs.principalType : null,
                };
            })
            .sort((a, b) => `${a.role}|${a.scope}`.localeCompare(`${b.role}|${b.scope}`));
        if (roles.length === 0) {
            problems.push(`${idLabel} has no role assignment (none names its principalId), so its tokens grant access to nothing`);
        }
        // What the workload needs (a secret's value from each vault it was granted a role on), and which role provides it.
        const grants: Grant[] = roles.flatMap((r) => typeof r.roleDefinitionId === "string" && typeof r.scope === "string" ? [{ roleDefinitionId: r.roleDefinitionId, scope: r.scope }] : []);
        const describeScope = (id: string): string => {
            const target = index.resourceWithId(id);
            return target ? describe(target) : id;
        };
        const needs = checkNeeds(workloadNeeds(grants), grants);
        for (const need of needs.filter((n) => n.providedBy === null)) problems.push(unmetNeedProblem(idLabel, need, grants, describeScope));
        const parent = index.byUrn.get(identity.parent ?? "");
        return {
            identity: {
                urn: identity.urn,
                name: identity.name,
                azureName: String(identity.state.name ?? identity.name),
                clientId,
                principalId: String(identity.state.principalId),
                component: parent && !parent.custom ? `${parent.type} ${parent.name}` : null,
            },
            status: problems.length === 0 ? "ok" as const : "broken" as const,
            problems,
            subjects,
            ciSubjects,
            roles,
            needs: needs.map((n) => ({ action: n.action, resource: n.resourceId, resourceName: describeScope(n.resourceId), purpose: n.purpose, providedBy: n.providedBy })),
        };
    });

    const federated = new Set(chains.flatMap((c) => c.subjects.filter((s) => s.federatedCredentials.length > 0).map((s) => `${s.namespace}/${s.serviceAccountName}`)));
    const unlinkedProblems = pods
        .filter((p) => p.labelled && !federated.has(`${p.namespace}/${p.serviceAccountName}`))
        .map((p) => `${shortType(p.resource.type)} ${k8sName(p.resource)} has the label ${useLabel}: "true", but its ServiceAccount ${p.namespace}/${p.serviceAccountName} is federated with no identity in this program`);
    return { chains, unlinkedProblems };
}
