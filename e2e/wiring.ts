import type { MockedResource } from "../plan/mocks";
import { roleDefinitions } from "./roleActions";
import type {
    ClusterSpec, ContainerSpec, FederatedCredentialSpec, IdentitySpec, PodSpec, RoleAssignmentSpec, ServiceAccountSpec, VaultSpec, World,
} from "./model";
import { types } from "../plan/kinds";
import { isSecretValue } from "../plan/mask";

/** A value with Pulumi's secret wrappers removed. */
function unwrap(value: unknown): unknown {
    return isSecretValue(value) ? unwrap(value.value) : value;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
    const plain = unwrap(value);
    return plain !== null && typeof plain === "object" && !Array.isArray(plain) ? plain as Obj : {};
}

function str(value: unknown): string | undefined {
    const plain = unwrap(value);
    return typeof plain === "string" ? plain : undefined;
}

/** A string a rehearsal needs; refuses placeholder text, which would make the emulation prove nothing. */
function concrete(value: unknown, what: string): string {
    const text = str(value);
    if (text === undefined || text === "") throw new Error(`${what} has no value in the rehearsal plan`);
    if (text.includes("<known after deploy")) throw new Error(`${what} is a placeholder (${text}), not a rehearsal value`);
    return text;
}

function stringMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(value))) {
        const text = str(v);
        if (text !== undefined) out[k] = text;
    }
    return out;
}

/** Kubernetes kinds whose objects carry a pod template at `spec.template`, by type token. */
const podTemplateKinds: Record<string, string> = {
    [types.deployment]: "Deployment",
    [types.statefulSet]: "StatefulSet",
    [types.daemonSet]: "DaemonSet",
    [types.job]: "Job",
};

function podOf(resource: MockedResource, kind: string): PodSpec {
    const metadata = obj(resource.state.metadata);
    const template = obj(obj(resource.state.spec).template);
    const templateMeta = obj(template.metadata);
    const spec = obj(template.spec);
    const containers = (unwrap(spec.containers) as unknown[] | undefined ?? []).map((raw): ContainerSpec => {
        const container = obj(raw);
        const env: Record<string, string> = {};
        for (const entry of (unwrap(container.env) as unknown[] | undefined) ?? []) {
            const e = obj(entry);
            const name = str(e.name);
            const value = str(e.value);
            // valueFrom (Secrets, ConfigMaps, fieldRefs) has no value in a plan; the container still "sets" the name.
            if (name !== undefined) env[name] = value ?? "";
        }
        return { name: str(container.name) ?? "main", env };
    });
    return {
        kind,
        name: str(metadata.name) ?? resource.name,
        namespace: str(metadata.namespace) ?? "default",
        // Kubernetes runs a pod without serviceAccountName as the namespace's `default` ServiceAccount.
        serviceAccountName: str(spec.serviceAccountName) ?? "default",
        labels: stringMap(templateMeta.labels),
        annotations: stringMap(templateMeta.annotations),
        containers,
    };
}

/**
 * The adapter from a stack's recorded resources (type, inputs, state with rehearsal values) to the {@link World}
 * the emulators serve. Everything comes from the resources, nothing from config: what the program would create is
 * what gets rehearsed.
 */
export function worldFromResources(stack: string, resources: readonly MockedResource[]): World {
    const ofType = (type: string): MockedResource[] => resources.filter((r) => r.type === type);

    const clusters = ofType(types.cluster);
    if (clusters.length !== 1) {
        throw new Error(`the rehearsal needs the stack to create exactly one AKS cluster (it creates ${clusters.length}); bring-your-own-cluster stacks are not rehearsed`);
    }
    const clusterState = clusters[0].state;
    const identityResources = ofType(types.identity);
    const tenantId = str(obj(clusterState.aadProfile).tenantID)
        ?? concrete(identityResources[0]?.state.tenantId, "the tenant id (from the stack's managed identities)");
    const cluster: ClusterSpec = {
        name: concrete(clusterState.name, "the cluster's name"),
        issuerUrl: concrete(obj(clusterState.oidcIssuerProfile).issuerURL, "the cluster's OIDC issuer URL"),
        workloadIdentity: unwrap(obj(obj(clusterState.securityProfile).workloadIdentity).enabled) === true,
        tenantId,
    };

    const fics = ofType(types.fic);
    const identities: IdentitySpec[] = identityResources.map((r) => {
        const name = concrete(r.state.name, `identity ${r.name}'s name`);
        const rg = str(r.state.resourceGroupName);
        const federatedCredentials: FederatedCredentialSpec[] = fics
            .filter((f) => str(f.state.resourceName) === name && str(f.state.resourceGroupName) === rg)
            .map((f) => ({
                name: str(f.state.federatedIdentityCredentialResourceName) ?? f.name,
                issuer: concrete(f.state.issuer, `FIC ${f.name}'s issuer`),
                subject: concrete(f.state.subject, `FIC ${f.name}'s subject`),
                audiences: ((unwrap(f.state.audiences) as unknown[] | undefined) ?? []).map((a) => String(unwrap(a))),
            }));
        return {
            name,
            clientId: concrete(r.state.clientId, `identity ${name}'s clientId`),
            principalId: concrete(r.state.principalId, `identity ${name}'s principalId`),
            tenantId: concrete(r.state.tenantId, `identity ${name}'s tenantId`),
            federatedCredentials,
        };
    });

    const serviceAccounts: ServiceAccountSpec[] = ofType(types.serviceAccount).map((r) => {
        const metadata = obj(r.state.metadata);
        return {
            namespace: str(metadata.namespace) ?? "default",
            name: concrete(metadata.name, `ServiceAccount ${r.name}'s name`),
            annotations: stringMap(metadata.annotations),
        };
    });

    const pods: PodSpec[] = resources.filter((r) => r.type in podTemplateKinds).map((r) => podOf(r, podTemplateKinds[r.type]));

    const secretResources = ofType(types.secret);
    const vaults: VaultSpec[] = ofType(types.vault).map((r) => {
        const name = concrete(r.state.name ?? r.state.vaultName, `vault ${r.name}'s name`);
        const properties = obj(r.state.properties);
        const secrets: Record<string, string> = {};
        for (const s of secretResources.filter((s) => str(s.state.vaultName) === name)) {
            secrets[concrete(s.state.secretName, `secret ${s.name}'s name`)] = concrete(obj(s.state.properties).value, `secret ${s.name}'s value`);
        }
        return {
            name,
            id: concrete(r.id, `vault ${name}'s ARM id`),
            uri: concrete(properties.vaultUri, `vault ${name}'s URI`),
            tenantId: concrete(properties.tenantId, `vault ${name}'s tenantId`),
            location: str(r.state.location) ?? "",
            // The SDK's default API version defaults enableRbacAuthorization to false (access policies).
            rbacAuthorization: unwrap(properties.enableRbacAuthorization) === true,
            accessPolicies: ((unwrap(properties.accessPolicies) as unknown[] | undefined) ?? []).map((raw) => {
                const policy = obj(raw);
                return {
                    tenantId: str(policy.tenantId) ?? "",
                    objectId: str(policy.objectId) ?? "",
                    secrets: ((unwrap(obj(policy.permissions).secrets) as unknown[] | undefined) ?? []).map((p) => String(unwrap(p))),
                };
            }),
            secrets,
        };
    });

    const roleAssignments: RoleAssignmentSpec[] = ofType(types.roleAssignment).map((r) => ({
        principalId: concrete(r.state.principalId, `role assignment ${r.name}'s principalId`),
        roleDefinitionId: concrete(r.state.roleDefinitionId, `role assignment ${r.name}'s roleDefinitionId`),
        scope: concrete(r.state.scope, `role assignment ${r.name}'s scope`),
    }));

    return { stack, cluster, identities, serviceAccounts, pods, vaults, roleAssignments, roleDefinitions: roleDefinitions() };
}
