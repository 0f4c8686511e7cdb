import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import { ArgsError, Problems } from "../shared/errors";
import { currentDeployer } from "../shared/deployer";
import { assignRole, resolveRole, roleAssigningRoleProblem, roleProblem } from "../shared/roles";
import { maxVaultNameLength, maxVaultNamePrefixLength, vaultNamePrefixProblem, vaultNameSuffixLength, vaultSecretNameProblem } from "../shared/names";
import { vaultIpRuleProblem } from "../shared/network";
import { oneOfProblem, PublicNetworkAccess, publicNetworkAccessModes, VaultSku, vaultSkus } from "../shared/enums";
import { tagArgProblems } from "../shared/tags";

// The vault name rules live in components/shared/names.ts; re-exported for this component's users.
export { maxVaultNameLength, maxVaultNamePrefixLength, vaultNamePrefixProblem, vaultNameSuffixLength };

/** Soft-delete retention, in days, that Key Vault allows. */
export const softDeleteRetentionRange = { min: 7, max: 90 } as const;

/** The vault's network rules. */
export interface VaultNetworkRulesArgs {
    /** What happens to traffic no rule matches. */
    defaultAction: "Allow" | "Deny";
    /** Let trusted Azure services through. Default `AzureServices`. */
    bypass?: "AzureServices" | "None";
    /** IPv4 addresses or CIDR ranges allowed through. */
    ipRules?: string[];
    /** Subnet ids allowed through (the subnets need the Microsoft.KeyVault service endpoint). */
    virtualNetworkSubnetIds?: string[];
}

/** A principal that can be granted a role on the vault, such as a {@link WorkloadIdentity}. */
export interface RoleGranteeArgs {
    /** A stable logical name for the principal: it keys the role assignment's deterministic name. */
    readonly logicalName: string;
    /** The principal's object id. */
    readonly principalId: pulumi.Input<string>;
}

/** Arguments of {@link KeyVault}. */
export interface KeyVaultArgs {
    /** The resource group to create the vault in. */
    resourceGroupName: pulumi.Input<string>;
    /** The Azure region. Default: the resource group's (the provider's default location). */
    location?: pulumi.Input<string>;
    /**
     * The start of the vault's globally unique name, which is `<prefix>-<6 random characters>`: 1–17 letters,
     * digits and '-', starting with a letter, not ending with '-', no "--".
     */
    namePrefix: string;
    /** The SKU. Default `standard`; `premium` for HSM-backed keys. */
    sku?: VaultSku;
    /** Soft-delete retention in days (7–90). Default 90. */
    softDeleteRetentionInDays?: number;
    /** Public network access. Default `Enabled` (with `networkRules` to narrow it). */
    publicNetworkAccess?: PublicNetworkAccess;
    /** Network rules. Default: allow all. */
    networkRules?: VaultNetworkRulesArgs;
    /** Secrets to store, by secret name (1–127 letters, digits and '-'). The values are treated as Pulumi secrets. */
    secrets?: Record<string, pulumi.Input<string>>;
    /** Tags for the vault. */
    tags?: Record<string, string>;
}

/** Returns every problem with `args`, one sentence each; empty when they are valid. Creates nothing. */
export function keyVaultArgsProblems(args: KeyVaultArgs): string[] {
    const problems = new Problems();
    const prefixProblem = vaultNamePrefixProblem("namePrefix", args.namePrefix);
    if (prefixProblem) problems.add(prefixProblem);
    const retention = args.softDeleteRetentionInDays;
    if (retention !== undefined && (!Number.isInteger(retention) || retention < softDeleteRetentionRange.min || retention > softDeleteRetentionRange.max)) {
        problems.add(`softDeleteRetentionInDays ${JSON.stringify(retention)} must be a whole number from ${softDeleteRetentionRange.min} to ${softDeleteRetentionRange.max}`);
    }
    const skuProblem = args.sku === undefined ? undefined : oneOfProblem(args.sku, vaultSkus);
    if (skuProblem) problems.add(`sku ${skuProblem}`);
    const accessProblem = args.publicNetworkAccess === undefined ? undefined : oneOfProblem(args.publicNetworkAccess, publicNetworkAccessModes);
    if (accessProblem) problems.add(`publicNetworkAccess ${accessProblem}`);
    const rules = args.networkRules;
    if (rules) {
        if (rules.defaultAction !== "Allow" && rules.defaultAction !== "Deny") {
            problems.add(`networkRules.defaultAction ${JSON.stringify(rules.defaultAction)} must be "Allow" or "Deny"`);
        }
        (rules.ipRules ?? []).forEach((rule, i) => {
            const problem = vaultIpRuleProblem(rule);
            if (problem) problems.add(`networkRules.ipRules[${i}] ${problem}`);
        });
    }
    problems.addAll(tagArgProblems("tags", args.tags));
    for (const secretName of Object.keys(args.secrets ?? {})) {
        const problem = vaultSecretNameProblem(secretName);
        if (problem) problems.add(`secrets key ${problem}`);
    }
    return [...problems.all];
}

/** Throws an {@link ArgsError} listing every problem with `args`. Pure: creates nothing. */
export function validateKeyVaultArgs(name: string, args: KeyVaultArgs): void {
    const problems = keyVaultArgsProblems(args);
    if (problems.length > 0) throw new ArgsError(`KeyVault "${name}"`, problems);
}

/**
 * The random suffix's keepers: what forces a new vault (its resource group and location are part of its identity),
 * so a replaced vault also gets a new globally unique name.
 */
export function vaultNameKeepers(args: Pick<KeyVaultArgs, "resourceGroupName" | "location">): Record<string, pulumi.Input<string>> {
    return { resourceGroupName: args.resourceGroupName, location: args.location ?? "resource-group-default" };
}

/** The type token of {@link KeyVault}. */
export const keyVaultType = "wid:keyvault:KeyVault";

/**
 * An Azure Key Vault that authorizes with Azure RBAC only (no access policies), with purge protection,
 * a globally unique name, the deployer as Key Vault Secrets Officer, and optional secrets.
 */
export class KeyVault extends pulumi.ComponentResource {
    /** The vault. */
    public readonly vault: keyvault.Vault;
    /** The vault's ARM id: the scope for role grants. */
    public readonly id: pulumi.Output<string>;
    /** The vault's globally unique name. */
    public readonly name: pulumi.Output<string>;
    /** The vault's data-plane URI, `https://<name>.vault.azure.net/`. */
    public readonly vaultUri: pulumi.Output<string>;
    /** The stable key of this vault's scope, known at preview, for deterministic role assignment names. */
    public readonly scopeKey: string;
    /** The deployer's Key Vault Secrets Officer assignment; every secret depends on it. */
    public readonly deployerRoleAssignment: authorization.RoleAssignment;
    /** The secrets, by secret name. */
    public readonly secrets: Record<string, keyvault.Secret>;

    private readonly componentName: string;
    private readonly subscriptionId: pulumi.Output<string>;

    constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        validateKeyVaultArgs(name, args);
        super(keyVaultType, name, {}, opts);
        this.componentName = name;
        this.scopeKey = `keyvault:${name}`;

        const clientConfig = authorization.getClientConfigOutput({ parent: this });
        this.subscriptionId = clientConfig.subscriptionId;
        const suffix = new random.RandomString(`${name}-suffix`, {
            length: vaultNameSuffixLength,
            special: false,
            upper: false,
            // What forces a new vault also draws a new suffix: the old name stays held by soft delete (VaultAlreadyExists).
            keepers: vaultNameKeepers(args),
        }, { parent: this });

        const rules = args.networkRules;
        this.vault = new keyvault.Vault(`${name}-vault`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            // Vault names are global across Azure, and a soft-deleted vault keeps its name, hence the random suffix.
            vaultName: pulumi.interpolate`${args.namePrefix}-${suffix.result}`,
            properties: {
                tenantId: clientConfig.tenantId,
                sku: { family: "A", name: args.sku ?? "standard" },
                // Explicit: with the SDK's default API version this defaults to false (access policies).
                enableRbacAuthorization: true,
                // Cannot be turned off once on: deleted secrets stay recoverable for the retention period.
                enablePurgeProtection: true,
                softDeleteRetentionInDays: args.softDeleteRetentionInDays ?? softDeleteRetentionRange.max,
                publicNetworkAccess: args.publicNetworkAccess ?? "Enabled",
                networkAcls: rules
                    ? {
                        defaultAction: rules.defaultAction,
                        bypass: rules.bypass ?? "AzureServices",
                        ipRules: (rules.ipRules ?? []).map((value) => ({ value })),
                        virtualNetworkRules: (rules.virtualNetworkSubnetIds ?? []).map((id) => ({ id })),
                    }
                    : undefined,
            },
            tags: args.tags,
        }, { parent: this });
        this.id = this.vault.id;
        this.name = this.vault.name;
        this.vaultUri = this.vault.properties.apply((p) => p.vaultUri);

        // keyvault.Secret is created through ARM but deleted through the data plane, which needs this role. It goes to
        // whoever runs this update, a person or CI (its type read from its token): a different principal next time
        // replaces it, since the name is seeded from the principal.
        const deployer = currentDeployer({ parent: this });
        this.deployerRoleAssignment = assignRole(`${name}-deployer`, {
            scope: this.vault.id,
            scopeKey: this.scopeKey,
            role: resolveRole("Key Vault Secrets Officer")!,
            principalId: deployer.objectId,
            principalType: deployer.principalType,
            fallbackSubscriptionId: this.subscriptionId,
        }, { parent: this });

        this.secrets = {};
        for (const [secretName, value] of Object.entries(args.secrets ?? {})) {
            this.secrets[secretName] = new keyvault.Secret(`${name}-secret-${secretName}`, {
                resourceGroupName: args.resourceGroupName,
                vaultName: this.vault.name,
                secretName,
                properties: { value: pulumi.secret(value) },
            }, { parent: this, dependsOn: [this.deployerRoleAssignment] });
        }

        this.registerOutputs({ id: this.id, name: this.name, vaultUri: this.vaultUri });
    }

    /**
     * Grants `grantee` (for example a {@link WorkloadIdentity}) a role on this vault, named the same
     * deterministic way as every other assignment. Throws before creating anything for an unknown role or one
     * that assigns roles (least privilege: a grantee that can grant roles can escalate).
     */
    grant(grantee: RoleGranteeArgs, role: string, opts?: pulumi.CustomResourceOptions): authorization.RoleAssignment {
        const problem = roleProblem("role", role) ?? roleAssigningRoleProblem("role", role);
        if (problem) throw new ArgsError(`KeyVault "${this.componentName}".grant(${grantee.logicalName})`, [problem]);
        return assignRole(`${this.componentName}-grant-${grantee.logicalName}`, {
            scope: this.id,
            scopeKey: this.scopeKey,
            role: resolveRole(role)!,
            principalId: grantee.principalId,
            principalType: "ServicePrincipal",
            fallbackSubscriptionId: this.subscriptionId,
        }, { ...opts, parent: this });
    }
}
