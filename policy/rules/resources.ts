/**
 * Rules about single resources: the vault, the cluster, role assignments, the Kubernetes provider's kubeconfig.
 * One implementation, used by the CrossGuard policy pack (policy/policies.ts) and its tests; the components create
 * resources that pass them.
 */
import { isGuid } from "../../components/shared/roles";

/** The value at a dotted path, or undefined. */
export function at(value: unknown, dotted: string): unknown {
    let v = value;
    for (const key of dotted.split(".")) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/** A Key Vault's problems: RBAC authorization on, purge protection on, no access policies. */
export function vaultProblems(props: Record<string, unknown>): string[] {
    const problems: string[] = [];
    // With the SDK's default API version enableRbacAuthorization defaults to false (access policies): it must be explicit.
    if (at(props, "properties.enableRbacAuthorization") !== true) problems.push("Key Vault must set properties.enableRbacAuthorization: true (Azure RBAC, not access policies)");
    if (at(props, "properties.enablePurgeProtection") !== true) problems.push("Key Vault must set properties.enablePurgeProtection: true, so a deleted secret stays recoverable");
    const policies = at(props, "properties.accessPolicies");
    if (Array.isArray(policies) && policies.length > 0) problems.push("Key Vault must have no access policies: grant Azure RBAC roles instead");
    return problems;
}

/** A managed cluster's problems: local accounts off, OIDC issuer and workload identity on. */
export function clusterProblems(props: Record<string, unknown>): string[] {
    const problems: string[] = [];
    if (props.disableLocalAccounts !== true) problems.push("AKS cluster must set disableLocalAccounts: true: sign-in through Entra ID only, never the static admin credential");
    if (at(props, "oidcIssuerProfile.enabled") !== true) problems.push("AKS cluster must set oidcIssuerProfile.enabled: true (Workload ID needs the OIDC issuer; enabling it later changes the issuer)");
    if (at(props, "securityProfile.workloadIdentity.enabled") !== true) problems.push("AKS cluster must set securityProfile.workloadIdentity.enabled: true (the webhook that projects the tokens)");
    return problems;
}

/** A role assignment's problems: a deterministic GUID name, and (for a managed identity) `principalType: ServicePrincipal`. */
export function roleAssignmentProblems(props: Record<string, unknown>, toManagedIdentity: boolean): string[] {
    const problems: string[] = [];
    const name = props.roleAssignmentName;
    if (typeof name !== "string" || !isGuid(name)) {
        problems.push("role assignment must set roleAssignmentName to a deterministic GUID: without it azure-native picks a random one, and lost state or a re-import duplicates it (RoleAssignmentExists)");
    }
    if (toManagedIdentity && props.principalType !== "ServicePrincipal") {
        problems.push(`role assignment to a managed identity must set principalType: "ServicePrincipal" (it has ${JSON.stringify(props.principalType ?? null)}): otherwise ARM looks the new principal up and fails with PrincipalNotFound while it replicates`);
    }
    return problems;
}

/** A Kubernetes provider's kubeconfig problems: never the cluster admin credential. */
export function kubeconfigProblems(kubeconfig: unknown): string[] {
    if (typeof kubeconfig !== "string") return [];
    // listManagedClusterAdminCredentials returns the user clusterAdmin_<rg>_<name> with a client certificate.
    if (/\bclusterAdmin_|client-certificate-data:/.test(kubeconfig)) {
        return ["Kubernetes provider uses the cluster's admin credential (listManagedClusterAdminCredentials): use the user credential in exec format (kubelogin); with local accounts off the admin call returns 400"];
    }
    return [];
}

/** A problem with a federated subject in `kube-system`, where AKS keeps the webhook out. */
export function kubeSystemProblem(subject: string): string | undefined {
    return /^system:serviceaccount:kube-system:/.test(subject)
        ? `subject ${subject} is in kube-system: AKS's admissions enforcer keeps the workload identity webhook out of kube-system, so its pods never get the token`
        : undefined;
}
