/**
 * The plan's data model. `npm run plan -- <stack> --json` prints a {@link Plan} as JSON; this file is
 * the documentation of that shape. Every value known only after deploy is an {@link UnknownValue} object
 * (never text standing in for it); every secret is the string `[secret]`. With `--values rehearsal` there are no
 * unknowns: Azure's values are concrete, deterministic stand-ins (see `plan/unknowns.ts`).
 */

/**
 * A value known only after deploy, wherever a value may appear (inputs, properties, outputs, trust chains):
 * `{"unknown": {"resource": "<urn>", "output": "<path>"}}`.
 * - `resource`: the URN of the resource Azure computes it on (the identity for its `clientId`, the cluster for
 *   its issuer URL); null when it comes from no resource in the program (an invoke such as the deployer's
 *   client config, read at a real preview) or from several.
 * - `output`: that resource's output path (`clientId`, `oidcIssuerProfile.issuerURL`, `properties.vaultUri`); null
 *   when the value is computed from that resource's outputs by the program (a hash, a name with a suffix) or the
 *   resource has several computed outputs it may come from.
 */
export interface UnknownValue {
    readonly unknown: {
        readonly resource: string | null;
        readonly output: string | null;
    };
}

/** A string, or an {@link UnknownValue} when it is known only after deploy. */
export type MaybeUnknown = string | UnknownValue;

/** The JSON document `--json` prints. */
export interface Plan {
    /** The shape's version; it changes only when a field changes meaning or disappears. */
    readonly version: 1;
    /** The Pulumi project. */
    readonly project: string;
    /** The stack. */
    readonly stack: string;
    /** `unknown`: a preview, Azure's computed values are {@link UnknownValue}s; `rehearsal`: they are deterministic stand-ins. */
    readonly values: "unknown" | "rehearsal";
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
        readonly clientId: MaybeUnknown;
        readonly principalId: MaybeUnknown;
        /** The component that made it, when there is one, for example `wid:identity:WorkloadIdentity orders`. */
        readonly component: string | null;
    };
    /** `ok` when every link is consistent; `broken` with `problems` otherwise. */
    readonly status: "ok" | "broken";
    /** Every broken link, one sentence each (the subjects' problems included). */
    readonly problems: string[];
    /** One entry per ServiceAccount the identity trusts or that claims it. */
    readonly subjects: TrustSubject[];
    /** Credentials whose subject is not a ServiceAccount's: CI federation (GitHub Actions), checked for issuer, audience and subject shape. */
    readonly ciSubjects: CiSubject[];
    /** The identity's role assignments. */
    readonly roles: TrustRole[];
    /**
     * What the workload needs and which role provides it: to read a secret's value from each vault it holds a role
     * on, the data action `Microsoft.KeyVault/vaults/secrets/getSecret/action` at the vault or a parent scope.
     */
    readonly needs: TrustNeed[];
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
        readonly issuer: MaybeUnknown;
        /** `cluster <name>` when the issuer is a cluster's in this program, else `external`. */
        readonly issuerSource: string;
        readonly audiences: string[];
    }[];
    /** The ServiceAccount, when the program creates it. */
    readonly serviceAccount: { readonly urn: string; readonly clientIdAnnotation: MaybeUnknown | null } | null;
    /** Pod templates (Deployments, Jobs, ...) that run as this ServiceAccount. */
    readonly pods: { readonly urn: string; readonly kind: string; readonly name: string; readonly useLabel: boolean }[];
    /** `ok` or `broken`. */
    readonly status: "ok" | "broken";
    /** This subject's broken links. */
    readonly problems: string[];
}

/** A federated credential for a CI system (GitHub Actions: `repo:ORG/REPO:environment:dev`, `repo:ORG/REPO:pull_request`, ...). */
export interface CiSubject {
    readonly urn: string;
    /** The FIC's Azure name. */
    readonly name: string;
    readonly subject: string;
    readonly issuer: MaybeUnknown;
    readonly audiences: string[];
    /** What the subject grants, for example `GitHub environment dev of org/repo`. */
    readonly description: string;
    readonly status: "ok" | "broken";
    readonly problems: string[];
}

/** A data action the workload needs, and the granted role that allows it (null: none does, the chain is broken). */
export interface TrustNeed {
    readonly action: string;
    /** The resource's ARM id. */
    readonly resource: MaybeUnknown;
    /** The resource as `<type> "<name>"` when it is in the program, else its id. */
    readonly resourceName: MaybeUnknown;
    readonly purpose: string;
    readonly providedBy: { readonly role: string; readonly scope: MaybeUnknown } | null;
}

/** One role assignment of the identity. */
export interface TrustRole {
    readonly urn: string;
    /** The role's name, resolved from the GUID in `roleDefinitionId` (the GUID itself for a custom role). */
    readonly role: string;
    /** The role definition's tenant-level id, `/providers/Microsoft.Authorization/roleDefinitions/<guid>`: the GUID is a constant. */
    readonly roleDefinition: string;
    /** The assignment's `roleDefinitionId` (subscription-qualified; known after deploy when its scope is). */
    readonly roleDefinitionId: MaybeUnknown;
    readonly scope: MaybeUnknown;
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
