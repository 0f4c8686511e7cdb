import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { AksCluster } from "../components/cluster/aksCluster";
import { WorkloadIdentity } from "../components/identity/workloadIdentity";
import { KeyVault } from "../components/keyvault/keyVault";
import { federatedCredentialName } from "../components/shared/names";
import { VerificationJob } from "../components/verification/verificationJob";
import { builtInNamespaces, StackConfig, WorkloadConfig } from "./config";

/** The vault secret the verification Job reads: a random value, created only when verification is on. Never give it to an app. */
export const verificationSecretName = "workload-identity-verify";

/**
 * A vault secret with a harmless, public value for sample apps that print what they read (the azure-workload-identity
 * msal-go sample logs the secret's value). Created only when a workload's env names it (`SECRET_NAME`).
 */
export const demoSecretName = "workload-identity-demo";
/** The demo secret's value: not sensitive by design. */
export const demoSecretValue = "Hello from Key Vault, read through Microsoft Entra Workload ID";

/** The issuer label of this stack's own cluster in every identity's `issuers`. */
const clusterIssuerLabel = "aks";

/** What one workload exposes to the next stack or a CI step. */
export interface WorkloadOutputs {
    clientId: pulumi.Output<string>;
    principalId: pulumi.Output<string>;
    namespace: string;
    serviceAccountName: string;
    /** Every `<namespace>/<serviceaccount>` the identity trusts. */
    subjects: string[];
}

/** The stack outputs. */
export interface PlatformOutputs {
    issuerUrl: pulumi.Output<string>;
    clusterName: pulumi.Output<string>;
    clusterResourceGroup: pulumi.Output<string>;
    keyVaultName: pulumi.Output<string>;
    keyVaultUri: pulumi.Output<string>;
    workloads: Record<string, WorkloadOutputs>;
    kubeconfig: pulumi.Output<string>;
}

/**
 * The platform: a resource group, a Workload-ID-ready AKS cluster (or an existing one), an RBAC Key
 * Vault, one WorkloadIdentity per configured workload, optional Deployments and the verification Job.
 */
export async function platform(config: StackConfig): Promise<PlatformOutputs> {
    // Given to the resource group and each component; a component's children inherit it, so the cluster, vault and identities are covered whole.
    const protect = config.profile.protect;
    const tags = { environment: config.profile.name, stack: config.stack, "managed-by": "pulumi", ...config.tags };

    const ownResourceGroup = config.resourceGroupName === undefined
        ? new resources.ResourceGroup("rg", { location: config.location, tags }, { protect })
        : undefined;
    const resourceGroupName: pulumi.Input<string> = config.resourceGroupName ?? ownResourceGroup!.name;

    const cluster = new AksCluster("aks", {
        resourceGroupName,
        // This stack's own resource group holds only its own resources, so the deployer's cluster-admin grant can go there
        // and propagate while the cluster is created (about 5 minutes saved on a first up).
        deployerAccessScope: ownResourceGroup?.id,
        location: config.location,
        existing: config.existingCluster ? { ...config.existingCluster } : undefined,
        kubernetesVersion: config.kubernetesVersion,
        adminGroupObjectIds: [...config.adminGroupObjectIds],
        disableLocalAccounts: config.disableLocalAccounts,
        systemPool: { ...config.systemPool, availabilityZones: [...config.systemPool.availabilityZones] },
        userPools: config.userNodePools.map((pool) => ({ ...pool })),
        network: { networkDataplane: config.networkDataplane },
        skuTier: config.skuTier,
        apiServerAuthorizedIpRanges: [...config.apiServerAuthorizedIpRanges],
        login: { ...config.kubelogin },
        tags,
    }, { protect });

    const secrets: Record<string, pulumi.Input<string>> = {};
    for (const [name, value] of Object.entries(config.vaultSecrets)) {
        secrets[name] = pulumi.secret(value);
    }
    if (config.verification) {
        secrets[verificationSecretName] = new random.RandomPassword("verify-secret", { length: 32, special: false }).result;
    }
    if (config.workloads.some((w) => w.env.SECRET_NAME === demoSecretName)) {
        secrets[demoSecretName] = demoSecretValue;
    }
    const vault = new KeyVault("vault", {
        resourceGroupName,
        location: config.location,
        namePrefix: config.keyVault.namePrefix,
        sku: config.keyVault.sku,
        softDeleteRetentionInDays: config.keyVault.softDeleteRetentionDays,
        publicNetworkAccess: config.keyVault.publicNetworkAccess,
        networkRules: config.keyVault.ipRules.length > 0 ? { defaultAction: "Deny", ipRules: [...config.keyVault.ipRules] } : undefined,
        secrets,
        tags,
    }, { protect });

    // On someone else's cluster, namespaces are created only when a workload asks (createNamespace: true).
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    const ownCluster = config.existingCluster === undefined;

    const issuers: Record<string, pulumi.Input<string>> = { [clusterIssuerLabel]: cluster.issuerUrl, ...config.extraIssuers };
    const identities = new Map<string, WorkloadIdentity>();
    const workloads: Record<string, WorkloadOutputs> = {};
    // One read for every identity's grants (each would otherwise make its own provider call: 1,000 workloads, 1,000 calls).
    const subscriptionId = config.workloads.some((w) => w.roles.length > 0) ? authorization.getClientConfigOutput().subscriptionId : undefined;
    for (const workload of config.workloads) {
        createNamespaces(workload, ownCluster, cluster.provider, namespaces);
        const subjects = [{ namespace: workload.namespace, serviceAccountName: workload.serviceAccountName }, ...workload.extraSubjects];
        const identity = new WorkloadIdentity(workload.name, {
            resourceGroupName,
            location: config.location,
            issuers,
            subjects: subjects.map((s) => ({ ...s })),
            roleGrants: workload.roles.map((grant) => grant.scope === undefined
                ? { scope: vault.id, scopeKey: vault.scopeKey, role: grant.role }
                : { scope: grant.scope, role: grant.role }),
            subscriptionId,
            tokenExpirationSeconds: workload.tokenExpirationSeconds,
            provider: cluster.provider,
            serviceAccountDependsOn: subjects.flatMap((s) => namespaces.get(s.namespace) ?? []),
            labels: { "app.kubernetes.io/part-of": workload.name },
            tags,
        }, { protect });
        identities.set(workload.name, identity);
        if (workload.image) {
            createDeployment(workload, identity, vault, cluster.provider, identityReady(workload, identity));
        }
        workloads[workload.name] = {
            clientId: identity.clientId,
            principalId: identity.principalId,
            namespace: workload.namespace,
            serviceAccountName: workload.serviceAccountName,
            subjects: subjects.map((s) => `${s.namespace}/${s.serviceAccountName}`),
        };
        // Let the engine take this workload's registrations before the next: registering every workload in one
        // pass holds all their promises (hundreds a resource) at once, which made large stacks slow and big.
        await new Promise((resolve) => setImmediate(resolve));
    }

    if (config.verification) {
        const target = config.workloads.find((w) => w.name === config.verification!.workload)!;
        const identity = identities.get(target.name)!;
        new VerificationJob("verify", {
            namespace: target.namespace,
            serviceAccountName: target.serviceAccountName,
            vaultName: vault.name,
            secretName: verificationSecretName,
            image: config.verification.image,
            timeoutSeconds: config.verification.timeoutSeconds,
            podLabels: identity.podLabels,
            podAnnotations: identity.podAnnotations,
            // Only what the Job uses, not every credential of its identity (which can be 20, written one at a time).
            dependsOn: [...identityReady(target, identity, { vaultOnly: true }), vault.secrets[verificationSecretName]],
            provider: cluster.provider,
        });
    }

    return {
        issuerUrl: cluster.issuerUrl,
        clusterName: cluster.clusterName,
        clusterResourceGroup: cluster.resourceGroupName,
        keyVaultName: vault.name,
        keyVaultUri: vault.vaultUri,
        workloads,
        kubeconfig: cluster.kubeconfig,
    };
}

/**
 * What a pod running as the workload's own ServiceAccount needs before it starts: the ServiceAccount, its federated
 * credential for this cluster's issuer (other issuers' credentials serve other clusters) and the identity's role
 * assignments (with `vaultOnly`, those on this stack's vault only).
 */
export function identityReady(workload: WorkloadConfig, identity: WorkloadIdentity, options: { vaultOnly?: boolean } = {}): pulumi.Resource[] {
    const credential = identity.federatedCredentialsByName[federatedCredentialName(clusterIssuerLabel, workload.namespace, workload.serviceAccountName)];
    // roleAssignments follow workload.roles one to one (the program passes them in that order); no scope = this stack's vault.
    const grants = identity.roleAssignments.filter((_, i) => !options.vaultOnly || workload.roles[i]?.scope === undefined);
    // serviceAccounts follow the subjects, and the workload's own ServiceAccount is the first subject.
    return [identity.serviceAccounts[0], credential, ...grants];
}

/**
 * One Namespace per namespace the workload asks to create (on the stack's own cluster, unless it says
 * `createNamespace: false`; on an existing cluster only with `createNamespace: true`) that `created` does not hold yet;
 * never the built-in ones. Created with the workload, so each workload's registrations go to the engine together.
 * Retained on delete: removing the last workload in a namespace must not delete what else lives there.
 */
function createNamespaces(workload: WorkloadConfig, ownCluster: boolean, provider: k8s.Provider, created: Map<string, k8s.core.v1.Namespace>): void {
    if (!(workload.createNamespace ?? ownCluster)) return;
    for (const namespace of [workload.namespace, ...workload.extraSubjects.map((s) => s.namespace)]) {
        if (builtInNamespaces.includes(namespace) || created.has(namespace)) continue;
        created.set(namespace, new k8s.core.v1.Namespace(`ns-${namespace}`, { metadata: { name: namespace } }, { provider, retainOnDelete: true }));
    }
}

/** A Deployment whose pod template carries the identity's labels and client-id hash, so it rolls when the identity changes. */
function createDeployment(workload: WorkloadConfig, identity: WorkloadIdentity, vault: KeyVault, provider: k8s.Provider, ready: pulumi.Resource[]): k8s.apps.v1.Deployment {
    const selector = { "app.kubernetes.io/name": workload.name };
    return new k8s.apps.v1.Deployment(`${workload.name}-deployment`, {
        metadata: { namespace: workload.namespace, labels: selector },
        spec: {
            replicas: workload.replicas,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels: { ...selector, ...identity.podLabels }, annotations: identity.podAnnotations },
                spec: {
                    serviceAccountName: workload.serviceAccountName,
                    containers: [{
                        name: workload.name,
                        image: workload.image!,
                        ports: workload.port ? [{ containerPort: workload.port }] : undefined,
                        // Where the app finds the vault; the identity itself arrives through the webhook's env vars.
                        env: [
                            { name: "KEYVAULT_URL", value: vault.vaultUri },
                            { name: "KEYVAULT_NAME", value: vault.name },
                            ...Object.entries(workload.env).map(([name, value]) => ({ name, value })),
                        ],
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    }],
                },
            },
        },
    // Its pods start only once the identity works: ServiceAccount, federated credential and role assignments.
    }, { provider, dependsOn: ready });
}
