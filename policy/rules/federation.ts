/**
 * Rules about federated identity credentials: issuer, subject and audience. One implementation, used by the offline
 * plan's trust analysis (plan/trust.ts) and by the CrossGuard policy pack (policy/index.ts).
 */
import { clouds } from "../../components/shared/clouds";
import { githubActionsIssuer } from "../../components/github/githubActionsIdentity";

/** GitHub Actions' OIDC issuer (no trailing slash, unlike an AKS cluster's): its one home is the GitHub component. */
export { githubActionsIssuer };

/** The token-exchange audiences Entra accepts, one per cloud (api://AzureADTokenExchange in Azure's public cloud). */
export const tokenExchangeAudiences: readonly string[] = Object.values(clouds).map((c) => c.tokenExchangeAudience);

/** A Kubernetes ServiceAccount's token subject: `system:serviceaccount:<namespace>:<name>`. */
export const serviceAccountSubjectPattern = /^system:serviceaccount:([^:]+):([^:]+)$/;

// An owner or repository name as GitHub spells it; the immutable form appends @<numeric id> (Azure/login #617, #635).
const ghName = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?";
const githubSubjectPattern = new RegExp(`^repo:(${ghName})(@\\d+)?/(${ghName})(@\\d+)?:(.+)$`);

/** What a credential's subject names. */
export type FederatedSubject =
    | { readonly kind: "serviceAccount"; readonly namespace: string; readonly name: string }
    | { readonly kind: "github"; readonly repository: string; readonly immutable: boolean; readonly context: string; readonly description: string }
    | { readonly kind: "other" };

/** What a GitHub subject's context grants, or undefined when it is not one GitHub issues. */
function githubContext(context: string): string | undefined {
    if (context === "pull_request") return "pull requests";
    let m = /^environment:(.+)$/.exec(context);
    if (m) return `GitHub environment ${m[1]}`;
    m = /^ref:refs\/heads\/(.+)$/.exec(context);
    if (m) return `branch ${m[1]}`;
    m = /^ref:refs\/tags\/(.+)$/.exec(context);
    if (m) return `tag ${m[1]}`;
    return undefined;
}

/** Classifies a subject: a ServiceAccount's, GitHub Actions' (classic or immutable form), or something else. */
export function classifySubject(subject: string): FederatedSubject {
    const sa = serviceAccountSubjectPattern.exec(subject);
    if (sa) return { kind: "serviceAccount", namespace: sa[1], name: sa[2] };
    const gh = githubSubjectPattern.exec(subject);
    if (gh) {
        const context = githubContext(gh[5]);
        if (context) {
            return { kind: "github", repository: `${gh[1]}/${gh[3]}`, immutable: gh[2] !== undefined || gh[4] !== undefined, context: gh[5], description: `${context} of ${gh[1]}/${gh[3]}` };
        }
    }
    return { kind: "other" };
}

/** Problems with a GitHub Actions credential: its issuer, audiences and subject. Empty when it is right. */
export function githubCredentialProblems(fic: { name: string; issuer: unknown; subject: string; audiences: readonly unknown[] }): string[] {
    const problems: string[] = [];
    if (typeof fic.issuer === "string" && fic.issuer !== githubActionsIssuer) {
        problems.push(fic.issuer.replace(/\/+$/, "") === githubActionsIssuer
            ? `FIC "${fic.name}" trusts issuer ${fic.issuer}, but GitHub's tokens carry iss ${githubActionsIssuer} with no trailing slash: Entra compares exactly (AADSTS700211)`
            : `FIC "${fic.name}" has subject ${fic.subject}, a GitHub Actions subject, but trusts issuer ${fic.issuer}, not GitHub's ${githubActionsIssuer}`);
    }
    problems.push(...audienceProblems(fic.name, fic.audiences));
    if (classifySubject(fic.subject).kind !== "github") {
        problems.push(`FIC "${fic.name}" has subject "${fic.subject}", which is not a subject GitHub Actions issues (repo:ORG/REPO:environment:NAME, :pull_request, :ref:refs/heads/BRANCH, :ref:refs/tags/TAG)`);
    }
    return problems;
}

/** Problems with a credential's audiences: exactly one, a token-exchange audience. */
export function audienceProblems(name: string, audiences: readonly unknown[], expected?: string): string[] {
    const wanted = expected ? [expected] : tokenExchangeAudiences;
    if (audiences.length === 1 && typeof audiences[0] === "string" && wanted.includes(audiences[0])) return [];
    return [`FIC "${name}" has audiences ${JSON.stringify(audiences)}; it needs exactly ${wanted.length === 1 ? wanted[0] : `one of ${wanted.join(", ")}`}, the audience of the tokens it exchanges`];
}

/**
 * Problems with a workload credential's issuer, given the issuers of the clusters it should trust. An issuer is
 * right when it is a cluster's verbatim; a literal must be https and (AKS issuers) end with a slash.
 */
export function clusterIssuerProblems(name: string, issuer: unknown, clusterIssuers: readonly string[]): string[] {
    if (typeof issuer !== "string") return [];
    if (!issuer.startsWith("https://")) return [`FIC "${name}" trusts issuer ${issuer}, which is not an https URL: Entra only trusts https issuers`];
    if (clusterIssuers.includes(issuer)) return [];
    const near = clusterIssuers.find((c) => c.replace(/\/+$/, "") === issuer.replace(/\/+$/, ""));
    if (near) {
        return [`FIC "${name}" trusts issuer ${issuer}, but the cluster's tokens carry iss ${near} (${near.endsWith("/") ? "with" : "without"} the trailing slash): Entra compares exactly and refuses them (AADSTS700211)`];
    }
    if (clusterIssuers.length === 0 && /\.oic\.prod-aks\.azure\.com\//.test(issuer) && !issuer.endsWith("/")) {
        return [`FIC "${name}" trusts issuer ${issuer}: an AKS issuer URL ends with a slash, and Entra compares exactly (AADSTS700211)`];
    }
    return [];
}
