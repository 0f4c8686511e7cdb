import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { readFileSync } from "fs";
import * as path from "path";
import { useLabel } from "../identity/workloadIdentity";
import { ArgsError, Problems } from "../shared/errors";
import { checkNamespaceName, checkServiceAccountName, federatedNamespaceProblem, imageReferenceProblem } from "../shared/names";

/** The script the Job runs; see verify.sh for what it does and why it retries. */
export const verifyScript = readFileSync(path.join(__dirname, "verify.sh"), "utf8");

/** Room for pulling the image and scheduling the pod, on top of the script's own deadline. */
const startupAllowanceSeconds = 300;

/**
 * The default retry window: Key Vault documents up to 10 minutes for a role assignment to take effect, and a new
 * federated credential takes seconds more; 15 minutes covers both with a margin.
 */
export const defaultVerifyTimeoutSeconds = 900;
/** The retry window this component accepts, in seconds. */
export const verifyTimeoutRange = { min: 60, max: 3600 } as const;

/** Makes pulumi-kubernetes replace a Job that did not succeed on the next update, instead of waiting on it again (#856, #1575). */
export const replaceUnreadyAnnotation = "pulumi.com/replaceUnready";

/** Arguments of {@link VerificationJob}. */
export interface VerificationJobArgs {
    /** The namespace the Job runs in: the ServiceAccount's. */
    namespace: string;
    /** The workload's ServiceAccount, annotated with the identity's client id. */
    serviceAccountName: string;
    /** The vault to read from. */
    vaultName: pulumi.Input<string>;
    /** The secret to read. */
    secretName: pulumi.Input<string>;
    /** An image with `sh` and the Azure CLI (`az`). */
    image: string;
    /** How long the script retries while federation and RBAC propagate (60–3600 seconds). Default 900 (Key Vault RBAC: up to 10 minutes). */
    timeoutSeconds?: number;
    /** The identity's pod labels (`azure.workload.identity/use: "true"`). */
    podLabels: Record<string, string>;
    /** The identity's pod annotations: their client-id hash makes the Job replace when the identity changes. */
    podAnnotations: pulumi.Input<Record<string, string>>;
    /**
     * What the Job waits for: only what it needs, its ServiceAccount, that ServiceAccount's federated credential for
     * this cluster's issuer, the identity's role assignment on the vault and the secret (not every credential of the identity).
     */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
}

/** Returns every problem with `args`; empty when they are valid. Creates nothing. */
export function verificationJobArgsProblems(args: VerificationJobArgs): string[] {
    const problems = new Problems();
    const ns = checkNamespaceName("namespace", args.namespace);
    const sa = checkServiceAccountName("serviceAccountName", args.serviceAccountName);
    if (ns) problems.add(ns);
    if (sa) problems.add(sa);
    const excluded = federatedNamespaceProblem(args.namespace);
    if (excluded) problems.add(`namespace ${excluded}`);
    const timeout = args.timeoutSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < verifyTimeoutRange.min || timeout > verifyTimeoutRange.max)) {
        problems.add(`timeoutSeconds ${JSON.stringify(timeout)} must be a whole number from ${verifyTimeoutRange.min} to ${verifyTimeoutRange.max}`);
    }
    if (!args.image) problems.add("image is required: an image with sh and the Azure CLI");
    else if (imageReferenceProblem(args.image)) problems.add(`image ${imageReferenceProblem(args.image)}`);
    if (args.podLabels[useLabel] !== "true") {
        problems.add(`podLabels must carry ${useLabel}: "true" (pass WorkloadIdentity.podLabels), or the webhook never injects the token`);
    }
    return [...problems.all];
}

/** The type token of {@link VerificationJob}. */
export const verificationJobType = "wid:verification:VerificationJob";

/**
 * A Kubernetes Job that proves the trust chain end to end: it runs as the workload's ServiceAccount,
 * exchanges its projected token at Entra ID and reads a secret from the vault. Pulumi waits for a Job
 * to complete, so a broken chain fails `pulumi up` rather than a pod in production.
 */
export class VerificationJob extends pulumi.ComponentResource {
    /** The Job. */
    public readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: VerificationJobArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = verificationJobArgsProblems(args);
        if (problems.length > 0) throw new ArgsError(`VerificationJob "${name}"`, problems);
        super(verificationJobType, name, {}, opts);
        const timeoutSeconds = args.timeoutSeconds ?? defaultVerifyTimeoutSeconds;

        this.job = new k8s.batch.v1.Job(`${name}-job`, {
            metadata: {
                namespace: args.namespace,
                labels: { "app.kubernetes.io/name": "workload-identity-verify" },
                annotations: {
                    // The Job awaiter fails the update when the Job fails; allow for the script's whole retry window.
                    "pulumi.com/timeoutSeconds": String(timeoutSeconds + startupAllowanceSeconds),
                    // Without it, a Job that failed once is never re-run: every later update waits on the failed Job again.
                    [replaceUnreadyAnnotation]: "true",
                },
            },
            spec: {
                // The script retries itself, with a deadline; a pod-level retry would only restart that clock.
                backoffLimit: 0,
                activeDeadlineSeconds: timeoutSeconds + startupAllowanceSeconds,
                template: {
                    metadata: {
                        // The label must be on the pod: the webhook ignores it on the ServiceAccount.
                        labels: { ...args.podLabels, "app.kubernetes.io/name": "workload-identity-verify" },
                        annotations: args.podAnnotations,
                    },
                    spec: {
                        serviceAccountName: args.serviceAccountName,
                        restartPolicy: "Never",
                        securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [{
                            name: "verify",
                            image: args.image,
                            command: ["/bin/sh", "-c", verifyScript],
                            env: [
                                { name: "VAULT_NAME", value: args.vaultName },
                                { name: "SECRET_NAME", value: args.secretName },
                                { name: "VERIFY_TIMEOUT_SECONDS", value: String(timeoutSeconds) },
                                { name: "VERIFY_INITIAL_BACKOFF_SECONDS", value: "5" },
                                { name: "VERIFY_MAX_BACKOFF_SECONDS", value: "60" },
                                // az writes its token cache here; the root file system is read-only.
                                { name: "AZURE_CONFIG_DIR", value: "/tmp/.azure" },
                                { name: "HOME", value: "/tmp" },
                            ],
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: {} }],
                    },
                },
            },
        }, {
            parent: this,
            provider: args.provider,
            dependsOn: args.dependsOn,
            // A Job's pod template is immutable: a new identity (client-id hash) means a new Job, which runs the check again.
            replaceOnChanges: ["spec.template"],
        });

        this.registerOutputs({ jobName: this.job.metadata.name });
    }
}
