/**
 * The stack config schema: every key the program reads, its type, description and default. It is the
 * one source of truth for `Pulumi.yaml`'s `config:` block and the README's config reference; a test
 * checks both against it (`npm run docs` rewrites them).
 */

import type { EnvironmentProfile } from "../stacks/profile";
import { defaultVerifyTimeoutSeconds } from "../components/verification/verificationJob";

/** A config key's type. `object` keys hold structured YAML, which Pulumi.yaml cannot declare a type for. */
export type ConfigType = "string" | "integer" | "boolean" | "array" | "object";

/** One config key. */
export interface ConfigKeySpec {
    /** The type. */
    readonly type: ConfigType;
    /** What it does, for `pulumi config` users and the README. */
    readonly description: string;
    /** The default, when it does not depend on the profile. */
    readonly default?: string | number | boolean | readonly unknown[] | Readonly<Record<string, string>>;
    /** The default comes from the environment profile (`stacks/`): this reads it. */
    readonly profileDefault?: (profile: EnvironmentProfile) => unknown;
    /** The key must be set. */
    readonly required?: boolean;
    /** The value should be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
}

export const configSchema = {
    profile: { type: "string", required: true, description: "The environment profile: dev, staging or prod (defaults in stacks/)." },
    location: { type: "string", default: "westeurope", description: "The Azure region for every resource." },
    resourceGroupName: { type: "string", description: "Use this existing resource group instead of creating one." },
    existingClusterResourceGroup: { type: "string", description: "Bring-your-own-cluster mode: the existing AKS cluster's resource group (with existingClusterName)." },
    existingClusterName: { type: "string", description: "Bring-your-own-cluster mode: the existing AKS cluster's name. It must have the OIDC issuer and workload identity on." },
    kubernetesVersion: { type: "string", description: "The Kubernetes version, for example 1.33. Default: AKS's default." },
    systemVmSize: { type: "string", profileDefault: (p) => p.systemPool.vmSize, description: "The system pool's VM size." },
    systemNodeCount: { type: "integer", profileDefault: (p) => p.systemPool.count, description: "The system pool's fixed node count (when not autoscaling)." },
    systemMinCount: { type: "integer", profileDefault: (p) => p.systemPool.minCount, description: "The system pool autoscaler's minimum (set with systemMaxCount)." },
    systemMaxCount: { type: "integer", profileDefault: (p) => p.systemPool.maxCount, description: "The system pool autoscaler's maximum (set with systemMinCount)." },
    availabilityZones: { type: "array", profileDefault: (p) => p.systemPool.availabilityZones, description: "Availability zones for the node pools, a subset of [\"1\",\"2\",\"3\"]." },
    userNodePools: { type: "object", default: [], description: "Extra user node pools: a list of {name, vmSize, count | minCount+maxCount, availabilityZones, nodeLabels, nodeTaints}." },
    adminGroupObjectIds: { type: "array", default: [], description: "Entra group object ids that get cluster-admin through Azure RBAC." },
    disableLocalAccounts: { type: "boolean", default: true, description: "Disable local (certificate) accounts so only Entra ID signs in. staging and prod refuse false." },
    skuTier: { type: "string", profileDefault: (p) => p.skuTier, description: "The AKS tier: Free, Standard or Premium." },
    networkDataplane: { type: "string", profileDefault: (p) => p.networkDataplane, description: "The network data plane: azure, or cilium (which enforces NetworkPolicies)." },
    apiServerAuthorizedIpRanges: { type: "array", default: [], description: "IPv4 CIDRs allowed to reach the API server. Default: unrestricted." },
    kubeloginMethod: { type: "string", default: "azurecli", description: "How the generated kubeconfig signs in: azurecli, workloadidentity, spn or msi." },
    kubeloginClientId: { type: "string", description: "The client id kubelogin uses with spn (required) or msi (a user-assigned identity)." },
    keyVaultNamePrefix: { type: "string", description: "The vault name's prefix, 1-17 characters (a random suffix makes it unique). Default: wid-<stack>." },
    keyVaultSku: { type: "string", default: "standard", description: "The vault's SKU: standard or premium." },
    softDeleteRetentionDays: { type: "integer", profileDefault: (p) => p.softDeleteRetentionDays, description: "Key Vault soft-delete retention, 7-90 days. prod requires 90." },
    keyVaultPublicNetworkAccess: { type: "string", default: "Enabled", description: "The vault's public network access: Enabled or Disabled." },
    keyVaultIpRules: { type: "array", default: [], description: "When set, the vault denies all traffic but these IPv4 addresses or CIDRs (and trusted Azure services)." },
    workloads: { type: "object", required: true, description: "The workloads: a list of {name, namespace, serviceAccountName, extraSubjects, roles, tokenExpirationSeconds, createNamespace, image, port, replicas, env}. See Workloads." },
    extraIssuers: { type: "object", default: {}, description: "Other clusters' OIDC issuers every identity also trusts, by label (multi-cluster, blue/green): {label: issuerUrl}." },
    vaultSecrets: { type: "object", secret: true, description: "Secrets to store in the vault, {name: value}. Set with pulumi config set --secret --path 'vaultSecrets.<name>' <value>." },
    verify: { type: "boolean", profileDefault: (p) => p.verify, description: "Deploy the verification Job that reads a vault secret through workload identity; pulumi up fails if it cannot." },
    verifyWorkload: { type: "string", description: "The workload whose ServiceAccount the verification Job runs as. Default: the first workload." },
    verifyImage: { type: "string", default: "mcr.microsoft.com/azure-cli:2.67.0", description: "The verification Job's image; it needs sh and the Azure CLI (az)." },
    verifyTimeoutSeconds: { type: "integer", default: defaultVerifyTimeoutSeconds, description: "How long the verification Job retries while federation and RBAC propagate, 60-3600 seconds (Key Vault RBAC takes up to 10 minutes)." },
    tags: { type: "object", default: {}, description: "Tags for every Azure resource, {key: value}." },
} as const satisfies Record<string, ConfigKeySpec>;

/** A config key the program knows. */
export type ConfigKey = keyof typeof configSchema;
