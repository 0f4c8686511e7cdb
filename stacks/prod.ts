import { EnvironmentProfile } from "./profile";

/**
 * prod: zones and an autoscaling system pool, `protect` on the cluster, vault and identities, 90 days of
 * soft-delete retention, local accounts disabled, and Cilium enforcing NetworkPolicies (the tighter
 * network default). The verification Job is off by default; turn it on with `verify: true`.
 */
export const prod: EnvironmentProfile = {
    name: "prod",
    protect: true,
    systemPool: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 6, availabilityZones: ["1", "2", "3"] },
    skuTier: "Standard",
    networkDataplane: "cilium",
    softDeleteRetentionDays: 90,
    verify: false,
    requires: { localAccountsDisabled: true, minSoftDeleteRetentionDays: 90 },
};
