/**
 * The names the bootstrap program creates and the GitHub workflows read: one home, so the workflows' tests
 * can hold them to it. A workflow composes a stack's backend URL from {@link stateContainerName}.
 */

/** The project name in bootstrap/Pulumi.yaml. */
export const bootstrapProject = "wid-bootstrap";

/** The blob container holding one stack's state: `azblob://pulumi-state-<stack>` (one per stack, so each deployer writes only its own). */
export function stateContainerName(stack: string): string {
    return `pulumi-state-${stack}`;
}

/** The Key Vault key that encrypts one stack's secrets (`azurekeyvault://<vault host>/keys/pulumi-secrets-<stack>`). */
export function secretsKeyName(stack: string): string {
    return `pulumi-secrets-${stack}`;
}

/** The GitHub Actions variables the workflows read (`vars.<NAME>`); none of them is a secret. */
export const githubVariables = {
    /** Repository: the Entra tenant. */
    tenantId: "AZURE_TENANT_ID",
    /** Repository: the subscription the stacks deploy into. */
    subscriptionId: "AZURE_SUBSCRIPTION_ID",
    /** Repository: the preview and drift identity's client id. */
    previewClientId: "AZURE_PREVIEW_CLIENT_ID",
    /** Repository: the state storage account (Pulumi's azblob backend reads AZURE_STORAGE_ACCOUNT). */
    storageAccount: "AZURE_STORAGE_ACCOUNT",
    /** Repository: azure/login's `environment` (AzureCloud, AzureUSGovernment, AzureChinaCloud). */
    azureEnvironment: "AZURE_ENVIRONMENT",
    /** Repository: the audience GitHub's token is asked for: azure/login's `audience` and ARM_OIDC_AUDIENCE. */
    audience: "AZURE_OIDC_AUDIENCE",
    /** Repository: the azure-native provider's cloud (ARM_ENVIRONMENT: public, usgovernment, china). */
    armEnvironment: "ARM_ENVIRONMENT",
    /** Environment (one per stack): that environment's deployer client id. */
    deployClientId: "AZURE_CLIENT_ID",
} as const;

/** The variables set once per repository. */
export const repositoryVariableNames = [
    githubVariables.tenantId, githubVariables.subscriptionId, githubVariables.previewClientId, githubVariables.storageAccount,
    githubVariables.azureEnvironment, githubVariables.audience, githubVariables.armEnvironment,
] as const;

/** The variables set on each GitHub environment. */
export const environmentVariableNames = [githubVariables.deployClientId] as const;
