import { createHash } from "crypto";

/** A DNS-1123 label: what Kubernetes allows for a namespace name. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: what Kubernetes allows for a ServiceAccount name. */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The longest namespace (a DNS-1123 label). */
export const maxNamespaceLength = 63;

/** The problem with `value` as a DNS-1123 label (a namespace name), if any. */
export function dns1123LabelProblem(value: unknown): string | undefined {
    if (typeof value === "string" && value.length > 0 && value.length <= maxNamespaceLength && dns1123Label.test(value)) return undefined;
    return `${JSON.stringify(value)} is not a DNS-1123 label: use at most ${maxNamespaceLength} lowercase letters, digits and '-', starting and ending with a letter or digit`;
}

/** The problem with `value` as a DNS-1123 subdomain (a ServiceAccount name), if any. */
export function dns1123SubdomainProblem(value: unknown): string | undefined {
    if (typeof value === "string" && value.length > 0 && value.length <= 253 && dns1123Subdomain.test(value)) return undefined;
    return `${JSON.stringify(value)} is not a DNS-1123 subdomain: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`;
}

/** The Kubernetes namespaces that always exist, so a program never creates (or deletes) them. */
export const builtInNamespaces: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Namespaces whose pods the workload identity webhook never mutates: AKS's admissions enforcer keeps webhooks out of kube-system. */
export const webhookExcludedNamespaces: readonly string[] = ["kube-system"];

/** The problem with federating a ServiceAccount in `namespace`, if any (the webhook would never inject its token). */
export function federatedNamespaceProblem(namespace: unknown): string | undefined {
    if (typeof namespace === "string" && webhookExcludedNamespaces.includes(namespace)) {
        return `${JSON.stringify(namespace)} is excluded from admission webhooks on AKS (its admissions enforcer), so the workload identity webhook never injects a token into pods there: use another namespace`;
    }
    return undefined;
}

/** Returns a problem sentence if `value` is not a valid namespace name, else undefined. */
export function checkNamespaceName(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return `${key} is required: a Kubernetes namespace name (DNS-1123 label)`;
    }
    const problem = dns1123LabelProblem(value);
    return problem && `${key} ${problem}`;
}

/** Returns a problem sentence if `value` is not a valid ServiceAccount name, else undefined. */
export function checkServiceAccountName(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return `${key} is required: a Kubernetes ServiceAccount name (DNS-1123 subdomain)`;
    }
    const problem = dns1123SubdomainProblem(value);
    return problem && `${key} ${problem}`;
}

/** AKS agent pool names (Linux): 1–12 lowercase letters and digits, starting with a letter. */
const agentPoolName = /^[a-z][a-z0-9]{0,11}$/;

/** The problem with `value` as an AKS agent pool name, if any. */
export function agentPoolNameProblem(value: unknown): string | undefined {
    if (typeof value === "string" && agentPoolName.test(value)) return undefined;
    return `${JSON.stringify(value)} is not an AKS pool name: use 1-12 lowercase letters and digits, starting with a letter`;
}

/** Length of the random suffix that makes a vault's name globally unique. */
export const vaultNameSuffixLength = 6;
/** Key Vault names: 3–24 characters in all. */
export const maxVaultNameLength = 24;
/** The longest vault name prefix: the name is `<prefix>-<suffix>`. */
export const maxVaultNamePrefixLength = maxVaultNameLength - vaultNameSuffixLength - 1;
const vaultPrefixPattern = /^[a-zA-Z][a-zA-Z0-9-]*$/;

/** Returns a problem sentence if `prefix` cannot start a Key Vault name, else undefined. */
export function vaultNamePrefixProblem(key: string, prefix: unknown): string | undefined {
    const rule = `must be 1-${maxVaultNamePrefixLength} letters, digits and '-', start with a letter, not end with '-' and not contain "--" ` +
        `(the vault's name is <prefix>-<${vaultNameSuffixLength} random characters>, at most ${maxVaultNameLength} in all)`;
    if (typeof prefix !== "string" || prefix.length === 0) return `${key} is required: it ${rule}`;
    if (prefix.length > maxVaultNamePrefixLength || !vaultPrefixPattern.test(prefix) || prefix.endsWith("-") || prefix.includes("--")) {
        return `${key} "${prefix}" ${rule}`;
    }
    return undefined;
}

/** Key Vault secret names: 1–127 letters, digits and '-'. */
const vaultSecretName = /^[0-9a-zA-Z-]{1,127}$/;

/** The problem with `value` as a Key Vault secret name, if any. */
export function vaultSecretNameProblem(value: unknown): string | undefined {
    if (typeof value === "string" && vaultSecretName.test(value)) return undefined;
    return `${JSON.stringify(value)} is not a Key Vault secret name: use 1-127 letters, digits and '-'`;
}

/** Azure's rule for federated identity credential names. */
export const federatedCredentialNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$/;

/** What an issuer label may look like: it becomes part of FIC and Pulumi resource names. */
export const issuerLabelPattern = /^[a-zA-Z0-9][a-zA-Z0-9-_]{0,39}$/;

/** The problem with `value` as an issuer label, if any. */
export function issuerLabelProblem(value: unknown): string | undefined {
    if (typeof value === "string" && issuerLabelPattern.test(value)) return undefined;
    return `${JSON.stringify(value)} is not an issuer label: use 1-40 letters, digits, '-' and '_', starting with a letter or digit (it becomes part of the FIC name)`;
}

/** The problem with `value` as an OIDC issuer URL given as a literal, if any. Entra compares it byte for byte with the token's iss. */
export function issuerUrlProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return `${JSON.stringify(value)} is not an issuer URL`;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `${JSON.stringify(value)} is not a URL: give the OIDC issuer verbatim, such as https://westeurope.oic.prod-aks.azure.com/<tenant>/<guid>/`;
    }
    if (url.protocol !== "https:") return `${JSON.stringify(value)} is not an https:// URL: Entra only trusts https OIDC issuers`;
    if (url.search || url.hash) return `${JSON.stringify(value)} has a query or fragment: an OIDC issuer has neither`;
    // AKS issuers end with a slash, and Entra compares the token's iss byte for byte (AADSTS70021 without it).
    if (/\.oic\.prod-aks\.azure\.(com|us|cn)$/.test(url.hostname) && !value.endsWith("/")) {
        return `${JSON.stringify(value)} is an AKS issuer without its trailing slash: AKS's tokens carry "${value}/" and Entra compares them byte for byte (AADSTS70021)`;
    }
    return undefined;
}

/**
 * The Azure name of the federated identity credential for one (issuer label, namespace, ServiceAccount).
 *
 * Readable when it can be (`<namespace>-<serviceaccount>-<label>`); when the readable form would be
 * too long or had to drop characters Azure refuses ('.'), it is cut and given a short hash of the
 * exact inputs, so it stays unique, valid and the same on every run.
 */
export function federatedCredentialName(issuerLabel: string, namespace: string, serviceAccountName: string): string {
    return credentialNameFor(`${namespace}-${serviceAccountName}-${issuerLabel}`, `${issuerLabel}\n${namespace}\n${serviceAccountName}`);
}

/**
 * A valid federated credential name from a `readable` one: kept as is when Azure accepts it, else cut and given a
 * short hash of `exact` (the inputs it was made from), so it stays unique, valid and the same on every run.
 */
export function credentialNameFor(readable: string, exact: string): string {
    const sanitised = readable.replace(/[^a-zA-Z0-9-_]/g, "-");
    if (sanitised === readable && federatedCredentialNamePattern.test(readable)) {
        return readable;
    }
    const hash = createHash("sha256").update(exact).digest("hex").slice(0, 10);
    return `${sanitised.slice(0, 109)}-${hash}`;
}

/** The `system:serviceaccount:<ns>:<sa>` subject that the projected token carries in its `sub` claim. */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

/**
 * A container image reference: the grammar of github.com/distribution/reference (`ReferenceRegexp`), so a typo such
 * as an uppercase repository or a space is refused before a pod sits in ImagePullBackOff / InvalidImageName.
 */
const imageReference = /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

/** The problem with `value` as a container image reference, if any. */
export function imageReferenceProblem(value: unknown): string | undefined {
    if (typeof value === "string" && value.length <= 255 && imageReference.test(value)) return undefined;
    return `${JSON.stringify(value)} is not a container image reference such as "ghcr.io/org/app:1.2.3" (lowercase repository, optional :tag and @sha256:digest)`;
}

/** A Kubernetes label name: an optional DNS-subdomain prefix and '/', then 1–63 alphanumerics, '-', '_', '.'. */
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A Kubernetes label value: empty, or 1–63 alphanumerics, '-', '_', '.', starting and ending alphanumeric. */
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The problem with a Kubernetes label (key and value), if any. */
export function labelProblem(key: string, value: unknown): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (prefix.length > 253 || dns1123SubdomainProblem(prefix) !== undefined)) || !labelName.test(name)) {
        return `${JSON.stringify(key)} is not a Kubernetes label name: an optional DNS subdomain and '/', then 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
    }
    if (typeof value !== "string" || !labelValue.test(value)) {
        return `${JSON.stringify(value)} is not a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
    }
    return undefined;
}
