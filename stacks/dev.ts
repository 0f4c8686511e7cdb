import { EnvironmentProfile } from "./profile";

/** dev: one small node, the verification Job on, nothing protected, short soft-delete retention. */
export const dev: EnvironmentProfile = {
    name: "dev",
    protect: false,
    systemPool: { vmSize: "Standard_D2ds_v5", count: 1, availabilityZones: [] },
    skuTier: "Free",
    networkDataplane: "azure",
    softDeleteRetentionDays: 7,
    verify: true,
    requires: { localAccountsDisabled: false, minSoftDeleteRetentionDays: 7 },
};
