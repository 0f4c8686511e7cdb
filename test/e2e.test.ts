import { strict as assert } from "assert";
import { secretValue } from "../plan/mask";
import { clientIdAnnotation, tokenExpirationAnnotation, useLabel } from "../components/identity/workloadIdentity";
import { builtInRoles, getSecretDataAction, operationMatches, scopeCovers } from "../components/shared/roles";
import { roleDefinitions } from "../e2e/roleActions";
import { committedStacks, namespaceProblem, parseArgs } from "../e2e/cli";
import { decideExchange, jwtBearerAssertionType } from "../e2e/entra";
import type { MockedResource } from "../plan/mocks";
import type { ClusterSpec, IdentitySpec, PodSpec, ServiceAccountSpec, World } from "../e2e/model";
import { decideDataAction, secretReaders } from "../e2e/rbac";
import { breakLink, judge, jobsForStack, scenarios, sha256, standInPods } from "../e2e/scenarios";
import { admitPod } from "../e2e/webhook";
import { worldFromResources } from "../e2e/wiring";

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const issuer = `https://westeurope.oic.prod-aks.azure.com/${tenant}/0d1e2f3a-0000-4000-8000-000000000001/`;
const settings = { audience: "api://AzureADTokenExchange", authorityHost: "https://login.microsoftonline.com/" };
const cluster: ClusterSpec = { name: "aks", issuerUrl: issuer, workloadIdentity: true, tenantId: tenant };
const vaultId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";
const roleId = (guid: string): string => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const ordersIdentity: IdentitySpec = {
    name: "orders-identity", clientId: "11111111-1111-4111-8111-111111111111", principalId: "21111111-1111-4111-8111-111111111111", tenantId: tenant,
    federatedCredentials: [{ name: "shop-orders-aks", issuer, subject: "system:serviceaccount:shop:orders", audiences: ["api://AzureADTokenExchange"] }],
};
const reportsIdentity: IdentitySpec = {
    name: "reports-identity", clientId: "33333333-3333-4333-8333-333333333333", principalId: "43333333-3333-4333-8333-333333333333", tenantId: tenant,
    federatedCredentials: [{ name: "analytics-reports-aks", issuer, subject: "system:serviceaccount:analytics:reports", audiences: ["api://AzureADTokenExchange"] }],
};
const ordersSa: ServiceAccountSpec = { namespace: "shop", name: "orders", annotations: { [clientIdAnnotation]: ordersIdentity.clientId } };
const reportsSa: ServiceAccountSpec = { namespace: "analytics", name: "reports", annotations: { [clientIdAnnotation]: reportsIdentity.clientId } };
const ordersPod: PodSpec = {
    kind: "Deployment", name: "orders", namespace: "shop", serviceAccountName: "orders", labels: { [useLabel]: "true" }, annotations: {},
    containers: [{ name: "app", env: { KEYVAULT_URL: "https://kv1.vault.azure.net/", SECRET_NAME: "s1" } }],
};
const world: World = {
    stack: "t", cluster, identities: [ordersIdentity, reportsIdentity], serviceAccounts: [ordersSa, reportsSa], pods: [ordersPod],
    vaults: [{ name: "kv1", id: vaultId, uri: "https://kv1.vault.azure.net/", tenantId: tenant, location: "westeurope", rbacAuthorization: true, accessPolicies: [], secrets: { s1: "v1" } }],
    roleAssignments: [
        { principalId: ordersIdentity.principalId, roleDefinitionId: roleId(builtInRoles["Key Vault Secrets User"]), scope: vaultId },
        { principalId: reportsIdentity.principalId, roleDefinitionId: roleId(builtInRoles["Key Vault Secrets User"]), scope: vaultId },
    ],
    roleDefinitions: roleDefinitions(),
};

describe("e2e: workload identity webhook mutation", () => {
    it("injects the four env vars into a labelled pod, with the ServiceAccount's client id and the cluster's tenant", () => {
        const admission = admitPod(ordersPod, [ordersSa], cluster, settings);
        assert.equal(admission.outcome, "mutated");
        if (admission.outcome !== "mutated") return;
        assert.deepEqual(admission.containers[0].env, {
            KEYVAULT_URL: "https://kv1.vault.azure.net/", SECRET_NAME: "s1",
            AZURE_CLIENT_ID: ordersIdentity.clientId, AZURE_TENANT_ID: tenant,
            AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/wi/token/azure-identity-token",
            AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
        });
        assert.deepEqual(admission.token, { audience: "api://AzureADTokenExchange", expirationSeconds: 3600 });
    });

    it("leaves an unlabelled pod alone, and every pod when workload identity is off", () => {
        const unlabelled = { ...ordersPod, labels: {} };
        assert.equal(admitPod(unlabelled, [ordersSa], cluster, settings).outcome, "untouched");
        // The label on the ServiceAccount does nothing: the webhook selects pods.
        assert.equal(admitPod(ordersPod, [ordersSa], { ...cluster, workloadIdentity: false }, settings).outcome, "untouched");
    });

    it("never overrides what the container sets, and injects no empty value", () => {
        const pod = { ...ordersPod, containers: [{ name: "app", env: { AZURE_CLIENT_ID: "mine" } }] };
        const noAnnotation = { ...ordersSa, annotations: {} };
        const a = admitPod(pod, [ordersSa], cluster, settings);
        const b = admitPod(ordersPod, [noAnnotation], cluster, settings);
        assert.ok(a.outcome === "mutated" && b.outcome === "mutated");
        if (a.outcome !== "mutated" || b.outcome !== "mutated") return;
        assert.equal(a.containers[0].env.AZURE_CLIENT_ID, "mine");
        assert.equal("AZURE_CLIENT_ID" in b.containers[0].env, false);
    });

    it("takes the token lifetime from the pod, then the ServiceAccount, and refuses one out of range", () => {
        const sa = { ...ordersSa, annotations: { ...ordersSa.annotations, [tokenExpirationAnnotation]: "7200" } };
        const fromSa = admitPod(ordersPod, [sa], cluster, settings);
        const fromPod = admitPod({ ...ordersPod, annotations: { [tokenExpirationAnnotation]: "5000" } }, [sa], cluster, settings);
        assert.ok(fromSa.outcome === "mutated" && fromSa.token.expirationSeconds === 7200);
        assert.ok(fromPod.outcome === "mutated" && fromPod.token.expirationSeconds === 5000);
        const refused = admitPod({ ...ordersPod, annotations: { [tokenExpirationAnnotation]: "600" } }, [sa], cluster, settings);
        assert.equal(refused.outcome, "refused");
    });

    it("skips the containers the pod lists, and refuses a pod whose ServiceAccount does not exist", () => {
        const pod = { ...ordersPod, annotations: { "azure.workload.identity/skip-containers": "side; other" }, containers: [{ name: "app", env: {} }, { name: "side", env: {} }] };
        const a = admitPod(pod, [ordersSa], cluster, settings);
        assert.ok(a.outcome === "mutated");
        if (a.outcome !== "mutated") return;
        assert.ok("AZURE_CLIENT_ID" in a.containers[0].env);
        assert.deepEqual(a.containers[1].env, {});
        assert.equal(admitPod(ordersPod, [], cluster, settings).outcome, "refused");
    });
});

describe("e2e: Entra token exchange rules", () => {
    const form = (clientId: string): Record<string, string> => ({
        grant_type: "client_credentials", client_id: clientId, client_assertion_type: jwtBearerAssertionType, client_assertion: "x.y.z", scope: "https://vault.azure.net/.default",
    });
    const claims = { iss: issuer, sub: "system:serviceaccount:shop:orders", aud: ["api://AzureADTokenExchange"] };
    const code = (d: ReturnType<typeof decideExchange>): number | "ok" => d.ok ? "ok" : d.error.body.error_codes[0];

    it("matches issuer, subject and audience exactly", () => {
        assert.equal(code(decideExchange({ tenant, form: form(ordersIdentity.clientId) }, claims, world.identities)), "ok");
    });

    it("answers each mismatch with Entra's code", () => {
        const ids = world.identities;
        const f = form(ordersIdentity.clientId);
        assert.equal(code(decideExchange({ tenant, form: form("99999999-9999-4999-8999-999999999999") }, claims, ids)), 700016);
        assert.equal(code(decideExchange({ tenant: "another-tenant", form: f }, claims, ids)), 700016);
        assert.equal(code(decideExchange({ tenant, form: f }, { ...claims, iss: issuer.slice(0, -1) }, ids)), 700211);
        assert.equal(code(decideExchange({ tenant, form: f }, { ...claims, sub: "system:serviceaccount:shop:Orders" }, ids)), 700213);
        assert.equal(code(decideExchange({ tenant, form: f }, { ...claims, aud: ["api://AzureADTokenExchangeUSGov"] }, ids)), 700212);
        const refused = decideExchange({ tenant, form: f }, { ...claims, sub: "x" }, ids);
        assert.ok(!refused.ok && refused.error.status === 401 && refused.error.body.error === "invalid_client");
        assert.match(!refused.ok ? refused.error.body.error_description : "", /^AADSTS700213: No matching federated identity record found for presented assertion subject 'x'\./);
    });

    it("refuses a request that is not a client assertion for a /.default scope", () => {
        assert.notEqual(code(decideExchange({ tenant, form: { ...form(ordersIdentity.clientId), client_assertion_type: "" } }, claims, world.identities)), "ok");
        assert.notEqual(code(decideExchange({ tenant, form: { ...form(ordersIdentity.clientId), scope: "https://vault.azure.net" } }, claims, world.identities)), "ok");
    });
});

describe("e2e: RBAC data actions", () => {
    it("matches wildcards case-insensitively, and only whole patterns", () => {
        assert.ok(operationMatches("Microsoft.KeyVault/vaults/secrets/*", getSecretDataAction));
        assert.ok(operationMatches("microsoft.keyvault/vaults/*", getSecretDataAction));
        assert.ok(!operationMatches("Microsoft.KeyVault/vaults/*/read", getSecretDataAction));
        assert.ok(!operationMatches("Microsoft.KeyVault/vaults/secrets/readMetadata/action", getSecretDataAction));
    });

    it("covers a resource from its own scope and its parents only", () => {
        assert.ok(scopeCovers(vaultId, `${vaultId}/secrets/s1`));
        assert.ok(scopeCovers("/subscriptions/s/resourcegroups/RG", `${vaultId}/secrets/s1`));
        assert.ok(!scopeCovers(`${vaultId}2`, `${vaultId}/secrets/s1`));
    });

    it("lets Key Vault Secrets User, Officer and Administrator read a secret, never Key Vault Reader", () => {
        const assign = (role: keyof typeof builtInRoles) => [{ principalId: "p", roleDefinitionId: roleId(builtInRoles[role]), scope: vaultId }];
        for (const role of ["Key Vault Secrets User", "Key Vault Secrets Officer", "Key Vault Administrator"] as const) {
            assert.ok(decideDataAction("p", getSecretDataAction, `${vaultId}/secrets/s1`, assign(role), world.roleDefinitions).allowed, role);
        }
        assert.ok(!decideDataAction("p", getSecretDataAction, `${vaultId}/secrets/s1`, assign("Key Vault Reader"), world.roleDefinitions).allowed);
        assert.ok(!decideDataAction("other", getSecretDataAction, `${vaultId}/secrets/s1`, assign("Key Vault Secrets User"), world.roleDefinitions).allowed);
        // A role the directory does not define grants nothing.
        assert.ok(!decideDataAction("p", getSecretDataAction, `${vaultId}/secrets/s1`, assign("Key Vault Secrets User"), {}).allowed);
    });

    it("lists who may read each secret: vault-wide grants cover every name, a secret-scoped grant only its secret", () => {
        const vault = { ...world.vaults[0], secrets: { s1: "v1", s2: "v2" } };
        const readers = secretReaders(vault, {
            roleDefinitions: world.roleDefinitions,
            roleAssignments: [
                { principalId: "A", roleDefinitionId: roleId(builtInRoles["Key Vault Secrets User"]), scope: vaultId },
                { principalId: "b", roleDefinitionId: roleId(builtInRoles["Key Vault Secrets User"]), scope: `${vaultId}/secrets/s2` },
                { principalId: "c", roleDefinitionId: roleId(builtInRoles["Key Vault Reader"]), scope: vaultId },
            ],
        });
        assert.deepEqual(readers, { action: getSecretDataAction, vault: ["a"], secrets: { s1: ["a"], s2: ["a", "b"] } });
    });
});

describe("e2e: scenarios", () => {
    it("breaks exactly one link per scenario, and the as-planned world is untouched", () => {
        const before = JSON.stringify(world);
        const fic = (w: World): IdentitySpec["federatedCredentials"][number] => w.identities[0].federatedCredentials[0];
        assert.equal(fic(breakLink("wrong-subject", world, ordersPod)!.world).subject, "system:serviceaccount:shop:orders-other");
        assert.equal(fic(breakLink("issuer-without-slash", world, ordersPod)!.world).issuer, issuer.slice(0, -1));
        assert.deepEqual(fic(breakLink("wrong-audience", world, ordersPod)!.world).audiences, ["api://AzureADTokenExchangeUSGov"]);
        assert.equal(useLabel in breakLink("missing-pod-label", world, ordersPod)!.world.pods[0].labels, false);
        assert.equal(breakLink("other-identity", world, ordersPod)!.world.serviceAccounts[0].annotations[clientIdAnnotation], reportsIdentity.clientId);
        assert.equal(breakLink("no-role", world, ordersPod)!.world.roleAssignments.length, 1);
        assert.ok(breakLink("reader-role", world, ordersPod)!.world.roleAssignments[0].roleDefinitionId.endsWith(builtInRoles["Key Vault Reader"]));
        assert.equal(breakLink("rbac-off", world, ordersPod)!.world.vaults[0].rbacAuthorization, false);
        assert.equal(JSON.stringify(world), before);
    });

    it("expects the secret as planned, each broken link's error, and a stand-in for a ServiceAccount no pod uses", () => {
        const worlds: World[] = [];
        const { jobs } = jobsForStack(world, (w) => worlds.push(w) - 1, settings);
        assert.equal(jobs.length, 2 + scenarios.length - 1);
        assert.deepEqual(standInPods(world).map((p) => `${p.namespace}/${p.serviceAccountName}`), ["analytics/reports"]);
        assert.deepEqual(jobs[0].expect, { kind: "secret", sha256: sha256("v1") });
        assert.deepEqual(jobs.find((j) => j.scenario === "wrong-subject")!.expect, { kind: "error", name: "AggregateAuthenticationError", includes: ["AADSTS700213"] });
    });

    it("judges an observation against what was expected", () => {
        assert.ok(judge({ kind: "secret", sha256: sha256("v1") }, { outcome: "secret", sha256: sha256("v1") }).pass);
        assert.ok(!judge({ kind: "secret", sha256: sha256("v1") }, { outcome: "secret", sha256: sha256("v2") }).pass);
        assert.ok(judge({ kind: "notFound" }, { outcome: "error", status: 404, code: "SecretNotFound" }).pass);
        assert.ok(!judge({ kind: "notFound" }, { outcome: "error", status: 403, code: "Forbidden" }).pass);
        const rbac = { kind: "error", name: "RestError", status: 403, includes: ["Caller is not authorized"], innerCode: "ForbiddenByRbac" } as const;
        assert.ok(judge(rbac, { outcome: "error", name: "RestError", status: 403, innerCode: "ForbiddenByRbac", message: "Caller is not authorized to ..." }).pass);
        assert.ok(!judge(rbac, { outcome: "error", name: "RestError", status: 403, innerCode: "AccessDenied", message: "Caller is not authorized to ..." }).pass);
        assert.ok(!judge(rbac, { outcome: "secret", sha256: "x" }).pass);
    });
});

describe("e2e: wiring from the plan's resources", () => {
    const resource = (type: string, name: string, state: Record<string, unknown>, id = `${name}-id`): MockedResource => ({
        type, name, urn: `urn:pulumi:t::p::${type}::${name}`, dependencies: [], propertyDependencies: {}, protect: false, deleteBeforeReplace: false, custom: true, inputs: state, state, id,
    });
    const resources = (issuerUrl: string): MockedResource[] => [
        resource("azure-native:containerservice:ManagedCluster", "aks", { name: "aks", oidcIssuerProfile: { enabled: true, issuerURL: issuerUrl }, securityProfile: { workloadIdentity: { enabled: true } } }),
        resource("azure-native:managedidentity:UserAssignedIdentity", "orders-identity", { name: "orders-identity", resourceGroupName: "rg", clientId: ordersIdentity.clientId, principalId: ordersIdentity.principalId, tenantId: tenant }),
        resource("azure-native:managedidentity:FederatedIdentityCredential", "fic", { resourceGroupName: "rg", resourceName: "orders-identity", federatedIdentityCredentialResourceName: "shop-orders-aks", issuer: issuerUrl, subject: "system:serviceaccount:shop:orders", audiences: ["api://AzureADTokenExchange"] }),
        resource("kubernetes:core/v1:ServiceAccount", "sa", { metadata: { name: "orders", namespace: "shop", annotations: { [clientIdAnnotation]: ordersIdentity.clientId } } }),
        resource("kubernetes:apps/v1:Deployment", "orders", { metadata: { namespace: "shop" }, spec: { template: { metadata: { labels: { [useLabel]: "true" } }, spec: { serviceAccountName: "orders", containers: [{ name: "app", env: [{ name: "SECRET_NAME", value: "s1" }] }] } } } }),
        resource("azure-native:keyvault:Vault", "vault", { name: "kv1", location: "westeurope", properties: { tenantId: tenant, enableRbacAuthorization: true, vaultUri: "https://kv1.vault.azure.net/" } }, vaultId),
        resource("azure-native:keyvault:Secret", "s1", { vaultName: "kv1", secretName: "s1", properties: secretValue({ value: "v1" }) }),
        resource("azure-native:authorization:RoleAssignment", "ra", { principalId: ordersIdentity.principalId, roleDefinitionId: roleId(builtInRoles["Key Vault Secrets User"]), scope: vaultId }),
    ];

    it("builds the world from resource state: issuer verbatim, FICs per identity, secrets unwrapped", () => {
        const w = worldFromResources("t", resources(issuer));
        assert.equal(w.cluster.issuerUrl, issuer);
        assert.deepEqual(w.identities[0].federatedCredentials.map((f) => f.subject), ["system:serviceaccount:shop:orders"]);
        assert.deepEqual(w.vaults[0].secrets, { s1: "v1" });
        assert.equal(w.pods[0].serviceAccountName, "orders");
        assert.deepEqual(w.pods[0].containers[0].env, { SECRET_NAME: "s1" });
        assert.equal(w.roleAssignments.length, 1);
    });

    it("refuses placeholder values: a rehearsal on them would prove nothing", () => {
        assert.throws(() => worldFromResources("t", resources("<known after deploy: OIDC issuer URL>")), /placeholder/);
    });
});

describe("e2e: command line", () => {
    it("runs named stacks or every committed stack, and refuses what it does not understand", () => {
        assert.deepEqual(parseArgs(["--all", "--json"]), { stacks: committedStacks(), json: true, set: [], scenarios: [] });
        assert.ok(committedStacks().includes("dev"));
        assert.deepEqual(parseArgs(["dev", "--set", "verify=false", "--scenario", "no-role"]), { stacks: ["dev"], json: false, set: ["verify=false"], scenarios: ["no-role"] });
        assert.throws(() => parseArgs(["dev", "--all"]), /not both/);
        assert.throws(() => parseArgs([]), /name a stack/);
        assert.throws(() => parseArgs(["dev", "--scenario", "nope"]), /not a scenario/);
        assert.throws(() => parseArgs(["dev", "--frobnicate"]), /unknown option/);
    });

    it("says what is missing when it cannot make the private namespace", () => {
        const problem = namespaceProblem(["--no-such-unshare-option"]);
        assert.ok(problem && /namespace|unshare|ip\(8\)|Linux/.test(problem), problem);
    });
});
