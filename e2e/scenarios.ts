import { clientIdAnnotation, useLabel } from "../components/identity/workloadIdentity";
import { clouds } from "../components/shared/clouds";
import { builtInRoles, getSecretDataAction } from "../components/shared/roles";
import type { IdentitySpec, PodSpec, VaultSpec, World } from "./model";
import { Admission, admitPod, WebhookSettings } from "./webhook";
import { decideDataAction } from "./rbac";
import { createHash } from "crypto";

/**
 * The scenarios: the stack as it is, then one broken link at a time. Each one is a copy of the stack's world with
 * one change, a pod to run in it, and what the real SDK must then report.
 */

/** What a pod's SDK call must end in. */
export type Expectation =
    /** The secret's value, compared by its SHA-256 (the value itself is never printed). */
    | { readonly kind: "secret"; readonly sha256: string }
    /** A 404 SecretNotFound from the vault: the caller was authorized, and the name does not exist. */
    | { readonly kind: "notFound" }
    /** An error: its class name, HTTP status (when there is one) and text it must contain. */
    | { readonly kind: "error"; readonly name: string; readonly status?: number; readonly includes: readonly string[]; readonly innerCode?: string }
    /** The pod is never created (the admission webhook or Kubernetes refuses it). */
    | { readonly kind: "refused" };

/** What a pod run reported. */
export interface Observation {
    readonly outcome: "secret" | "error" | "refused" | "crashed";
    readonly sha256?: string;
    readonly name?: string;
    readonly status?: number;
    readonly code?: string;
    readonly innerCode?: string;
    readonly message?: string;
    /** How long the pod's process took, in milliseconds. */
    readonly ms?: number;
    /** Which credential class the workload used. */
    readonly credential?: string;
}

/** One pod run in one world. */
export interface Job {
    readonly id: string;
    readonly stack: string;
    readonly scenario: string;
    /** The index of the world in the run's list of worlds. */
    readonly world: number;
    readonly pod: PodSpec;
    /** `default`: DefaultAzureCredential; `workload`: WorkloadIdentityCredential. */
    readonly credential: "default" | "workload";
    readonly expect: Expectation;
    /** What admission made of the pod: its containers' env, and the projected token the kubelet writes. */
    readonly admission: Admission;
}

/** A scenario: its name, what it breaks, and how. */
export interface Scenario {
    readonly name: string;
    readonly description: string;
}

export const scenarios: readonly Scenario[] = [
    { name: "as-planned", description: "the stack as it is: every pod reads its secret (or gets 404 for a name that does not exist)" },
    { name: "wrong-subject", description: "the pod's federated credential names another ServiceAccount" },
    { name: "issuer-without-slash", description: "the federated credential's issuer lacks the trailing slash of the cluster's issuer URL" },
    { name: "wrong-audience", description: `the federated credential's audience is a sovereign cloud's CI audience (${clouds.AzureUSGovernment.tokenExchangeAudience})` },
    { name: "missing-pod-label", description: `the pod template lacks the label ${useLabel}: "true"` },
    { name: "other-identity", description: "the ServiceAccount's client-id annotation names another identity of the stack" },
    { name: "unknown-client-id", description: "the ServiceAccount's client-id annotation names no application in the tenant" },
    { name: "no-role", description: "the identity has no role assignment on the vault" },
    { name: "reader-role", description: "the identity holds Key Vault Reader (no getSecret data action) instead of its role" },
    { name: "rbac-off", description: "the vault's enableRbacAuthorization is false (access policies, none granted)" },
];

/** The audience the wrong-audience scenario puts on a workload's credential: right for CI in US Gov, never what AKS projects. */
const wrongAudience = clouds.AzureUSGovernment.tokenExchangeAudience;

/** The SHA-256 of a secret value, hex. */
export function sha256(value: string): string {
    return createHash("sha256").update(value).digest("hex");
}

/** The name a stand-in pod asks for when the vault holds no secret: proves authorization by a 404. */
export const absentSecretName = "e2e-absent-secret";

/** The vault a pod's env points at (KEYVAULT_URL, else VAULT_NAME or KEYVAULT_NAME), if it is one of the stack's. */
export function vaultOfPod(pod: PodSpec, world: World): VaultSpec | undefined {
    const env = pod.containers[0]?.env ?? {};
    const url = env.KEYVAULT_URL ? env.KEYVAULT_URL.replace(/\/?$/, "/") : undefined;
    const name = env.VAULT_NAME || env.KEYVAULT_NAME;
    return world.vaults.find((v) => (url !== undefined && v.uri === url) || v.name === name);
}

/** The identity a ServiceAccount's client-id annotation names. */
function identityOfPod(pod: PodSpec, world: World): IdentitySpec | undefined {
    const sa = world.serviceAccounts.find((s) => s.namespace === pod.namespace && s.name === pod.serviceAccountName);
    const clientId = sa?.annotations[clientIdAnnotation];
    return world.identities.find((i) => i.clientId === clientId);
}

/**
 * Stand-in pods, one per ServiceAccount that names an identity (client-id annotation) and that no pod template
 * runs as: labelled for the webhook, pointed at a vault the identity holds a role on (else the first) and at its
 * first secret (else {@link absentSecretName}).
 */
export function standInPods(world: World): PodSpec[] {
    return world.serviceAccounts
        .filter((sa) => sa.annotations[clientIdAnnotation] && !world.pods.some((p) => p.namespace === sa.namespace && p.serviceAccountName === sa.name))
        .map((sa) => {
            const identity = world.identities.find((i) => i.clientId === sa.annotations[clientIdAnnotation]);
            const vault = world.vaults.find((v) => identity && decideDataAction(identity.principalId, getSecretDataAction, `${v.id}/secrets/x`, world.roleAssignments, world.roleDefinitions).allowed)
                ?? world.vaults[0];
            const env: Record<string, string> = {};
            if (vault) {
                env.KEYVAULT_URL = vault.uri;
                env.SECRET_NAME = Object.keys(vault.secrets).sort()[0] ?? absentSecretName;
            }
            return { kind: "ServiceAccount", name: sa.name, namespace: sa.namespace, serviceAccountName: sa.name, labels: { [useLabel]: "true" }, annotations: {}, containers: [{ name: "workload", env }] };
        });
}

/** What the stack as planned must give a pod: its secret's value, or 404 for a name the vault does not hold. */
function plannedExpectation(pod: PodSpec, world: World): Expectation {
    const vault = vaultOfPod(pod, world);
    const secretName = pod.containers[0]?.env.SECRET_NAME;
    if (!vault || !secretName) throw new Error(`${pod.kind} ${pod.namespace}/${pod.name} names no vault of the stack and secret (KEYVAULT_URL or VAULT_NAME, and SECRET_NAME)`);
    const value = vault.secrets[secretName];
    return value === undefined ? { kind: "notFound" } : { kind: "secret", sha256: sha256(value) };
}

/** DefaultAzureCredential for Deployments (what apps use), WorkloadIdentityCredential for the rest: both get exercised. */
function credentialFor(pod: PodSpec): "default" | "workload" {
    return pod.kind === "Deployment" ? "default" : "workload";
}

/**
 * Entra's refusal as the SDK surfaces it: WorkloadIdentityCredential throws AuthenticationRequiredError for an
 * invalid_client/unauthorized_client answer; DefaultAzureCredential goes on down its chain and throws
 * AggregateAuthenticationError carrying every credential's message (@azure/identity 4.14.1, observed here).
 */
function authError(code: number, credential: "default" | "workload"): Expectation {
    return { kind: "error", name: credential === "default" ? "AggregateAuthenticationError" : "AuthenticationRequiredError", includes: [`AADSTS${code}`] };
}

/** A deep copy of a world's plain data, writable so that a scenario can change one link. */
type Writable<T> = { -readonly [K in keyof T]: Writable<T[K]> };

function clone<T>(value: T): Writable<T> {
    return JSON.parse(JSON.stringify(value)) as Writable<T>;
}

/** A world with one change, and the job that must show it. */
interface Broken {
    readonly world: World;
    readonly expect: Expectation;
}

/** Applies scenario `name` to `world` for `pod`; undefined when the stack has nothing that scenario can break. */
export function breakLink(name: string, world: World, pod: PodSpec): Broken | undefined {
    const credential = credentialFor(pod);
    const w = clone(world);
    const identity = identityOfPod(pod, world);
    const vault = vaultOfPod(pod, world);
    const subject = `system:serviceaccount:${pod.namespace}:${pod.serviceAccountName}`;
    const mutIdentity = identity ? w.identities.find((i) => i.clientId === identity.clientId) : undefined;
    const podFics = mutIdentity?.federatedCredentials.filter((f) => f.subject === subject && f.issuer === world.cluster.issuerUrl) ?? [];
    const sa = w.serviceAccounts.find((s) => s.namespace === pod.namespace && s.name === pod.serviceAccountName);
    switch (name) {
        case "wrong-subject":
            if (podFics.length === 0) return undefined;
            for (const f of podFics) f.subject = `${subject}-other`;
            return { world: w, expect: authError(700213, credential) };
        case "issuer-without-slash": {
            // The program hands one issuer to every credential, so the edit reaches all of the cluster's FICs.
            const clusterFics = w.identities.flatMap((i) => i.federatedCredentials).filter((f) => f.issuer === world.cluster.issuerUrl);
            if (podFics.length === 0 || !world.cluster.issuerUrl.endsWith("/")) return undefined;
            for (const f of clusterFics) f.issuer = f.issuer.replace(/\/+$/, "");
            return { world: w, expect: authError(700211, credential) };
        }
        case "wrong-audience":
            if (podFics.length === 0) return undefined;
            for (const f of podFics) f.audiences = [wrongAudience];
            return { world: w, expect: authError(700212, credential) };
        case "missing-pod-label": {
            const p = w.pods.find((x) => x.kind === pod.kind && x.namespace === pod.namespace && x.name === pod.name);
            if (p) delete p.labels[useLabel];
            // Without the webhook's env vars WorkloadIdentityCredential is unavailable; DefaultAzureCredential skips it and
            // ends at managed identity (IMDS, which the rehearsal does not offer; see the README) and the developer tools.
            return {
                world: w,
                expect: credential === "workload"
                    ? { kind: "error", name: "CredentialUnavailableError", includes: ["WorkloadIdentityCredential: is unavailable"] }
                    : { kind: "error", name: "AggregateAuthenticationError", includes: ["EnvironmentCredential is unavailable", "ManagedIdentityCredential"] },
            };
        }
        case "other-identity": {
            const other = world.identities.find((i) => i.clientId !== identity?.clientId && i.federatedCredentials.length > 0)
                ?? world.identities.find((i) => i.clientId !== identity?.clientId);
            if (!sa || !other) return undefined;
            sa.annotations[clientIdAnnotation] = other.clientId;
            // The other identity trusts other subjects of the same issuer (700213), or not this issuer at all (700211).
            return { world: w, expect: authError(other.federatedCredentials.some((f) => f.issuer === world.cluster.issuerUrl) ? 700213 : 700211, credential) };
        }
        case "unknown-client-id":
            if (!sa) return undefined;
            sa.annotations[clientIdAnnotation] = "0e2e0e2e-0000-4000-8000-00000000e2e0";
            return { world: w, expect: authError(700016, credential) };
        case "no-role":
            if (!identity || !vault) return undefined;
            w.roleAssignments = world.roleAssignments.filter((a) => a.principalId !== identity.principalId);
            return { world: w, expect: { kind: "error", name: "RestError", status: 403, includes: ["Caller is not authorized to perform action on resource", getSecretDataAction], innerCode: "ForbiddenByRbac" } };
        case "reader-role":
            if (!identity || !vault) return undefined;
            w.roleAssignments = world.roleAssignments.map((a) => a.principalId !== identity.principalId ? a
                : { ...a, roleDefinitionId: a.roleDefinitionId.replace(/[^/]+$/, builtInRoles["Key Vault Reader"]) });
            return { world: w, expect: { kind: "error", name: "RestError", status: 403, includes: ["Caller is not authorized to perform action on resource", getSecretDataAction], innerCode: "ForbiddenByRbac" } };
        case "rbac-off": {
            const v = w.vaults.find((x) => x.name === vault?.name);
            // An access policy granting the identity secret reads would keep it working: then RBAC off breaks nothing.
            if (!v || !identity || v.accessPolicies.some((p) => p.objectId === identity.principalId)) return undefined;
            v.rbacAuthorization = false;
            return { world: w, expect: { kind: "error", name: "RestError", status: 403, includes: ["does not have secrets get permission on key vault"], innerCode: "AccessDenied" } };
        }
        default:
            throw new Error(`unknown scenario ${name}`);
    }
}

/** Every job of one stack: each pod as planned, then each broken link on the stack's first pod. */
export function jobsForStack(world: World, addWorld: (w: World) => number, webhook: WebhookSettings, only?: readonly string[]): { jobs: Job[]; skipped: string[] } {
    const pods = [...world.pods, ...standInPods(world)];
    const jobs: Job[] = [];
    const skipped: string[] = [];
    const wanted = (name: string): boolean => !only || only.length === 0 || only.includes(name);
    if (pods.length === 0) return { jobs, skipped: [`${world.stack}: no pod and no federated ServiceAccount to run`] };
    if (wanted("as-planned")) {
        const index = addWorld({ ...world, pods });
        for (const pod of pods) {
            jobs.push({
                id: `${world.stack}/as-planned/${pod.kind}/${pod.namespace}/${pod.name}`, stack: world.stack, scenario: "as-planned", world: index, pod,
                credential: credentialFor(pod), expect: plannedExpectation(pod, world), admission: admitPod(pod, world.serviceAccounts, world.cluster, webhook),
            });
        }
    }
    const target = pods[0];
    for (const scenario of scenarios.slice(1)) {
        if (!wanted(scenario.name)) continue;
        const broken = breakLink(scenario.name, { ...world, pods }, target);
        if (!broken) {
            skipped.push(`${world.stack}/${scenario.name}: nothing in the stack to break`);
            continue;
        }
        const index = addWorld(broken.world);
        const pod = broken.world.pods.find((p) => p.kind === target.kind && p.namespace === target.namespace && p.name === target.name)!;
        jobs.push({
            id: `${world.stack}/${scenario.name}/${pod.kind}/${pod.namespace}/${pod.name}`, stack: world.stack, scenario: scenario.name, world: index, pod,
            credential: credentialFor(pod), expect: broken.expect, admission: admitPod(pod, broken.world.serviceAccounts, broken.world.cluster, webhook),
        });
    }
    return { jobs, skipped };
}

/** Whether an observation is what the expectation asks for; the reason when it is not. */
export function judge(expect: Expectation, seen: Observation): { pass: boolean; reason?: string } {
    const describe = (): string => seen.outcome === "secret" ? "read the secret"
        : seen.outcome === "refused" ? `the pod was refused: ${seen.message ?? ""}`
            : `${seen.name ?? "error"}${seen.status ? ` ${seen.status}` : ""}: ${seen.message ?? ""}`;
    switch (expect.kind) {
        case "secret":
            if (seen.outcome === "secret" && seen.sha256 === expect.sha256) return { pass: true };
            return { pass: false, reason: seen.outcome === "secret" ? "read a secret with another value" : `expected the secret, got ${describe()}` };
        case "notFound":
            if (seen.outcome === "error" && seen.status === 404 && seen.code === "SecretNotFound") return { pass: true };
            return { pass: false, reason: `expected 404 SecretNotFound, got ${describe()}` };
        case "refused":
            return seen.outcome === "refused" ? { pass: true } : { pass: false, reason: `expected the pod to be refused, got ${describe()}` };
        case "error": {
            const ok = seen.outcome === "error" && seen.name === expect.name
                && (expect.status === undefined || seen.status === expect.status)
                && expect.includes.every((text) => (seen.message ?? "").includes(text))
                && (expect.innerCode === undefined || seen.innerCode === expect.innerCode);
            return ok ? { pass: true } : { pass: false, reason: `expected ${expect.name}${expect.status ? ` ${expect.status}` : ""} with ${expect.includes.map((t) => `"${t}"`).join(", ")}${expect.innerCode ? ` (inner error ${expect.innerCode})` : ""}, got ${describe()}` };
        }
    }
}
