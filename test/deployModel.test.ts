import { strict as assert } from "assert";
import { deployModel, goDurationSeconds, latencies } from "../bench/deploy";
import type { Plan, PlanResource } from "../plan/model";

/** A resource of a hand-made plan: `urn:<name>`, waiting for `dependsOn`. */
function res(type: string, name: string, dependsOn: string[] = [], extra: Partial<PlanResource> = {}): PlanResource {
    return {
        urn: `urn:${name}`, type, name, parent: null, custom: true, protect: false, deleteBeforeReplace: false,
        dependsOn: dependsOn.map((d) => `urn:${d}`), properties: {}, inputs: {}, ...extra,
    };
}

function planOf(resources: PlanResource[]): Plan {
    return {
        version: 1, project: "p", stack: "s", values: "unknown", resources, trustChains: [], unlinkedProblems: [], outputs: {},
        summary: { resources: resources.length, components: 0, byType: {}, trustChains: { ok: 0, broken: 0 } },
    };
}

const t = (type: string): number => latencies[type].typical;
const cluster = "azure-native:containerservice:ManagedCluster";
const uami = "azure-native:managedidentity:UserAssignedIdentity";
const fic = "azure-native:managedidentity:FederatedIdentityCredential";
const role = "azure-native:authorization:RoleAssignment";
const job = "kubernetes:batch/v1:Job";
const jobEnv = { spec: { template: { spec: { containers: [{ env: [{ name: "VERIFY_INITIAL_BACKOFF_SECONDS", value: "5" }, { name: "VERIFY_MAX_BACKOFF_SECONDS", value: "60" }] }] } } } };

describe("deploy model (bench/deploy.ts)", () => {
    it("follows the longest chain of dependencies, in parallel elsewhere; Kubernetes objects wait for the provider", () => {
        const plan = planOf([
            res(uami, "id"),
            res(cluster, "aks"),
            res("pulumi:providers:kubernetes", "k8s", ["aks"]),
            res("kubernetes:core/v1:Namespace", "ns"),
            res(fic, "fic-1", ["id", "aks"]),
            res(fic, "fic-2", ["id", "fic-1"]),
        ]);
        const model = deployModel(plan, "typical");
        assert.equal(model.clusterDone, t(cluster));
        assert.equal(model.total, t(cluster) + 2 * t(fic));
        assert.deepEqual(model.path.map((s) => s.urn), ["urn:aks", "urn:fic-1", "urn:fic-2"]);
        // Without the credentials, the Namespace (no dependency of its own) ends last: it waits for the provider.
        const k8sOnly = deployModel(planOf(plan.resources.filter((r) => r.type !== fic)), "typical");
        assert.deepEqual(k8sOnly.path.map((s) => s.urn), ["urn:aks", "urn:k8s", "urn:ns"]);
    });

    it("ends the verification Job only after its own credential and role have propagated, at the next retry", () => {
        // The role is created at once, but propagates slowly: the Job's pod starts early and retries.
        const plan = planOf([
            res(uami, "id"),
            res(role, "grant", ["id"]),
            res(fic, "fic", ["id"]),
            res(job, "verify", ["fic", "grant"], { inputs: jobEnv }),
        ]);
        const model = deployModel(plan, "typical");
        const propagated = t(uami) + t(role) + latencies[role].propagation!.typical;
        const podStart = t(uami) + t(role) + t(job);
        // Attempts at podStart, then every 5 s + backoff (5, 10, 20, 40, 60, 60, ...) until past `propagated`.
        let attempt = podStart;
        let delay = 5;
        while (attempt < propagated) {
            attempt += 5 + delay;
            delay = Math.min(delay * 2, 60);
        }
        assert.equal(model.total, attempt + 5);
        assert.ok(model.total > propagated, "not before the role has propagated");
        assert.deepEqual(model.path.map((s) => s.urn), ["urn:id", "urn:grant", "urn:verify"]);
        assert.equal(model.path[1].note, "incl. propagation");
    });

    it("does not charge a component, and makes a child wait for a real parent", () => {
        const plan = planOf([
            res("wid:identity:WorkloadIdentity", "comp", [], { custom: false }),
            res(uami, "id", [], { parent: "urn:comp" }),
            res(fic, "fic", [], { parent: "urn:id" }),
        ]);
        assert.equal(deployModel(plan, "slow").total, latencies[uami].slow + latencies[fic].slow);
    });
    it("charges a Sleep exactly its createDuration, so a grant's wait after the cluster lengthens the path and one beside it does not", () => {
        assert.equal(goDurationSeconds("300s"), 300);
        assert.equal(goDurationSeconds("1h2m3s"), 3723);
        assert.throws(() => goDurationSeconds("5 minutes"), /not a duration/);
        const sleep = (): PlanResource => res("time:index/sleep:Sleep", "wait", ["grant"], { inputs: { createDuration: "300s" } });
        const afterCluster = planOf([
            res(cluster, "aks"),
            res(role, "grant", ["aks"]),
            sleep(),
            res("pulumi:providers:kubernetes", "k8s", ["aks", "wait"]),
            res("kubernetes:core/v1:Namespace", "ns"),
        ]);
        const serial = deployModel(afterCluster, "typical");
        assert.equal(serial.total, t(cluster) + t(role) + 300 + t("pulumi:providers:kubernetes") + 1);
        assert.deepEqual(serial.path.map((s) => s.urn), ["urn:aks", "urn:grant", "urn:wait", "urn:k8s", "urn:ns"]);
        // The same grant on the resource group: it and its wait run while the cluster is created.
        const beside = deployModel(planOf(afterCluster.resources.map((r) => r.name === "grant" ? { ...r, dependsOn: [] } : r)), "typical");
        assert.equal(beside.total, t(cluster) + t("pulumi:providers:kubernetes") + 1);
        assert.deepEqual(beside.path.map((s) => s.urn), ["urn:aks", "urn:k8s", "urn:ns"]);
    });
});
