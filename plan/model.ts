/**
 * The plan's data model. `npm run plan -- <stack> --json` prints a {@link Plan} as JSON; this file is
 * the documentation of that shape. Every value known only after deploy is a string
 * `<known after deploy: ...>`; every secret is the string `[secret]`.
 */

/** The JSON document `--json` prints. */
export interface Plan {
    /** The shape's version; it changes only when a field changes meaning or disappears. */
    readonly version: 1;
    /** The Pulumi project. */
    readonly project: string;
    /** The stack. */
    readonly stack: string;
    /** Every resource the program registers, parents before children, siblings in a stable order. */
    readonly resources: PlanResource[];
    /** One chain per workload identity (a user-assigned identity that workloads federate with). */
    readonly trustChains: TrustChain[];
    /** Broken wiring that belongs to no identity, for example a labelled pod whose ServiceAccount no identity trusts. */
    readonly unlinkedProblems: string[];
    /** The stack outputs; secret outputs (the kubeconfig) are `[secret]`. */
    readonly outputs: Record<string, unknown>;
    /** Counts. */
    readonly summary: PlanSummary;
}

/** One resource. */
export interface PlanResource {
    /** The URN; the parent chain is in its type part. */
    readonly urn: string;
    /** The type token, for example `azure-native:keyvault:Vault`. */
    readonly type: string;
    /** The logical (Pulumi) name. */
    readonly name: string;
    /** The parent's URN; null at the top level (the stack). */
    readonly parent: string | null;
    /** False for component resources, which group others and create nothing themselves. */
    readonly custom: boolean;
    /** `protect`: `pulumi destroy` refuses it. */
    readonly protect: boolean;
    /** `deleteBeforeReplace`. */
    readonly deleteBeforeReplace: boolean;
    /** The URNs this resource waits for (explicit `dependsOn`, and those its inputs come from), sorted. */
    readonly dependsOn: string[];
    /** The properties a reviewer checks, by a readable key (role names resolved, for example); secrets masked. */
    readonly properties: Record<string, unknown>;
    /** Every input, secrets masked. */
    readonly inputs: Record<string, unknown>;
}

/** A workload identity's trust chain: ServiceAccount → FIC → identity → role → scope. */
export interface TrustChain {
    /** The user-assigned identity. */
    readonly identity: {
        readonly urn: string;
        readonly name: string;
        /** The identity's Azure name. */
        readonly azureName: string;
        readonly clientId: string;
        readonly principalId: string;
        /** The component that made it, when there is one, for example `wid:identity:WorkloadIdentity orders`. */
        readonly component: string | null;
    };
    /** `ok` when every link is consistent; `broken` with `problems` otherwise. */
    readonly status: "ok" | "broken";
    /** Every broken link, one sentence each (the subjects' problems included). */
    readonly problems: string[];
    /** One entry per ServiceAccount the identity trusts or that claims it. */
    readonly subjects: TrustSubject[];
    /** The identity's role assignments. */
    readonly roles: TrustRole[];
}

/** One ServiceAccount's link to the identity. */
export interface TrustSubject {
    readonly namespace: string;
    readonly serviceAccountName: string;
    /** `system:serviceaccount:<namespace>:<name>`. */
    readonly subject: string;
    /** The FICs on the identity with this subject. */
    readonly federatedCredentials: {
        readonly urn: string;
        /** The FIC's Azure name. */
        readonly name: string;
        readonly issuer: string;
        /** `cluster <name>` when the issuer is a cluster's in this program, else `external`. */
        readonly issuerSource: string;
        readonly audiences: string[];
    }[];
    /** The ServiceAccount, when the program creates it. */
    readonly serviceAccount: { readonly urn: string; readonly clientIdAnnotation: string | null } | null;
    /** Pod templates (Deployments, Jobs, ...) that run as this ServiceAccount. */
    readonly pods: { readonly urn: string; readonly kind: string; readonly name: string; readonly useLabel: boolean }[];
    /** `ok` or `broken`. */
    readonly status: "ok" | "broken";
    /** This subject's broken links. */
    readonly problems: string[];
}

/** One role assignment of the identity. */
export interface TrustRole {
    readonly urn: string;
    /** The role's name, resolved from the GUID in `roleDefinitionId` (the GUID itself for a custom role). */
    readonly role: string;
    readonly roleDefinitionId: string;
    readonly scope: string;
    /** The resource the scope is the id of, as `<type> <name>`, when it is in this program. */
    readonly scopeResource: string | null;
    readonly principalType: string | null;
}

/** Resource counts. */
export interface PlanSummary {
    /** Custom resources (what `pulumi up` creates). */
    readonly resources: number;
    /** Component resources (groupings). */
    readonly components: number;
    /** Resources and components by type token. */
    readonly byType: Record<string, number>;
    /** Trust chains that are ok and broken. */
    readonly trustChains: { readonly ok: number; readonly broken: number };
}
