/** Allowed values of the settings shared by the config schema, the environment profiles and the components. */

/** The AKS pricing tiers. */
export const aksSkuTiers = ["Free", "Standard", "Premium"] as const;
/** One AKS pricing tier. */
export type AksSkuTier = (typeof aksSkuTiers)[number];

/** The AKS network data planes; `cilium` also enforces Kubernetes NetworkPolicies. */
export const networkDataplanes = ["azure", "cilium"] as const;
/** One network data plane. */
export type NetworkDataplane = (typeof networkDataplanes)[number];

/** The Key Vault SKUs (`premium` for HSM-backed keys). */
export const vaultSkus = ["standard", "premium"] as const;
/** One Key Vault SKU. */
export type VaultSku = (typeof vaultSkus)[number];

/** A Key Vault's public network access. */
export const publicNetworkAccessModes = ["Enabled", "Disabled"] as const;
/** One public network access mode. */
export type PublicNetworkAccess = (typeof publicNetworkAccessModes)[number];

/** Who runs `pulumi up`: a person or CI. Never configured: `currentDeployer()` reads it from the deployer's token. */
export const deployerPrincipalTypes = ["User", "ServicePrincipal"] as const;
/** One deployer principal type. */
export type DeployerPrincipalType = (typeof deployerPrincipalTypes)[number];

/** The availability zones a pool can use. */
export const availabilityZones = ["1", "2", "3"] as const;

/** The problem with `value` as one of `allowed`, if any. */
export function oneOfProblem(value: unknown, allowed: readonly string[]): string | undefined {
    if (typeof value === "string" && allowed.includes(value)) return undefined;
    return `${JSON.stringify(value)} is not allowed: use one of ${allowed.map((a) => `"${a}"`).join(", ")}`;
}
