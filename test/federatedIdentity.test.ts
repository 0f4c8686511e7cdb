import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    credentialWriteOrder, FederatedIdentity, FederatedIdentityArgs, federatedIdentityArgsProblems, maxFederatedCredentialsPerIdentity,
} from "../components/federation/federatedIdentity";
import { WorkloadIdentity } from "../components/identity/workloadIdentity";
import { aksWebhookTokenAudience, cloudNames, clouds } from "../components/shared/clouds";
import { ArgsError } from "../components/shared/errors";
import { isGuid, roleAssignmentName } from "../components/shared/roles";
import { EngineMocks, errorOf, fakeAzure, promiseOf, settle, useMocks, unique } from "./support/pulumi";

const literal = "https://token.actions.githubusercontent.com";
const vaultId = `/subscriptions/${fakeAzure.subscriptionId}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`;

describe("federation core", () => {
    let mocks: EngineMocks;
    beforeEach(async () => {
        mocks = await useMocks();
    });

    function args(overrides: Partial<FederatedIdentityArgs> = {}): FederatedIdentityArgs {
        return {
            resourceGroupName: "rg",
            audience: "api://AzureADTokenExchange",
            credentials: [{ name: "main", issuer: literal, subject: "repo:o/r:ref:refs/heads/main" }],
            ...overrides,
        };
    }

    function fics(name: string) {
        return mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${name}-fic-`));
    }

    it("writes credentials one at a time, each depending on the one before, with deleteBeforeReplace", async () => {
        const name = unique("chain");
        const fi = new FederatedIdentity(name, args({
            credentials: ["a", "b", "c"].map((n) => ({ name: `cred-${n}`, issuer: literal, subject: `repo:o/r:environment:${n}` })),
        }));
        await promiseOf(fi.clientId);
        await settle(mocks);
        const written = fics(name);
        assert.deepEqual(written.map((r) => r.name), [`${name}-fic-cred-a`, `${name}-fic-cred-b`, `${name}-fic-cred-c`]);
        const ficUrns = (r: (typeof written)[number]) => r.dependencies.filter((u) => u.includes("FederatedIdentityCredential"));
        assert.deepEqual(ficUrns(written[0]), []);
        assert.deepEqual(ficUrns(written[1]), [written[0].urn]);
        assert.deepEqual(ficUrns(written[2]), [written[1].urn]);
        for (const fic of written) {
            assert.equal(fic.deleteBeforeReplace, true);
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            assert.equal(fic.inputs.issuer, literal);
        }
    });

    it("orders credentials on literal issuers before those on an Output issuer (issue 12), stable within each", () => {
        const out = pulumi.output("https://cluster/");
        const order = credentialWriteOrder([
            { issuer: out, n: 1 }, { issuer: "https://a/", n: 2 }, { issuer: out, n: 3 }, { issuer: "https://b/", n: 4 },
        ]);
        assert.deepEqual(order.map((c) => c.n), [2, 4, 1, 3]);
    });

    it("so a WorkloadIdentity's extra literal issuer is written first and does not wait for the cluster's issuer", async () => {
        const name = unique("early");
        const provider = new k8s.Provider(unique("k8s"), { kubeconfig: "fake" });
        const clusterIssuer = pulumi.output("https://westeurope.oic.prod-aks.azure.com/t/c/");
        const wi = new WorkloadIdentity(name, {
            resourceGroupName: "rg",
            issuers: { aks: clusterIssuer, old: "https://westeurope.oic.prod-aks.azure.com/t/old/" },
            subjects: [{ namespace: "apps", serviceAccountName: "orders" }],
            provider,
        });
        await promiseOf(wi.clientId);
        await settle(mocks);
        const written = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${name}-fic-`));
        assert.deepEqual(written.map((r) => r.inputs.federatedIdentityCredentialResourceName), ["apps-orders-old", "apps-orders-aks"]);
        const ficUrns = (r: (typeof written)[number]) => r.dependencies.filter((u) => u.includes("FederatedIdentityCredential"));
        assert.deepEqual(ficUrns(written[0]), []);
        assert.deepEqual(ficUrns(written[1]), [written[0].urn]);
    });

    it("grants roles with deterministic names seeded from scope, principal and role, and passes an ABAC condition through", async () => {
        const name = unique("grants");
        const condition = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})))";
        const fi = new FederatedIdentity(name, args({
            roleGrants: [
                { scope: vaultId, role: "Key Vault Secrets User" },
                { scope: vaultId, role: "f58310d9-a9f6-439a-9e8d-f62e7b41a168", condition, description: "limited" },
            ],
        }));
        const principalId = await promiseOf(fi.principalId);
        await settle(mocks);
        const assignments = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${name}-`));
        assert.equal(assignments.length, 2);
        const plain = assignments.find((a) => String(a.inputs.roleDefinitionId).endsWith("4633458b-17de-408a-b874-0445c86b69e6"))!;
        assert.equal(plain.inputs.roleAssignmentName, roleAssignmentName(vaultId, principalId, plain.inputs.roleDefinitionId as string));
        assert.ok(isGuid(plain.inputs.roleAssignmentName as string));
        assert.equal(plain.inputs.principalType, "ServicePrincipal");
        assert.equal(plain.inputs.condition, undefined);
        const limited = assignments.find((a) => a !== plain)!;
        assert.equal(limited.inputs.condition, condition);
        assert.equal(limited.inputs.conditionVersion, "2.0");
        assert.equal(limited.inputs.description, "limited");
    });

    it("qualifies the role of a grant whose scope names no subscription with the deployer's: read by the identity, or the one it is given without a read", async () => {
        // A tenant-level resource (a reservation order), known only as an Output: validation cannot see it.
        const tenantLevel = pulumi.output("/providers/Microsoft.Capacity/reservationOrders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
        const clientConfigReads = () => mocks.calls.filter((c) => c.token === "azure-native:authorization:getClientConfig").length;
        const definitionOf = async (name: string, extra: Partial<FederatedIdentityArgs>): Promise<string> => {
            const fi = new FederatedIdentity(name, args({ roleGrants: [{ scope: tenantLevel, scopeKey: "reservation", role: "Key Vault Secrets User" }], ...extra }));
            await promiseOf(fi.principalId);
            await settle(mocks);
            const ra = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name.startsWith(`${name}-`))!;
            return ra.inputs.roleDefinitionId as string;
        };
        const reads = clientConfigReads();
        assert.equal(await definitionOf(unique("read"), {}),
            `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`);
        assert.equal(clientConfigReads(), reads + 1);
        const given = "11111111-2222-3333-4444-555555555555";
        assert.equal(await definitionOf(unique("given"), { subscriptionId: pulumi.output(given) }),
            `/subscriptions/${given}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`);
        assert.equal(clientConfigReads(), reads + 1);
    });

    describe("validation", () => {
        const credential = (i: number) => ({ name: `cred-${i}`, issuer: literal, subject: `repo:o/r:environment:e${i}` });

        it(`accepts ${maxFederatedCredentialsPerIdentity} credentials and refuses ${maxFederatedCredentialsPerIdentity + 1}, naming the identity and the count`, () => {
            const twenty = Array.from({ length: 20 }, (_, i) => credential(i));
            assert.deepEqual(federatedIdentityArgsProblems("ci", args({ credentials: twenty })), []);
            const problems = federatedIdentityArgsProblems("ci", args({ credentials: [...twenty, credential(20)] }));
            assert.equal(problems.length, 1);
            assert.match(problems[0], /identity "ci" would need 21 federated identity credentials; Azure allows at most 20 per identity/);
        });

        it("refuses the same issuer and subject twice, a bad name, a non-https issuer, padded subjects and audiences, and no credential", () => {
            const problems = federatedIdentityArgsProblems("ci", args({
                audience: " api://AzureADTokenExchange",
                credentials: [
                    { name: "a1x", issuer: literal, subject: "repo:o/r:pull_request" },
                    { name: "b1x", issuer: literal, subject: "repo:o/r:pull_request" },
                    { name: "-bad", issuer: "http://x", subject: " repo:o/r:pull_request" },
                ],
            }));
            assert.equal(problems.length, 5, problems.join("\n"));
            assert.match(problems.join("\n"), /audience " api:\/\/AzureADTokenExchange" must be a non-empty string without surrounding spaces/);
            assert.match(problems.join("\n"), /credentials\[1\] repeats issuer/);
            assert.match(problems.join("\n"), /credentials\[2\]\.name "-bad"/);
            assert.match(problems.join("\n"), /credentials\[2\]\.issuer "http:\/\/x" is not an https:\/\/ URL/);
            assert.match(problems.join("\n"), /credentials\[2\]\.subject/);
            assert.match(federatedIdentityArgsProblems("ci", args({ credentials: [] })).join("\n"), /needs at least one federated credential/);
        });

        it("throws an ArgsError before any resource registers", async () => {
            const before = mocks.resources.length;
            const err = errorOf(() => new FederatedIdentity(unique("bad"), args({ credentials: [] })));
            assert.ok(err instanceof ArgsError);
            await settle(mocks);
            assert.equal(mocks.resources.length, before);
        });
    });

    describe("clouds", () => {
        it("keeps the webhook's audience the same in every cloud and the CI audience per cloud", () => {
            assert.equal(aksWebhookTokenAudience, "api://AzureADTokenExchange");
            assert.deepEqual(cloudNames.map((c) => clouds[c].tokenExchangeAudience), [
                "api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov", "api://AzureADTokenExchangeChina",
            ]);
            assert.deepEqual(cloudNames.map((c) => clouds[c].armEnvironment), ["public", "usgovernment", "china"]);
        });

        it("gives a WorkloadIdentity's credentials the webhook's audience, or the one a self-managed webhook is started with", async () => {
            const provider = new k8s.Provider(unique("k8s"), { kubeconfig: "fake" });
            const base = { resourceGroupName: "rg", issuers: { aks: "https://x.oic.prod-aks.azure.com/t/c/" }, subjects: [{ namespace: "a", serviceAccountName: "b" }], provider };
            const plain = unique("aud");
            const custom = unique("aud");
            new WorkloadIdentity(plain, base);
            new WorkloadIdentity(custom, { ...base, audience: "api://custom" });
            await settle(mocks);
            const audiencesOf = (n: string) => mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").find((r) => r.name.startsWith(`${n}-fic-`))!.inputs.audiences;
            assert.deepEqual(audiencesOf(plain), [aksWebhookTokenAudience]);
            assert.deepEqual(audiencesOf(custom), ["api://custom"]);
        });
    });
});
