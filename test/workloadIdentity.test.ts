import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { WorkloadIdentity, WorkloadIdentityArgs, podAnnotationsForClientId } from "../components/identity/workloadIdentity";
import { ArgsError } from "../components/shared/errors";
import { isGuid, roleAssignmentName } from "../components/shared/roles";
import { MockedResource } from "../plan/mocks";
import { EngineMocks, errorOf, fakeAzure, promiseOf, settle, urnOf, useMocks, unique } from "./support/pulumi";

const issuer = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/1d1f7a5c-0000-4000-8000-0123456789ab/";
const storageId = `/subscriptions/${fakeAzure.subscriptionId}/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/appdata`;

describe("WorkloadIdentity", () => {
    let mocks: EngineMocks;
    let provider: k8s.Provider;

    function args(overrides: Partial<WorkloadIdentityArgs> = {}): WorkloadIdentityArgs {
        return {
            resourceGroupName: "rg",
            issuers: { aks: issuer },
            subjects: [{ namespace: "apps", serviceAccountName: "orders" }],
            provider,
            ...overrides,
        };
    }

    beforeEach(async () => {
        mocks = await useMocks();
        provider = new k8s.Provider(unique("k8s"), { kubeconfig: "fake" });
    });

    it("creates a UAMI and a FIC with the exact audience, subject and issuer (trailing slash kept)", async () => {
        const name = unique("orders");
        const wi = new WorkloadIdentity(name, args());
        await promiseOf(wi.clientId);
        await settle(mocks);
        const identities = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").filter((r) => r.name === `${name}-identity`);
        assert.equal(identities.length, 1);
        const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${name}-fic-`));
        assert.equal(fics.length, 1);
        const fic = fics[0].inputs;
        assert.deepEqual(fic.audiences, ["api://AzureADTokenExchange"]);
        assert.equal(fic.subject, "system:serviceaccount:apps:orders");
        assert.equal(fic.issuer, issuer);
        assert.ok((fic.issuer as string).endsWith("/"));
        assert.equal(fic.resourceGroupName, "rg");
        // resourceName is the identity's Azure name, which is what azure-native expects.
        assert.equal(fic.resourceName, identities[0].state.name);
        assert.equal(fic.federatedIdentityCredentialResourceName, "apps-orders-aks");
    });

    it("annotates the ServiceAccount with the UAMI's clientId, and optionally tenant and token expiration", async () => {
        const name = unique("annot");
        const wi = new WorkloadIdentity(name, args({ annotateTenantId: true, tokenExpirationSeconds: 7200, annotations: { team: "orders" } }));
        const clientId = await promiseOf(wi.clientId);
        await settle(mocks);
        const sa = mocks.ofType("kubernetes:core/v1:ServiceAccount").find((r) => r.name === `${name}-sa-apps-orders`)!;
        const metadata = sa.inputs.metadata as { name: string; namespace: string; annotations: Record<string, string> };
        assert.equal(metadata.name, "orders");
        assert.equal(metadata.namespace, "apps");
        assert.equal(metadata.annotations["azure.workload.identity/client-id"], clientId);
        assert.equal(metadata.annotations["azure.workload.identity/tenant-id"], fakeAzure.tenantId);
        assert.equal(metadata.annotations["azure.workload.identity/service-account-token-expiration"], "7200");
        assert.equal(metadata.annotations.team, "orders");
    });

    it("leaves the optional annotations off by default", async () => {
        const name = unique("plain");
        const wi = new WorkloadIdentity(name, args());
        await promiseOf(wi.clientId);
        await settle(mocks);
        const sa = mocks.ofType("kubernetes:core/v1:ServiceAccount").find((r) => r.name === `${name}-sa-apps-orders`)!;
        const annotations = (sa.inputs.metadata as { annotations: Record<string, string> }).annotations;
        assert.deepEqual(Object.keys(annotations), ["azure.workload.identity/client-id"]);
    });

    it("creates one FIC per issuer and subject, chained so they are written one at a time", async () => {
        const name = unique("chain");
        const wi = new WorkloadIdentity(name, args({
            issuers: { blue: issuer, green: "https://westeurope.oic.prod-aks.azure.com/t/green/" },
            subjects: [{ namespace: "apps", serviceAccountName: "orders" }, { namespace: "jobs", serviceAccountName: "orders-batch" }],
        }));
        assert.equal(wi.federatedCredentials.length, 4);
        await settle(mocks);
        const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${name}-fic-`));
        const urns = await Promise.all(wi.federatedCredentials.map(urnOf));
        assert.deepEqual(fics.map((f) => f.urn), urns, "registered in order");
        // Each FIC explicitly depends on the one before it (not through an input), the first on none of them.
        fics.forEach((fic, i) => {
            const explicit = explicitDependencies(fic);
            const onFics = explicit.filter((urn) => urns.includes(urn));
            assert.deepEqual(onFics, i === 0 ? [] : [urns[i - 1]], `FIC ${i} must depend on FIC ${i - 1} only`);
        });
        const subjects = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential")
            .filter((r) => r.name.startsWith(`${name}-fic-`))
            .map((r) => `${r.inputs.issuer} ${r.inputs.subject}`);
        assert.equal(new Set(subjects).size, 4);
    });

    it("gives FICs and role assignments deleteBeforeReplace (unique issuer + subject; deterministic names)", async () => {
        const name = unique("dbr");
        new WorkloadIdentity(name, args({ roleGrants: [{ scope: storageId, role: "Storage Blob Data Reader" }] }));
        await settle(mocks);
        const mine = mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
        const byType = (type: string) => mine.filter((r) => r.type === type).map((r) => r.deleteBeforeReplace);
        assert.deepEqual(byType("azure-native:managedidentity:FederatedIdentityCredential"), [true]);
        assert.deepEqual(byType("azure-native:authorization:RoleAssignment"), [true]);
        assert.deepEqual(byType("azure-native:managedidentity:UserAssignedIdentity"), [false]);
    });

    it("grants roles with ServicePrincipal type, a subscription-qualified definition and a deterministic GUID name", async () => {
        const name = unique("grant");
        const wi = new WorkloadIdentity(name, args({ roleGrants: [{ scope: storageId, role: "Storage Blob Data Contributor" }] }));
        const principalId = await promiseOf(wi.principalId);
        await settle(mocks);
        const assignments = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${name}-`));
        assert.equal(assignments.length, 1);
        const ra = assignments[0].inputs;
        assert.equal(ra.principalType, "ServicePrincipal");
        assert.equal(ra.principalId, principalId);
        assert.equal(ra.scope, storageId);
        assert.equal(ra.roleDefinitionId, `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`);
        assert.ok(isGuid(ra.roleAssignmentName as string));
        assert.equal(ra.roleAssignmentName, roleAssignmentName(storageId, principalId, ra.roleDefinitionId as string));
    });

    it("names role assignments identically across constructions, and differently per scope, role and identity", async () => {
        const nameOf = async (component: string, scope: string, role: string): Promise<string> => {
            const wi = new WorkloadIdentity(component, args({ roleGrants: [{ scope, role }] }));
            await promiseOf(wi.principalId);
            await settle(mocks);
            const ra = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${component}-`));
            return ra[ra.length - 1].inputs.roleAssignmentName as string;
        };
        const first = await nameOf("same-identity", storageId, "Storage Blob Data Reader");
        mocks = await useMocks();
        const second = await nameOf("same-identity", storageId, "Storage Blob Data Reader");
        assert.equal(first, second);
        const otherScope = await nameOf(unique("s"), `${storageId}2`, "Storage Blob Data Reader");
        const names = new Set([
            first,
            await nameOf("same-identity-x", storageId, "Storage Blob Data Reader"),
            await nameOf(unique("r"), storageId, "Storage Blob Data Contributor"),
            otherScope,
        ]);
        assert.equal(names.size, 4);
    });

    it("exposes pod labels and annotations carrying a hash of the clientId", async () => {
        const wi = new WorkloadIdentity(unique("pod"), args());
        const clientId = await promiseOf(wi.clientId);
        assert.deepEqual(wi.podLabels, { "azure.workload.identity/use": "true" });
        const annotations = await promiseOf(wi.podAnnotations);
        assert.deepEqual(annotations, podAnnotationsForClientId(clientId));
        assert.notDeepEqual(podAnnotationsForClientId(clientId), podAnnotationsForClientId(`${clientId}x`));
        assert.ok(!JSON.stringify(annotations).includes(clientId), "the annotation is a hash, not the id");
    });

    it("creates namespaces when asked, once each, and parents every child to the component", async () => {
        const name = unique("ns");
        const wi = new WorkloadIdentity(name, args({
            createNamespaces: true,
            subjects: [{ namespace: "apps", serviceAccountName: "a" }, { namespace: "apps", serviceAccountName: "b" }],
        }));
        await promiseOf(wi.clientId);
        await settle(mocks);
        const namespaces = mocks.ofType("kubernetes:core/v1:Namespace").filter((r) => r.name.startsWith(`${name}-`));
        assert.deepEqual(namespaces.map((n) => (n.inputs.metadata as { name: string }).name), ["apps"]);
        const children = [wi.identity, ...wi.federatedCredentials, ...wi.serviceAccounts];
        for (const child of children) {
            const urn = await urnOf(child);
            assert.match(urn, /::wid:identity:WorkloadIdentity\$/, `${urn} must be parented to the component`);
        }
        assert.deepEqual(wi.namespaces, ["apps"]);
    });

    describe("validation, before any resource registers", () => {
        const cases: Array<[string, Partial<WorkloadIdentityArgs>, RegExp]> = [
            ["a namespace that is not DNS-1123", { subjects: [{ namespace: "Apps", serviceAccountName: "orders" }] }, /subjects\[0\]\.namespace "Apps" is not a DNS-1123 label/],
            ["a namespace longer than 63", { subjects: [{ namespace: "a".repeat(64), serviceAccountName: "orders" }] }, /subjects\[0\]\.namespace "a{64}" is not a DNS-1123 label/],
            ["a ServiceAccount name that is not DNS-1123", { subjects: [{ namespace: "apps", serviceAccountName: "Orders_SA" }] }, /subjects\[0\]\.serviceAccountName "Orders_SA" is not a DNS-1123 subdomain/],
            ["a token expiration below 3600", { tokenExpirationSeconds: 3599 }, /tokenExpirationSeconds 3599 must be a whole number from 3600 to 86400/],
            ["a token expiration above 86400", { tokenExpirationSeconds: 86401 }, /tokenExpirationSeconds 86401 must be a whole number from 3600 to 86400/],
            ["more than 20 FICs", {
                identityName: "id-orders",
                issuers: { blue: issuer, green: issuer.replace("westeurope", "northeurope") },
                subjects: Array.from({ length: 11 }, (_, i) => ({ namespace: "apps", serviceAccountName: `sa${i}` })),
            }, /identity "id-orders" would need 22 federated identity credentials \(2 issuer\(s\) x 11 subject\(s\)\); Azure allows at most 20/],
            ["duplicate subjects", { subjects: [{ namespace: "apps", serviceAccountName: "orders" }, { namespace: "apps", serviceAccountName: "orders" }] }, /subjects\[1\] apps\/orders is listed twice/],
            ["subjects whose names join the same way", { subjects: [{ namespace: "a-b", serviceAccountName: "c" }, { namespace: "a", serviceAccountName: "b-c" }] }, /subjects a-b\/c and a\/b-c would share the credential name "a-b-c-<issuer>"/],
            ["an unknown role name", { roleGrants: [{ scope: storageId, role: "Key Vault Secret User" }] }, /roleGrants\[0\]\.role "Key Vault Secret User" is not a known role: use a role definition GUID or one of "Key Vault Secrets User"/],
            ["a grant of a role that assigns roles", { roleGrants: [{ scope: storageId, role: "Role Based Access Control Administrator" }] }, /roleGrants\[0\]\.role "Role Based Access Control Administrator" is refused for a workload: .* a workload identity that can grant roles can escalate/],
            ["a grant of Owner by GUID", { roleGrants: [{ scope: storageId, role: "Key Vault Secrets User" }, { scope: storageId, role: "8e3af657-a8ff-404c-9447-7c6b1c4a9fd5" }] }, /roleGrants\[1\]\.role "8e3af657-a8ff-404c-9447-7c6b1c4a9fd5" is refused for a workload: Owner can assign roles/],
            ["an issuer that is not https", { issuers: { aks: "http://issuer.example/" } }, /issuers\.aks "http:\/\/issuer\.example\/" is not an https:\/\/ URL/],
            ["an AKS issuer without its trailing slash", { issuers: { aks: issuer.replace(/\/$/, "") } }, /issuers\.aks ".*" is an AKS issuer without its trailing slash: .*AADSTS70021/],
            ["no issuer", { issuers: {} }, /issuers needs at least one issuer URL/],
            ["one literal issuer under two labels", { issuers: { blue: "https://issuer.example/", green: "https://issuer.example/" } }, /issuers\.green is the same issuer URL as issuers\.blue: list each issuer once/],
            ["a tag name Azure refuses", { tags: { "cost/center": "x" } }, /tags\."cost\/center" is a tag name with '\/'/],
            ["no subject", { subjects: [] }, /subjects needs at least one/],
            ["a subject in kube-system, which the webhook never mutates on AKS", { subjects: [{ namespace: "kube-system", serviceAccountName: "agent" }] }, /subjects\[0\]\.namespace "kube-system" is excluded from admission webhooks on AKS/],
            ["a role scope with a placeholder subscription", { roleGrants: [{ scope: "/subscriptions/<sub>/resourceGroups/rg", role: "Key Vault Reader" }] }, /roleGrants\[0\]\.scope "\/subscriptions\/<sub>\/resourceGroups\/rg" names subscription "<sub>", which is not a subscription GUID/],
            ["an Output scope without scopeKey", { roleGrants: [{ scope: pulumi.output(storageId), role: "Key Vault Secrets User" }] }, /roleGrants\[0\]\.scopeKey is required when scope is not a plain string/],
            ["an owned annotation", { annotations: { "azure.workload.identity/client-id": "x" } }, /annotations may not set "azure\.workload\.identity\/client-id"/],
            ["a bad identity name", { identityName: "x" }, /identityName "x" must be 3-128/],
            ["a subscriptionId that is not a GUID", { subscriptionId: "my-subscription" }, /subscriptionId "my-subscription" is not a subscription id \(a GUID/],
            ["a bad issuer label", { issuers: { "blue green": issuer } }, /issuers key "blue green" must be 1-40/],
        ];
        for (const [what, overrides, message] of cases) {
            it(`refuses ${what}`, async () => {
                const name = unique("invalid");
                const err = errorOf(() => new WorkloadIdentity(name, args(overrides)));
                assert.ok(err instanceof ArgsError, `expected ArgsError, got ${err}`);
                assert.match(err.message, new RegExp(`^WorkloadIdentity "${name}"`));
                assert.match(err.message, message);
                await settle(mocks);
                assert.deepEqual(mocks.resources.filter((r) => r.name.startsWith(name)), [], "nothing may register");
            });
        }

        it("accepts the boundaries: 20 FICs, 3600 and 86400 seconds, a GUID role", () => {
            const subjects = Array.from({ length: 10 }, (_, i) => ({ namespace: "apps", serviceAccountName: `sa${i}` }));
            assert.doesNotThrow(() => new WorkloadIdentity(unique("edge"), args({ issuers: { blue: issuer, green: issuer.replace("westeurope", "northeurope") }, subjects, tokenExpirationSeconds: 3600 })));
            assert.doesNotThrow(() => new WorkloadIdentity(unique("edge"), args({ tokenExpirationSeconds: 86400, roleGrants: [{ scope: storageId, role: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" }] })));
        });

        it("reports every problem at once", () => {
            const err = errorOf(() => new WorkloadIdentity(unique("many"), args({ tokenExpirationSeconds: 5, subjects: [{ namespace: "A", serviceAccountName: "B" }] }))) as ArgsError;
            assert.equal(err.problems.length, 3);
        });
    });
});

/** The dependencies a resource was given with `dependsOn`, not through its inputs. */
function explicitDependencies(resource: MockedResource): string[] {
    const fromInputs = new Set(Object.values(resource.propertyDependencies).flat());
    return resource.dependencies.filter((urn) => !fromInputs.has(urn));
}
