/**
 * The Azure clouds this library supports, and what differs between them for federated sign-in: the audience
 * a CI token asks for in Entra's token exchange, the Entra authority host and the provider's environment name;
 * and the one audience AKS's webhook projects in every cloud.
 * The one home of these constants: the config schema, the components, the plan and CI all import them.
 */

/** The cloud names, as azure/login's `environment` input and the ARM_ENVIRONMENT convention spell them. */
export const cloudNames = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;

/** One supported Azure cloud. */
export type CloudName = (typeof cloudNames)[number];

/** The cloud used when none is configured. */
export const defaultCloud: CloudName = "AzureCloud";

/** What a cloud needs for federated sign-in. */
export interface CloudSettings {
    /**
     * Entra's token-exchange audience for this cloud: what a token requester that chooses its own audience
     * (GitHub Actions via azure/login's `audience` input and the provider's ARM_OIDC_AUDIENCE) asks for, and so
     * the audience of the CI identities' federated credentials. Not what AKS's webhook projects: see
     * {@link aksWebhookTokenAudience}.
     */
    readonly tokenExchangeAudience: string;
    /** The Entra authority host (the webhook's AZURE_AUTHORITY_HOST), with its trailing slash. */
    readonly authorityHost: string;
    /** The azure-native provider's `environment` (ARM_ENVIRONMENT) for this cloud. */
    readonly armEnvironment: "public" | "usgovernment" | "china";
    /** The Key Vault DNS suffix: a vault's host is `<name>.<suffix>`. */
    readonly keyVaultDnsSuffix: string;
}

// The portal's default FIC audience per cloud; a sovereign cloud's FIC with it refuses a token asking for
// api://AzureADTokenExchange (Azure/login #452, terraform-provider-azuread #1755), so the requester must ask for it.
export const clouds: Readonly<Record<CloudName, CloudSettings>> = {
    AzureCloud: { tokenExchangeAudience: "api://AzureADTokenExchange", authorityHost: "https://login.microsoftonline.com/", armEnvironment: "public", keyVaultDnsSuffix: "vault.azure.net" },
    AzureUSGovernment: { tokenExchangeAudience: "api://AzureADTokenExchangeUSGov", authorityHost: "https://login.microsoftonline.us/", armEnvironment: "usgovernment", keyVaultDnsSuffix: "vault.usgovcloudapi.net" },
    AzureChinaCloud: { tokenExchangeAudience: "api://AzureADTokenExchangeChina", authorityHost: "https://login.chinacloudapi.cn/", armEnvironment: "china", keyVaultDnsSuffix: "vault.azure.cn" },
};

/**
 * The audience of the token AKS's workload identity webhook projects into pods, in every cloud: the webhook
 * uses its `--audience` flag, default `api://AzureADTokenExchange` (azure-workload-identity pkg/webhook/consts.go
 * `DefaultAudience`, webhook.go `NewPodMutator`); its cloud setting (AZURE_ENVIRONMENT) changes only
 * AZURE_AUTHORITY_HOST, and AKS's managed add-on exposes no `--audience` (nor does the Helm chart:
 * azure-workload-identity #1675). So a workload's credentials carry this audience whatever the cloud.
 */
export const aksWebhookTokenAudience = "api://AzureADTokenExchange";

/** Whether `value` names a supported cloud. */
export function isCloudName(value: unknown): value is CloudName {
    return typeof value === "string" && (cloudNames as readonly string[]).includes(value);
}
