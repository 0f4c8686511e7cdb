import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as github from "@pulumi/github";
import * as random from "@pulumi/random";
import { RoleGrantArgs } from "../components/federation/federatedIdentity";
import { GitHubActionsIdentity } from "../components/github/githubActionsIdentity";
import { KeyVault } from "../components/keyvault/keyVault";
import { clouds } from "../components/shared/clouds";
import { BuiltInRoleName, constrainRolesCondition, deployerAssignableRoleGuids } from "../components/shared/roles";
import { BootstrapConfig } from "./config";
import { environmentVariableNames, githubVariables, repositoryVariableNames, secretsKeyName, stateContainerName } from "./conventions";

/** What `pulumi preview` of the main program needs at a stack's scope: read resources, list the cluster's user credentials, read Kubernetes objects. */
export const previewScopeRoles: readonly BuiltInRoleName[] = ["Reader", "Azure Kubernetes Service Cluster User Role", "Azure Kubernetes Service RBAC Reader"];
/** What `pulumi up` of the main program needs at a stack's scope: create everything, and assign the roles it grants (constrained). */
export const deployScopeRoles: readonly BuiltInRoleName[] = ["Contributor", "Role Based Access Control Administrator"];

/** One environment's CI identity and where its stack lives. */
export interface EnvironmentOutputs {
    /** The deployer's client id: the environment's AZURE_CLIENT_ID variable. */
    clientId: pulumi.Output<string>;
    /** The subject the deployer's credential trusts. */
    subject: string;
    /** The ARM scope the deployer may change. */
    scope: pulumi.Output<string>;
    /** With resource-group scope: the resource group to set as the stack's `resourceGroupName`. */
    resourceGroupName?: pulumi.Output<string>;
    /** `pulumi login` URL of the stack's state. */
    backendUrl: string;
    /** The stack's `--secrets-provider`. */
    secretsProvider: pulumi.Output<string>;
}

/** The bootstrap's stack outputs. */
export interface BootstrapOutputs {
    tenantId: pulumi.Output<string>;
    subscriptionId: pulumi.Output<string>;
    cloud: string;
    audience: string;
    previewClientId: pulumi.Output<string>;
    previewSubjects: readonly string[];
    storageAccount: pulumi.Output<string>;
    keyVaultName: pulumi.Output<string>;
    environments: Record<string, EnvironmentOutputs>;
    /** The GitHub Actions variables the workflows read, by scope; set by this program when `manageGitHub` is on. */
    githubVariables: pulumi.Output<{ repository: Record<string, string>; environments: Record<string, Record<string, string>> }>;
    /** The commands that finish the setup: GitHub variables (without `manageGitHub`) and each stack's init. */
    nextSteps: pulumi.Output<string[]>;
}

/**
 * The CI/CD bootstrap: a state backend (storage account with one container per stack, Key Vault key per
 * stack), per stack a deployer identity trusted by `repo:OWNER/REPO:environment:<stack>`, and one preview
 * identity trusted by pull requests and the main branch (drift checks), each granted only what it needs.
 */
export function bootstrap(config: BootstrapConfig): BootstrapOutputs {
    const { location, cloud } = config;
    const clientConfig = authorization.getClientConfigOutput();
    const tags = { "managed-by": "pulumi", purpose: "cicd-bootstrap", repository: `${config.repository.owner}/${config.repository.name}` };
    // Deleting any of this strands every stack's state and CI: protected.
    const keep = { protect: true };

    const rg = new resources.ResourceGroup("cicd", { location, tags }, keep);

    const accountSuffix = new random.RandomString("state-suffix", {
        length: 8, special: false, upper: false,
        // A storage account name is global and a replaced account needs a new one.
        keepers: { location, prefix: config.stateStorageAccountPrefix },
    });
    const account = new storage.StorageAccount("state", {
        resourceGroupName: rg.name,
        location,
        accountName: pulumi.interpolate`${config.stateStorageAccountPrefix}${accountSuffix.result}`,
        kind: "StorageV2",
        sku: { name: "Standard_ZRS" },
        // Entra ID only: no shared keys, so no storage key exists to leak; the portal defaults to Entra too.
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowBlobPublicAccess: false,
        allowCrossTenantReplication: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        tags,
    }, keep);
    new storage.BlobServiceProperties("state-blob-service", {
        resourceGroupName: rg.name,
        accountName: account.name,
        blobServicesName: "default",
        // A bad `up` or a deleted checkpoint can be rolled back from a previous version.
        isVersioningEnabled: true,
        deleteRetentionPolicy: { enabled: true, days: 30 },
        containerDeleteRetentionPolicy: { enabled: true, days: 30 },
    }, { parent: account });

    const vault = new KeyVault("state", {
        resourceGroupName: rg.name,
        location,
        namePrefix: config.stateKeyVaultNamePrefix,
        softDeleteRetentionInDays: 90,
        tags,
    }, keep);

    const assignable = deployerAssignableRoleGuids(config.extraAssignableRoles);
    const subscriptionScope = pulumi.interpolate`/subscriptions/${clientConfig.subscriptionId}`;
    const previewGrants: RoleGrantArgs[] = [];
    const environments: Record<string, EnvironmentOutputs> = {};
    const deployers: Record<string, GitHubActionsIdentity> = {};

    for (const env of config.environments) {
        let scope: pulumi.Output<string>;
        let scopeKey: string;
        let resourceGroupName: pulumi.Output<string> | undefined;
        if (config.deployScope === "resourceGroup") {
            const envRg = new resources.ResourceGroup(`${env}-rg`, {
                resourceGroupName: `${config.resourceGroupPrefix}-${env}`,
                location,
                tags: { ...tags, environment: env },
            }, { protect: true, retainOnDelete: true });
            scope = envRg.id;
            scopeKey = `deploy-scope:${env}`;
            resourceGroupName = envRg.name;
        } else {
            scope = subscriptionScope;
            scopeKey = "deploy-scope:subscription";
        }
        const container = new storage.BlobContainer(`state-${env}`, {
            resourceGroupName: rg.name,
            accountName: account.name,
            containerName: stateContainerName(env),
            publicAccess: "None",
        }, keep);
        const key = new keyvault.Key(`secrets-${env}`, {
            resourceGroupName: rg.name,
            vaultName: vault.name,
            keyName: secretsKeyName(env),
            // Pulumi's azurekeyvault provider encrypts the stack's data key with RSA-OAEP-256.
            properties: { kty: "RSA", keySize: 3072, keyOps: ["encrypt", "decrypt"] },
            tags,
        }, keep);
        const containerKey = `state-container:${env}`;
        const secretsKey = `secrets-key:${env}`;

        const deployer = new GitHubActionsIdentity(`deploy-${env}`, {
            resourceGroupName: rg.name,
            location,
            subscriptionId: clientConfig.subscriptionId,
            repository: config.repository,
            // A job bound to the GitHub environment presents this subject, never its branch (Azure/login #346).
            subjects: [{ environment: env }],
            cloud,
            roleGrants: [
                { scope, scopeKey, role: "Contributor", description: `pulumi up of stack ${env}` },
                {
                    scope, scopeKey, role: "Role Based Access Control Administrator",
                    // Only the roles the main program assigns; never a role that itself assigns roles.
                    condition: constrainRolesCondition(assignable),
                    description: `pulumi up of stack ${env}: only the role assignments the program creates`,
                },
                { scope: container.id, scopeKey: containerKey, role: "Storage Blob Data Contributor", description: `state of stack ${env}` },
                { scope: key.id, scopeKey: secretsKey, role: "Key Vault Crypto User", description: `secrets of stack ${env}` },
            ],
            tags: { ...tags, environment: env },
        }, keep);
        deployers[env] = deployer;

        for (const role of previewScopeRoles) {
            if (!previewGrants.some((g) => g.scopeKey === scopeKey && g.role === role)) previewGrants.push({ scope, scopeKey, role });
        }
        // `pulumi preview` takes no lock and writes no checkpoint on a DIY backend (pulumi/pulumi pkg/backend/diy), so reading suffices.
        previewGrants.push({ scope: container.id, scopeKey: containerKey, role: "Storage Blob Data Reader" });
        previewGrants.push({ scope: key.id, scopeKey: secretsKey, role: "Key Vault Crypto User" });

        environments[env] = {
            clientId: deployer.clientId,
            subject: deployer.subjects[0],
            scope,
            resourceGroupName,
            backendUrl: `azblob://${stateContainerName(env)}`,
            secretsProvider: pulumi.interpolate`azurekeyvault://${vault.name}.${clouds[cloud].keyVaultDnsSuffix}/keys/${secretsKeyName(env)}`,
        };
    }

    const preview = new GitHubActionsIdentity("preview", {
        resourceGroupName: rg.name,
        location,
        subscriptionId: clientConfig.subscriptionId,
        repository: config.repository,
        // Pull requests from this repository preview; the scheduled drift check runs on the main branch.
        subjects: [{ pullRequest: true }, { branch: config.mainBranch }],
        cloud,
        roleGrants: previewGrants,
        tags,
    }, keep);

    const repositoryVariables: pulumi.Output<Record<string, string>> = pulumi.all([clientConfig.tenantId, clientConfig.subscriptionId, preview.clientId, account.name]).apply(
        ([tenantId, subscriptionId, previewClientId, storageAccount]): Record<string, string> => ({
            [githubVariables.tenantId]: tenantId,
            [githubVariables.subscriptionId]: subscriptionId,
            [githubVariables.previewClientId]: previewClientId,
            [githubVariables.storageAccount]: storageAccount,
            [githubVariables.azureEnvironment]: cloud,
            [githubVariables.audience]: clouds[cloud].tokenExchangeAudience,
            [githubVariables.armEnvironment]: clouds[cloud].armEnvironment,
        }));
    const environmentVariables: pulumi.Output<Record<string, Record<string, string>>> = pulumi.all(Object.fromEntries(config.environments.map((env) => [env, deployers[env].clientId]))).apply(
        (ids): Record<string, Record<string, string>> => Object.fromEntries(Object.entries(ids).map(([env, id]) => [env, { [githubVariables.deployClientId]: id }])));
    const variables = pulumi.all([repositoryVariables, environmentVariables]).apply(([repository, envs]) => ({ repository: repository as Record<string, string>, environments: envs as Record<string, Record<string, string>> }));

    if (config.manageGitHub) {
        manageRepository(config, repositoryVariables, deployers);
    }

    const repo = `${config.repository.owner}/${config.repository.name}`;
    const nextSteps = pulumi.all([variables, pulumi.all(Object.fromEntries(config.environments.map((env) => [env, environments[env].secretsProvider]))),
        pulumi.all(Object.fromEntries(config.environments.map((env) => [env, environments[env].resourceGroupName ?? pulumi.output("")])))])
        .apply(([vars, providers, groups]) => [
            ...(config.manageGitHub ? [] : [
                ...Object.entries(vars.repository).map(([name, value]) => `gh variable set ${name} --repo ${repo} --body '${value}'`),
                ...config.environments.flatMap((env) => [
                    `gh api --method PUT repos/${repo}/environments/${env}  # create the environment${config.gatedEnvironments.includes(env) ? ", then add required reviewers in Settings > Environments" : ""}`,
                    ...Object.entries(vars.environments[env]).map(([name, value]) => `gh variable set ${name} --repo ${repo} --env ${env} --body '${value}'`),
                ]),
            ]),
            ...config.environments.flatMap((env) => [
                `AZURE_STORAGE_ACCOUNT=${vars.repository[githubVariables.storageAccount]} pulumi login ${`azblob://${stateContainerName(env)}`} && ` +
                `pulumi stack init ${env} --secrets-provider '${providers[env]}'  # or: pulumi stack change-secrets-provider '${providers[env]}'`,
                ...(groups[env] ? [`pulumi config set --stack ${env} resourceGroupName ${groups[env]}`] : []),
            ]),
        ]);

    return {
        tenantId: clientConfig.tenantId,
        subscriptionId: clientConfig.subscriptionId,
        cloud,
        audience: clouds[cloud].tokenExchangeAudience,
        previewClientId: preview.clientId,
        previewSubjects: preview.subjects,
        storageAccount: account.name,
        keyVaultName: vault.name,
        environments,
        githubVariables: variables,
        nextSteps,
    };
}

/** The repository's GitHub environments (reviewers on the gated ones) and the variables the workflows read. */
function manageRepository(
    config: BootstrapConfig,
    repositoryVariables: pulumi.Output<Record<string, string>>,
    deployers: Record<string, GitHubActionsIdentity>,
): void {
    const provider = new github.Provider("github", { owner: config.repository.owner });
    const repository = config.repository.name;
    for (const name of repositoryVariableNames) {
        new github.ActionsVariable(`var-${name}`, { repository, variableName: name, value: repositoryVariables.apply((v) => v[name]) }, { provider });
    }
    for (const env of config.environments) {
        const gated = config.gatedEnvironments.includes(env);
        const environment = new github.RepositoryEnvironment(`env-${env}`, {
            repository,
            environment: env,
            reviewers: gated ? [{ users: [...config.reviewers.users], teams: [...config.reviewers.teams] }] : undefined,
            preventSelfReview: gated,
            // Only protected branches (main) may deploy to a gated environment.
            deploymentBranchPolicy: gated ? { protectedBranches: true, customBranchPolicies: false } : undefined,
        }, { provider });
        for (const name of environmentVariableNames) {
            new github.ActionsEnvironmentVariable(`var-${env}-${name}`, {
                repository, environment: environment.environment, variableName: name, value: deployers[env].clientId,
            }, { provider });
        }
    }
}
