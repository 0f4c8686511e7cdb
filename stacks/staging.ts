import { EnvironmentProfile } from "./profile";

/** staging: like prod (zones, autoscaling, protect, Cilium policy), but smaller and verified on every deploy. */
export const staging: EnvironmentProfile = {
    name: "staging",
    protect: true,
    systemPool: { vmSize: "Standard_D2ds_v5", minCount: 1, maxCount: 3, availabilityZones: ["1", "2", "3"] },
    skuTier: "Standard",
    networkDataplane: "cilium",
    softDeleteRetentionDays: 30,
    verify: true,
    requires: { localAccountsDisabled: true, minSoftDeleteRetentionDays: 7 },
};
