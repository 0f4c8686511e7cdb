import type { FederatedCredentialSpec, IdentitySpec } from "./model";

/**
 * The Entra ID token endpoint's rules for a federated client assertion (`POST /{tenant}/oauth2/v2.0/token`,
 * client credentials with `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`), as the
 * Microsoft identity platform documents workload identity federation
 * (learn.microsoft.com/entra/workload-id/workload-identity-federation): the assertion's issuer, subject and
 * audience must match one federated identity credential of the application exactly (case-sensitive).
 * Error texts are Entra's, as users report them verbatim (Azure/azure-workload-identity #1200, Azure/login #482
 * and #517, microsoft/AzureTRE #1475).
 */

/** The client assertion type a federated credential presents. */
export const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Where Entra's errors point for federation problems. */
const federationDocs = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/** An error as Entra's token endpoint returns it (HTTP status and JSON body). */
export interface EntraError {
    readonly status: number;
    readonly body: {
        readonly error: string;
        readonly error_description: string;
        readonly error_codes: number[];
        readonly timestamp: string;
        readonly trace_id: string;
        readonly correlation_id: string;
        readonly error_uri: string;
    };
}

/** Builds Entra's error response; the description ends with the trace and correlation ids, as Entra's do. */
export function entraError(status: number, error: string, code: number, text: string, now: Date = new Date()): EntraError {
    const traceId = "00000000-0000-0000-0000-00000000e2e0";
    const timestamp = now.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    return {
        status,
        body: {
            error,
            error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${traceId} Timestamp: ${timestamp}`,
            error_codes: [code],
            timestamp,
            trace_id: traceId,
            correlation_id: traceId,
            error_uri: `https://login.microsoftonline.com/error?code=${code}`,
        },
    };
}

/** The unverified claims of a client assertion that the matching reads. */
export interface AssertionClaims {
    readonly iss?: unknown;
    readonly sub?: unknown;
    readonly aud?: unknown;
}

/** The form fields of a token request. */
export interface TokenRequest {
    /** The `{tenant}` path segment. */
    readonly tenant: string;
    readonly form: Readonly<Record<string, string>>;
}

/** The outcome of matching a token request against the directory: the identity and credential, or Entra's error. */
export type ExchangeDecision =
    | { readonly ok: true; readonly identity: IdentitySpec; readonly credential: FederatedCredentialSpec; readonly scope: string }
    | { readonly ok: false; readonly error: EntraError };

/**
 * Decides a client-credentials request with a federated assertion, before the signature check: the client must be
 * an application in the tenant (AADSTS700016), then a federated credential must match the assertion's issuer
 * (AADSTS700211), subject (AADSTS700213) and audience (AADSTS700212), each exactly.
 */
export function decideExchange(request: TokenRequest, claims: AssertionClaims, identities: readonly IdentitySpec[]): ExchangeDecision {
    const { form, tenant } = request;
    const fail = (status: number, error: string, code: number, text: string): ExchangeDecision => ({ ok: false, error: entraError(status, error, code, text) });
    if (form.grant_type !== "client_credentials") {
        return fail(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${form.grant_type ?? ""}'.`);
    }
    if (form.client_assertion_type !== jwtBearerAssertionType || !form.client_assertion) {
        return fail(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const scope = form.scope ?? "";
    if (!scope.endsWith("/.default")) {
        return fail(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const clientId = form.client_id ?? "";
    const identity = identities.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase() && i.tenantId.toLowerCase() === tenant.toLowerCase());
    if (!identity) {
        return fail(400, "unauthorized_client", 700016,
            `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const iss = typeof claims.iss === "string" ? claims.iss : "";
    const sub = typeof claims.sub === "string" ? claims.sub : "";
    const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === "string" ? [claims.aud] : [];
    const byIssuer = identity.federatedCredentials.filter((f) => f.issuer === iss);
    const check = "Check your federated identity credential Subject, Audience and Issuer against the presented assertion.";
    if (byIssuer.length === 0) {
        return fail(401, "invalid_client", 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. ${check} ${federationDocs}`);
    }
    const bySubject = byIssuer.filter((f) => f.subject === sub);
    if (bySubject.length === 0) {
        return fail(401, "invalid_client", 700213, `No matching federated identity record found for presented assertion subject '${sub}'. ${check} ${federationDocs}`);
    }
    const credential = bySubject.find((f) => f.audiences.some((a) => auds.includes(a)));
    if (!credential) {
        return fail(401, "invalid_client", 700212, `No matching federated identity record found for presented assertion audience '${auds.join(",")}'. ${check} ${federationDocs}`);
    }
    return { ok: true, identity, credential, scope };
}

/** The resource (v1 `aud`) a `/.default` scope asks for: `https://vault.azure.net/.default` → `https://vault.azure.net`. */
export function resourceOfScope(scope: string): string {
    return scope.split(" ")[0].replace(/\/\.default$/, "");
}
