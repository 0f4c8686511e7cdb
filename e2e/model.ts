/**
 * The world the end-to-end rehearsal emulates: what a deployed stack would hold in Azure and in the cluster,
 * derived from the stack's own plan by `wiring.ts`. Plain data, so it crosses into the namespaced runner as JSON.
 */

/** A container of a pod template: its name and the env vars it sets itself (literal values only). */
export interface ContainerSpec {
    readonly name: string;
    readonly env: Readonly<Record<string, string>>;
}

/** A pod template (from a Deployment, Job, ...) or a stand-in pod for a federated ServiceAccount no pod uses. */
export interface PodSpec {
    /** `Deployment`, `Job`, ... or `ServiceAccount` for a stand-in pod. */
    readonly kind: string;
    /** The workload's name (the Deployment's, the Job's, or the ServiceAccount's for a stand-in). */
    readonly name: string;
    readonly namespace: string;
    /** The ServiceAccount the pod runs as (`default` when the template names none, as Kubernetes does). */
    readonly serviceAccountName: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly containers: readonly ContainerSpec[];
}

/** A Kubernetes ServiceAccount with its annotations. */
export interface ServiceAccountSpec {
    readonly namespace: string;
    readonly name: string;
    readonly annotations: Readonly<Record<string, string>>;
}

/** A federated identity credential on a managed identity. */
export interface FederatedCredentialSpec {
    readonly name: string;
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

/** A user-assigned managed identity (its service principal in Entra). */
export interface IdentitySpec {
    /** The identity's Azure name. */
    readonly name: string;
    readonly clientId: string;
    readonly principalId: string;
    readonly tenantId: string;
    readonly federatedCredentials: readonly FederatedCredentialSpec[];
}

/** An Azure role assignment. */
export interface RoleAssignmentSpec {
    readonly principalId: string;
    /** The role definition id, as ARM holds it (`/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`). */
    readonly roleDefinitionId: string;
    /** The ARM id of the scope. */
    readonly scope: string;
}

/** A role definition's data-plane permissions, as Azure's role definitions list them. */
export interface RoleDefinitionSpec {
    readonly name: string;
    readonly dataActions: readonly string[];
    readonly notDataActions: readonly string[];
}

/** A Key Vault and its secrets. */
export interface VaultSpec {
    readonly name: string;
    /** The vault's ARM id. */
    readonly id: string;
    /** `https://<name>.vault.azure.net/`. */
    readonly uri: string;
    readonly tenantId: string;
    readonly location: string;
    /** `enableRbacAuthorization`: false means the access policies decide. */
    readonly rbacAuthorization: boolean;
    /** The vault's access policies (used only with RBAC off): who may do what with secrets. */
    readonly accessPolicies: readonly { readonly tenantId: string; readonly objectId: string; readonly secrets: readonly string[] }[];
    /** Secret name → value. */
    readonly secrets: Readonly<Record<string, string>>;
    /**
     * Who may read secret values, decided from the world's role assignments and role definitions (`rbac.ts`) by
     * the CLI just before the emulator starts: principal ids allowed for any secret of the vault, and for each
     * existing secret (assignments can be scoped to one secret).
     */
    readonly secretReaders?: {
        /** The data action decided on (reading a secret's value). */
        readonly action: string;
        readonly vault: readonly string[];
        readonly secrets: Readonly<Record<string, readonly string[]>>;
    };
}

/** The cluster: its OIDC issuer and whether the workload identity webhook runs. */
export interface ClusterSpec {
    readonly name: string;
    /** The issuer URL verbatim (AKS's ends in a slash). */
    readonly issuerUrl: string;
    /** `securityProfile.workloadIdentity.enabled`: the mutating webhook is installed. */
    readonly workloadIdentity: boolean;
    /** The tenant the webhook injects when a ServiceAccount has no tenant-id annotation (the cluster's). */
    readonly tenantId: string;
}

/** Everything one rehearsal needs. */
export interface World {
    readonly stack: string;
    readonly cluster: ClusterSpec;
    readonly identities: readonly IdentitySpec[];
    readonly serviceAccounts: readonly ServiceAccountSpec[];
    readonly pods: readonly PodSpec[];
    readonly vaults: readonly VaultSpec[];
    readonly roleAssignments: readonly RoleAssignmentSpec[];
    /** The role definitions of the directory, by GUID (lowercase): the built-in roles this product knows. */
    readonly roleDefinitions: Readonly<Record<string, RoleDefinitionSpec>>;
}
