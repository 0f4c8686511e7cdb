import {
    clientIdAnnotation, tenantIdAnnotation, tokenExpirationAnnotation, tokenExpirationRange, useLabel,
} from "../components/identity/workloadIdentity";
import type { ClusterSpec, PodSpec, ServiceAccountSpec } from "./model";

/**
 * The workload identity webhook's pod mutation, as azure-workload-identity implements it
 * (github.com/Azure/azure-workload-identity, pkg/webhook/webhook.go and consts.go, commit 04d01a2f):
 * - it sees only pods labelled `azure.workload.identity/use: "true"` (the MutatingWebhookConfiguration's
 *   objectSelector, deploy/azure-wi-webhook.yaml), never the ServiceAccount's label;
 * - AZURE_CLIENT_ID from the ServiceAccount's client-id annotation, AZURE_TENANT_ID from its tenant-id annotation
 *   or else the cluster's tenant, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST: each added only when the
 *   container does not set that name already and the value is not empty (addEnvironmentVariables);
 * - containers named in the pod's `azure.workload.identity/skip-containers` (`;`-separated) are left alone;
 * - a projected ServiceAccount token with the audience `api://AzureADTokenExchange` and a lifetime from the pod's
 *   token-expiration annotation, else the ServiceAccount's, else 3600 s; outside 3600–86400 the pod is refused.
 */

/** The pod annotation listing containers the webhook leaves alone. */
export const skipContainersAnnotation = "azure.workload.identity/skip-containers";
/** Where the webhook mounts the token (VolumeMountPath + TokenFilePath); the SDK reads the path from the env var. */
export const webhookTokenPath = "/var/run/secrets/azure/wi/token/azure-identity-token";
/** The webhook's default lifetime of the projected token, in seconds (DefaultServiceAccountTokenExpiration). */
export const defaultTokenExpirationSeconds = 3600;

/** The webhook's settings that come from how it is installed, not from the pod. */
export interface WebhookSettings {
    /** The audience of the projected token (DefaultAudience, `api://AzureADTokenExchange`). */
    readonly audience: string;
    /** AZURE_AUTHORITY_HOST: the cloud's Entra endpoint (`https://login.microsoftonline.com/` in AzureCloud). */
    readonly authorityHost: string;
}

/** What admission does to one pod. */
export type Admission =
    /** The webhook did not see the pod (no label, or workload identity off on the cluster): it runs as written. */
    | { readonly outcome: "untouched"; readonly reason: string; readonly containers: readonly { name: string; env: Record<string, string> }[] }
    /** The webhook refused the pod: it is never created. */
    | { readonly outcome: "refused"; readonly reason: string }
    /** The webhook mutated the pod. */
    | {
        readonly outcome: "mutated";
        readonly containers: readonly { name: string; env: Record<string, string> }[];
        /** The projected token the kubelet writes for this pod. */
        readonly token: { readonly audience: string; readonly expirationSeconds: number };
    };

/** The projected token's lifetime: pod annotation, then ServiceAccount annotation, then the default (getServiceAccountTokenExpiration). */
export function tokenExpiration(pod: PodSpec, sa: ServiceAccountSpec): number | string {
    const raw = pod.annotations[tokenExpirationAnnotation] || sa.annotations[tokenExpirationAnnotation];
    const seconds = raw ? Number(raw) : defaultTokenExpirationSeconds;
    if (!Number.isInteger(seconds)) return `token expiration "${raw}" is not a whole number`;
    if (seconds < tokenExpirationRange.min || seconds > tokenExpirationRange.max) {
        return `token expiration ${seconds} not valid. Expected value to be between ${tokenExpirationRange.min} and ${tokenExpirationRange.max}`;
    }
    return seconds;
}

/**
 * Admits `pod` as the cluster would: finds its ServiceAccount (Kubernetes refuses a pod whose ServiceAccount does
 * not exist) and applies the webhook's mutation when the webhook sees the pod.
 */
export function admitPod(pod: PodSpec, serviceAccounts: readonly ServiceAccountSpec[], cluster: ClusterSpec, settings: WebhookSettings): Admission {
    const sa = serviceAccounts.find((s) => s.namespace === pod.namespace && s.name === pod.serviceAccountName);
    if (!sa) return { outcome: "refused", reason: `serviceaccount "${pod.serviceAccountName}" not found in namespace "${pod.namespace}"` };
    const asWritten = pod.containers.map((c) => ({ name: c.name, env: { ...c.env } }));
    if (!cluster.workloadIdentity) {
        return { outcome: "untouched", reason: "workload identity is off on the cluster: no webhook runs", containers: asWritten };
    }
    if (pod.labels[useLabel] !== "true") {
        return { outcome: "untouched", reason: `the pod is not labelled ${useLabel}: "true", so the webhook never sees it`, containers: asWritten };
    }
    const expiration = tokenExpiration(pod, sa);
    if (typeof expiration === "string") return { outcome: "refused", reason: `admission webhook denied the request: ${expiration}` };
    const skip = new Set((pod.annotations[skipContainersAnnotation] ?? "").split(";").map((s) => s.trim()).filter(Boolean));
    const injected: [string, string][] = [
        ["AZURE_CLIENT_ID", sa.annotations[clientIdAnnotation] ?? ""],
        // The annotation wins when present at all (getTenantID checks presence, not emptiness).
        ["AZURE_TENANT_ID", tenantIdAnnotation in sa.annotations ? sa.annotations[tenantIdAnnotation] : cluster.tenantId],
        ["AZURE_FEDERATED_TOKEN_FILE", webhookTokenPath],
        ["AZURE_AUTHORITY_HOST", settings.authorityHost],
    ];
    const containers = asWritten.map((c) => {
        if (skip.has(c.name)) return c;
        const env = { ...c.env };
        for (const [name, value] of injected) {
            if (!(name in env) && value.length > 0) env[name] = value;
        }
        return { name: c.name, env };
    });
    return { outcome: "mutated", containers, token: { audience: settings.audience, expirationSeconds: expiration } };
}
