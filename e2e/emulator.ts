import * as https from "https";
import type { IncomingMessage, ServerResponse } from "http";
import * as jose from "jose";
import { decideExchange, entraError, resourceOfScope } from "./entra";
import type { VaultSpec, World } from "./model";
import type { RsaKeyPem } from "./tls";

/**
 * One HTTPS listener that plays every Azure and cluster endpoint the SDKs call, routing by the Host header:
 * - the cluster's OIDC issuer (its host): `{issuer}.well-known/openid-configuration` and `{issuer}openid/v1/jwks`;
 * - Entra ID (`login.microsoftonline.com`): `POST /{tenant}/oauth2/v2.0/token`;
 * - Key Vault (`<vault>.vault.azure.net`): `GET /secrets/{name}[/{version}]`.
 * Several worlds (the stack as planned and each broken variant) are served at once: each has its own cluster and
 * Entra signing keys, and a request is tied to its world by the `kid` of the token it presents.
 */

/** Entra's authority host (AzureCloud). */
export const entraHost = "login.microsoftonline.com";
/** The Key Vault resource every vault's tokens are for (the v1 `aud`). */
export const keyVaultResource = "https://vault.azure.net";
const keyVaultSuffix = ".vault.azure.net";

/** The signing keys of one world. */
interface WorldKeys {
    readonly world: World;
    readonly clusterKid: string;
    readonly clusterKey: jose.CryptoKey;
    readonly clusterJwk: jose.JWK;
    readonly entraKid: string;
    readonly entraKey: jose.CryptoKey;
    readonly entraPublic: jose.CryptoKey;
}

/** One request the emulator answered, for the report. */
export interface RequestRecord {
    readonly host: string;
    readonly method: string;
    readonly path: string;
    readonly status: number;
    /** True when no emulated endpoint serves this request: the SDK called something the rehearsal does not model. */
    readonly unrouted?: boolean;
}

/** The host names the emulator answers for: what the private /etc/hosts points at it. */
export function hostNames(worlds: readonly World[]): string[] {
    const hosts = new Set<string>([entraHost]);
    for (const w of worlds) {
        hosts.add(new URL(w.cluster.issuerUrl).hostname);
        for (const v of w.vaults) hosts.add(new URL(v.uri).hostname);
    }
    return [...hosts].sort();
}

/** The issuer's discovery document URL, per OpenID Connect Discovery 1.0 section 4 (a trailing `/` is not doubled). */
export function discoveryUrl(issuer: string): string {
    return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

/** Key Vault's error body. */
function vaultError(code: string, message: string, innerCode?: string): object {
    return { error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) } };
}

export class Emulator {
    readonly requests: RequestRecord[] = [];
    private readonly keys: WorldKeys[] = [];
    private server?: https.Server;
    private readonly jwksCache = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

    /**
     * Makes the emulator for `worlds`. One RS256 key signs for every cluster and one for Entra (RSA generation is
     * slow); each world still has its own key ids, which tie requests to their world.
     */
    static async create(worlds: readonly World[], keys: { cluster: RsaKeyPem; entra: RsaKeyPem }): Promise<Emulator> {
        const emulator = new Emulator();
        const load = async (pem: RsaKeyPem): Promise<{ privateKey: jose.CryptoKey; publicKey: jose.CryptoKey }> => ({
            privateKey: await jose.importPKCS8(pem.privatePem, "RS256"),
            publicKey: await jose.importSPKI(pem.publicPem, "RS256", { extractable: true }),
        });
        const [cluster, entra] = await Promise.all([load(keys.cluster), load(keys.entra)]);
        const publicJwk = await jose.exportJWK(cluster.publicKey);
        for (const [i, world] of worlds.entries()) {
            const clusterKid = `e2e-sa-${i}`;
            emulator.keys.push({
                world,
                clusterKid,
                clusterKey: cluster.privateKey,
                clusterJwk: { ...publicJwk, kid: clusterKid, use: "sig", alg: "RS256" },
                entraKid: `e2e-entra-${i}`,
                entraKey: entra.privateKey,
                entraPublic: entra.publicKey,
            });
        }
        return emulator;
    }

    /**
     * The projected ServiceAccount token the kubelet would write for a pod of world `index`: signed by the cluster's
     * key, `iss` the issuer URL verbatim, `sub` system:serviceaccount:<ns>:<sa>, `aud` the webhook's audience.
     */
    async serviceAccountToken(index: number, namespace: string, serviceAccount: string, podName: string, audience: string, expirationSeconds: number): Promise<string> {
        const k = this.keys[index];
        return new jose.SignJWT({
            "kubernetes.io": { namespace, serviceaccount: { name: serviceAccount, uid: "00000000-0000-4000-8000-0000000000a1" }, pod: { name: podName, uid: "00000000-0000-4000-8000-0000000000b2" } },
        })
            .setProtectedHeader({ alg: "RS256", kid: k.clusterKid })
            .setIssuer(k.world.cluster.issuerUrl)
            .setSubject(`system:serviceaccount:${namespace}:${serviceAccount}`)
            .setAudience([audience])
            .setIssuedAt()
            .setNotBefore("0s")
            .setExpirationTime(`${expirationSeconds}s`)
            .sign(k.clusterKey);
    }

    /** Listens on `host:port` with the given certificate. */
    listen(host: string, port: number, tls: { cert: string; key: string }): Promise<void> {
        this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
            this.handle(req, res).catch((err: Error) => this.send(req, res, 500, { error: { code: "InternalError", message: err.message } }));
        });
        return new Promise((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(port, host, () => resolve());
        });
    }

    close(): Promise<void> {
        return new Promise((resolve) => this.server ? this.server.close(() => resolve()) : resolve());
    }

    private send(req: IncomingMessage, res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}, unrouted = false): void {
        this.requests.push({ host: (req.headers.host ?? "").split(":")[0], method: req.method ?? "", path: (req.url ?? "").split("?")[0], status, ...(unrouted ? { unrouted } : {}) });
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(JSON.stringify(body));
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const host = (req.headers.host ?? "").split(":")[0].toLowerCase();
        const url = new URL(req.url ?? "/", `https://${host}`);
        const body = await new Promise<string>((resolve) => {
            let data = "";
            req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
            req.on("end", () => resolve(data));
        });
        if (host === entraHost) return this.entra(req, res, url, body);
        if (host.endsWith(keyVaultSuffix)) return this.vault(req, res, host, url);
        return this.issuer(req, res, url);
    }

    /** The cluster's OIDC issuer: discovery and JWKS for every world whose issuer URL this is (AKS serves both unauthenticated). */
    private issuer(req: IncomingMessage, res: ServerResponse, url: URL): void {
        const href = `${url.origin}${url.pathname}`;
        const owners = this.keys.filter((k) => href.startsWith(k.world.cluster.issuerUrl.replace(/\/?$/, "/")));
        const issuer = owners[0]?.world.cluster.issuerUrl;
        if (!issuer || req.method !== "GET") return this.send(req, res, 404, { error: "not found" }, {}, true);
        const base = issuer.replace(/\/?$/, "/");
        if (href === discoveryUrl(issuer)) {
            // The fields AKS's issuer publishes.
            return this.send(req, res, 200, {
                issuer,
                jwks_uri: `${base}openid/v1/jwks`,
                response_types_supported: ["id_token"],
                subject_types_supported: ["public"],
                id_token_signing_alg_values_supported: ["RS256"],
            });
        }
        if (href === `${base}openid/v1/jwks`) {
            return this.send(req, res, 200, { keys: owners.map((k) => k.clusterJwk) });
        }
        return this.send(req, res, 404, { error: "not found" }, {}, true);
    }

    /** Entra's token endpoint for a federated client assertion. */
    private async entra(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
        const match = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
        if (!match || req.method !== "POST") return this.send(req, res, 404, { error: "not_found", error_description: `the emulated Entra ID serves only POST /{tenant}/oauth2/v2.0/token, not ${req.method} ${url.pathname}` }, {}, true);
        const tenant = decodeURIComponent(match[1]);
        const form = Object.fromEntries(new URLSearchParams(body));
        const fail = (e: ReturnType<typeof entraError>): void => this.send(req, res, e.status, e.body);
        let claims: jose.JWTPayload = {};
        let kid: string | undefined;
        try {
            claims = jose.decodeJwt(form.client_assertion ?? "");
            kid = jose.decodeProtectedHeader(form.client_assertion ?? "").kid;
        } catch {
            return fail(entraError(400, "invalid_request", 50027, "JWT token is invalid or malformed."));
        }
        const k = this.keys.find((x) => x.clusterKid === kid);
        if (!k) return fail(entraError(401, "invalid_client", 700027, "Client assertion failed signature validation. (no key with this kid at the issuer)"));
        const decision = decideExchange({ tenant, form }, claims, k.world.identities);
        if (!decision.ok) return fail(decision.error);
        // Entra reads the issuer's keys through its discovery document, over HTTPS.
        try {
            const discovery = await (await fetch(discoveryUrl(String(claims.iss)))).json() as { jwks_uri?: string };
            const jwksUri = String(discovery.jwks_uri);
            let jwks = this.jwksCache.get(jwksUri);
            if (!jwks) {
                jwks = jose.createRemoteJWKSet(new URL(jwksUri));
                this.jwksCache.set(jwksUri, jwks);
            }
            await jose.jwtVerify(form.client_assertion, jwks, { issuer: decision.credential.issuer, subject: decision.credential.subject });
        } catch (err) {
            const e = err as { code?: string; message?: string };
            if (e.code === "ERR_JWT_EXPIRED") return fail(entraError(401, "invalid_client", 700024, "Client assertion is not within its valid time range."));
            return fail(entraError(401, "invalid_client", 700027, `Client assertion failed signature validation. (${e.message ?? String(err)})`));
        }
        const resource = resourceOfScope(decision.scope);
        // A v1 access token, as Entra issues for resources like Key Vault (accessTokenAcceptedVersion not 2).
        const accessToken = await new jose.SignJWT({
            tid: decision.identity.tenantId,
            oid: decision.identity.principalId,
            appid: decision.identity.clientId,
            idtyp: "app",
            ver: "1.0",
        })
            .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: k.entraKid })
            .setIssuer(`https://sts.windows.net/${decision.identity.tenantId}/`)
            .setSubject(decision.identity.principalId)
            .setAudience(resource)
            .setIssuedAt()
            .setNotBefore("0s")
            .setExpirationTime("3599s")
            .sign(k.entraKey);
        return this.send(req, res, 200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
    }

    /** The Key Vault data plane: challenge, token check, RBAC (or access policies), then the secret or 404. */
    private async vault(req: IncomingMessage, res: ServerResponse, host: string, url: URL): Promise<void> {
        const anyVault = this.keys.flatMap((k) => k.world.vaults).find((v) => new URL(v.uri).hostname === host);
        if (!anyVault) return this.send(req, res, 404, vaultError("VaultNotFound", `no vault ${host} in this rehearsal`), {}, true);
        const auth = req.headers.authorization ?? "";
        if (!auth.startsWith("Bearer ")) {
            // The challenge SecretClient starts with: where to get a token, and for which resource.
            return this.send(req, res, 401, vaultError("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."), {
                "www-authenticate": `Bearer authorization="https://${entraHost}/${anyVault.tenantId}", resource="${keyVaultResource}"`,
            });
        }
        const token = auth.slice("Bearer ".length);
        let claims: jose.JWTPayload;
        let k: WorldKeys | undefined;
        try {
            const kid = jose.decodeProtectedHeader(token).kid;
            k = this.keys.find((x) => x.entraKid === kid);
            if (!k) throw new Error("unknown signing key");
            claims = (await jose.jwtVerify(token, k.entraPublic, { audience: [keyVaultResource, `${keyVaultResource}/`] })).payload;
        } catch (err) {
            return this.send(req, res, 401, vaultError("Unauthorized", `AKV10022: Invalid audience or signature (${(err as Error).message}).`));
        }
        const vault: VaultSpec | undefined = k.world.vaults.find((v) => new URL(v.uri).hostname === host);
        if (!vault) return this.send(req, res, 404, vaultError("VaultNotFound", `no vault ${host} in this world`), {}, true);
        if (claims.iss !== `https://sts.windows.net/${vault.tenantId}/`) {
            return this.send(req, res, 401, vaultError("Unauthorized", `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vault.tenantId}/, found ${String(claims.iss)}.`));
        }
        const match = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
        if (!match || req.method !== "GET") return this.send(req, res, 400, vaultError("BadParameter", `the emulated vault serves only GET /secrets/{name}, not ${req.method} ${url.pathname}`), {}, true);
        const name = decodeURIComponent(match[1]);
        const resourceId = `${vault.id}/secrets/${name}`;
        const caller = `appid=${String(claims.appid)};oid=${String(claims.oid)};iss=${String(claims.iss)}`;
        if (vault.rbacAuthorization) {
            // Decided by rbac.ts from the role assignments and definitions before the emulator started (secretReaders).
            const readers = vault.secretReaders?.secrets[name] ?? vault.secretReaders?.vault ?? [];
            if (!readers.includes(String(claims.oid).toLowerCase())) {
                return this.send(req, res, 403, vaultError("Forbidden", [
                    "Caller is not authorized to perform action on resource.",
                    "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
                    `Caller: ${caller}`,
                    `Action: '${vault.secretReaders?.action}'`,
                    `Resource: '${resourceId.toLowerCase()}'`,
                    "Assignment: (not found)",
                    "DenyAssignmentId: null",
                    "DecisionReason: 'DeniedWithNoValidRBAC' ",
                    `Vault: ${vault.name};location=${vault.location}`,
                    "",
                ].join("\r\n"), "ForbiddenByRbac"));
            }
        } else if (!vault.accessPolicies.some((p) => p.objectId.toLowerCase() === String(claims.oid).toLowerCase()
            && p.tenantId.toLowerCase() === String(claims.tid).toLowerCase() && p.secrets.some((s) => ["get", "all"].includes(s.toLowerCase())))) {
            // Access-policy vaults: only an access policy for the caller with the secret permission "get" (or "all") lets it read.
            return this.send(req, res, 403, vaultError("Forbidden",
                `The user, group or application '${caller}' does not have secrets get permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
                "AccessDenied"));
        }
        const value = vault.secrets[name];
        if (value === undefined) {
            return this.send(req, res, 404, vaultError("SecretNotFound",
                `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`));
        }
        const now = Math.floor(Date.now() / 1000);
        return this.send(req, res, 200, {
            value,
            id: `${vault.uri}secrets/${name}/0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e`,
            attributes: { enabled: true, created: now, updated: now, recoveryLevel: "Recoverable", recoverableDays: 7 },
            tags: {},
        });
    }
}
