import type { MockedResource } from "./mocks";
import { secretMask } from "./mask";
import { clientIdAnnotation, describe, podTemplate, ResourceIndex, roleName, str } from "./inspect";
import { podTemplatePaths, types } from "./kinds";
import { valueAt } from "./unknowns";

/** Drops undefined entries, so absent settings do not clutter the plan. */
function defined(props: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
}

/** A node pool's size: `3` or `3..6 (autoscale)`. */
function poolSize(pool: unknown): string | undefined {
    if (valueAt(pool, "enableAutoScaling") === true) return `${valueAt(pool, "minCount")}..${valueAt(pool, "maxCount")} (autoscale)`;
    const count = valueAt(pool, "count");
    return count === undefined ? undefined : String(count);
}

/** A node pool in one line. */
function poolLine(pool: unknown): string {
    const zones = valueAt(pool, "availabilityZones") as string[] | undefined;
    return [
        `${str(pool, "name") ?? "?"} (${str(pool, "mode") ?? "User"})`,
        str(pool, "vmSize"),
        poolSize(pool) && `x${poolSize(pool)}`,
        zones && zones.length > 0 ? `zones ${zones.join(",")}` : "no zones",
    ].filter(Boolean).join(" ");
}

/** What a role assignment's principal is: an identity in the program, the deployer, or the id as given. */
function principal(r: MockedResource, index: ResourceIndex): unknown {
    const id = r.inputs.principalId;
    if (id === undefined) return undefined;
    if (typeof id !== "string") return id;
    const identity = index.identityWithPrincipalValue(id);
    return identity ? `${describe(identity)} (principalId ${id})` : id;
}

/** What a scope is: a resource in the program (by its id) or the id as given. */
export function scopeLabel(scope: unknown, index: ResourceIndex): unknown {
    // An unknown scope stays structured: it names the resource whose id it is.
    if (typeof scope !== "string") return scope;
    const target = index.resourceWithValue(scope);
    return target ? `${describe(target)} (${scope})` : scope;
}

/**
 * The properties a reviewer checks, by type: the cluster's Workload ID flags, each FIC's issuer,
 * subject and audiences, each role assignment's role by name, and so on. Reads already-masked inputs.
 */
export function keyProperties(r: MockedResource, index: ResourceIndex): Record<string, unknown> {
    const i = r.inputs;
    switch (r.type) {
        case types.resourceGroup:
            return defined({ name: str(r.state, "name"), location: i.location });
        case types.cluster:
            return defined({
                oidcIssuer: valueAt(i, "oidcIssuerProfile.enabled") ?? false,
                workloadIdentity: valueAt(i, "securityProfile.workloadIdentity.enabled") ?? false,
                issuerUrl: valueAt(r.state, "oidcIssuerProfile.issuerURL"),
                disableLocalAccounts: i.disableLocalAccounts ?? false,
                entraId: valueAt(i, "aadProfile.managed") === true ? `managed, Azure RBAC ${valueAt(i, "aadProfile.enableAzureRBAC") === true ? "on" : "off"}` : "off",
                kubernetesVersion: i.kubernetesVersion ?? "AKS default",
                sku: str(i, "sku.tier"),
                network: [str(i, "networkProfile.networkPlugin"), str(i, "networkProfile.networkPluginMode"), str(i, "networkProfile.networkDataplane")].filter(Boolean).join("/"),
                pools: ((i.agentPoolProfiles ?? []) as unknown[]).map(poolLine),
                controlPlaneIdentity: str(i, "identity.type"),
                apiServerAuthorizedIpRanges: valueAt(i, "apiServerAccessProfile.authorizedIPRanges"),
            });
        case types.agentPool:
            return defined({ pool: poolLine({ ...i, name: i.agentPoolName, mode: i.mode }), nodeTaints: i.nodeTaints, nodeLabels: i.nodeLabels });
        case types.identity:
            return defined({ name: valueAt(r.state, "name"), clientId: r.state.clientId, principalId: r.state.principalId });
        case types.fic:
            return defined({ name: i.federatedIdentityCredentialResourceName, identity: i.resourceName, issuer: i.issuer, subject: i.subject, audiences: i.audiences });
        case types.vault:
            return defined({
                name: i.vaultName,
                sku: str(i, "properties.sku.name"),
                rbacAuthorization: valueAt(i, "properties.enableRbacAuthorization") ?? false,
                purgeProtection: valueAt(i, "properties.enablePurgeProtection") ?? false,
                softDeleteRetentionDays: valueAt(i, "properties.softDeleteRetentionInDays"),
                publicNetworkAccess: valueAt(i, "properties.publicNetworkAccess"),
                networkDefaultAction: valueAt(i, "properties.networkAcls.defaultAction"),
                accessPolicies: valueAt(i, "properties.accessPolicies"),
                vaultUri: valueAt(r.state, "properties.vaultUri"),
            });
        case types.secret:
            // The program marks the whole properties object secret, so the value is masked with it.
            return defined({ vault: i.vaultName, name: i.secretName, value: i.properties === secretMask ? secretMask : valueAt(i, "properties.value") });
        case types.roleAssignment: {
            // The role's GUID is a constant; a preview has the whole id unknown (its subscription), the rehearsal has it.
            const roleDefinitionId = str(i, "roleDefinitionId") ?? str(index.twin(r)?.inputs, "roleDefinitionId");
            return defined({
                role: roleDefinitionId ? roleName(roleDefinitionId) : undefined,
                scope: scopeLabel(i.scope, index),
                principal: principal(r, index),
                principalType: i.principalType,
                name: i.roleAssignmentName,
            });
        }
        case types.namespace:
            return defined({ name: str(i, "metadata.name") });
        case types.serviceAccount:
            return defined({
                namespace: str(i, "metadata.namespace") ?? "default",
                name: str(i, "metadata.name"),
                clientIdAnnotation: annotation(i, clientIdAnnotation) ?? "(none)",
                otherAnnotations: otherAnnotations(i),
            });
        case types.k8sProvider:
            return defined({ kubeconfig: i.kubeconfig });
        default: {
            const pod = podTemplate(r);
            if (pod) {
                return defined({
                    namespace: pod.namespace,
                    serviceAccountName: pod.serviceAccountName,
                    podLabels: pod.labels,
                    images: containerImages(r),
                });
            }
            if (r.type.startsWith("random:")) return defined({ length: i.length });
            return {};
        }
    }
}

/** An annotation's value (annotation keys contain dots, so they cannot go through {@link valueAt}). */
export function annotation(inputs: unknown, key: string): unknown {
    const annotations = valueAt(inputs, "metadata.annotations");
    return annotations !== null && typeof annotations === "object" ? (annotations as Record<string, unknown>)[key] : undefined;
}

function otherAnnotations(inputs: unknown): Record<string, unknown> | undefined {
    const annotations = valueAt(inputs, "metadata.annotations");
    if (annotations === null || typeof annotations !== "object") return undefined;
    const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== clientIdAnnotation));
    return Object.keys(rest).length > 0 ? rest : undefined;
}

function containerImages(r: MockedResource): string[] | undefined {
    const template = valueAt(r.inputs, podTemplatePaths[r.type] ?? "spec.template");
    const containers = (valueAt(template, "spec.containers") ?? []) as unknown[];
    const images = containers.map((c) => str(c, "image")).filter((x): x is string => x !== undefined);
    return images.length > 0 ? images : undefined;
}
