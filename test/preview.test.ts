import { strict as assert } from "assert";
import { AksCluster } from "../components/cluster/aksCluster";
import { WorkloadIdentity } from "../components/identity/workloadIdentity";
import { KeyVault } from "../components/keyvault/keyVault";
import { MockedResource } from "../plan/mocks";
import { EngineMocks, isKnown, settle, useMocks } from "./support/pulumi";

/** How the mock engine serializes an unknown value in recorded inputs. */
function isUnknownInput(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>).__pulumiUnknown === true;
}

describe("preview of a new stack (computed outputs unknown)", () => {
    let mocks: EngineMocks;
    let cluster: AksCluster;
    let vault: KeyVault;
    let identity: WorkloadIdentity;
    let constructionError: unknown;

    before(async () => {
        mocks = await useMocks({ style: "unknown" }, true);
        try {
            cluster = new AksCluster("preview-aks", { resourceGroupName: "rg" });
            vault = new KeyVault("preview-kv", { resourceGroupName: "rg", namePrefix: "kv-preview", secrets: { "app-secret": "s3cret" } });
            identity = new WorkloadIdentity("preview-orders", {
                resourceGroupName: "rg",
                issuers: { aks: cluster.issuerUrl },
                subjects: [{ namespace: "apps", serviceAccountName: "orders" }],
                roleGrants: [{ scope: vault.id, scopeKey: vault.scopeKey, role: "Key Vault Secrets User" }],
                provider: cluster.provider,
            });
        } catch (err) {
            constructionError = err;
        }
        await settle(mocks);
    });

    function registered(type: string, name: string): MockedResource {
        const found = mocks.resources.filter((r) => r.type === type && r.name.startsWith(name));
        assert.equal(found.length, 1, `expected one ${type} named ${name}*, found ${found.map((r) => r.name).join(", ") || "none"}`);
        return found[0];
    }

    it("constructs everything without throwing", () => {
        assert.equal(constructionError, undefined);
        assert.ok(cluster && vault && identity);
    });

    it("has an unknown issuer URL, as a real preview of a new cluster does", async () => {
        assert.equal(await isKnown(cluster.issuerUrl), false);
        assert.equal(await isKnown(identity.clientId), false);
        assert.equal(await isKnown(vault.id), false);
        // isKnown discriminates: an output that does not depend on Azure's answers is known.
        assert.equal(await isKnown(cluster.resourceGroupName), true);
    });

    it("registers the cluster and its control-plane identity", () => {
        const managed = registered("azure-native:containerservice:ManagedCluster", "preview-aks-aks");
        assert.deepEqual(managed.inputs.oidcIssuerProfile, { enabled: true });
        assert.deepEqual(managed.inputs.securityProfile, { workloadIdentity: { enabled: true } });
        registered("azure-native:managedidentity:UserAssignedIdentity", "preview-aks-control-plane");
        registered("pulumi:providers:kubernetes", "preview-aks-k8s");
    });

    it("registers the vault, its suffix, the deployer's assignment and the secret", () => {
        registered("azure-native:keyvault:Vault", "preview-kv-vault");
        registered("random:index/randomString:RandomString", "preview-kv-suffix");
        const deployer = registered("azure-native:authorization:RoleAssignment", "preview-kv-deployer-");
        // Seeded from the vault's id, which a first preview does not know yet.
        assert.ok(isUnknownInput(deployer.inputs.roleAssignmentName));
        const secret = registered("azure-native:keyvault:Secret", "preview-kv-secret-app-secret");
        assert.ok(secret.dependencies.includes(deployer.urn));
    });

    it("registers the workload's UAMI, a FIC whose issuer is the (unknown) cluster issuer, and the ServiceAccount", () => {
        registered("azure-native:managedidentity:UserAssignedIdentity", "preview-orders-identity");
        const fic = registered("azure-native:managedidentity:FederatedIdentityCredential", "preview-orders-fic-");
        assert.ok(isUnknownInput(fic.inputs.issuer), `issuer: ${JSON.stringify(fic.inputs.issuer)}`);
        assert.equal(fic.inputs.subject, "system:serviceaccount:apps:orders");
        assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
        assert.equal(fic.inputs.federatedIdentityCredentialResourceName, "apps-orders-aks");
        const sa = registered("kubernetes:core/v1:ServiceAccount", "preview-orders-sa-apps-orders");
        const annotations = (sa.inputs.metadata as { annotations: Record<string, unknown> }).annotations;
        assert.ok(isUnknownInput(annotations["azure.workload.identity/client-id"]));
    });

    it("leaves the role assignment's name unknown at a first preview (it is seeded from the real scope and principal ids)", () => {
        const ra = registered("azure-native:authorization:RoleAssignment", "preview-orders-");
        assert.ok(isUnknownInput(ra.inputs.roleAssignmentName), String(ra.inputs.roleAssignmentName));
        assert.equal(ra.inputs.principalType, "ServicePrincipal");
        assert.ok(isUnknownInput(ra.inputs.scope));
        assert.ok(isUnknownInput(ra.inputs.principalId));
        // The Pulumi logical name is still known at preview (it comes from keys, not ids), so URNs never move.
        assert.match(ra.name, /^preview-orders-key-vault-secrets-user-[0-9a-f]{8}$/);
    });

    it("grants the deployer cluster admin and makes the Kubernetes provider wait for it, at preview too", () => {
        const grant = registered("azure-native:authorization:RoleAssignment", "preview-aks-deployer-");
        const wait = registered("time:index/sleep:Sleep", "preview-aks-deployer-access");
        const provider = registered("pulumi:providers:kubernetes", "preview-aks-k8s");
        assert.ok(wait.dependencies.includes(grant.urn));
        assert.ok(provider.dependencies.includes(wait.urn));
    });

    it("parents each child to its component", () => {
        const expected: Array<[string, RegExp]> = [
            ["preview-aks-", /::wid:cluster:AksCluster\$/],
            ["preview-kv-", /::wid:keyvault:KeyVault\$/],
            ["preview-orders-", /::wid:identity:WorkloadIdentity\$/],
        ];
        for (const [prefix, parent] of expected) {
            const children = mocks.resources.filter((r) => r.name.startsWith(prefix));
            assert.ok(children.length > 0, prefix);
            for (const child of children) assert.match(child.urn, parent);
        }
    });
});
