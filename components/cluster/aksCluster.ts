import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as time from "@pulumiverse/time";
import { currentDeployer } from "../shared/deployer";
import { ArgsError, Problems } from "../shared/errors";
import { assignRole, isGuid, resolveRole } from "../shared/roles";
import { agentPoolNameProblem } from "../shared/names";
import { ipv4CidrProblem } from "../shared/network";
import { AksSkuTier, aksSkuTiers, NetworkDataplane, oneOfProblem } from "../shared/enums";
import { poolCountRange, systemPoolName } from "../shared/pools";
import { tagArgProblems } from "../shared/tags";
import { KubeloginOptions, kubeconfigForLogin, kubeloginMethods } from "./kubeconfig";

/** A node pool's size and placement. */
export interface NodePoolArgs {
    /** The VM size, for example `Standard_D4ds_v5`. */
    vmSize: string;
    /** A fixed node count (1–1000). Ignored when `minCount` and `maxCount` turn on the autoscaler. */
    count?: number;
    /** The autoscaler's minimum node count. Set with `maxCount`. */
    minCount?: number;
    /** The autoscaler's maximum node count. Set with `minCount`. */
    maxCount?: number;
    /** Availability zones, a subset of `["1", "2", "3"]`. Empty or absent: no zones. */
    availabilityZones?: string[];
}

/** An extra user node pool, created as its own `containerservice.AgentPool`. */
export interface UserNodePoolArgs extends NodePoolArgs {
    /** The pool's name: 1–12 lowercase letters and digits, starting with a letter. */
    name: string;
    /** Kubernetes labels for the pool's nodes. */
    nodeLabels?: Record<string, string>;
    /** Taints for the pool's nodes, for example `dedicated=batch:NoSchedule`. */
    nodeTaints?: string[];
}

/** The cluster's network profile. */
export interface ClusterNetworkArgs {
    /** The network plugin. Default `azure` (Azure CNI, with `networkPluginMode: overlay`). */
    networkPlugin?: "azure" | "kubenet" | "none";
    /** `overlay` for Azure CNI overlay. Default `overlay` with the `azure` plugin. */
    networkPluginMode?: "overlay";
    /** The network policy engine. Default `cilium` with the `cilium` data plane, else none. */
    networkPolicy?: "azure" | "calico" | "cilium" | "none";
    /** The network data plane. Default `azure`. */
    networkDataplane?: NetworkDataplane;
    /** The pod CIDR, for overlay and kubenet. */
    podCidr?: string;
    /** The service CIDR. */
    serviceCidr?: string;
    /** The cluster DNS service IP, inside `serviceCidr`. */
    dnsServiceIP?: string;
    /** The egress type. Default `loadBalancer`. */
    outboundType?: "loadBalancer" | "userDefinedRouting" | "managedNATGateway" | "userAssignedNATGateway";
}

/** An existing cluster to use instead of creating one (bring-your-own-cluster mode). */
export interface ExistingClusterArgs {
    /** The existing cluster's resource group. */
    resourceGroupName: string;
    /** The existing cluster's name. */
    name: string;
}

/** Arguments of {@link AksCluster}. */
export interface AksClusterArgs {
    /** The resource group to create the cluster in. Ignored in bring-your-own mode. */
    resourceGroupName?: pulumi.Input<string>;
    /** The Azure region. Default: the resource group's (the provider's default location). */
    location?: pulumi.Input<string>;
    /**
     * Use this existing cluster instead of creating one. It must have the OIDC issuer and workload
     * identity on; the component refuses it otherwise.
     */
    existing?: ExistingClusterArgs;
    /** The cluster's Azure name. Default: derived from the component name by Pulumi auto-naming. */
    clusterName?: string;
    /** The DNS prefix of the API server's FQDN (1–54 letters, digits and '-'). Default: derived from the component name. */
    dnsPrefix?: string;
    /** A Kubernetes version such as `1.33`. Default: AKS's default version. */
    kubernetesVersion?: string;
    /** The cluster auto-upgrade channel. Default `patch`: patch releases only, the minor version stays as pinned. */
    autoUpgradeChannel?: "none" | "patch" | "stable" | "rapid" | "node-image";
    /** The node OS upgrade channel. Default `NodeImage`. */
    nodeOsUpgradeChannel?: "None" | "Unmanaged" | "NodeImage" | "SecurityPatch";
    /** Entra ID group object ids that get cluster-admin through Azure RBAC: the way to give people access. */
    adminGroupObjectIds?: string[];
    /**
     * Grant whoever runs the update (`getClientConfig().objectId`) Azure Kubernetes Service RBAC Cluster Admin on the
     * cluster this component creates, so the Kubernetes objects of the same update can be created. Default `true`.
     * Ignored in bring-your-own mode: there the deployer needs access already.
     */
    grantDeployerClusterAdmin?: boolean;
    /**
     * How long the Kubernetes provider waits after that grant is created, in seconds (0–1800): AKS documents up to
     * five minutes for a new role assignment to reach its authorization server. Default 300.
     */
    deployerAccessWaitSeconds?: number;
    /**
     * The scope of that grant. Default: the cluster. Pass the id of a resource group that this stack owns and that holds
     * the cluster: the grant and its propagation wait then run while the cluster is being created, not after it.
     */
    deployerAccessScope?: pulumi.Input<string>;
    /** The Entra tenant for Kubernetes authentication. Default: the deploying subscription's tenant. */
    tenantId?: pulumi.Input<string>;
    /** Turn off local (certificate) accounts, so only Entra ID can sign in. Default `true`. */
    disableLocalAccounts?: boolean;
    /**
     * The inline system pool. Default: one `Standard_D4ds_v5` node, no zones. AKS rejects a change of an existing
     * pool's VM size or zones (azure-native updates the cluster in place, it does not replace it): to move the
     * system pool, add a new System-mode AgentPool, then retire this one (see the README).
     */
    systemPool?: NodePoolArgs;
    /** Extra user pools, each a separate `AgentPool`, so each is created, changed and deleted on its own. */
    userPools?: UserNodePoolArgs[];
    /** The network profile. */
    network?: ClusterNetworkArgs;
    /** The AKS pricing tier. Default `Standard` (the uptime SLA). */
    skuTier?: AksSkuTier;
    /** The control plane's identity: a user-assigned identity this component creates (default), or system-assigned. */
    controlPlaneIdentity?: "UserAssigned" | "SystemAssigned";
    /** CIDR ranges allowed to reach the API server. Default: unrestricted. */
    apiServerAuthorizedIpRanges?: string[];
    /** Enable the Key Vault Secrets Store CSI driver add-on. Default `false`. */
    keyVaultSecretsProvider?: {
        /** Turn the add-on on. */
        enabled: boolean;
        /** Rotate mounted secrets. Default `true`. */
        enableSecretRotation?: boolean;
        /** How often to poll for rotated secrets, for example `2m`. Default `2m`. */
        rotationPollInterval?: string;
    };
    /** How the kubeconfig this component builds signs in (kubelogin). Default `azurecli`. */
    login?: KubeloginOptions;
    /** Tags for the Azure resources. */
    tags?: Record<string, string>;
}

const zonePattern = /^[123]$/;
const dnsPrefixPattern = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$/;
const durationPattern = /^\d+[smh]$/;

/** AKS: "New role assignments can take up to five minutes to propagate and be updated by the authorization server." */
export const defaultDeployerAccessWaitSeconds = 300;
/** The longest deployer access wait this component accepts. */
export const maxDeployerAccessWaitSeconds = 1800;

function checkPool(problems: Problems, key: string, pool: NodePoolArgs, mode: "system" | "user" = "system"): void {
    const { min, max } = poolCountRange[mode];
    if (typeof pool.vmSize !== "string" || pool.vmSize.trim() === "") {
        problems.add(`${key}.vmSize is required: an Azure VM size such as "Standard_D4ds_v5"`);
    }
    const autoscale = pool.minCount !== undefined || pool.maxCount !== undefined;
    if (autoscale) {
        if (!Number.isInteger(pool.minCount) || !Number.isInteger(pool.maxCount)) {
            problems.add(`${key}.minCount and ${key}.maxCount must both be set, as whole numbers, to turn on the autoscaler`);
        } else if (pool.minCount! < min || pool.maxCount! > max || pool.minCount! > pool.maxCount! || pool.maxCount! < 1) {
            problems.add(`${key}.minCount (${pool.minCount}) and ${key}.maxCount (${pool.maxCount}) must satisfy ${min} <= minCount <= maxCount <= ${max}, maxCount at least 1`);
        }
    } else if (pool.count !== undefined && (!Number.isInteger(pool.count) || pool.count < min || pool.count > max)) {
        problems.add(`${key}.count ${JSON.stringify(pool.count)} must be a whole number from ${min} to ${max}`);
    }
    (pool.availabilityZones ?? []).forEach((zone, i) => {
        if (!zonePattern.test(String(zone))) {
            problems.add(`${key}.availabilityZones[${i}] ${JSON.stringify(zone)} must be "1", "2" or "3"`);
        }
    });
}

/** Returns every problem with `args`, one sentence each; empty when they are valid. Creates nothing. */
export function aksClusterArgsProblems(args: AksClusterArgs): string[] {
    const problems = new Problems();
    if (args.existing) {
        if (!args.existing.resourceGroupName) problems.add("existing.resourceGroupName is required in bring-your-own-cluster mode");
        if (!args.existing.name) problems.add("existing.name is required in bring-your-own-cluster mode");
    } else if (args.resourceGroupName === undefined) {
        problems.add("resourceGroupName is required unless existing names a cluster to use");
    }
    if (args.dnsPrefix !== undefined && !dnsPrefixPattern.test(args.dnsPrefix)) {
        problems.add(`dnsPrefix "${args.dnsPrefix}" must be 1-54 letters, digits and '-', starting and ending with a letter or digit`);
    }
    if (args.systemPool) checkPool(problems, "systemPool", args.systemPool);
    const poolNames = new Set<string>();
    (args.userPools ?? []).forEach((pool, i) => {
        const key = `userPools[${i}]`;
        const nameProblem = agentPoolNameProblem(pool.name);
        if (nameProblem) {
            problems.add(`${key}.name ${nameProblem}`);
        } else if (pool.name === systemPoolName || poolNames.has(pool.name)) {
            problems.add(`${key}.name "${pool.name}" is used twice (the inline pool is "${systemPoolName}")`);
        }
        poolNames.add(pool.name);
        checkPool(problems, key, pool, "user");
    });
    (args.adminGroupObjectIds ?? []).forEach((id, i) => {
        if (!isGuid(id)) problems.add(`adminGroupObjectIds[${i}] "${id}" must be an Entra group object id (a GUID)`);
    });
    (args.apiServerAuthorizedIpRanges ?? []).forEach((range, i) => {
        const problem = ipv4CidrProblem(range);
        if (problem) problems.add(`apiServerAuthorizedIpRanges[${i}] ${problem}`);
    });
    const interval = args.keyVaultSecretsProvider?.rotationPollInterval;
    if (interval !== undefined && !durationPattern.test(interval)) {
        problems.add(`keyVaultSecretsProvider.rotationPollInterval "${interval}" must be a duration such as "2m", "30s" or "1h"`);
    }
    const wait = args.deployerAccessWaitSeconds;
    if (wait !== undefined && (!Number.isInteger(wait) || wait < 0 || wait > maxDeployerAccessWaitSeconds)) {
        problems.add(`deployerAccessWaitSeconds ${JSON.stringify(wait)} must be a whole number from 0 to ${maxDeployerAccessWaitSeconds}`);
    }
    if (args.login && !kubeloginMethods.includes(args.login.method)) {
        problems.add(`login.method ${JSON.stringify(args.login.method)} must be one of ${kubeloginMethods.join(", ")}`);
    }
    problems.addAll(tagArgProblems("tags", args.tags));
    if (args.skuTier !== undefined) {
        const problem = oneOfProblem(args.skuTier, aksSkuTiers);
        if (problem) problems.add(`skuTier ${problem}`);
    }
    if (args.login?.clientId !== undefined && !isGuid(args.login.clientId)) {
        problems.add(`login.clientId "${args.login.clientId}" must be an application (client) id, a GUID`);
    }
    if (args.login?.method === "spn" && !args.login.clientId) {
        problems.add(`login.clientId is required with login.method "spn": the service principal's application id`);
    }
    return [...problems.all];
}

/** Throws an {@link ArgsError} listing every problem with `args`. Pure: creates nothing. */
export function validateAksClusterArgs(name: string, args: AksClusterArgs): void {
    const problems = aksClusterArgsProblems(args);
    if (problems.length > 0) throw new ArgsError(`AksCluster "${name}"`, problems);
}

/** The `az` command that turns on what this library needs on an existing cluster. */
export function enableWorkloadIdentityHint(existing: ExistingClusterArgs): string {
    return `az aks update --resource-group ${existing.resourceGroupName} --name ${existing.name} --enable-oidc-issuer --enable-workload-identity`;
}

/**
 * Checks an existing cluster for the OIDC issuer and workload identity, and returns its issuer URL.
 * Throws with the `az aks update` hint when either is off.
 */
export function requireWorkloadIdentity(existing: ExistingClusterArgs, cluster: Pick<containerservice.GetManagedClusterResult, "oidcIssuerProfile" | "securityProfile">): string {
    const missing: string[] = [];
    if (!cluster.oidcIssuerProfile?.enabled) missing.push("the OIDC issuer");
    if (!cluster.securityProfile?.workloadIdentity?.enabled) missing.push("workload identity");
    if (missing.length > 0) {
        throw new pulumi.RunError(
            `existing cluster ${existing.resourceGroupName}/${existing.name} does not have ${missing.join(" or ")} enabled, ` +
            `so its pods cannot get Entra tokens. Enable both (the OIDC issuer cannot be turned off again, and the API server restarts): ` +
            enableWorkloadIdentityHint(existing));
    }
    return requireIssuerUrl(`${existing.resourceGroupName}/${existing.name}`, cluster.oidcIssuerProfile);
}

/** Returns the issuer URL verbatim, or throws when the cluster reports none. */
export function requireIssuerUrl(cluster: string, profile: { issuerURL?: string } | undefined): string {
    if (!profile?.issuerURL) {
        throw new pulumi.RunError(`cluster ${cluster} reports no oidcIssuerProfile.issuerURL although the OIDC issuer is enabled; federated credentials cannot be created without it`);
    }
    // Verbatim, trailing slash kept: Entra compares it byte for byte with the token's iss claim (AADSTS70021 otherwise).
    return profile.issuerURL;
}

/** The type token of {@link AksCluster}. */
export const aksClusterType = "wid:cluster:AksCluster";

/**
 * An AKS cluster ready for Microsoft Entra Workload ID: OIDC issuer and workload identity on, Entra ID
 * with Azure RBAC for Kubernetes authorization, local accounts off. Or, in bring-your-own mode, an
 * existing cluster checked for the same. Either way it exposes the issuer URL, an exec (kubelogin)
 * kubeconfig as a secret, and a Kubernetes provider for it.
 */
export class AksCluster extends pulumi.ComponentResource {
    /** The cluster's Azure name. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's resource group. */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The cluster's ARM id. */
    public readonly clusterId: pulumi.Output<string>;
    /** The OIDC issuer URL, verbatim (it ends with a slash). Unknown at preview for a new cluster. */
    public readonly issuerUrl: pulumi.Output<string>;
    /** A kubeconfig that signs in through kubelogin (never admin credentials), as a secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider for this cluster. */
    public readonly provider: k8s.Provider;
    /** The created cluster; undefined in bring-your-own mode. */
    public readonly managedCluster?: containerservice.ManagedCluster;
    /** The control plane's user-assigned identity, when this component created one. */
    public readonly controlPlaneIdentity?: managedidentity.UserAssignedIdentity;
    /** The extra user pools. */
    public readonly userPools: containerservice.AgentPool[];
    /** The deployer's Azure Kubernetes Service RBAC Cluster Admin assignment on the created cluster, when granted. */
    public readonly deployerRoleAssignment?: authorization.RoleAssignment;
    /** The bounded wait after that grant; the Kubernetes provider, and so every Kubernetes object, waits for it. */
    public readonly deployerAccessWait?: time.Sleep;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        validateAksClusterArgs(name, args);
        super(aksClusterType, name, {}, opts);

        if (args.existing) {
            const existing = args.existing;
            const found = containerservice.getManagedClusterOutput({ resourceGroupName: existing.resourceGroupName, resourceName: existing.name }, { parent: this });
            this.clusterName = found.name;
            this.resourceGroupName = pulumi.output(existing.resourceGroupName);
            this.clusterId = found.id;
            this.issuerUrl = found.apply((cluster) => requireWorkloadIdentity(existing, cluster));
            this.userPools = [];
        } else {
            const { cluster, controlPlaneIdentity } = this.createCluster(name, args);
            this.managedCluster = cluster;
            this.controlPlaneIdentity = controlPlaneIdentity;
            this.clusterName = cluster.name;
            this.resourceGroupName = pulumi.output(args.resourceGroupName!);
            this.clusterId = cluster.id;
            this.issuerUrl = pulumi.all([cluster.name, cluster.oidcIssuerProfile]).apply(([clusterName, profile]) => requireIssuerUrl(clusterName, profile));
            this.userPools = (args.userPools ?? []).map((pool) => new containerservice.AgentPool(`${name}-${pool.name}`, {
                resourceGroupName: args.resourceGroupName!,
                resourceName: cluster.name,
                agentPoolName: pool.name,
                mode: "User",
                vmSize: pool.vmSize,
                osType: "Linux",
                orchestratorVersion: poolOrchestratorVersion(args),
                nodeLabels: pool.nodeLabels,
                nodeTaints: pool.nodeTaints,
                ...poolSizing(pool),
            }, { parent: this, ignoreChanges: isAutoscaled(pool) ? ["count"] : [] }));

            if (args.grantDeployerClusterAdmin ?? true) {
                // Azure RBAC is on and local accounts are off, so a new cluster's Kubernetes API admits nobody: without this
                // the update's first Namespace gets 403. The deployer may be a person or CI: its type comes from its token.
                const deployer = currentDeployer({ parent: this });
                // At a resource group scope the grant does not wait for the cluster, so its propagation overlaps the cluster's create.
                const scope = args.deployerAccessScope ?? cluster.id;
                this.deployerRoleAssignment = assignRole(`${name}-deployer`, {
                    scope,
                    scopeKey: args.deployerAccessScope === undefined ? `aks:${name}` : `aks:${name}:resource-group`,
                    role: resolveRole("Azure Kubernetes Service RBAC Cluster Admin")!,
                    principalId: deployer.objectId,
                    principalType: deployer.principalType,
                    fallbackSubscriptionId: deployer.subscriptionId,
                }, { parent: this });
                const waitSeconds = args.deployerAccessWaitSeconds ?? defaultDeployerAccessWaitSeconds;
                if (waitSeconds > 0) {
                    // Waits on create only; a new grant (another deployer: its name is seeded from the principal) replaces
                    // the Sleep through its trigger, so it waits again.
                    this.deployerAccessWait = new time.Sleep(`${name}-deployer-access`, {
                        createDuration: `${waitSeconds}s`,
                        triggers: { roleAssignmentId: this.deployerRoleAssignment.id },
                    }, { parent: this });
                }
            }
        }

        const credentials = containerservice.listManagedClusterUserCredentialsOutput({
            resourceGroupName: this.resourceGroupName,
            resourceName: this.clusterName,
            // exec: a kubelogin kubeconfig. Admin credentials return 400 when local accounts are off, and are never used.
            format: "exec",
        }, { parent: this });
        const login = args.login ?? { method: "azurecli" };
        this.kubeconfig = pulumi.secret(credentials.kubeconfigs.apply((configs) => {
            if (!configs || configs.length === 0) {
                throw new pulumi.RunError("listManagedClusterUserCredentials returned no kubeconfig");
            }
            return kubeconfigForLogin(Buffer.from(configs[0].value, "base64").toString("utf8"), login);
        }));
        // Every Kubernetes object uses this provider, so none of them can start before the deployer's grant has propagated.
        const accessReady: pulumi.Resource[] = this.deployerAccessWait ? [this.deployerAccessWait] : this.deployerRoleAssignment ? [this.deployerRoleAssignment] : [];
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: accessReady });

        this.registerOutputs({
            clusterName: this.clusterName,
            resourceGroupName: this.resourceGroupName,
            clusterId: this.clusterId,
            issuerUrl: this.issuerUrl,
            kubeconfig: this.kubeconfig,
        });
    }

    private createCluster(name: string, args: AksClusterArgs): { cluster: containerservice.ManagedCluster; controlPlaneIdentity?: managedidentity.UserAssignedIdentity } {
        const systemPool = args.systemPool ?? { vmSize: "Standard_D4ds_v5", count: 1 };
        const hasUserPools = (args.userPools ?? []).length > 0;
        const controlPlaneIdentityType = args.controlPlaneIdentity ?? "UserAssigned";
        // A user-assigned control-plane identity outlives the cluster, so its role assignments survive a cluster replacement.
        const controlPlaneIdentity = controlPlaneIdentityType === "UserAssigned"
            ? new managedidentity.UserAssignedIdentity(`${name}-control-plane`, {
                resourceGroupName: args.resourceGroupName!,
                location: args.location,
                tags: args.tags,
            }, { parent: this })
            : undefined;

        const network = args.network ?? {};
        const networkPlugin = network.networkPlugin ?? "azure";
        const networkDataplane = network.networkDataplane ?? "azure";
        const secretsProvider = args.keyVaultSecretsProvider;

        const cluster = new containerservice.ManagedCluster(`${name}-aks`, {
            resourceGroupName: args.resourceGroupName!,
            resourceName: args.clusterName,
            location: args.location,
            // AKS wants 1-54 letters, digits and '-', ending with a letter or digit: trim again after the cut, which can
            // stop on a '-'. Names that already gave a valid prefix keep it (a changed dnsPrefix replaces the cluster).
            dnsPrefix: args.dnsPrefix ?? name.replace(/[^a-zA-Z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 54).replace(/-+$/, ""),
            kubernetesVersion: args.kubernetesVersion,
            sku: { name: "Base", tier: args.skuTier ?? "Standard" },
            identity: controlPlaneIdentity
                // userAssignedIdentities is a list of ids in azure-native v3 (a map in v2).
                ? { type: "UserAssigned", userAssignedIdentities: [controlPlaneIdentity.id] }
                : { type: "SystemAssigned" },
            // Enabled at create time: the issuer cannot be turned off later, and enabling it afterwards restarts the API server.
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            enableRBAC: true,
            aadProfile: {
                managed: true,
                enableAzureRBAC: true,
                adminGroupObjectIDs: args.adminGroupObjectIds,
                tenantID: args.tenantId,
            },
            disableLocalAccounts: args.disableLocalAccounts ?? true,
            autoUpgradeProfile: {
                upgradeChannel: args.autoUpgradeChannel ?? "patch",
                nodeOSUpgradeChannel: args.nodeOsUpgradeChannel ?? "NodeImage",
            },
            // Only the small system pool lives inline: AKS rejects changing an existing pool's VM size or zones through the
            // cluster (azure-native #2774 updates it in place rather than replacing the cluster). User pools are AgentPools.
            agentPoolProfiles: [{
                name: systemPoolName,
                mode: "System",
                osType: "Linux",
                vmSize: systemPool.vmSize,
                orchestratorVersion: poolOrchestratorVersion(args),
                // With user pools present, keep application pods off the system nodes.
                nodeTaints: hasUserPools ? ["CriticalAddonsOnly=true:NoSchedule"] : undefined,
                ...poolSizing(systemPool),
            }],
            networkProfile: {
                networkPlugin,
                networkPluginMode: network.networkPluginMode ?? (networkPlugin === "azure" ? "overlay" : undefined),
                networkDataplane,
                networkPolicy: network.networkPolicy ?? (networkDataplane === "cilium" ? "cilium" : undefined),
                podCidr: network.podCidr,
                serviceCidr: network.serviceCidr,
                dnsServiceIP: network.dnsServiceIP,
                outboundType: network.outboundType ?? "loadBalancer",
                loadBalancerSku: "standard",
            },
            apiServerAccessProfile: args.apiServerAuthorizedIpRanges && args.apiServerAuthorizedIpRanges.length > 0
                ? { authorizedIPRanges: args.apiServerAuthorizedIpRanges }
                : undefined,
            addonProfiles: secretsProvider?.enabled
                ? {
                    azureKeyvaultSecretsProvider: {
                        enabled: true,
                        // The add-on's config values are strings, booleans included.
                        config: {
                            enableSecretRotation: String(secretsProvider.enableSecretRotation ?? true),
                            rotationPollInterval: secretsProvider.rotationPollInterval ?? "2m",
                        },
                    },
                }
                : undefined,
            tags: args.tags,
        }, {
            parent: this,
            // The autoscaler moves the node count: sending the configured count back would fight it.
            ignoreChanges: isAutoscaled(systemPool) ? ["agentPoolProfiles[0].count"] : [],
        });
        return { cluster, controlPlaneIdentity };
    }
}

/** Whether the autoscaler sizes this pool. */
export function isAutoscaled(pool: NodePoolArgs): boolean {
    return pool.minCount !== undefined && pool.maxCount !== undefined;
}

/**
 * The `orchestratorVersion` of every pool, inline and AgentPool alike: AKS refuses a cluster whose pools mix a set
 * and an unset version ("must be all specified or all unspecified"). All the cluster's version, or all unset
 * (then they follow the control plane).
 */
export function poolOrchestratorVersion(args: Pick<AksClusterArgs, "kubernetesVersion">): string | undefined {
    return args.kubernetesVersion;
}

/** count, or the autoscaler's min/max, for a pool. */
function poolSizing(pool: NodePoolArgs): { count: number; enableAutoScaling: boolean; minCount?: number; maxCount?: number; availabilityZones?: string[] } {
    const zones = pool.availabilityZones && pool.availabilityZones.length > 0 ? pool.availabilityZones : undefined;
    if (isAutoscaled(pool)) {
        return { count: pool.minCount!, enableAutoScaling: true, minCount: pool.minCount, maxCount: pool.maxCount, availabilityZones: zones };
    }
    return { count: pool.count ?? 1, enableAutoScaling: false, availabilityZones: zones };
}
