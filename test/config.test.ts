import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ArgsError } from "../components/shared/errors";
import { parseStackConfig } from "../infra/config";
import { main } from "../infra/main";
import { EngineMocks, settle, testProject, useMocks } from "./support/pulumi";

/** A valid dev config, as raw values (structured ones JSON-encoded, as Pulumi holds them). */
function validRaw(): Record<string, string> {
    return {
        profile: "dev",
        workloads: JSON.stringify([
            { name: "orders", namespace: "shop" },
            { name: "reports", namespace: "analytics" },
        ]),
    };
}

/** Overrides (undefined deletes a key) applied to the valid config; `workload` patches workloads[0]. */
interface Case {
    readonly what: string;
    readonly set?: Record<string, string | undefined>;
    readonly workload?: Record<string, unknown>;
    /** The config key the message must name. */
    readonly key: string;
    /** What else the message must say. */
    readonly says: RegExp;
}

const cases: Case[] = [
    { what: "a missing profile", set: { profile: undefined }, key: "profile", says: /is required in Pulumi\.unit\.yaml: allowed values are "dev", "staging", "prod"/ },
    { what: "an unknown profile", set: { profile: "qa" }, key: "profile", says: /is "qa": allowed values are "dev", "staging", "prod"/ },
    { what: "a workload without a namespace", workload: { namespace: undefined }, key: "workloads[0].namespace", says: /is required/ },
    { what: "a namespace that is not DNS-1123", workload: { namespace: "Shop" }, key: "workloads[0].namespace", says: /"Shop" is not a DNS-1123 label/ },
    { what: "a namespace over 63 characters", workload: { namespace: "s".repeat(64) }, key: "workloads[0].namespace", says: /is not a DNS-1123 label/ },
    { what: "a ServiceAccount name that is not DNS-1123", workload: { serviceAccountName: "Orders_SA" }, key: "workloads[0].serviceAccountName", says: /"Orders_SA" is not a DNS-1123 subdomain/ },
    { what: "a token expiration under 3600", workload: { tokenExpirationSeconds: 600 }, key: "workloads[0].tokenExpirationSeconds", says: /is 600: it must be a whole number from 3600 to 86400/ },
    { what: "a token expiration over 86400", workload: { tokenExpirationSeconds: 90000 }, key: "workloads[0].tokenExpirationSeconds", says: /from 3600 to 86400/ },
    {
        what: "more than 20 federations on one identity",
        workload: { extraSubjects: Array.from({ length: 20 }, (_, i) => ({ namespace: "shop", serviceAccountName: `extra-${i}` })) },
        key: "workloads[0]", says: /needs 21 federated credentials .* at most 20 per identity/,
    },
    {
        what: "more than 20 federations through extra issuers",
        set: { extraIssuers: JSON.stringify({ blue: "https://a.example/", green: "https://b.example/", red: "https://c.example/" }) },
        workload: { extraSubjects: Array.from({ length: 5 }, (_, i) => ({ namespace: "shop", serviceAccountName: `extra-${i}` })) },
        key: "workloads[0]", says: /needs 24 federated credentials \(4 issuer\(s\) x 6 ServiceAccount\(s\)\)/,
    },
    { what: "an unknown role name", workload: { roles: [{ role: "Key Vault Secret Reader" }] }, key: "workloads[0].roles[0].role", says: /"Key Vault Secret Reader" is not a known role: use a role definition GUID or one of/ },
    { what: "a role scope that is not an ARM id", workload: { roles: [{ role: "Storage Blob Data Reader", scope: "mystorage" }] }, key: "workloads[0].roles[0].scope", says: /must be an ARM id/ },
    { what: "a Key Vault name prefix that is too long", set: { keyVaultNamePrefix: "k".repeat(18) }, key: "keyVaultNamePrefix", says: /must be 1-17 letters, digits and '-'/ },
    { what: "a Key Vault name prefix starting with a digit", set: { keyVaultNamePrefix: "1vault" }, key: "keyVaultNamePrefix", says: /start with a letter/ },
    { what: "missing workloads", set: { workloads: undefined }, key: "workloads", says: /is required/ },
    { what: "an empty workload list", set: { workloads: "[]" }, key: "workloads", says: /is empty/ },
    { what: "workloads that are not a list", set: { workloads: "orders" }, key: "workloads", says: /must be a list/ },
    { what: "duplicate workload names", set: { workloads: JSON.stringify([{ name: "orders", namespace: "a" }, { name: "orders", namespace: "b" }]) }, key: "workloads[1].name", says: /used twice/ },
    { what: "a misspelt config key", set: { wokloads: "[]" }, key: "wokloads", says: /is not known: known keys are profile, location/ },
    { what: "a misspelt workload setting", workload: { namespce: "shop" }, key: "workloads[0].namespce", says: /is not a workload setting/ },
    { what: "a system node count of 0", set: { systemNodeCount: "0" }, key: "systemNodeCount", says: /from 1 to 1000/ },
    { what: "a minimum without a maximum", set: { systemMinCount: "2" }, key: "systemMinCount", says: /go together/ },
    { what: "a minimum over the maximum", set: { systemMinCount: "5", systemMaxCount: "3" }, key: "systemMinCount", says: /must not exceed "systemMaxCount"/ },
    { what: "an availability zone that does not exist", set: { availabilityZones: JSON.stringify(["1", "4"]) }, key: "availabilityZones[1]", says: /is "4": allowed values are "1", "2", "3"/ },
    { what: "local accounts on in prod", set: { profile: "prod", disableLocalAccounts: "false" }, key: "disableLocalAccounts", says: /prod profile requires local accounts disabled/ },
    { what: "a short soft-delete retention in prod", set: { profile: "prod", softDeleteRetentionDays: "30" }, key: "softDeleteRetentionDays", says: /prod profile requires at least 90/ },
    { what: "a soft-delete retention under 7", set: { softDeleteRetentionDays: "5" }, key: "softDeleteRetentionDays", says: /from 7 to 90/ },
    { what: "an unknown SKU tier", set: { skuTier: "Gold" }, key: "skuTier", says: /allowed values are "Free", "Standard", "Premium"/ },
    { what: "an unknown kubelogin method", set: { kubeloginMethod: "devicecode" }, key: "kubeloginMethod", says: /allowed values are "azurecli", "workloadidentity", "spn", "msi"/ },
    { what: "spn login without a client id", set: { kubeloginMethod: "spn" }, key: "kubeloginClientId", says: /required when "kubeloginMethod" is "spn"/ },
    { what: "an admin group that is not a GUID", set: { adminGroupObjectIds: JSON.stringify(["platform-admins"]) }, key: "adminGroupObjectIds[0]", says: /must be an Entra group object id/ },
    { what: "half of the existing-cluster pair", set: { existingClusterName: "aks-shared" }, key: "existingClusterResourceGroup", says: /go together/ },
    { what: "an extra issuer over http", set: { extraIssuers: JSON.stringify({ blue: "http://issuer.example/" }) }, key: "extraIssuers.blue", says: /must be an https:\/\/ issuer URL/ },
    { what: "a verification workload that does not exist", set: { verifyWorkload: "billing" }, key: "verifyWorkload", says: /must name a workload \(orders, reports\)/ },
    { what: "a verification workload that cannot read secrets", workload: { roles: [{ role: "Key Vault Reader" }] }, key: "verifyWorkload", says: /has no role that reads this stack's vault secrets/ },
    { what: "a verification timeout under 60 s", set: { verifyTimeoutSeconds: "10" }, key: "verifyTimeoutSeconds", says: /from 60 to 3600/ },
    { what: "a ServiceAccount listed twice", workload: { extraSubjects: [{ namespace: "shop", serviceAccountName: "orders" }] }, key: "workloads[0].extraSubjects", says: /lists shop\/orders twice/ },
    { what: "an API server range that is not a CIDR", set: { apiServerAuthorizedIpRanges: JSON.stringify(["10.0.0.1"]) }, key: "apiServerAuthorizedIpRanges[0]", says: /must be an IPv4 CIDR/ },
    { what: "a vault IP rule that is not an address", set: { keyVaultIpRules: JSON.stringify(["office"]) }, key: "keyVaultIpRules[0]", says: /must be an IPv4 address or CIDR/ },
    { what: "a vault secret name with a dot", set: { vaultSecrets: JSON.stringify({ "db.password": "x" }) }, key: "vaultSecrets.db.password", says: /1-127 letters, digits and '-'/ },
    { what: "the removed deployerPrincipalType (the type is read from the deployer's token)", set: { deployerPrincipalType: "User" }, key: "deployerPrincipalType", says: /is not known/ },
    { what: "a user pool named system", set: { userNodePools: JSON.stringify([{ name: "system", vmSize: "Standard_D4ds_v5" }]) }, key: "userNodePools[0].name", says: /not "system"/ },
    { what: "negative replicas", workload: { replicas: -1 }, key: "workloads[0].replicas", says: /from 0 to 100/ },
    { what: "a port out of range", workload: { port: 70000 }, key: "workloads[0].port", says: /from 1 to 65535/ },
    { what: "an env var that would shadow the webhook's", workload: { env: { AZURE_CLIENT_ID: "x" } }, key: "workloads[0].env.AZURE_CLIENT_ID", says: /come from the workload identity webhook/ },
    { what: "ServiceAccounts whose names join the same way", workload: { namespace: "a-b", serviceAccountName: "c", extraSubjects: [{ namespace: "a", serviceAccountName: "b-c" }] }, key: "workloads[0].extraSubjects", says: /a-b\/c and a\/b-c would share the credential name/ },
    { what: "a boolean that is not one", set: { verify: "yes" }, key: "verify", says: /must be true or false/ },
];

function rawFor(c: Case): Record<string, string> {
    const raw = validRaw();
    for (const [key, value] of Object.entries(c.set ?? {})) {
        if (value === undefined) delete raw[key];
        else raw[key] = value;
    }
    if (c.workload) {
        const workloads = JSON.parse(raw.workloads) as Record<string, unknown>[];
        workloads[0] = { ...workloads[0], ...c.workload };
        raw.workloads = JSON.stringify(workloads);
    }
    return raw;
}

/** Runs the stack program with `raw` config on the mock engine; returns the error it threw, if any. */
async function runProgram(raw: Record<string, string>): Promise<{ mocks: EngineMocks; error?: Error }> {
    const mocks = await useMocks();
    const prefixed: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) prefixed[`${testProject}:${key}`] = value;
    pulumi.runtime.setAllConfig(prefixed);
    try {
        main();
        return { mocks };
    } catch (error) {
        return { mocks, error: error as Error };
    }
}

describe("stack config", () => {
    it("accepts the valid base config, so each case below fails for its own reason", async () => {
        const { mocks, error } = await runProgram(validRaw());
        assert.equal(error, undefined);
        await settle(mocks);
        assert.ok(mocks.resources.length > 10);
    });

    describe(`refuses ${cases.length} invalid configs before any resource registers, naming the key`, () => {
        for (const c of cases) {
            it(`refuses ${c.what}`, async () => {
                const { mocks, error } = await runProgram(rawFor(c));
                assert.ok(error instanceof ArgsError, `expected an ArgsError, got ${error}`);
                assert.ok(pulumi.RunError.isInstance(error), "a RunError: the CLI prints it without a stack trace");
                const line = error.problems.find((p) => p.includes(`config key "${c.key}"`) || p.includes(`"${c.key}"`));
                assert.ok(line, `no problem names config key "${c.key}":\n${error.message}`);
                assert.match(line!, c.says);
                assert.match(error.message, /^stack "unit" config: /);
                await settle(mocks);
                assert.deepEqual(mocks.resources.map((r) => r.name), [], "nothing may register");
            });
        }
    });

    it("collects every problem in one error", () => {
        const raw = rawFor({ what: "", key: "", says: /x/, set: { profile: "qa", skuTier: "Gold", keyVaultNamePrefix: "9" }, workload: { namespace: "Shop" } });
        const err = (() => {
            try {
                parseStackConfig("unit", raw);
            } catch (e) {
                return e as ArgsError;
            }
            throw new Error("expected an error");
        })();
        assert.equal(err.problems.length, 4, err.message);
        for (const key of ["profile", "skuTier", "keyVaultNamePrefix", "workloads[0].namespace"]) {
            assert.ok(err.message.includes(`config key "${key}"`), `message must name ${key}`);
        }
    });

    it("applies profile defaults, and config overrides them", () => {
        const dev = parseStackConfig("unit", validRaw());
        assert.equal(dev.profile.name, "dev");
        assert.deepEqual(dev.systemPool, { vmSize: "Standard_D2ds_v5", count: 1, minCount: undefined, maxCount: undefined, availabilityZones: [] });
        assert.equal(dev.keyVault.softDeleteRetentionDays, 7);
        assert.equal(dev.keyVault.namePrefix, "wid-unit");
        assert.ok(dev.verification, "dev verifies by default");
        const prod = parseStackConfig("unit", { ...validRaw(), profile: "prod" });
        assert.deepEqual(prod.systemPool, { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 6, count: undefined, availabilityZones: ["1", "2", "3"] });
        assert.equal(prod.keyVault.softDeleteRetentionDays, 90);
        assert.equal(prod.verification, undefined);
        const overridden = parseStackConfig("unit", { ...validRaw(), profile: "prod", systemNodeCount: "2", verify: "true", softDeleteRetentionDays: "90" });
        assert.equal(overridden.systemPool.count, 2);
        assert.ok(overridden.verification);
    });

    it("defaults a workload's ServiceAccount to its name and its role to Key Vault Secrets User on this vault", () => {
        const config = parseStackConfig("unit", validRaw());
        assert.equal(config.workloads[0].serviceAccountName, "orders");
        assert.deepEqual(config.workloads[0].roles, [{ role: "Key Vault Secrets User" }]);
        // Unset: the program decides (yes on the stack's own cluster, no on an existing one).
        assert.equal(config.workloads[0].createNamespace, undefined);
    });

    it("returns a frozen object", () => {
        const config = parseStackConfig("unit", validRaw());
        assert.ok(Object.isFrozen(config));
        assert.ok(Object.isFrozen(config.workloads[0]));
        assert.throws(() => {
            (config.workloads as unknown as unknown[]).push({});
        });
    });
});
