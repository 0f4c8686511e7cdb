import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import {
    AksCluster, AksClusterArgs, aksClusterArgsProblems, enableWorkloadIdentityHint, requireIssuerUrl, requireWorkloadIdentity,
} from "../components/cluster/aksCluster";
import { ArgsError } from "../components/shared/errors";
import { MockedResource } from "../plan/mocks";
import { EngineMocks, errorOf, fakeAzure, promiseOf, settle, urnOf, useMocks, unique } from "./support/pulumi";

const adminGroup = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const existingIssuer = "https://northeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/5e6f7a8b-0000-4000-8000-abcdefabcdef/";

/** The parts of a ManagedCluster's recorded inputs these tests look at. */
interface PoolInputs {
    name?: string;
    agentPoolName?: string;
    mode: string;
    vmSize: string;
    count?: number;
    enableAutoScaling?: boolean;
    minCount?: number;
    maxCount?: number;
    availabilityZones?: string[];
    nodeTaints?: string[];
    nodeLabels?: Record<string, string>;
    resourceName?: string;
}
interface ClusterInputs {
    oidcIssuerProfile: { enabled: boolean };
    securityProfile: { workloadIdentity: { enabled: boolean } };
    aadProfile: { managed: boolean; enableAzureRBAC: boolean; adminGroupObjectIDs?: string[]; tenantID?: string };
    disableLocalAccounts: boolean;
    identity: { type: string; userAssignedIdentities?: unknown };
    agentPoolProfiles: PoolInputs[];
    autoUpgradeProfile: { upgradeChannel: string; nodeOSUpgradeChannel: string };
    addonProfiles?: Record<string, { enabled: boolean; config?: Record<string, unknown> }>;
    sku: { name: string; tier: string };
    dnsPrefix: string;
    resourceGroupName: string;
}

/**
 * The error an Output failed with. Uses `pulumi.recover`, which also marks the failure handled, so the
 * rejection cannot surface as an unhandled rejection later. Rejects if the Output resolves instead.
 */
function failureOf<T>(output: pulumi.Output<T>): Promise<Error> {
    return new Promise((resolve, reject) => {
        let failed = false;
        pulumi.recover(output, (err: unknown) => {
            failed = true;
            resolve(err as Error);
            return undefined as T;
        }).apply((value) => {
            if (!failed) reject(new Error(`expected the output to fail, but it resolved to ${JSON.stringify(value)}`));
            return value;
        });
    });
}

/**
 * The component's own message. Pulumi rethrows the *same* Error when serializing the component's registered
 * outputs, prefixing its message with `error serializing property "outputs": ` (once per level), and which
 * awaiter sees it first is a race; only that prefix is removed.
 */
function componentMessage(err: Error): string {
    return err.message.replace(/^(error serializing property "[^"]+": )+/, "");
}

/**
 * Records every unhandled rejection while `fn` runs and until Node has reported the rejections left when it ends.
 *
 * Pulumi surfaces an error thrown in an apply that feeds a registration (here the component's
 * `registerOutputs`) as an unhandled rejection on purpose: the language host's handler turns it into the
 * program's failure, which is how `pulumi up` reports it. Under mocha, whose own handler would swallow it,
 * the tests capture these so they can assert that the only one is the component's error.
 */
async function unhandledRejectionsDuring(fn: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => {
        seen.push(reason);
    };
    process.on("unhandledRejection", listener);
    try {
        await fn();
        // Node reports a tick's unhandled rejections once its microtasks are done, so before the next macrotask.
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", listener);
    }
    return seen;
}

describe("AksCluster", () => {
    let mocks: EngineMocks;

    beforeEach(async () => {
        mocks = await useMocks();
    });

    /** Constructs a cluster and waits until its resources have registered. */
    async function build(name: string, args: Partial<AksClusterArgs> = {}): Promise<AksCluster> {
        const cluster = new AksCluster(name, { resourceGroupName: "rg", ...args });
        await promiseOf(cluster.kubeconfig);
        await settle(mocks);
        return cluster;
    }

    function recorded(type: string, name: string): MockedResource {
        const found = mocks.ofType(type).filter((r) => r.name === name);
        assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
        return found[0];
    }

    function managedCluster(name: string): ClusterInputs {
        return recorded("azure-native:containerservice:ManagedCluster", `${name}-aks`).inputs as unknown as ClusterInputs;
    }

    describe("the ManagedCluster's inputs (azure-native v3 paths)", () => {
        it("turns on the OIDC issuer and workload identity", async () => {
            const name = unique("oidc");
            await build(name);
            const inputs = managedCluster(name);
            assert.deepEqual(inputs.oidcIssuerProfile, { enabled: true });
            assert.deepEqual(inputs.securityProfile, { workloadIdentity: { enabled: true } });
        });

        it("uses managed Entra ID with Azure RBAC and the admin groups, and turns off local accounts by default", async () => {
            const name = unique("aad");
            await build(name, { adminGroupObjectIds: [adminGroup] });
            const inputs = managedCluster(name);
            assert.deepEqual(inputs.aadProfile, { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [adminGroup] });
            assert.equal(inputs.disableLocalAccounts, true);
        });

        it("keeps local accounts when asked, and passes the tenant id", async () => {
            const name = unique("local");
            await build(name, { disableLocalAccounts: false, tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" });
            const inputs = managedCluster(name);
            assert.equal(inputs.disableLocalAccounts, false);
            assert.equal(inputs.aadProfile.tenantID, "72f988bf-86f1-41af-91ab-2d7cd011db47");
        });

        it("gives the control plane its own user-assigned identity, as an array of ids (v3)", async () => {
            const name = unique("uami");
            const cluster = await build(name);
            assert.ok(cluster.controlPlaneIdentity);
            const uamiId = await promiseOf(cluster.controlPlaneIdentity.id);
            assert.match(uamiId, /\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\//);
            const identity = managedCluster(name).identity;
            assert.equal(identity.type, "UserAssigned");
            assert.ok(Array.isArray(identity.userAssignedIdentities), "an array in azure-native v3, not a map");
            assert.deepEqual(identity.userAssignedIdentities, [uamiId]);
            recorded("azure-native:managedidentity:UserAssignedIdentity", `${name}-control-plane`);
        });

        it("uses a system-assigned identity, and creates no UAMI, when asked", async () => {
            const name = unique("sysid");
            const cluster = await build(name, { controlPlaneIdentity: "SystemAssigned" });
            assert.equal(cluster.controlPlaneIdentity, undefined);
            assert.deepEqual(managedCluster(name).identity, { type: "SystemAssigned" });
            assert.deepEqual(mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").filter((r) => r.name.startsWith(name)), []);
        });

        it("has one small inline system pool by default, fixed size, no zones, no taint", async () => {
            const name = unique("pool");
            await build(name);
            const pools = managedCluster(name).agentPoolProfiles;
            assert.equal(pools.length, 1);
            const pool = pools[0];
            assert.equal(pool.name, "system");
            assert.equal(pool.mode, "System");
            assert.equal(pool.vmSize, "Standard_D4ds_v5");
            assert.equal(pool.count, 1);
            assert.equal(pool.enableAutoScaling, false);
            assert.equal(pool.minCount, undefined);
            assert.equal(pool.maxCount, undefined);
            assert.equal(pool.availabilityZones, undefined);
            assert.equal(pool.nodeTaints, undefined);
        });

        it("sizes the system pool as asked: fixed count, or autoscale min/max, with zones", async () => {
            const fixed = unique("fixed");
            await build(fixed, { systemPool: { vmSize: "Standard_D2ds_v5", count: 3, availabilityZones: ["1", "2", "3"] } });
            const fixedPool = managedCluster(fixed).agentPoolProfiles[0];
            assert.equal(fixedPool.vmSize, "Standard_D2ds_v5");
            assert.equal(fixedPool.count, 3);
            assert.equal(fixedPool.enableAutoScaling, false);
            assert.deepEqual(fixedPool.availabilityZones, ["1", "2", "3"]);

            const scaled = unique("scaled");
            await build(scaled, { systemPool: { vmSize: "Standard_D8ds_v5", minCount: 2, maxCount: 5, availabilityZones: ["2"] } });
            const scaledPool = managedCluster(scaled).agentPoolProfiles[0];
            assert.equal(scaledPool.mode, "System");
            assert.equal(scaledPool.enableAutoScaling, true);
            assert.equal(scaledPool.minCount, 2);
            assert.equal(scaledPool.maxCount, 5);
            assert.equal(scaledPool.count, 2);
            assert.deepEqual(scaledPool.availabilityZones, ["2"]);
        });

        it("defaults autoUpgradeProfile to patch and NodeImage, and takes other channels", async () => {
            const name = unique("upg");
            await build(name);
            assert.deepEqual(managedCluster(name).autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
            const other = unique("upg");
            await build(other, { autoUpgradeChannel: "stable", nodeOsUpgradeChannel: "SecurityPatch" });
            assert.deepEqual(managedCluster(other).autoUpgradeProfile, { upgradeChannel: "stable", nodeOSUpgradeChannel: "SecurityPatch" });
        });

        it("configures the Key Vault secrets provider add-on with string values, only when enabled", async () => {
            const on = unique("csi");
            await build(on, { keyVaultSecretsProvider: { enabled: true } });
            const addon = managedCluster(on).addonProfiles?.azureKeyvaultSecretsProvider;
            assert.deepEqual(addon, { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } });

            const tuned = unique("csi");
            await build(tuned, { keyVaultSecretsProvider: { enabled: true, enableSecretRotation: false, rotationPollInterval: "30s" } });
            const config = managedCluster(tuned).addonProfiles?.azureKeyvaultSecretsProvider.config ?? {};
            assert.deepEqual(config, { enableSecretRotation: "false", rotationPollInterval: "30s" });
            for (const value of Object.values(config)) assert.equal(typeof value, "string");

            const off = unique("csi");
            await build(off, { keyVaultSecretsProvider: { enabled: false } });
            assert.equal(managedCluster(off).addonProfiles, undefined);
        });

        it("defaults the SKU tier to Standard, and takes another", async () => {
            const name = unique("sku");
            await build(name);
            assert.deepEqual(managedCluster(name).sku, { name: "Base", tier: "Standard" });
            const free = unique("sku");
            await build(free, { skuTier: "Free" });
            assert.deepEqual(managedCluster(free).sku, { name: "Base", tier: "Free" });
        });

        it("derives a default dnsPrefix that AKS accepts (1-54 letters, digits and '-', no '-' at either end)", async () => {
            const aksRule = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$/;
            const base = unique("dns");
            const names = [
                `${base}_my.cluster`,
                // 53 characters, then '-': cutting at 54 would leave a trailing '-'.
                `${base}${"x".repeat(53 - base.length)}-tail`,
                `${base}${"y".repeat(80)}`,
            ];
            for (const name of names) {
                await build(name);
                const prefix = managedCluster(name).dnsPrefix;
                assert.match(prefix, aksRule, `${name} -> ${prefix}`);
            }
            assert.equal(managedCluster(names[0]).dnsPrefix, `${base}-my-cluster`);
            const explicit = unique("dns");
            await build(explicit, { dnsPrefix: "team-a" });
            assert.equal(managedCluster(explicit).dnsPrefix, "team-a");
        });
    });

    describe("user pools", () => {
        it("creates each as its own AgentPool, and taints the system pool CriticalAddonsOnly", async () => {
            const name = unique("users");
            const cluster = await build(name, {
                kubernetesVersion: "1.33",
                userPools: [
                    { name: "apps", vmSize: "Standard_D8ds_v5", minCount: 1, maxCount: 10, availabilityZones: ["1", "2"], nodeLabels: { tier: "apps" } },
                    { name: "batch", vmSize: "Standard_F16s_v2", count: 2, nodeTaints: ["dedicated=batch:NoSchedule"] },
                ],
            });
            const clusterName = await promiseOf(cluster.clusterName);
            const inputs = managedCluster(name);
            assert.equal(inputs.agentPoolProfiles.length, 1, "user pools are not inline");
            assert.deepEqual(inputs.agentPoolProfiles[0].nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);

            assert.equal(cluster.userPools.length, 2);
            const apps = recorded("azure-native:containerservice:AgentPool", `${name}-apps`).inputs as unknown as PoolInputs & { orchestratorVersion: string; resourceGroupName: string };
            assert.equal(apps.agentPoolName, "apps");
            assert.equal(apps.mode, "User");
            assert.equal(apps.resourceName, clusterName);
            assert.equal(apps.resourceGroupName, "rg");
            assert.equal(apps.orchestratorVersion, "1.33");
            assert.equal(apps.vmSize, "Standard_D8ds_v5");
            assert.equal(apps.enableAutoScaling, true);
            assert.equal(apps.minCount, 1);
            assert.equal(apps.maxCount, 10);
            assert.deepEqual(apps.availabilityZones, ["1", "2"]);
            assert.deepEqual(apps.nodeLabels, { tier: "apps" });

            const batch = recorded("azure-native:containerservice:AgentPool", `${name}-batch`).inputs as unknown as PoolInputs;
            assert.equal(batch.mode, "User");
            assert.equal(batch.count, 2);
            assert.equal(batch.enableAutoScaling, false);
            assert.deepEqual(batch.nodeTaints, ["dedicated=batch:NoSchedule"]);
        });

        it("leaves the system pool untainted without user pools", async () => {
            const name = unique("nouser");
            const cluster = await build(name, { userPools: [] });
            assert.deepEqual(cluster.userPools, []);
            assert.equal(managedCluster(name).agentPoolProfiles[0].nodeTaints, undefined);
            assert.deepEqual(mocks.ofType("azure-native:containerservice:AgentPool").filter((r) => r.name.startsWith(`${name}-`)), []);
        });
    });

    describe("updates after the first up", () => {
        it("ignores the node count of an autoscaled inline pool, and only then (the autoscaler owns it)", async () => {
            const scaled = unique("ascale");
            await build(scaled, { systemPool: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 6 } });
            assert.deepEqual(recorded("azure-native:containerservice:ManagedCluster", `${scaled}-aks`).ignoreChanges, ["agentPoolProfiles[0].count"]);
            const fixed = unique("afixed");
            await build(fixed, { systemPool: { vmSize: "Standard_D4ds_v5", count: 3 } });
            assert.deepEqual(recorded("azure-native:containerservice:ManagedCluster", `${fixed}-aks`).ignoreChanges, []);
        });

        it("ignores the count of an autoscaled AgentPool, and only then", async () => {
            const name = unique("apools");
            await build(name, { userPools: [
                { name: "apps", vmSize: "Standard_D8ds_v5", minCount: 1, maxCount: 10 },
                { name: "batch", vmSize: "Standard_F16s_v2", count: 2 },
            ] });
            assert.deepEqual(recorded("azure-native:containerservice:AgentPool", `${name}-apps`).ignoreChanges, ["count"]);
            assert.deepEqual(recorded("azure-native:containerservice:AgentPool", `${name}-batch`).ignoreChanges, []);
        });

        it("gives every pool the same orchestratorVersion: all the cluster's version, or all unset", async () => {
            for (const kubernetesVersion of ["1.33", undefined]) {
                const name = unique("orch");
                await build(name, { kubernetesVersion, userPools: [{ name: "apps", vmSize: "Standard_D4ds_v5" }, { name: "batch", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 2 }] });
                const versions = [
                    managedCluster(name).agentPoolProfiles[0],
                    ...mocks.ofType("azure-native:containerservice:AgentPool").filter((r) => r.name.startsWith(`${name}-`)).map((r) => r.inputs),
                ].map((pool) => (pool as { orchestratorVersion?: string }).orchestratorVersion);
                assert.equal(versions.length, 3);
                assert.deepEqual(versions, [kubernetesVersion, kubernetesVersion, kubernetesVersion]);
            }
        });
    });

    describe("the deployer's access to the new cluster", () => {
        const clusterAdmin = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

        it("grants whoever deploys Azure Kubernetes Service RBAC Cluster Admin on the cluster, with the type its token shows", async () => {
            for (const deployerType of ["User", "ServicePrincipal"] as const) {
                mocks = await useMocks({ deployerType });
                const name = unique("grantee");
                const cluster = await build(name);
                const clusterId = await promiseOf(cluster.clusterId);
                const grants = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${name}-deployer-`));
                assert.equal(grants.length, 1);
                const ra = grants[0];
                assert.equal(ra.urn, await urnOf(cluster.deployerRoleAssignment!));
                assert.equal(ra.inputs.scope, clusterId);
                assert.equal(ra.inputs.principalId, fakeAzure.deployerObjectId);
                assert.equal(ra.inputs.principalType, deployerType, "read from the token, not from a profile");
                assert.equal(ra.inputs.roleDefinitionId, `/subscriptions/${fakeAzure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${clusterAdmin}`);
                assert.match(ra.urn, /::wid:cluster:AksCluster\$azure-native:authorization:RoleAssignment::/);
            }
        });

        it("makes the Kubernetes provider wait for the grant plus a bounded propagation wait (300 s by default)", async () => {
            const name = unique("waits");
            const cluster = await build(name);
            const grant = recorded("azure-native:authorization:RoleAssignment", mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name.startsWith(`${name}-deployer-`))!.name);
            const wait = recorded("time:index/sleep:Sleep", `${name}-deployer-access`);
            const provider = recorded("pulumi:providers:kubernetes", `${name}-k8s`);
            assert.equal(wait.inputs.createDuration, "300s");
            assert.deepEqual(wait.inputs.triggers, { roleAssignmentId: grant.id }, "a new grant (another deployer) replaces the Sleep, so it waits again");
            assert.ok(wait.dependencies.includes(grant.urn));
            assert.ok(provider.dependencies.includes(wait.urn), "every Kubernetes object uses this provider, so all of them wait");
            assert.equal(await urnOf(cluster.deployerAccessWait!), wait.urn);
        });

        it("grants at a resource group scope when given one, so the grant and its wait do not wait for the cluster", async () => {
            const name = unique("rgscope");
            const rgId = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg";
            await build(name, { deployerAccessScope: rgId });
            const grant = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.name.startsWith(`${name}-deployer-`))!;
            const clusterUrn = recorded("azure-native:containerservice:ManagedCluster", `${name}-aks`).urn;
            assert.equal(grant.inputs.scope, rgId);
            assert.ok(!grant.dependencies.includes(clusterUrn), "the grant does not wait for the cluster");
            const wait = recorded("time:index/sleep:Sleep", `${name}-deployer-access`);
            assert.ok(!wait.dependencies.includes(clusterUrn));
            // The provider still needs both: the cluster (its kubeconfig) and the propagated grant.
            const provider = recorded("pulumi:providers:kubernetes", `${name}-k8s`);
            assert.ok(provider.dependencies.includes(wait.urn) && provider.dependencies.includes(clusterUrn));
        });

        it("takes another wait, or none (the provider then waits for the grant itself)", async () => {
            const short = unique("short");
            await build(short, { deployerAccessWaitSeconds: 120 });
            assert.equal(recorded("time:index/sleep:Sleep", `${short}-deployer-access`).inputs.createDuration, "120s");
            const none = unique("nowait");
            const cluster = await build(none, { deployerAccessWaitSeconds: 0 });
            assert.equal(cluster.deployerAccessWait, undefined);
            assert.deepEqual(mocks.ofType("time:index/sleep:Sleep").filter((r) => r.name.startsWith(`${none}-`)), []);
            assert.ok(recorded("pulumi:providers:kubernetes", `${none}-k8s`).dependencies.includes(await urnOf(cluster.deployerRoleAssignment!)));
        });

        it("grants nothing when told not to, and the provider then waits for nothing", async () => {
            const name = unique("nogrant");
            const cluster = await build(name, { grantDeployerClusterAdmin: false });
            assert.equal(cluster.deployerRoleAssignment, undefined);
            assert.deepEqual(mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith(`${name}-`)), []);
            // Only the cluster, through the kubeconfig it reads.
            assert.deepEqual(recorded("pulumi:providers:kubernetes", `${name}-k8s`).dependencies, [recorded("azure-native:containerservice:ManagedCluster", `${name}-aks`).urn]);
        });
    });

    describe("issuer URL", () => {
        it("is the cluster's oidcIssuerProfile.issuerURL verbatim, trailing slash included", async () => {
            const name = unique("iss");
            const cluster = await build(name);
            const issuer = await promiseOf(cluster.issuerUrl);
            const state = recorded("azure-native:containerservice:ManagedCluster", `${name}-aks`).state as { oidcIssuerProfile: { issuerURL: string } };
            assert.equal(issuer, state.oidcIssuerProfile.issuerURL);
            assert.ok(issuer.startsWith("https://"));
            assert.ok(issuer.endsWith("/"));
        });

        it("fails clearly when the cluster reports no issuer URL, and only with that error", async () => {
            mocks = await useMocks({ clusterWithoutIssuer: true });
            const name = unique("noiss");
            let failure: Error | undefined;
            const unhandled = await unhandledRejectionsDuring(async () => {
                const cluster = new AksCluster(name, { resourceGroupName: "rg" });
                failure = await failureOf(cluster.issuerUrl);
                await settle(mocks);
            });
            assert.ok(failure instanceof pulumi.RunError, `${failure}`);
            assert.equal(componentMessage(failure),
                `cluster ${name}-aks reports no oidcIssuerProfile.issuerURL although the OIDC issuer is enabled; federated credentials cannot be created without it`);
            assert.ok(unhandled.length > 0, "the error reaches Pulumi's program-failure path");
            assert.ok(unhandled.every((reason) => reason === failure), `only the component's error: ${unhandled.join("; ")}`);
        });

        it("the failure check tells a resolving output from a failing one", async () => {
            await assert.rejects(failureOf(pulumi.output("fine")), /expected the output to fail, but it resolved to "fine"/);
        });

        it("requireIssuerUrl returns the URL verbatim and refuses a missing one", () => {
            assert.equal(requireIssuerUrl("rg/c", { issuerURL: existingIssuer }), existingIssuer);
            assert.throws(() => requireIssuerUrl("rg/c", {}), /cluster rg\/c reports no oidcIssuerProfile\.issuerURL/);
            assert.throws(() => requireIssuerUrl("rg/c", undefined), /cluster rg\/c reports no oidcIssuerProfile\.issuerURL/);
            assert.throws(() => requireIssuerUrl("rg/c", { issuerURL: "" }), /reports no oidcIssuerProfile\.issuerURL/);
        });
    });

    describe("kubeconfig", () => {
        interface ExecUser { user: { exec: { command: string; args: string[] } } }

        it("comes from the user credentials in exec format, never the admin credentials", async () => {
            const name = unique("kc");
            const cluster = await build(name);
            const clusterName = await promiseOf(cluster.clusterName);
            const calls = mocks.calls.filter((c) => (c.inputs as { resourceName?: string }).resourceName === clusterName);
            assert.deepEqual(calls.map((c) => c.token), ["azure-native:containerservice:listManagedClusterUserCredentials"]);
            assert.deepEqual(calls[0].inputs, { resourceGroupName: "rg", resourceName: clusterName, format: "exec" });
            assert.deepEqual(mocks.calls.filter((c) => /Admin/i.test(c.token)), []);
        });

        it("is a secret", async () => {
            const name = unique("kcsecret");
            const cluster = await build(name);
            assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
            assert.equal(await pulumi.isSecret(cluster.clusterName), false, "the check discriminates");
        });

        it("signs in with --login azurecli by default, and with the configured method otherwise", async () => {
            const byDefault = await build(unique("kcdef"));
            const users = (parse(await promiseOf(byDefault.kubeconfig)) as { users: ExecUser[] }).users;
            const args = users[0].user.exec.args;
            assert.deepEqual(args.slice(args.indexOf("--login"), args.indexOf("--login") + 2), ["--login", "azurecli"]);
            assert.ok(!args.includes("devicecode"), "the device-code login AKS returns is replaced");

            const msi = await build(unique("kcmsi"), { login: { method: "msi", clientId: "11111111-2222-3333-4444-555555555555" } });
            const msiArgs = (parse(await promiseOf(msi.kubeconfig)) as { users: ExecUser[] }).users[0].user.exec.args;
            assert.deepEqual(msiArgs, ["get-token", "--login", "msi", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--client-id", "11111111-2222-3333-4444-555555555555"]);

            const wi = await build(unique("kcwi"), { login: { method: "workloadidentity" } });
            const wiArgs = (parse(await promiseOf(wi.kubeconfig)) as { users: ExecUser[] }).users[0].user.exec.args;
            assert.deepEqual(wiArgs.slice(0, 3), ["get-token", "--login", "workloadidentity"]);
        });

        it("feeds a Kubernetes provider parented to the component", async () => {
            const name = unique("kcprov");
            const cluster = await build(name);
            assert.ok(cluster.provider instanceof k8s.Provider);
            const provider = recorded("pulumi:providers:kubernetes", `${name}-k8s`);
            assert.match(provider.urn, /::wid:cluster:AksCluster\$pulumi:providers:kubernetes::/);
        });
    });

    describe("bring-your-own cluster", () => {
        it("exposes the existing cluster's issuer verbatim and creates no cluster", async () => {
            mocks = await useMocks({ existingClusters: { "rg-shared/aks-shared": { oidcIssuer: true, workloadIdentity: true, issuerUrl: existingIssuer } } });
            const name = unique("byo");
            const cluster = new AksCluster(name, { existing: { resourceGroupName: "rg-shared", name: "aks-shared" } });
            assert.equal(await promiseOf(cluster.issuerUrl), existingIssuer);
            assert.equal(await promiseOf(cluster.clusterName), "aks-shared");
            assert.equal(await promiseOf(cluster.resourceGroupName), "rg-shared");
            assert.match(await promiseOf(cluster.clusterId), /\/resourceGroups\/rg-shared\/providers\/Microsoft\.ContainerService\/managedClusters\/aks-shared$/);
            await promiseOf(cluster.kubeconfig);
            await settle(mocks);
            assert.equal(cluster.managedCluster, undefined);
            assert.equal(cluster.controlPlaneIdentity, undefined);
            assert.deepEqual(cluster.userPools, []);
            const created = mocks.resources.filter((r) => r.name.startsWith(name)).map((r) => r.type).sort();
            assert.deepEqual(created, ["pulumi:providers:kubernetes", "wid:cluster:AksCluster"]);
            const lookups = mocks.calls.filter((c) => c.token === "azure-native:containerservice:getManagedCluster");
            assert.deepEqual(lookups.map((c) => c.inputs), [{ resourceGroupName: "rg-shared", resourceName: "aks-shared" }]);
            const credentials = mocks.calls.filter((c) => c.token === "azure-native:containerservice:listManagedClusterUserCredentials");
            assert.deepEqual(credentials.map((c) => c.inputs), [{ resourceGroupName: "rg-shared", resourceName: "aks-shared", format: "exec" }]);
        });

        const refused: Array<[string, { oidcIssuer: boolean; workloadIdentity: boolean }, string]> = [
            ["the OIDC issuer off", { oidcIssuer: false, workloadIdentity: true }, "does not have the OIDC issuer enabled"],
            ["workload identity off", { oidcIssuer: true, workloadIdentity: false }, "does not have workload identity enabled"],
            ["both off", { oidcIssuer: false, workloadIdentity: false }, "does not have the OIDC issuer or workload identity enabled"],
        ];
        for (const [what, state, phrase] of refused) {
            it(`refuses a cluster with ${what}, with the az aks update hint`, async () => {
                mocks = await useMocks({ existingClusters: { "rg-old/aks-old": state } });
                const name = unique("byooff");
                let failure: Error | undefined;
                const unhandled = await unhandledRejectionsDuring(async () => {
                    const cluster = new AksCluster(name, { existing: { resourceGroupName: "rg-old", name: "aks-old" } });
                    failure = await failureOf(cluster.issuerUrl);
                    await settle(mocks);
                });
                assert.ok(failure);
                assert.ok(failure instanceof pulumi.RunError, `${failure}`);
                assert.ok(componentMessage(failure).startsWith(`existing cluster rg-old/aks-old ${phrase}, so its pods cannot get Entra tokens.`), failure.message);
                assert.ok(componentMessage(failure).endsWith("az aks update --resource-group rg-old --name aks-old --enable-oidc-issuer --enable-workload-identity"), failure.message);
                assert.ok(unhandled.length > 0, "the error reaches Pulumi's program-failure path");
                assert.ok(unhandled.every((reason) => reason === failure), `only the component's error: ${unhandled.join("; ")}`);
                assert.deepEqual(mocks.ofType("azure-native:containerservice:ManagedCluster").filter((r) => r.name.startsWith(name)), []);
            });
        }

        it("requireWorkloadIdentity accepts a ready cluster and refuses one that is not", () => {
            const existing = { resourceGroupName: "rg", name: "c" };
            const ready = { oidcIssuerProfile: { enabled: true, issuerURL: existingIssuer }, securityProfile: { workloadIdentity: { enabled: true } } };
            assert.equal(requireWorkloadIdentity(existing, ready), existingIssuer);

            const hint = "az aks update --resource-group rg --name c --enable-oidc-issuer --enable-workload-identity";
            assert.equal(enableWorkloadIdentityHint(existing), hint);
            const noOidc = errorOf(() => requireWorkloadIdentity(existing, { ...ready, oidcIssuerProfile: { enabled: false, issuerURL: existingIssuer } }));
            assert.match(noOidc.message, /does not have the OIDC issuer enabled/);
            assert.ok(noOidc.message.includes(hint));
            const noWi = errorOf(() => requireWorkloadIdentity(existing, { ...ready, securityProfile: { workloadIdentity: { enabled: false } } }));
            assert.match(noWi.message, /does not have workload identity enabled/);
            assert.ok(noWi.message.includes(hint));
            const noSecurityProfile = errorOf(() => requireWorkloadIdentity(existing, { oidcIssuerProfile: ready.oidcIssuerProfile }));
            assert.match(noSecurityProfile.message, /does not have workload identity enabled/);
            const noUrl = errorOf(() => requireWorkloadIdentity(existing, { ...ready, oidcIssuerProfile: { enabled: true, issuerURL: "" } }));
            assert.match(noUrl.message, /cluster rg\/c reports no oidcIssuerProfile\.issuerURL/);
        });
    });

    it("parents every child to the component", async () => {
        const name = unique("parent");
        const cluster = await build(name, { userPools: [{ name: "apps", vmSize: "Standard_D4ds_v5" }] });
        const children: pulumi.Resource[] = [
            cluster.managedCluster!, cluster.controlPlaneIdentity!, cluster.provider, ...cluster.userPools, cluster.deployerRoleAssignment!, cluster.deployerAccessWait!,
        ];
        assert.equal(children.length, 6);
        for (const child of children) {
            assert.ok(child, "every child exists");
            assert.match(await urnOf(child), /::wid:cluster:AksCluster\$/);
        }
        const mine = mocks.resources.filter((r) => r.name.startsWith(`${name}-`));
        assert.equal(mine.length, 6);
        for (const r of mine) assert.ok(r.urn.includes("wid:cluster:AksCluster$"), r.urn);
        // The check tells a child from a top-level resource.
        const orphan = new k8s.Provider(unique("orphan"), { kubeconfig: "x" });
        assert.doesNotMatch(await urnOf(orphan), /::wid:cluster:AksCluster\$/);
    });

    describe("validation, before any resource registers", () => {
        const cases: Array<[string, Partial<AksClusterArgs>, string]> = [
            ["no resource group", { resourceGroupName: undefined }, "resourceGroupName is required unless existing names a cluster to use"],
            ["an existing cluster without a resource group", { existing: { resourceGroupName: "", name: "c" } }, "existing.resourceGroupName is required in bring-your-own-cluster mode"],
            ["an existing cluster without a name", { existing: { resourceGroupName: "rg", name: "" } }, "existing.name is required in bring-your-own-cluster mode"],
            ["a dnsPrefix ending with '-'", { dnsPrefix: "team-" }, `dnsPrefix "team-" must be 1-54 letters, digits and '-', starting and ending with a letter or digit`],
            ["a dnsPrefix of 55 characters", { dnsPrefix: "d".repeat(55) }, `dnsPrefix "${"d".repeat(55)}" must be 1-54 letters, digits and '-', starting and ending with a letter or digit`],
            ["a system pool without a VM size", { systemPool: { vmSize: " " } }, `systemPool.vmSize is required: an Azure VM size such as "Standard_D4ds_v5"`],
            ["a count of 0", { systemPool: { vmSize: "Standard_D4ds_v5", count: 0 } }, "systemPool.count 0 must be a whole number from 1 to 1000"],
            ["a count of 1001", { systemPool: { vmSize: "Standard_D4ds_v5", count: 1001 } }, "systemPool.count 1001 must be a whole number from 1 to 1000"],
            ["a fractional count", { systemPool: { vmSize: "Standard_D4ds_v5", count: 1.5 } }, "systemPool.count 1.5 must be a whole number from 1 to 1000"],
            ["minCount without maxCount", { systemPool: { vmSize: "Standard_D4ds_v5", minCount: 1 } }, "systemPool.minCount and systemPool.maxCount must both be set, as whole numbers, to turn on the autoscaler"],
            ["minCount above maxCount", { systemPool: { vmSize: "Standard_D4ds_v5", minCount: 5, maxCount: 2 } }, "systemPool.minCount (5) and systemPool.maxCount (2) must satisfy 1 <= minCount <= maxCount <= 1000, maxCount at least 1"],
            ["minCount 0", { systemPool: { vmSize: "Standard_D4ds_v5", minCount: 0, maxCount: 2 } }, "systemPool.minCount (0) and systemPool.maxCount (2) must satisfy 1 <= minCount <= maxCount <= 1000, maxCount at least 1"],
            ["maxCount 1001", { systemPool: { vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 1001 } }, "systemPool.minCount (1) and systemPool.maxCount (1001) must satisfy 1 <= minCount <= maxCount <= 1000, maxCount at least 1"],
            ["zone 4", { systemPool: { vmSize: "Standard_D4ds_v5", availabilityZones: ["1", "4"] } }, `systemPool.availabilityZones[1] "4" must be "1", "2" or "3"`],
            ["a user pool name with uppercase", { userPools: [{ name: "Apps", vmSize: "Standard_D4ds_v5" }] }, `userPools[0].name "Apps" is not an AKS pool name: use 1-12 lowercase letters and digits, starting with a letter`],
            ["a user pool name of 13 characters", { userPools: [{ name: "a".repeat(13), vmSize: "Standard_D4ds_v5" }] }, `userPools[0].name "${"a".repeat(13)}" is not an AKS pool name: use 1-12 lowercase letters and digits, starting with a letter`],
            ["a user pool named system", { userPools: [{ name: "system", vmSize: "Standard_D4ds_v5" }] }, `userPools[0].name "system" is used twice (the inline pool is "system")`],
            ["two user pools with one name", { userPools: [{ name: "apps", vmSize: "Standard_D4ds_v5" }, { name: "apps", vmSize: "Standard_D4ds_v5" }] }, `userPools[1].name "apps" is used twice (the inline pool is "system")`],
            ["a user pool without a VM size", { userPools: [{ name: "apps", vmSize: "" }] }, `userPools[0].vmSize is required: an Azure VM size such as "Standard_D4ds_v5"`],
            ["an admin group that is not a GUID", { adminGroupObjectIds: ["platform-admins"] }, `adminGroupObjectIds[0] "platform-admins" must be an Entra group object id (a GUID)`],
            ["an authorized range that is not a CIDR", { apiServerAuthorizedIpRanges: ["203.0.113.0/24", "203.0.113.7"] }, `apiServerAuthorizedIpRanges[1] "203.0.113.7" is not an IPv4 CIDR: use an address and a prefix of 0-32, such as 203.0.113.0/24`],
            ["a rotation interval that is not a duration", { keyVaultSecretsProvider: { enabled: true, rotationPollInterval: "2 minutes" } }, `keyVaultSecretsProvider.rotationPollInterval "2 minutes" must be a duration such as "2m", "30s" or "1h"`],
            ["an unknown login method", { login: { method: "devicecode" as unknown as "azurecli" } }, `login.method "devicecode" must be one of azurecli, workloadidentity, spn, msi`],
            ["spn login without a client id", { login: { method: "spn" } }, `login.clientId is required with login.method "spn": the service principal's application id`],
            ["a negative deployer access wait", { deployerAccessWaitSeconds: -1 }, "deployerAccessWaitSeconds -1 must be a whole number from 0 to 1800"],
            ["a deployer access wait over 30 minutes", { deployerAccessWaitSeconds: 1801 }, "deployerAccessWaitSeconds 1801 must be a whole number from 0 to 1800"],
            ["a fractional deployer access wait", { deployerAccessWaitSeconds: 1.5 }, "deployerAccessWaitSeconds 1.5 must be a whole number from 0 to 1800"],
            ["a login client id that is not a GUID", { login: { method: "spn", clientId: "ci-app" } }, `login.clientId "ci-app" must be an application (client) id, a GUID`],
            ["51 tags", { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"])) }, "tags has 51 tags: Azure allows at most 50 per resource"],
            ["an unknown SKU tier", { skuTier: "Gold" as unknown as "Free" }, `skuTier "Gold" is not allowed: use one of "Free", "Standard", "Premium"`],
            ["an octet of 300 in an authorized range", { apiServerAuthorizedIpRanges: ["203.0.300.0/24"] }, `apiServerAuthorizedIpRanges[0] "203.0.300.0/24" is not an IPv4 CIDR: use an address and a prefix of 0-32, such as 203.0.113.0/24`],
            ["a user pool with a negative count", { userPools: [{ name: "apps", vmSize: "Standard_D4ds_v5", count: -1 }] }, "userPools[0].count -1 must be a whole number from 0 to 1000"],
        ];
        for (const [what, overrides, message] of cases) {
            it(`refuses ${what}`, async () => {
                const name = unique("invalid");
                const args: AksClusterArgs = { resourceGroupName: "rg", ...overrides };
                assert.deepEqual(aksClusterArgsProblems(args), [message]);
                const err = errorOf(() => new AksCluster(name, args));
                assert.ok(err instanceof ArgsError, `expected ArgsError, got ${err}`);
                assert.deepEqual(err.problems, [message]);
                assert.equal(err.message, `AksCluster "${name}": 1 problem, nothing was created:\n  - ${message}`);
                await settle(mocks);
                assert.deepEqual(mocks.resources.filter((r) => r.name.startsWith(name)), [], "nothing may register");
                assert.deepEqual(mocks.calls, [], "nothing may be looked up");
            });
        }

        it("reports every problem at once", () => {
            const err = errorOf(() => new AksCluster(unique("many"), {
                resourceGroupName: "rg",
                dnsPrefix: "-x",
                adminGroupObjectIds: ["nope"],
                login: { method: "spn" },
            })) as ArgsError;
            assert.equal(err.problems.length, 3);
            assert.match(err.message, /3 problems, nothing was created/);
        });

        it("accepts the boundaries", () => {
            assert.deepEqual(aksClusterArgsProblems({
                resourceGroupName: "rg",
                dnsPrefix: "d".repeat(54),
                systemPool: { vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 1000, availabilityZones: ["1", "2", "3"] },
                userPools: [{ name: "a".repeat(12), vmSize: "Standard_D4ds_v5", count: 1000 }, { name: "b", vmSize: "Standard_D4ds_v5", count: 1 }],
                adminGroupObjectIds: [adminGroup],
                apiServerAuthorizedIpRanges: ["203.0.113.7/32"],
                keyVaultSecretsProvider: { enabled: true, rotationPollInterval: "1h" },
                login: { method: "spn", clientId: "11111111-2222-3333-4444-555555555555" },
            }), []);
            assert.deepEqual(aksClusterArgsProblems({ existing: { resourceGroupName: "rg", name: "c" } }), []);
        });

        it("accepts a user pool of 0 nodes, fixed or autoscaling from 0, as AKS does (a system pool still needs 1)", () => {
            assert.deepEqual(aksClusterArgsProblems({
                resourceGroupName: "rg",
                userPools: [{ name: "batch", vmSize: "Standard_D4ds_v5", count: 0 }, { name: "gpu", vmSize: "Standard_NC6s_v3", minCount: 0, maxCount: 3 }],
            }), []);
            assert.deepEqual(aksClusterArgsProblems({ resourceGroupName: "rg", systemPool: { vmSize: "Standard_D4ds_v5", count: 0 } }), ["systemPool.count 0 must be a whole number from 1 to 1000"]);
        });
    });
});
