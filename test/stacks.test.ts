import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { podAnnotationsForClientId } from "../components/identity/workloadIdentity";
import { parseStackConfig } from "../infra/config";
import { main } from "../infra/main";
import { demoSecretName, demoSecretValue, PlatformOutputs, verificationSecretName } from "../infra/program";
import { readStackFiles, UnknownStackError } from "../infra/stackFiles";
import { EngineMocks, MockedResourceLike, promiseOf, settle, testProject, useMocks } from "./support/pulumi";

const root = path.join(__dirname, "..");

/** Evaluates a committed stack with its own Pulumi.<stack>.yaml on the mock engine. */
async function evaluateStack(stack: string): Promise<{ mocks: EngineMocks; outputs: PlatformOutputs }> {
    const mocks = await useMocks({}, false, stack);
    pulumi.runtime.setAllConfig(readStackFiles(root, stack).values);
    const outputs = await main();
    await promiseOf(outputs.issuerUrl);
    await Promise.all(Object.values(outputs.workloads).map((w) => promiseOf(w.clientId)));
    await settle(mocks);
    return { mocks, outputs };
}

function configOf(stack: string) {
    const raw = readStackFiles(root, stack).values;
    const unprefixed: Record<string, string> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(`${testProject}:`, ""), v]));
    return parseStackConfig(stack, unprefixed);
}

for (const stack of ["dev", "staging", "prod"]) {
    describe(`the ${stack} stack (Pulumi.${stack}.yaml)`, () => {
        let mocks: EngineMocks;
        let outputs: PlatformOutputs;
        const config = configOf(stack);

        before(async () => {
            ({ mocks, outputs } = await evaluateStack(stack));
        });

        it("creates the cluster with OIDC and workload identity, and outputs its issuer verbatim", async () => {
            const clusters = mocks.ofType("azure-native:containerservice:ManagedCluster");
            assert.equal(clusters.length, 1);
            assert.deepEqual(clusters[0].inputs.oidcIssuerProfile, { enabled: true });
            assert.deepEqual(clusters[0].inputs.securityProfile, { workloadIdentity: { enabled: true } });
            assert.equal(clusters[0].inputs.disableLocalAccounts, config.disableLocalAccounts);
            const issuer = await promiseOf(outputs.issuerUrl);
            assert.equal(issuer, (clusters[0].state.oidcIssuerProfile as { issuerURL: string }).issuerURL);
            assert.ok(issuer.endsWith("/"));
        });

        it("creates one identity per workload, with a FIC per ServiceAccount wired to the cluster's issuer", async () => {
            const issuer = await promiseOf(outputs.issuerUrl);
            assert.ok(config.workloads.length >= 2);
            for (const workload of config.workloads) {
                const identity = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").filter((r) => r.name === `${workload.name}-identity`);
                assert.equal(identity.length, 1, `${workload.name} has one identity`);
                const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${workload.name}-fic-`));
                const subjects = [workload, ...workload.extraSubjects].map((s) => `system:serviceaccount:${s.namespace}:${s.serviceAccountName}`);
                assert.deepEqual(fics.map((f) => f.inputs.subject).sort(), subjects.sort());
                for (const fic of fics) {
                    assert.equal(fic.inputs.issuer, issuer, "issuer → FIC, byte for byte");
                    assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
                    assert.equal(fic.inputs.resourceName, identity[0].state.name);
                }
                assert.equal(await promiseOf(outputs.workloads[workload.name].clientId), identity[0].state.clientId);
            }
        });

        it("annotates every ServiceAccount with its identity's clientId", () => {
            for (const workload of config.workloads) {
                const clientId = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").find((r) => r.name === `${workload.name}-identity`)!.state.clientId;
                for (const subject of [workload, ...workload.extraSubjects]) {
                    const sa = mocks.ofType("kubernetes:core/v1:ServiceAccount").find((r) => {
                        const m = r.inputs.metadata as { name: string; namespace: string };
                        return m.name === subject.serviceAccountName && m.namespace === subject.namespace;
                    });
                    assert.ok(sa, `ServiceAccount ${subject.namespace}/${subject.serviceAccountName} exists`);
                    assert.equal((sa!.inputs.metadata as { annotations: Record<string, string> }).annotations["azure.workload.identity/client-id"], clientId, "clientId → ServiceAccount");
                }
            }
        });

        it("creates an RBAC Key Vault and grants each workload Key Vault Secrets User on it", () => {
            const vaults = mocks.ofType("azure-native:keyvault:Vault");
            assert.equal(vaults.length, 1);
            const properties = vaults[0].inputs.properties as Record<string, unknown>;
            assert.equal(properties.enableRbacAuthorization, true);
            assert.equal(properties.enablePurgeProtection, true);
            assert.equal(properties.softDeleteRetentionInDays, config.keyVault.softDeleteRetentionDays);
            for (const workload of config.workloads) {
                const principalId = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").find((r) => r.name === `${workload.name}-identity`)!.state.principalId;
                const grants = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.inputs.principalId === principalId);
                assert.equal(grants.length, 1, "principalId → role assignment");
                assert.equal(grants[0].inputs.scope, vaults[0].id, "on this stack's vault");
                assert.match(grants[0].inputs.roleDefinitionId as string, /\/roleDefinitions\/4633458b-17de-408a-b874-0445c86b69e6$/);
            }
        });

        it("creates each namespace once, retained on delete (removing a workload never deletes what else lives there)", () => {
            const namespaces = mocks.ofType("kubernetes:core/v1:Namespace");
            const expected = new Set(config.workloads.flatMap((w) => [w.namespace, ...w.extraSubjects.map((s) => s.namespace)]));
            assert.deepEqual(namespaces.map((n) => (n.inputs.metadata as { name: string }).name).sort(), [...expected].sort());
            assert.ok(namespaces.every((n) => n.retainOnDelete));
        });

        it("creates every Kubernetes object through the cluster's provider, which waits for the deployer's grant to propagate", () => {
            const provider = mocks.ofType("pulumi:providers:kubernetes");
            assert.equal(provider.length, 1);
            const wait = mocks.ofType("time:index/sleep:Sleep");
            assert.equal(wait.length, 1);
            assert.ok(provider[0].dependencies.includes(wait[0].urn));
            const grant = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name.startsWith("aks-deployer-"))!;
            assert.match(grant.inputs.roleDefinitionId as string, /\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
            // On the stack's own resource group, so the grant and its wait do not queue behind the cluster's create.
            const rg = mocks.ofType("azure-native:resources:ResourceGroup");
            assert.equal(rg.length, 1);
            assert.equal(grant.inputs.scope, rg[0].id);
            assert.ok(!grant.dependencies.includes(mocks.ofType("azure-native:containerservice:ManagedCluster")[0].urn));
            const objects = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
            assert.ok(objects.length >= 4);
            for (const object of objects) {
                assert.ok(object.provider?.startsWith(`${provider[0].urn}::`), `${object.type} ${object.name} uses ${object.provider}`);
            }
        });

        it(`${config.profile.protect ? "protects" : "does not protect"} the cluster, vault and identities`, () => {
            const protectedTypes = [
                "azure-native:containerservice:ManagedCluster",
                "azure-native:keyvault:Vault",
                "azure-native:managedidentity:UserAssignedIdentity",
                "azure-native:managedidentity:FederatedIdentityCredential",
            ];
            const flags = mocks.resources.filter((r) => protectedTypes.includes(r.type)).map((r: MockedResourceLike) => r.protect);
            assert.ok(flags.length >= 4);
            assert.ok(flags.every((f) => f === config.profile.protect), `protect must be ${config.profile.protect} on all of them`);
        });

        it("runs a Deployment for each workload with an image, its pod template carrying the identity's label and client-id hash", () => {
            const deployments = mocks.ofType("kubernetes:apps/v1:Deployment");
            const withImage = config.workloads.filter((w) => w.image);
            assert.equal(deployments.length, withImage.length);
            for (const workload of withImage) {
                const deployment = deployments.find((d) => d.name === `${workload.name}-deployment`)!;
                const template = (deployment.inputs.spec as { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { serviceAccountName: string; containers: { env: { name: string; value: string }[] }[] } } }).template;
                const clientId = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").find((r) => r.name === `${workload.name}-identity`)!.state.clientId as string;
                assert.equal(template.metadata.labels["azure.workload.identity/use"], "true");
                assert.deepEqual(template.metadata.annotations, podAnnotationsForClientId(clientId));
                assert.equal(template.spec.serviceAccountName, workload.serviceAccountName);
                const env = Object.fromEntries(template.spec.containers[0].env.map((e) => [e.name, e.value]));
                assert.equal(env.KEYVAULT_NAME, mocks.ofType("azure-native:keyvault:Vault")[0].state.name);
                for (const [name, value] of Object.entries(workload.env)) assert.equal(env[name], value);
                // It starts only once its identity works: its ServiceAccount, its credential and its role assignments.
                const needs = (r: MockedResourceLike) => deployment.dependencies.includes(r.urn);
                const fic = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential")
                    .find((r) => r.name.startsWith(`${workload.name}-fic-`) && r.inputs.subject === `system:serviceaccount:${workload.namespace}:${workload.serviceAccountName}`)!;
                assert.ok(needs(fic), "waits for its federated credential");
                const grants = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${workload.name}-`));
                assert.ok(grants.length > 0 && grants.every(needs), "waits for its role assignments");
                const sa = mocks.ofType("kubernetes:core/v1:ServiceAccount").find((r) => r.name === `${workload.name}-sa-${workload.namespace}-${workload.serviceAccountName}`)!;
                assert.ok(needs(sa), "waits for its ServiceAccount");
                // A sample app that prints what it reads is never pointed at a real secret.
                if (env.SECRET_NAME !== undefined) {
                    assert.notEqual(env.SECRET_NAME, verificationSecretName);
                    assert.equal(env.SECRET_NAME, demoSecretName);
                    const demo = mocks.ofType("azure-native:keyvault:Secret").find((r) => r.inputs.secretName === demoSecretName)!;
                    assert.equal(JSON.stringify(demo.inputs.properties).includes(demoSecretValue), true, "the demo secret holds the harmless demo value");
                }
            }
        });

        it(`${config.verification ? "deploys" : "does not deploy"} the verification Job`, () => {
            assert.equal(mocks.ofType("kubernetes:batch/v1:Job").length, config.verification ? 1 : 0);
        });

        it("outputs what the next stack needs", async () => {
            assert.match(await promiseOf(outputs.keyVaultUri), /^https:\/\/.+\.vault\.azure\.net\/$/);
            assert.equal(await promiseOf(outputs.keyVaultName), mocks.ofType("azure-native:keyvault:Vault")[0].state.name);
            assert.ok(await promiseOf(outputs.clusterName));
            assert.equal(await (outputs.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret, true, "kubeconfig is a secret");
        });
    });
}

describe("stack profiles", () => {
    it("prod sets protect, 90-day retention, zones, autoscaling and local accounts off; dev does not protect", () => {
        const dev = configOf("dev");
        const prod = configOf("prod");
        assert.equal(dev.profile.protect, false);
        assert.equal(prod.profile.protect, true);
        assert.equal(prod.keyVault.softDeleteRetentionDays, 90);
        assert.deepEqual(prod.systemPool.availabilityZones, ["1", "2", "3"]);
        assert.ok(prod.systemPool.minCount! < prod.systemPool.maxCount!);
        assert.equal(prod.disableLocalAccounts, true);
        assert.equal(prod.networkDataplane, "cilium");
        assert.equal(dev.systemPool.count, 1);
        assert.ok(dev.verification);
    });

    it("dev has at least two workloads across two namespaces", () => {
        const dev = configOf("dev");
        assert.ok(dev.workloads.length >= 2);
        assert.ok(new Set(dev.workloads.map((w) => w.namespace)).size >= 2);
    });

    it("reads the deployer's client config once for every workload's grants, not once a workload (one provider call each)", async () => {
        const clientConfigReads = async (workloads: number): Promise<number> => {
            const mocks = await useMocks({}, false, "dev");
            pulumi.runtime.setAllConfig({
                ...readStackFiles(root, "dev").values,
                [`${testProject}:workloads`]: JSON.stringify(Array.from({ length: workloads }, (_, i) => ({ name: `w${i}`, namespace: `ns-${i}` }))),
            });
            const outputs = await main();
            await Promise.all(Object.values(outputs.workloads).map((w) => promiseOf(w.principalId)));
            await settle(mocks);
            assert.equal(mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.includes("secrets-user")).length, workloads);
            return mocks.calls.filter((c) => c.token === "azure-native:authorization:getClientConfig").length;
        };
        assert.equal(await clientConfigReads(6), await clientConfigReads(1));
    });

    it("refuses a stack that has no stack file", () => {
        assert.throws(() => readStackFiles(root, "qa"), (e: Error) => e instanceof UnknownStackError && /no stack "qa": Pulumi\.qa\.yaml does not exist \(stacks here: dev, prod, staging\)/.test(e.message));
    });
});

describe("bring-your-own-cluster mode", () => {
    const existingIssuer = "https://northeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/";

    async function evaluateWith(existing: { oidcIssuer: boolean; workloadIdentity: boolean }, extra: Record<string, string> = {}) {
        const mocks = await useMocks({ existingClusters: { "rg-shared/aks-shared": { ...existing, issuerUrl: existingIssuer } } }, false, "dev");
        pulumi.runtime.setAllConfig({
            ...readStackFiles(root, "dev").values,
            [`${testProject}:existingClusterResourceGroup`]: "rg-shared",
            [`${testProject}:existingClusterName`]: "aks-shared",
            ...extra,
        });
        return { mocks, outputs: await main() };
    }

    it("creates no cluster and federates with the existing cluster's issuer verbatim", async () => {
        const { mocks, outputs } = await evaluateWith({ oidcIssuer: true, workloadIdentity: true });
        assert.equal(await promiseOf(outputs.issuerUrl), existingIssuer);
        await promiseOf(outputs.workloads.orders.clientId);
        await settle(mocks);
        assert.deepEqual(mocks.ofType("azure-native:containerservice:ManagedCluster"), []);
        const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential");
        assert.ok(fics.length > 0 && fics.every((f) => f.inputs.issuer === existingIssuer));
        assert.ok(mocks.calls.some((c) => c.token === "azure-native:containerservice:getManagedCluster" && c.inputs.resourceName === "aks-shared"));
    });

    it("creates no namespace unless a workload asks, retains the one it creates, and grants no cluster role", async () => {
        const workloads = [
            { name: "orders", namespace: "shop" },
            { name: "reports", namespace: "analytics", createNamespace: true },
        ];
        const { mocks, outputs } = await evaluateWith({ oidcIssuer: true, workloadIdentity: true }, { [`${testProject}:workloads`]: JSON.stringify(workloads) });
        await promiseOf(outputs.workloads.reports.clientId);
        await settle(mocks);
        const namespaces = mocks.ofType("kubernetes:core/v1:Namespace");
        // "shop" may already exist on someone else's cluster: pulumi-kubernetes >= 4.29 would fail with AlreadyExists.
        assert.deepEqual(namespaces.map((n) => (n.inputs.metadata as { name: string }).name), ["analytics"]);
        assert.equal(namespaces[0].retainOnDelete, true);
        assert.deepEqual(mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("aks-")), []);
        assert.deepEqual(mocks.ofType("time:index/sleep:Sleep"), []);
    });

    it("refuses an existing cluster without workload identity, with the az aks update hint", async () => {
        const { outputs } = await evaluateWith({ oidcIssuer: true, workloadIdentity: false });
        const error = await new Promise<Error>((resolve) => {
            (outputs.issuerUrl as unknown as { promise(): Promise<string> }).promise().then(() => resolve(new Error("no error")), resolve);
        });
        assert.match(error.message, /does not have workload identity enabled/);
        assert.match(error.message, /az aks update --resource-group rg-shared --name aks-shared --enable-oidc-issuer --enable-workload-identity/);
    });
});
