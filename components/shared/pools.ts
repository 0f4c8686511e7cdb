/** Node count limits per AKS agent pool. AKS lets a user pool scale to 0 nodes; a system pool needs at least 1. */
export const poolCountRange = { system: { min: 1, max: 1000 }, user: { min: 0, max: 1000 } } as const;

/** The name this library gives the cluster's inline system pool. */
export const systemPoolName = "system";
