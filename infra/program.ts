import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { AksCluster } from "../components/cluster/aksCluster";
import { WorkloadIdentity } from "../components/identity/workloadIdentity";
import { KeyVault } from "../components/keyvault/keyVault";
import { VerificationJob } from "../components/verification/verificationJob";
import { builtInNamespaces, StackConfig, WorkloadConfig } from "./config";

/** The vault secret the verification Job reads: a random value, created only when verification is on. */
export const verificationSecretName = "workload-identity-verify";

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

    const resourceGroupName: pulumi.Input<string> = config.resourceGroupName
        ?? new resources.ResourceGroup("rg", { location: config.location, tags }, { protect }).name;

    const cluster = new AksCluster("aks", {
        resourceGroupName,
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
    const vault = new KeyVault("vault", {
        resourceGroupName,
        location: config.location,
        namePrefix: config.keyVault.namePrefix,
        sku: config.keyVault.sku,
        softDeleteRetentionInDays: config.keyVault.softDeleteRetentionDays,
        publicNetworkAccess: config.keyVault.publicNetworkAccess,
        networkRules: config.keyVault.ipRules.length > 0 ? { defaultAction: "Deny", ipRules: [...config.keyVault.ipRules] } : undefined,
        deployerPrincipalType: config.keyVault.deployerPrincipalType,
        secrets,
        tags,
    }, { protect });

    const namespaces = createNamespaces(config.workloads, cluster.provider);

    const issuers: Record<string, pulumi.Input<string>> = { aks: cluster.issuerUrl, ...config.extraIssuers };
    const identities = new Map<string, WorkloadIdentity>();
    const workloads: Record<string, WorkloadOutputs> = {};
    for (const workload of config.workloads) {
        const subjects = [{ namespace: workload.namespace, serviceAccountName: workload.serviceAccountName }, ...workload.extraSubjects];
        const identity = new WorkloadIdentity(workload.name, {
            resourceGroupName,
            location: config.location,
            issuers,
            subjects: subjects.map((s) => ({ ...s })),
            roleGrants: workload.roles.map((grant) => grant.scope === undefined
                ? { scope: vault.id, scopeKey: vault.scopeKey, role: grant.role }
                : { scope: grant.scope, role: grant.role }),
            tokenExpirationSeconds: workload.tokenExpirationSeconds,
            provider: cluster.provider,
            serviceAccountDependsOn: subjects.flatMap((s) => namespaces.get(s.namespace) ?? []),
            labels: { "app.kubernetes.io/part-of": workload.name },
            tags,
        }, { protect });
        identities.set(workload.name, identity);
        if (workload.image) {
            createDeployment(workload, identity, vault, cluster.provider);
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
            dependsOn: [...identity.federatedCredentials, ...identity.roleAssignments, ...identity.serviceAccounts, vault.secrets[verificationSecretName]],
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

/** One Namespace per namespace some workload asks to create, each once; the built-in ones always exist. */
function createNamespaces(workloads: readonly WorkloadConfig[], provider: k8s.Provider): Map<string, k8s.core.v1.Namespace> {
    const created = new Map<string, k8s.core.v1.Namespace>();
    for (const workload of workloads.filter((w) => w.createNamespace)) {
        for (const namespace of [workload.namespace, ...workload.extraSubjects.map((s) => s.namespace)]) {
            if (builtInNamespaces.includes(namespace) || created.has(namespace)) continue;
            created.set(namespace, new k8s.core.v1.Namespace(`ns-${namespace}`, { metadata: { name: namespace } }, { provider }));
        }
    }
    return created;
}

/** A Deployment whose pod template carries the identity's labels and client-id hash, so it rolls when the identity changes. */
function createDeployment(workload: WorkloadConfig, identity: WorkloadIdentity, vault: KeyVault, provider: k8s.Provider): k8s.apps.v1.Deployment {
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
    }, { provider, dependsOn: identity.serviceAccounts });
}
