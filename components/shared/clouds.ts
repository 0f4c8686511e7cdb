/**
 * The Azure clouds this library supports, and what differs between them for federated sign-in: the audience
 * a federated token must carry for Entra's token exchange, and the Entra authority host.
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
    /** The `aud` Entra expects in a federated token, and so the federated credentials' audience. */
    readonly tokenExchangeAudience: string;
    /** The Entra authority host (the webhook's AZURE_AUTHORITY_HOST), with its trailing slash. */
    readonly authorityHost: string;
}

// Entra's documented token-exchange audience per cloud (FIELD-NOTES section 8); the webhook's projected token must match it.
export const clouds: Readonly<Record<CloudName, CloudSettings>> = {
    AzureCloud: { tokenExchangeAudience: "api://AzureADTokenExchange", authorityHost: "https://login.microsoftonline.com/" },
    AzureUSGovernment: { tokenExchangeAudience: "api://AzureADTokenExchangeUSGov", authorityHost: "https://login.microsoftonline.us/" },
    AzureChinaCloud: { tokenExchangeAudience: "api://AzureADTokenExchangeChina", authorityHost: "https://login.chinacloudapi.cn/" },
};

/** Whether `value` names a supported cloud. */
export function isCloudName(value: unknown): value is CloudName {
    return typeof value === "string" && (cloudNames as readonly string[]).includes(value);
}
