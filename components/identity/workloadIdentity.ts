import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import {
    createFederatedIdentity, FederatedCredentialArgs, identityBaseArgs, IdentityBaseArgs, identityProblems,
} from "../federation/federatedIdentity";
import { aksWebhookTokenAudience } from "../shared/clouds";
import { ArgsError, Problems } from "../shared/errors";
import {
    checkNamespaceName, checkServiceAccountName, federatedCredentialName, federatedNamespaceProblem, issuerLabelPattern, issuerUrlProblem, serviceAccountSubject,
} from "../shared/names";
import { tagArgProblems } from "../shared/tags";
import { roleAssigningRoleProblem } from "../shared/roles";

export { maxFederatedCredentialsPerIdentity } from "../federation/federatedIdentity";
export type { RoleGrantArgs } from "../federation/federatedIdentity";
/** The pod label the workload identity webhook selects pods by. It must be on the pod, not the ServiceAccount. */
export const useLabel = "azure.workload.identity/use";
/** The ServiceAccount annotation that names the identity. */
export const clientIdAnnotation = "azure.workload.identity/client-id";
/** The optional ServiceAccount annotation that names the identity's tenant. */
export const tenantIdAnnotation = "azure.workload.identity/tenant-id";
/** The optional ServiceAccount annotation for the projected token's lifetime, in seconds. */
export const tokenExpirationAnnotation = "azure.workload.identity/service-account-token-expiration";
/** The pod annotation carrying a hash of the client id, so pod templates roll when the identity changes. */
export const clientIdHashAnnotation = "workload-identity.aks/client-id-sha256";
/** The projected token's allowed lifetime, in seconds. */
export const tokenExpirationRange = { min: 3600, max: 86400 } as const;

/** A Kubernetes ServiceAccount that may sign in as the identity. */
export interface ServiceAccountSubjectArgs {
    /** The namespace (a DNS-1123 label). */
    namespace: string;
    /** The ServiceAccount's name (a DNS-1123 subdomain). */
    serviceAccountName: string;
}

/** Arguments of {@link WorkloadIdentity}. */
export interface WorkloadIdentityArgs extends IdentityBaseArgs {
    /**
     * The OIDC issuers to trust, by a short stable label: usually `{ aks: cluster.issuerUrl }`, or one per
     * cluster for multi-cluster and blue/green (`{ blue: ..., green: ... }`). Each issuer URL is used verbatim.
     */
    issuers: Record<string, pulumi.Input<string>>;
    /** The ServiceAccounts allowed to sign in as this identity (many-to-one). One FIC is created per issuer and subject. */
    subjects: ServiceAccountSubjectArgs[];
    /**
     * The audience of the webhook's projected tokens. Default `api://AzureADTokenExchange`, what AKS's webhook
     * projects in every cloud (see `aksWebhookTokenAudience`); set it only for a self-managed webhook run with `--audience`.
     */
    audience?: string;
    /** The projected token's lifetime in seconds (3600–86400). Default: the webhook's, 3600. */
    tokenExpirationSeconds?: number;
    /** Annotate the ServiceAccounts with the identity's tenant id. Default `false` (the webhook uses the cluster's tenant). */
    annotateTenantId?: boolean;
    /** Create the subjects' namespaces. Default `false`. */
    createNamespaces?: boolean;
    /** Resources the ServiceAccounts wait for, such as namespaces created elsewhere. */
    serviceAccountDependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The Kubernetes provider of the cluster whose ServiceAccounts these are. */
    provider: k8s.Provider;
    /** Extra labels for the ServiceAccounts and namespaces. */
    labels?: Record<string, string>;
    /** Extra annotations for the ServiceAccounts. Must not set the `azure.workload.identity/*` keys this component owns. */
    annotations?: Record<string, string>;
}

const ownedAnnotations = [clientIdAnnotation, tenantIdAnnotation, tokenExpirationAnnotation];

/** The number of federated identity credentials `args` asks for: one per issuer and subject. */
export function federatedCredentialCount(args: Pick<WorkloadIdentityArgs, "issuers" | "subjects">): number {
    return Object.keys(args.issuers ?? {}).length * (args.subjects ?? []).length;
}

/**
 * Pairs of subjects whose `<namespace>-<serviceaccount>` is the same ("a-b"/"c" and "a"/"b-c"): that text
 * names both the FIC and the ServiceAccount's Pulumi resource, so such a pair cannot share an identity.
 */
export function subjectNameClashes(subjects: readonly ServiceAccountSubjectArgs[]): string[] {
    const byName = new Map<string, string>();
    const clashes: string[] = [];
    for (const subject of subjects) {
        const joined = `${subject.namespace}-${subject.serviceAccountName}`;
        const key = `${subject.namespace}/${subject.serviceAccountName}`;
        const other = byName.get(joined);
        if (other !== undefined && other !== key) {
            clashes.push(`${other} and ${key} would share the credential name "${joined}-<issuer>": put them on separate identities or rename one`);
        }
        byName.set(joined, key);
    }
    return clashes;
}

/** Returns every problem with `args`, one sentence each; empty when they are valid. Creates nothing. */
export function workloadIdentityArgsProblems(name: string, args: WorkloadIdentityArgs): string[] {
    const problems = new Problems();
    const labels = Object.keys(args.issuers ?? {});
    if (labels.length === 0) {
        problems.add(`issuers needs at least one issuer URL, for example { aks: cluster.issuerUrl }`);
    }
    const labelByLiteralUrl = new Map<string, string>();
    for (const label of labels) {
        const literal = args.issuers[label];
        // Two labels with one issuer would give the identity two credentials with the same issuer and subject, which Entra refuses.
        if (typeof literal === "string" && labelByLiteralUrl.has(literal)) {
            problems.add(`issuers.${label} is the same issuer URL as issuers.${labelByLiteralUrl.get(literal)}: list each issuer once`);
        }
        if (typeof literal === "string" && !labelByLiteralUrl.has(literal)) labelByLiteralUrl.set(literal, label);
        if (!issuerLabelPattern.test(label)) {
            problems.add(`issuers key "${label}" must be 1-40 letters, digits, '-' and '_', starting with a letter or digit (it becomes part of the FIC name)`);
        }
        const url = args.issuers[label];
        // Only plain strings can be checked here; an Output comes from a cluster, which reports an https issuer.
        const urlProblem = typeof url === "string" ? issuerUrlProblem(url) : undefined;
        if (urlProblem) problems.add(`issuers.${label} ${urlProblem}`);
    }
    const subjects = args.subjects ?? [];
    if (subjects.length === 0) {
        problems.add(`subjects needs at least one { namespace, serviceAccountName }`);
    }
    const seen = new Set<string>();
    subjects.forEach((subject, i) => {
        const nsProblem = checkNamespaceName(`subjects[${i}].namespace`, subject.namespace);
        const saProblem = checkServiceAccountName(`subjects[${i}].serviceAccountName`, subject.serviceAccountName);
        if (nsProblem) problems.add(nsProblem);
        if (saProblem) problems.add(saProblem);
        const excluded = federatedNamespaceProblem(subject.namespace);
        if (excluded) problems.add(`subjects[${i}].namespace ${excluded}`);
        const key = `${subject.namespace}/${subject.serviceAccountName}`;
        if (seen.has(key)) {
            problems.add(`subjects[${i}] ${key} is listed twice: each ServiceAccount is federated once per issuer`);
        }
        seen.add(key);
    });
    for (const problem of subjectNameClashes(subjects)) problems.add(`subjects ${problem}`);
    const expiration = args.tokenExpirationSeconds;
    if (expiration !== undefined && (!Number.isInteger(expiration) || expiration < tokenExpirationRange.min || expiration > tokenExpirationRange.max)) {
        problems.add(`tokenExpirationSeconds ${JSON.stringify(expiration)} must be a whole number from ${tokenExpirationRange.min} to ${tokenExpirationRange.max}`);
    }
    problems.addAll(identityProblems(name, {
        identityName: args.identityName,
        audience: args.audience ?? aksWebhookTokenAudience,
        roleGrants: args.roleGrants,
        subscriptionId: args.subscriptionId,
        credentialCount: federatedCredentialCount(args),
        countDetail: `(${labels.length} issuer(s) x ${subjects.length} subject(s))`,
        limitHint: "split the subjects across identities",
    }));
    // Least privilege: a workload never needs to grant roles (the federation core allows it for the bootstrap's deployers).
    (args.roleGrants ?? []).forEach((grant, i) => {
        const problem = roleAssigningRoleProblem(`roleGrants[${i}].role`, grant.role);
        if (problem) problems.add(problem);
    });
    problems.addAll(tagArgProblems("tags", args.tags));
    for (const key of Object.keys(args.annotations ?? {})) {
        if (ownedAnnotations.includes(key)) {
            problems.add(`annotations may not set "${key}": this component sets it from the identity`);
        }
    }
    if (!args.provider) {
        problems.add(`provider is required: the Kubernetes provider of the cluster (AksCluster.provider)`);
    }
    return [...problems.all];
}

/** Throws an {@link ArgsError} listing every problem with `args`. Pure: creates nothing. */
export function validateWorkloadIdentityArgs(name: string, args: WorkloadIdentityArgs): void {
    const problems = workloadIdentityArgsProblems(name, args);
    if (problems.length > 0) throw new ArgsError(`WorkloadIdentity "${name}"`, problems);
}

/** One federated credential per (issuer, ServiceAccount), named `<namespace>-<serviceaccount>-<issuer label>`. */
export function workloadCredentials(args: Pick<WorkloadIdentityArgs, "issuers" | "subjects">): FederatedCredentialArgs[] {
    return Object.entries(args.issuers).flatMap(([label, issuer]) => args.subjects.map((subject) => ({
        name: federatedCredentialName(label, subject.namespace, subject.serviceAccountName),
        issuer,
        subject: serviceAccountSubject(subject.namespace, subject.serviceAccountName),
    })));
}

/** The pod annotations that make a pod template change whenever the identity's client id does. */
export function podAnnotationsForClientId(clientId: string): Record<string, string> {
    return { [clientIdHashAnnotation]: createHash("sha256").update(clientId).digest("hex").slice(0, 16) };
}

/** The type token of {@link WorkloadIdentity}. */
export const workloadIdentityType = "wid:identity:WorkloadIdentity";

/**
 * A Microsoft Entra Workload ID for Kubernetes workloads: a user-assigned managed identity, a federated
 * identity credential per (issuer, ServiceAccount), the annotated ServiceAccounts, optional namespaces,
 * and role assignments. Pods opt in with {@link WorkloadIdentity.podLabels}.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
    /** The component's logical name; it keys this identity's deterministic role assignment names. */
    public readonly logicalName: string;
    /** The user-assigned managed identity. */
    public readonly identity: managedidentity.UserAssignedIdentity;
    /** The identity's client (application) id: what the ServiceAccounts' annotation carries. */
    public readonly clientId: pulumi.Output<string>;
    /** The identity's service principal object id: what role assignments name. */
    public readonly principalId: pulumi.Output<string>;
    /** The identity's tenant id. */
    public readonly tenantId: pulumi.Output<string>;
    /** The ServiceAccounts this identity trusts. */
    public readonly subjects: readonly ServiceAccountSubjectArgs[];
    /** The ServiceAccounts' namespaces, each once. */
    public readonly namespaces: readonly string[];
    /** The federated identity credentials, in the order they are written. */
    public readonly federatedCredentials: managedidentity.FederatedIdentityCredential[];
    /** The same credentials by Azure name (`federatedCredentialName(label, namespace, serviceAccount)`), to wait for one. */
    public readonly federatedCredentialsByName: Readonly<Record<string, managedidentity.FederatedIdentityCredential>>;
    /** The ServiceAccounts. */
    public readonly serviceAccounts: k8s.core.v1.ServiceAccount[];
    /** The role assignments. */
    public readonly roleAssignments: authorization.RoleAssignment[];
    /** Labels a pod template needs for the webhook to inject the identity. */
    public readonly podLabels: Record<string, string>;
    /** Annotations for the pod template that roll it when the identity behind its ServiceAccount changes. */
    public readonly podAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        validateWorkloadIdentityArgs(name, args);
        super(workloadIdentityType, name, {}, opts);
        this.logicalName = name;
        this.subjects = args.subjects.map((s) => ({ ...s }));
        this.namespaces = [...new Set(args.subjects.map((s) => s.namespace))];

        const created = createFederatedIdentity(name, {
            ...identityBaseArgs(args), audience: args.audience ?? aksWebhookTokenAudience, credentials: workloadCredentials(args),
        }, this);
        this.identity = created.identity;
        this.clientId = created.clientId;
        this.principalId = created.principalId;
        this.tenantId = created.tenantId;
        this.federatedCredentials = created.federatedCredentials;
        this.federatedCredentialsByName = created.federatedCredentialsByName;
        this.roleAssignments = created.roleAssignments;

        const labels = args.labels ?? {};
        const namespaceResources = new Map<string, k8s.core.v1.Namespace>();
        if (args.createNamespaces ?? false) {
            for (const namespace of this.namespaces) {
                namespaceResources.set(namespace, new k8s.core.v1.Namespace(`${name}-ns-${namespace}`, {
                    metadata: { name: namespace, labels },
                }, { parent: this, provider: args.provider }));
            }
        }

        const annotations: pulumi.Input<Record<string, pulumi.Input<string>>> = {
            ...(args.annotations ?? {}),
            [clientIdAnnotation]: this.clientId,
            ...(args.annotateTenantId ? { [tenantIdAnnotation]: this.tenantId } : {}),
            ...(args.tokenExpirationSeconds !== undefined ? { [tokenExpirationAnnotation]: String(args.tokenExpirationSeconds) } : {}),
        };
        this.serviceAccounts = args.subjects.map((subject) => {
            const namespace = namespaceResources.get(subject.namespace);
            return new k8s.core.v1.ServiceAccount(`${name}-sa-${subject.namespace}-${subject.serviceAccountName}`, {
                metadata: {
                    name: subject.serviceAccountName,
                    // Through the Namespace's output when this component creates it, so the ServiceAccount waits for it.
                    namespace: namespace ? namespace.metadata.name : subject.namespace,
                    labels,
                    annotations,
                },
            }, {
                parent: this,
                provider: args.provider,
                dependsOn: args.serviceAccountDependsOn,
                deleteBeforeReplace: true,
            });
        });

        this.podLabels = { [useLabel]: "true" };
        this.podAnnotations = this.clientId.apply(podAnnotationsForClientId);

        this.registerOutputs({
            clientId: this.clientId,
            principalId: this.principalId,
            tenantId: this.tenantId,
            podLabels: this.podLabels,
            podAnnotations: this.podAnnotations,
        });
    }
}
