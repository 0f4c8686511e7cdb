import type { AksSkuTier, NetworkDataplane } from "../components/shared/enums";

/**
 * An environment profile: the defaults that differ between dev, staging and prod. Stack config
 * overrides any of them; what a profile `requires` cannot be overridden.
 */
export interface EnvironmentProfile {
    /** The profile's name, as given by the `profile` config key. */
    readonly name: string;
    /** `protect: true` on the cluster, the vault and the identities, so `pulumi destroy` refuses them. */
    readonly protect: boolean;
    /** The inline system pool. */
    readonly systemPool: {
        readonly vmSize: string;
        readonly count?: number;
        readonly minCount?: number;
        readonly maxCount?: number;
        readonly availabilityZones: readonly string[];
    };
    /** The AKS pricing tier. */
    readonly skuTier: AksSkuTier;
    /** The network data plane; `cilium` also enforces Kubernetes NetworkPolicies. */
    readonly networkDataplane: NetworkDataplane;
    /** Key Vault soft-delete retention, in days. */
    readonly softDeleteRetentionDays: number;
    /** Deploy the verification Job that proves the trust chain end to end. */
    readonly verify: boolean;
    /** Settings this profile insists on; config that contradicts them is refused. */
    readonly requires: {
        /** Local (certificate) accounts must stay disabled. */
        readonly localAccountsDisabled: boolean;
        /** The smallest soft-delete retention allowed. */
        readonly minSoftDeleteRetentionDays: number;
    };
}
