/**
 * The one registry of the resource kinds the plan and the policy pack know, by type token: the input that holds a
 * resource's Azure name, its ARM type path, where a Kubernetes workload keeps its pod template, and the order the
 * plan lists siblings in. The product's own components export their type tokens; this registry imports them.
 * (The properties the plan displays for each kind are in plan/properties.ts, keyed by these tokens.)
 */
import { aksClusterType } from "../components/cluster/aksCluster";
import { federatedIdentityType } from "../components/federation/federatedIdentity";
import { githubActionsIdentityType } from "../components/github/githubActionsIdentity";
import { workloadIdentityType } from "../components/identity/workloadIdentity";
import { keyVaultType } from "../components/keyvault/keyVault";
import { verificationJobType } from "../components/verification/verificationJob";

/** What the plan knows of one resource kind. */
export interface ResourceKind {
    /** The type token, `<pkg>:<module>:<Type>` (azure-native v3, kubernetes, random, the provider's own). */
    readonly type: string;
    /** The input that holds the resource's Azure name; without it (or without a value) Pulumi auto-names it. */
    readonly nameInput?: string;
    /** The ARM provider namespace and type path under a resource group; "" for a resource group itself. */
    readonly armType?: string;
    /** For Kubernetes kinds that run pods: the dotted path to the pod template ("" for a Pod itself). */
    readonly podTemplate?: string;
}

/** Every kind the plan knows, by a short key. */
export const kinds = {
    resourceGroup: { type: "azure-native:resources:ResourceGroup", nameInput: "resourceGroupName", armType: "" },
    cluster: { type: "azure-native:containerservice:ManagedCluster", nameInput: "resourceName", armType: "Microsoft.ContainerService/managedClusters" },
    agentPool: { type: "azure-native:containerservice:AgentPool", nameInput: "agentPoolName", armType: "Microsoft.ContainerService/managedClusters/agentPools" },
    identity: { type: "azure-native:managedidentity:UserAssignedIdentity", nameInput: "resourceName", armType: "Microsoft.ManagedIdentity/userAssignedIdentities" },
    fic: {
        type: "azure-native:managedidentity:FederatedIdentityCredential",
        nameInput: "federatedIdentityCredentialResourceName",
        armType: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    },
    vault: { type: "azure-native:keyvault:Vault", nameInput: "vaultName", armType: "Microsoft.KeyVault/vaults" },
    secret: { type: "azure-native:keyvault:Secret", nameInput: "secretName", armType: "Microsoft.KeyVault/vaults/secrets" },
    roleAssignment: { type: "azure-native:authorization:RoleAssignment", nameInput: "roleAssignmentName", armType: "Microsoft.Authorization/roleAssignments" },
    namespace: { type: "kubernetes:core/v1:Namespace" },
    serviceAccount: { type: "kubernetes:core/v1:ServiceAccount" },
    deployment: { type: "kubernetes:apps/v1:Deployment", podTemplate: "spec.template" },
    statefulSet: { type: "kubernetes:apps/v1:StatefulSet", podTemplate: "spec.template" },
    daemonSet: { type: "kubernetes:apps/v1:DaemonSet", podTemplate: "spec.template" },
    replicaSet: { type: "kubernetes:apps/v1:ReplicaSet", podTemplate: "spec.template" },
    job: { type: "kubernetes:batch/v1:Job", podTemplate: "spec.template" },
    cronJob: { type: "kubernetes:batch/v1:CronJob", podTemplate: "spec.jobTemplate.spec.template" },
    pod: { type: "kubernetes:core/v1:Pod", podTemplate: "" },
    k8sProvider: { type: "pulumi:providers:kubernetes" },
    randomString: { type: "random:index/randomString:RandomString" },
    randomPassword: { type: "random:index/randomPassword:RandomPassword" },
    aksCluster: { type: aksClusterType },
    keyVault: { type: keyVaultType },
    workloadIdentity: { type: workloadIdentityType },
    verificationJob: { type: verificationJobType },
    federatedIdentity: { type: federatedIdentityType },
    githubActionsIdentity: { type: githubActionsIdentityType },
} as const;

type Kinds = typeof kinds;

/** The type token of each kind, by its key: `types.vault` is `"azure-native:keyvault:Vault"`. */
export const types = Object.fromEntries(Object.entries(kinds).map(([key, kind]) => [key, kind.type])) as { readonly [K in keyof Kinds]: Kinds[K]["type"] };

/** The kind of a type token, or undefined for a kind the plan does not know. */
export const kindOf: ReadonlyMap<string, ResourceKind> = new Map(Object.values(kinds).map((kind: ResourceKind) => [kind.type, kind]));

/** Kubernetes kinds that run pods, and where each keeps its pod template. */
export const podTemplatePaths: Readonly<Record<string, string>> = Object.fromEntries(
    Object.values(kinds as Record<string, ResourceKind>).flatMap((kind) => (kind.podTemplate === undefined ? [] : [[kind.type, kind.podTemplate]])),
);

/** The order siblings appear in: the trust chain's own order where it has one; kinds not listed come after, by type. */
const rankOrder: readonly (keyof Kinds)[] = [
    "resourceGroup",
    "aksCluster",
    "identity",
    "cluster",
    "agentPool",
    "k8sProvider",
    "keyVault",
    "randomString",
    "randomPassword",
    "vault",
    "secret",
    "namespace",
    "workloadIdentity",
    "fic",
    "serviceAccount",
    "roleAssignment",
    "deployment",
    "verificationJob",
    "job",
];

/** Each listed type token's rank: its first place in {@link rankOrder}. */
const ranks = new Map<string, number>();
rankOrder.forEach((key, i) => {
    if (!ranks.has(kinds[key].type)) ranks.set(kinds[key].type, i);
});

/** A kind's rank in {@link rankOrder}: lower comes first; kinds not listed share the last rank. */
export function rank(type: string): number {
    return ranks.get(type) ?? rankOrder.length;
}
