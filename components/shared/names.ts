import { createHash } from "crypto";

/** A DNS-1123 label: what Kubernetes allows for a namespace name. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: what Kubernetes allows for a ServiceAccount name. */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Returns a problem sentence if `value` is not a valid namespace name, else undefined. */
export function checkNamespaceName(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return `${key} is required: a Kubernetes namespace name (DNS-1123 label)`;
    }
    if (value.length > 63 || !dns1123Label.test(value)) {
        return `${key} "${value}" is not a DNS-1123 label: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`;
    }
    return undefined;
}

/** Returns a problem sentence if `value` is not a valid ServiceAccount name, else undefined. */
export function checkServiceAccountName(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return `${key} is required: a Kubernetes ServiceAccount name (DNS-1123 subdomain)`;
    }
    if (value.length > 253 || !dns1123Subdomain.test(value)) {
        return `${key} "${value}" is not a DNS-1123 subdomain: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`;
    }
    return undefined;
}

/** Azure's rule for federated identity credential names. */
export const federatedCredentialNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$/;

/** What an issuer label may look like: it becomes part of FIC and Pulumi resource names. */
export const issuerLabelPattern = /^[a-zA-Z0-9][a-zA-Z0-9-_]{0,39}$/;

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
