import { strict as assert } from "assert";
import { isSecretValue } from "../plan/mask";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KeyVault, KeyVaultArgs, keyVaultArgsProblems } from "../components/keyvault/keyVault";
import { WorkloadIdentity } from "../components/identity/workloadIdentity";
import { ArgsError } from "../components/shared/errors";
import { isGuid, roleAssignmentName } from "../components/shared/roles";
import { MockedResource } from "../plan/mocks";
import { EngineMocks, errorOf, fakeAzure, promiseOf, settle, urnOf, useMocks, unique } from "./support/pulumi";

const secretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const secretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
const issuer = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/1d1f7a5c-0000-4000-8000-0123456789ab/";

function isSecretWrapper(value: unknown): value is { value: unknown } {
    return isSecretValue(value);
}

/**
 * The value at `path` in recorded inputs, and whether it is secret: Pulumi may mark the value itself or
 * any object around it (a secret inside an object makes the object secret when it is serialized).
 */
function inputAt(inputs: Record<string, unknown>, path: string[]): { value: unknown; secret: boolean } {
    let value: unknown = inputs;
    let secret = false;
    const unwrap = (): void => {
        while (isSecretWrapper(value)) {
            secret = true;
            value = value.value;
        }
    };
    unwrap();
    for (const key of path) {
        value = (value as Record<string, unknown> | undefined)?.[key];
        unwrap();
    }
    return { value, secret };
}

interface VaultInputs {
    vaultName: string;
    resourceGroupName: string;
    properties: {
        tenantId: string;
        sku: { family: string; name: string };
        enableRbacAuthorization: boolean;
        enablePurgeProtection: boolean;
        softDeleteRetentionInDays: number;
        publicNetworkAccess: string;
        accessPolicies?: unknown;
        networkAcls?: { defaultAction: string; bypass: string; ipRules: Array<{ value: string }>; virtualNetworkRules: Array<{ id: string }> };
    };
}

describe("KeyVault", () => {
    let mocks: EngineMocks;

    beforeEach(async () => {
        mocks = await useMocks();
    });

    function args(overrides: Partial<KeyVaultArgs> = {}): KeyVaultArgs {
        return { resourceGroupName: "rg", namePrefix: "kv-app", ...overrides };
    }

    async function build(name: string, overrides: Partial<KeyVaultArgs> = {}): Promise<KeyVault> {
        const vault = new KeyVault(name, args(overrides));
        await promiseOf(vault.vaultUri);
        await promiseOf(vault.deployerRoleAssignment.id);
        await settle(mocks);
        return vault;
    }

    function mine(name: string, type: string): MockedResource[] {
        return mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
    }

    function vaultInputs(name: string): VaultInputs {
        const vaults = mine(name, "azure-native:keyvault:Vault");
        assert.equal(vaults.length, 1);
        return vaults[0].inputs as unknown as VaultInputs;
    }

    describe("the Vault's properties", () => {
        it("authorizes with RBAC only, with purge protection and 90 days' retention by default", async () => {
            const name = unique("rbac");
            await build(name);
            const { properties } = vaultInputs(name);
            assert.equal(properties.enableRbacAuthorization, true);
            assert.equal(properties.enablePurgeProtection, true);
            assert.equal(properties.softDeleteRetentionInDays, 90);
            assert.equal(properties.accessPolicies, undefined, "no access policies");
            assert.deepEqual(properties.sku, { family: "A", name: "standard" });
            assert.equal(properties.publicNetworkAccess, "Enabled");
            assert.equal(properties.networkAcls, undefined);
        });

        it("takes the tenant from getClientConfig", async () => {
            const name = unique("tenant");
            await build(name);
            assert.equal(vaultInputs(name).properties.tenantId, fakeAzure.tenantId);
            assert.ok(mocks.calls.some((c) => c.token === "azure-native:authorization:getClientConfig"));
        });

        it("takes a custom retention, the premium SKU, network rules and public access", async () => {
            const name = unique("custom");
            await build(name, {
                sku: "premium",
                softDeleteRetentionInDays: 7,
                publicNetworkAccess: "Disabled",
                networkRules: {
                    defaultAction: "Deny",
                    ipRules: ["203.0.113.7", "198.51.100.0/24"],
                    virtualNetworkSubnetIds: ["/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/aks"],
                },
            });
            const { properties } = vaultInputs(name);
            assert.deepEqual(properties.sku, { family: "A", name: "premium" });
            assert.equal(properties.softDeleteRetentionInDays, 7);
            assert.equal(properties.publicNetworkAccess, "Disabled");
            assert.deepEqual(properties.networkAcls, {
                defaultAction: "Deny",
                bypass: "AzureServices",
                ipRules: [{ value: "203.0.113.7" }, { value: "198.51.100.0/24" }],
                virtualNetworkRules: [{ id: "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/aks" }],
            });

            const none = unique("bypass");
            await build(none, { networkRules: { defaultAction: "Allow", bypass: "None" } });
            assert.deepEqual(vaultInputs(none).properties.networkAcls, { defaultAction: "Allow", bypass: "None", ipRules: [], virtualNetworkRules: [] });
        });
    });

    describe("name", () => {
        it("is <prefix>-<random suffix> from a RandomString child, at most 24 characters", async () => {
            const name = unique("named");
            const vault = await build(name, { namePrefix: "p".repeat(17) });
            const suffixes = mine(name, "random:index/randomString:RandomString");
            assert.equal(suffixes.length, 1);
            const suffix = suffixes[0];
            assert.deepEqual(suffix.inputs, { length: 6, special: false, upper: false, keepers: { resourceGroupName: "rg", location: "resource-group-default" } });
            assert.match(suffix.urn, /::wid:keyvault:KeyVault\$random:index\/randomString:RandomString::/);
            const result = suffix.state.result as string;
            assert.equal(result.length, 6);
            const vaultName = vaultInputs(name).vaultName;
            assert.equal(vaultName, `${"p".repeat(17)}-${result}`);
            assert.equal(vaultName.length, 24);
            assert.ok(vaultName.length <= 24);
            assert.equal(await promiseOf(vault.name), vaultName);
        });

        it("draws a new suffix when what forces a new vault changes (keepers: resource group and location)", async () => {
            const name = unique("keepers");
            await build(name, { resourceGroupName: "rg-other", location: "northeurope" });
            const suffix = mine(name, "random:index/randomString:RandomString")[0];
            const vault = vaultInputs(name) as unknown as { resourceGroupName: string; location: string };
            // Each keeper is the very input that replaces the vault, so a replaced vault never reuses a soft-deleted name.
            assert.deepEqual(suffix.inputs.keepers, { resourceGroupName: vault.resourceGroupName, location: vault.location });
            assert.deepEqual(suffix.inputs.keepers, { resourceGroupName: "rg-other", location: "northeurope" });
        });

        it("exposes id, name and vaultUri from the vault", async () => {
            const name = unique("outs");
            const vault = await build(name);
            const vaultName = vaultInputs(name).vaultName;
            assert.equal(await promiseOf(vault.name), vaultName);
            assert.equal(await promiseOf(vault.vaultUri), `https://${vaultName}.vault.azure.net/`);
            assert.equal(await promiseOf(vault.id), `/subscriptions/${fakeAzure.subscriptionId}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vaultName}`);
            assert.equal(vault.scopeKey, `keyvault:${name}`);
        });
    });

    describe("the deployer's Key Vault Secrets Officer assignment", () => {
        it("assigns the role on the vault to whoever deploys, a person or CI, with the type its token shows", async () => {
            for (const deployerType of ["User", "ServicePrincipal"] as const) {
                mocks = await useMocks({ deployerType });
                const name = unique("deployer");
                const vault = await build(name);
                const assignments = mine(name, "azure-native:authorization:RoleAssignment");
                assert.equal(assignments.length, 1);
                const ra = assignments[0];
                assert.equal(ra.urn, await urnOf(vault.deployerRoleAssignment));
                assert.equal(ra.inputs.principalId, fakeAzure.deployerObjectId);
                // Never omitted: azure-native's SDK would send its default "User", which ARM refuses for CI's service principal.
                assert.equal(ra.inputs.principalType, deployerType);
                const scope = await promiseOf(vault.id);
                const definition = `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${secretsOfficer}`;
                assert.equal(ra.inputs.scope, scope);
                assert.equal(ra.inputs.roleDefinitionId, definition);
                assert.equal(ra.inputs.roleAssignmentName, roleAssignmentName(scope, fakeAzure.deployerObjectId, definition));
                assert.equal(ra.deleteBeforeReplace, true);
            }
        });

        it("gives another deployer another assignment name, so the next up by someone else replaces the grant", async () => {
            const name = unique("redeploy");
            const vault = await build(name);
            const scope = await promiseOf(vault.id);
            const definition = `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${secretsOfficer}`;
            const ra = mine(name, "azure-native:authorization:RoleAssignment")[0];
            assert.notEqual(ra.inputs.roleAssignmentName, roleAssignmentName(scope, "11111111-2222-3333-4444-555555555555", definition));
        });

        it("comes before every secret, whose value is a Pulumi secret", async () => {
            const name = unique("secrets");
            const vault = await build(name, { secrets: { "db-password": "hunter2", "api-key": pulumi.output("k-123") } });
            const assignmentUrn = await urnOf(vault.deployerRoleAssignment);
            const vaultName = vaultInputs(name).vaultName;
            const secrets = mine(name, "azure-native:keyvault:Secret");
            assert.deepEqual(secrets.map((s) => s.inputs.secretName).sort(), ["api-key", "db-password"]);
            assert.deepEqual(Object.keys(vault.secrets).sort(), ["api-key", "db-password"]);
            for (const secret of secrets) {
                assert.ok(secret.dependencies.includes(assignmentUrn), `${secret.name} must wait for the deployer's role`);
                assert.equal(secret.inputs.vaultName, vaultName);
                assert.equal(secret.inputs.resourceGroupName, "rg");
                const value = inputAt(secret.inputs, ["properties", "value"]);
                assert.equal(value.secret, true, `${secret.name}'s value must be secret`);
                assert.equal(value.value, secret.inputs.secretName === "db-password" ? "hunter2" : "k-123");
            }
            // The checks discriminate: the vault does not wait for the assignment, and its tenant id is no secret.
            const vaultRecord = mine(name, "azure-native:keyvault:Vault")[0];
            assert.ok(!vaultRecord.dependencies.includes(assignmentUrn));
            assert.equal(inputAt(vaultRecord.inputs, ["properties", "tenantId"]).secret, false);
            assert.equal(inputAt(secrets[0].inputs, ["secretName"]).secret, false);
        });

        it("creates no secret unless asked", async () => {
            const name = unique("nosecret");
            const vault = await build(name);
            assert.deepEqual(vault.secrets, {});
            assert.deepEqual(mine(name, "azure-native:keyvault:Secret"), []);
        });
    });

    describe("grant", () => {
        it("assigns the role to the grantee as a ServicePrincipal, named as WorkloadIdentity's roleGrants name it", async () => {
            const name = unique("grant");
            const vault = await build(name);
            const provider = new k8s.Provider(unique("k8s"), { kubeconfig: "fake" });
            const wiName = unique("orders");
            const wi = new WorkloadIdentity(wiName, {
                resourceGroupName: "rg",
                issuers: { aks: issuer },
                subjects: [{ namespace: "apps", serviceAccountName: "orders" }],
                roleGrants: [{ scope: vault.id, scopeKey: vault.scopeKey, role: "Key Vault Secrets User" }],
                provider,
            });
            const granted = vault.grant(wi, "Key Vault Secrets User");
            const principalId = await promiseOf(wi.principalId);
            await promiseOf(granted.id);
            await settle(mocks);

            const viaGrant = mocks.resources.find((r) => r.name.startsWith(`${name}-grant-${wiName}-`));
            assert.ok(viaGrant, "grant registers a RoleAssignment");
            assert.equal(viaGrant.type, "azure-native:authorization:RoleAssignment");
            assert.equal(viaGrant.urn, await urnOf(granted));
            assert.match(viaGrant.urn, /::wid:keyvault:KeyVault\$azure-native:authorization:RoleAssignment::/);
            const viaRoleGrants = mine(wiName, "azure-native:authorization:RoleAssignment");
            assert.equal(viaRoleGrants.length, 1);

            assert.equal(viaGrant.inputs.principalType, "ServicePrincipal");
            assert.equal(viaGrant.inputs.principalId, principalId);
            assert.equal(viaGrant.inputs.scope, await promiseOf(vault.id));
            assert.equal(viaGrant.inputs.roleDefinitionId, `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
            assert.equal(viaGrant.deleteBeforeReplace, true);
            const guid = viaGrant.inputs.roleAssignmentName as string;
            assert.ok(isGuid(guid), guid);
            assert.equal(guid, viaRoleGrants[0].inputs.roleAssignmentName, "same deterministic name either way");
            const scope = await promiseOf(vault.id);
            const userDefinition = `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`;
            const officerDefinition = `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${secretsOfficer}`;
            assert.equal(guid, roleAssignmentName(scope, principalId, userDefinition));
            // ...and not the deployer's, nor another role's.
            const deployerUrn = await urnOf(vault.deployerRoleAssignment);
            const deployerName = mocks.resources.find((r) => r.urn === deployerUrn)?.inputs.roleAssignmentName as string;
            assert.ok(isGuid(deployerName));
            assert.notEqual(guid, deployerName);
            assert.notEqual(guid, roleAssignmentName(scope, principalId, officerDefinition));
        });

        it("throws ArgsError for an unknown role, before registering anything", async () => {
            const name = unique("badgrant");
            const vault = await build(name);
            const before = mocks.resources.length;
            const err = errorOf(() => vault.grant({ logicalName: "orders", principalId: "p" }, "Key Vault Secret User"));
            assert.ok(err instanceof ArgsError, `${err}`);
            assert.match(err.message, new RegExp(`^KeyVault "${name}"\\.grant\\(orders\\): 1 problem, nothing was created:`));
            assert.match(err.message, /role "Key Vault Secret User" is not a known role: use a role definition GUID or one of "Key Vault Secrets User"/);
            await settle(mocks);
            assert.equal(mocks.resources.length, before);
            assert.deepEqual(mocks.resources.filter((r) => r.name.includes("-grant-orders")), []);
        });

        it("throws ArgsError for a role that assigns roles, before registering anything", async () => {
            const name = unique("escalate");
            const vault = await build(name);
            const before = mocks.resources.length;
            const err = errorOf(() => vault.grant({ logicalName: "orders", principalId: "p" }, "User Access Administrator"));
            assert.ok(err instanceof ArgsError, `${err}`);
            assert.match(err.message, /role "User Access Administrator" is refused for a workload: User Access Administrator can assign roles, and a workload identity that can grant roles can escalate/);
            await settle(mocks);
            assert.equal(mocks.resources.length, before);
        });
    });

    it("parents every child to the component", async () => {
        const name = unique("parent");
        const vault = await build(name, { secrets: { s: "v" } });
        const children = mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
        assert.deepEqual(children.map((r) => r.type).sort(), [
            "azure-native:authorization:RoleAssignment",
            "azure-native:keyvault:Secret",
            "azure-native:keyvault:Vault",
            "random:index/randomString:RandomString",
        ]);
        for (const child of children) assert.ok(child.urn.includes("::wid:keyvault:KeyVault$"), child.urn);
        assert.match(await urnOf(vault.vault), /::wid:keyvault:KeyVault\$/);
    });

    describe("validation, before any resource registers", () => {
        const prefixRule = `must be 1-17 letters, digits and '-', start with a letter, not end with '-' and not contain "--" ` +
            `(the vault's name is <prefix>-<6 random characters>, at most 24 in all)`;
        const cases: Array<[string, Partial<KeyVaultArgs>, string]> = [
            ["an 18-character prefix", { namePrefix: "a".repeat(18) }, `namePrefix "${"a".repeat(18)}" ${prefixRule}`],
            ["a prefix starting with a digit", { namePrefix: "1kv" }, `namePrefix "1kv" ${prefixRule}`],
            ["a prefix ending with '-'", { namePrefix: "kv-" }, `namePrefix "kv-" ${prefixRule}`],
            ["a prefix containing '--'", { namePrefix: "kv--app" }, `namePrefix "kv--app" ${prefixRule}`],
            ["a prefix with '_'", { namePrefix: "kv_app" }, `namePrefix "kv_app" ${prefixRule}`],
            ["an empty prefix", { namePrefix: "" }, `namePrefix is required: it ${prefixRule}`],
            ["6 days' retention", { softDeleteRetentionInDays: 6 }, "softDeleteRetentionInDays 6 must be a whole number from 7 to 90"],
            ["91 days' retention", { softDeleteRetentionInDays: 91 }, "softDeleteRetentionInDays 91 must be a whole number from 7 to 90"],
            ["a fractional retention", { softDeleteRetentionInDays: 7.5 }, "softDeleteRetentionInDays 7.5 must be a whole number from 7 to 90"],
            ["a bad SKU", { sku: "basic" as unknown as "standard" }, `sku "basic" is not allowed: use one of "standard", "premium"`],
            ["a bad public network access", { publicNetworkAccess: "On" as unknown as "Enabled" }, `publicNetworkAccess "On" is not allowed: use one of "Enabled", "Disabled"`],
            ["a bad default action", { networkRules: { defaultAction: "Block" as unknown as "Deny" } }, `networkRules.defaultAction "Block" must be "Allow" or "Deny"`],
            ["a bad IP rule", { networkRules: { defaultAction: "Deny", ipRules: ["203.0.113.7", "10.0.0.0/8/8"] } }, `networkRules.ipRules[1] "10.0.0.0/8/8" is not an IPv4 address or CIDR, such as 203.0.113.7 or 203.0.113.0/24`],
            ["a hostname as IP rule", { networkRules: { defaultAction: "Deny", ipRules: ["office.example.com"] } }, `networkRules.ipRules[0] "office.example.com" is not an IPv4 address or CIDR, such as 203.0.113.7 or 203.0.113.0/24`],
            ["a private-range IP rule the vault firewall refuses", { networkRules: { defaultAction: "Deny", ipRules: ["10.1.0.0/16"] } }, `networkRules.ipRules[0] "10.1.0.0/16" is a private (RFC 1918) range, which the Key Vault firewall does not accept: it only sees public addresses`],
            ["a tag value over 256 characters", { tags: { team: "v".repeat(257) } }, `tags."team" is a tag value of 257 characters: Azure allows at most 256`],
            ["a secret name with '_'", { secrets: { db_password: "x" } }, `secrets key "db_password" is not a Key Vault secret name: use 1-127 letters, digits and '-'`],
            ["a secret name of 128 characters", { secrets: { ["s".repeat(128)]: "x" } }, `secrets key "${"s".repeat(128)}" is not a Key Vault secret name: use 1-127 letters, digits and '-'`],
        ];
        for (const [what, overrides, message] of cases) {
            it(`refuses ${what}`, async () => {
                const name = unique("invalid");
                assert.deepEqual(keyVaultArgsProblems(args(overrides)), [message]);
                const err = errorOf(() => new KeyVault(name, args(overrides)));
                assert.ok(err instanceof ArgsError, `expected ArgsError, got ${err}`);
                assert.deepEqual(err.problems, [message]);
                assert.equal(err.message, `KeyVault "${name}": 1 problem, nothing was created:\n  - ${message}`);
                await settle(mocks);
                assert.deepEqual(mocks.resources.filter((r) => r.name.startsWith(name)), [], "nothing may register");
            });
        }

        it("accepts the boundaries: a 17-character prefix, 7 and 90 days, a 127-character secret name", async () => {
            for (const overrides of [
                { namePrefix: "a".repeat(17), softDeleteRetentionInDays: 7 },
                { namePrefix: "a", softDeleteRetentionInDays: 90, secrets: { ["s".repeat(127)]: "x", "A-1": "y" } },
                { namePrefix: "kv-a-b", networkRules: { defaultAction: "Deny" as const, ipRules: ["203.0.113.7/32"] } },
            ]) {
                assert.deepEqual(keyVaultArgsProblems(args(overrides)), []);
            }
            const name = unique("edge");
            await build(name, { namePrefix: "a".repeat(17), softDeleteRetentionInDays: 7 });
            assert.equal(vaultInputs(name).properties.softDeleteRetentionInDays, 7);
        });

        it("reports every problem at once", () => {
            const err = errorOf(() => new KeyVault(unique("many"), args({ namePrefix: "1", softDeleteRetentionInDays: 100, sku: "x" as unknown as "standard" }))) as ArgsError;
            assert.equal(err.problems.length, 3);
        });
    });
});
