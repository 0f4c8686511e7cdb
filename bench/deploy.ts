/**
 * The deploy-time model: the critical path of a first `pulumi up` of a stack, from the plan's dependency
 * graph and published latencies per resource type.
 *
 * `pulumi up` starts a resource as soon as everything it waits for is done: its dependencies (explicit
 * `dependsOn` and the resources its inputs come from), its parent when the parent is a real resource
 * (components create nothing and cost nothing), and, for a Kubernetes object, the Kubernetes provider
 * (which waits for the cluster's kubeconfig). Independent resources run in parallel (Pulumi's default
 * parallelism is unbounded). Azure accepts some writes before they take effect: a federated credential and
 * a role assignment are usable only after they propagate, so the verification Job, which proves access,
 * finishes only after its own credentials and roles have propagated, then runs.
 */
import type { Plan, PlanResource } from "../plan/model";
import { types } from "../plan/kinds";

/** How long a resource takes, in seconds, and where the figure comes from. */
export interface Latency {
    /** Create time in the typical case. */
    readonly typical: number;
    /** Create time in a slow but normal case. */
    readonly slow: number;
    /** For credentials and role assignments: time after creation until Entra ID / the data plane honours them. */
    readonly propagation?: { readonly typical: number; readonly slow: number };
    /** The published source (or "assumed" with the reason). */
    readonly source: string;
}

/** Published latencies, by type token. A type not listed takes {@link defaultLatency}. */
export const latencies: Readonly<Record<string, Latency>> = {
    [types.cluster]: {
        typical: 6 * 60, slow: 10 * 60,
        source: "AKS cluster create: 'after a few minutes, the command completes' (learn.microsoft.com/azure/aks/learn/quick-kubernetes-deploy-cli); 5-10 min observed and stated in issue 12; 13 min in a 2018 measurement (gist.github.com/sacreman/9054e4e9def7df545437b62b500d55e9)",
    },
    [types.agentPool]: {
        typical: 4 * 60, slow: 8 * 60,
        source: "AKS node pool add: VM scale set provisioning, minutes (learn.microsoft.com/azure/aks/manage-node-pools); assumed below a cluster create",
    },
    [types.identity]: {
        typical: 5, slow: 15,
        source: "UAMI create: an ARM PUT that completes synchronously in seconds (learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-manage-user-assigned-managed-identities)",
    },
    [types.fic]: {
        typical: 5, slow: 15, propagation: { typical: 10, slow: 60 },
        source: "FIC create: seconds, one at a time per identity (409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity otherwise); propagation 'a few seconds' (azure.github.io/azure-workload-identity/docs/faq.html 'Is there a propagation delay after creating a federated identity credential?'; Azure/azure-workload-identity#576)",
    },
    [types.roleAssignment]: {
        typical: 5, slow: 15, propagation: { typical: 3 * 60, slow: 10 * 60 },
        source: "role assignment PUT ~5 s; data-plane propagation 'a few minutes' (Azure-Samples/claude#39), Key Vault RBAC 'up to 10 minutes' (Azure/devops-governance#22); ARM caching up to 30 min for control-plane changes (learn.microsoft.com/answers/questions/524792)",
    },
    [types.vault]: {
        typical: 20, slow: 60,
        source: "Key Vault create: tens of seconds (learn.microsoft.com/azure/key-vault/general/quick-create-cli); assumed",
    },
    [types.secret]: {
        typical: 3, slow: 10,
        source: "Key Vault secret PUT through ARM: seconds; assumed",
    },
    [types.resourceGroup]: {
        typical: 2, slow: 5,
        source: "resource group create: a synchronous ARM PUT, seconds; assumed",
    },
    [types.k8sProvider]: {
        typical: 1, slow: 2,
        source: "provider configuration, local: no cloud call",
    },
    [types.job]: {
        typical: 30, slow: 90,
        source: "the verification Job's pod start: scheduling and the Azure CLI image pull; assumed (no published figure). Then one attempt (az login + secret read) every backoff step (from the Job's env: VERIFY_INITIAL/MAX_BACKOFF_SECONDS) until its own credentials and roles have propagated",
    },
    [types.deployment]: {
        typical: 30, slow: 120,
        source: "pulumi-kubernetes waits for the rollout (pods ready); assumed",
    },
};

/** Kubernetes objects without their own entry (Namespace, ServiceAccount): one API call. Others: a few seconds. */
const kubernetesObject: Latency = { typical: 1, slow: 3, source: "a Kubernetes API write; assumed" };
const defaultLatency: Latency = { typical: 2, slow: 5, source: "a quick ARM or local resource; assumed" };
const noCost: Latency = { typical: 0, slow: 0, source: "component: creates nothing" };

/** The type token of `@pulumiverse/time`'s Sleep: it takes exactly its `createDuration`. */
const sleepType = "time:index/sleep:Sleep";

/** Seconds in a Go duration such as `300s`, `5m` or `1h2m3s` (what the time provider's `createDuration` takes). */
export function goDurationSeconds(duration: string): number {
    const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
    const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)([hms])/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) throw new Error(`not a duration the model reads: ${JSON.stringify(duration)}`);
    return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** The latency the model uses for a resource. */
export function latencyOf(resource: Pick<PlanResource, "type" | "custom" | "inputs">): Latency {
    if (!resource.custom) return noCost;
    if (resource.type === sleepType) {
        const seconds = goDurationSeconds(String(resource.inputs.createDuration ?? "0s"));
        return { typical: seconds, slow: seconds, source: "a Sleep: exactly its createDuration" };
    }
    return latencies[resource.type] ?? (resource.type.startsWith("kubernetes:") ? kubernetesObject : defaultLatency);
}

/** One step of the critical path. */
export interface PathStep {
    readonly urn: string;
    readonly label: string;
    /** When it starts and is done (propagated, for the Job's credentials), in seconds from the start of `pulumi up`. */
    readonly start: number;
    readonly finish: number;
    /** Why it is on the path: what it waited for last. */
    readonly note: string;
}

/** The model's answer for one scenario. */
export interface DeployModel {
    readonly scenario: "typical" | "slow";
    /** When the last resource is done. */
    readonly total: number;
    /** When the cluster is created, if the stack creates one. */
    readonly clusterDone?: number;
    /** The chain of resources that decides `total`, first to last. */
    readonly path: PathStep[];
}

/** One attempt of the verification script: an az login and a secret read. Assumed. */
const attemptSeconds = 5;

/** The Job's retry backoff, from its container's env (the verification script's settings). */
function jobBackoff(job: PlanResource): { initial: number; max: number } {
    const spec = job.inputs.spec as { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } | undefined;
    const env = new Map((spec?.template?.spec?.containers?.[0]?.env ?? []).map((e) => [e.name, Number(e.value)]));
    return { initial: env.get("VERIFY_INITIAL_BACKOFF_SECONDS") || 5, max: env.get("VERIFY_MAX_BACKOFF_SECONDS") || 60 };
}

const label = (r: PlanResource): string => `${r.type.split(":").slice(1).join(":")} "${r.name}"`;

/** Computes the critical path of a first `pulumi up` of `plan`. */
export function deployModel(plan: Plan, scenario: "typical" | "slow"): DeployModel {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const providers = plan.resources.filter((r) => r.type === types.k8sProvider).map((r) => r.urn);
    // What each resource waits for, and for which of those it needs propagation, not just creation.
    const waitsFor = (r: PlanResource): string[] => {
        const waits = new Set(r.dependsOn);
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent?.custom) waits.add(parent.urn);
        // The plan does not record providers; every Kubernetes object here uses the cluster's provider.
        if (r.type.startsWith("kubernetes:")) providers.forEach((p) => waits.add(p));
        return [...waits].filter((u) => byUrn.has(u) && u !== r.urn);
    };
    const done = new Map<string, { start: number; created: number; effective: number; last?: string; lastVia: string }>();
    const visit = (urn: string, stack: Set<string>): { created: number; effective: number } => {
        const known = done.get(urn);
        if (known) return known;
        if (stack.has(urn)) throw new Error(`dependency cycle at ${urn}`);
        stack.add(urn);
        const r = byUrn.get(urn)!;
        let start = 0;
        let last: string | undefined;
        let lastVia = "created";
        let needed = 0;
        let neededFrom: string | undefined;
        for (const dep of waitsFor(r)) {
            const d = visit(dep, stack);
            if (d.created > start) {
                start = d.created;
                last = dep;
            }
            if (d.effective > needed) {
                needed = d.effective;
                neededFrom = dep;
            }
        }
        const latency = latencyOf(r);
        let created = start + latency[scenario];
        if (r.type === types.job) {
            // The Job proves access: its pod retries until its own credentials and roles have propagated.
            const backoff = jobBackoff(r);
            let attempt = created;
            let delay = backoff.initial;
            while (attempt < needed) {
                attempt += attemptSeconds + delay;
                delay = Math.min(delay * 2, backoff.max);
            }
            if (attempt > created) {
                last = neededFrom;
                lastVia = "propagated";
            }
            created = attempt + attemptSeconds;
        }
        const effective = created + (latency.propagation?.[scenario] ?? 0);
        const entry = { start, created, effective, last, lastVia };
        done.set(urn, entry);
        stack.delete(urn);
        return entry;
    };
    for (const r of plan.resources) visit(r.urn, new Set());
    let end = plan.resources[0];
    for (const r of plan.resources) if (done.get(r.urn)!.created > done.get(end.urn)!.created) end = r;
    const path: PathStep[] = [];
    for (let urn: string | undefined = end.urn; urn !== undefined; urn = done.get(urn)!.last) {
        const d = done.get(urn)!;
        const r = byUrn.get(urn)!;
        const next = path[0];
        // A step the Job waited on for propagation is done when it has propagated.
        const finish = next && done.get(next.urn)!.lastVia === "propagated" ? d.effective : d.created;
        path.unshift({ urn, label: label(r), start: d.start, finish, note: next && done.get(next.urn)!.lastVia === "propagated" ? "incl. propagation" : "" });
    }
    const cluster = plan.resources.find((r) => r.type === types.cluster);
    return { scenario, total: done.get(end.urn)!.created, clusterDone: cluster ? done.get(cluster.urn)!.created : undefined, path };
}

const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;

/** The model as text: per scenario, the total, the time after the cluster, and the critical path. */
export function renderDeployModel(title: string, plan: Plan): string {
    const lines = [title];
    for (const scenario of ["typical", "slow"] as const) {
        const model = deployModel(plan, scenario);
        const after = model.clusterDone !== undefined ? `; cluster create + ${Math.round(model.total - model.clusterDone)} s` : "";
        lines.push(`  ${scenario}: ${clock(model.total)} (m:ss)${after}`);
        for (const step of model.path.filter((s) => s.finish > s.start || s === model.path[model.path.length - 1])) {
            lines.push(`    ${clock(step.start).padStart(5)} → ${clock(step.finish).padStart(5)}  ${step.label}${step.note ? ` (${step.note})` : ""}`);
        }
    }
    return lines.join("\n");
}

/** The latency table with its sources, for the bench's report. */
export function renderLatencies(): string {
    const rows = Object.entries(latencies).map(([type, l]) =>
        `  ${type}: ${l.typical} s typical, ${l.slow} s slow${l.propagation ? `; propagation ${l.propagation.typical} s / ${l.propagation.slow} s` : ""}. ${l.source}`);
    return ["Latencies (seconds) and their sources:", ...rows, `  other Kubernetes objects: ${kubernetesObject.typical} s / ${kubernetesObject.slow} s; other resources: ${defaultLatency.typical} s / ${defaultLatency.slow} s (assumed)`].join("\n");
}
