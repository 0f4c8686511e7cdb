import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import {
    createFederatedIdentity, credentialProblems, FederatedCredentialArgs, identityBaseArgs, IdentityBaseArgs, identityProblems,
} from "../federation/federatedIdentity";
import { CloudName, cloudNames, clouds, defaultCloud, isCloudName } from "../shared/clouds";
import { ArgsError, Problems } from "../shared/errors";
import { credentialNameFor } from "../shared/names";

/** GitHub Actions' OIDC issuer: the `iss` of its tokens, verbatim. It has no trailing slash, unlike AKS's. */
export const githubActionsIssuer = "https://token.actions.githubusercontent.com";

/**
 * How the repository appears in the token's `sub`: `classic` is `repo:OWNER/REPO:...`; `immutable` is
 * `repo:OWNER@OWNER_ID/REPO@REPO_ID:...`, which GitHub applies to repositories created, renamed or transferred
 * since 2026-07-15 and to those that opted in (Azure/login #617, #635; GitHub's "immutable subject claims").
 */
export const githubSubjectFormats = ["classic", "immutable"] as const;
/** One subject format. */
export type GitHubSubjectFormat = (typeof githubSubjectFormats)[number];

/** The repository whose workflows sign in. */
export interface GitHubRepositoryArgs {
    /** The owner (user or organisation) exactly as GitHub spells it: matching is case-sensitive (AADSTS7002138). */
    owner: string;
    /** The repository's name exactly as GitHub spells it. */
    name: string;
    /** The owner's numeric id (`gh api /repos/OWNER/REPO --jq .owner.id`); needed for the immutable format. */
    ownerId?: number;
    /** The repository's numeric id (`gh api /repos/OWNER/REPO --jq .id`); needed for the immutable format. */
    repositoryId?: number;
    /**
     * Which subject formats to trust, one credential each. Default: `["immutable"]` when both ids are given,
     * else `["classic"]`. Trust both while a repository moves to the immutable format.
     */
    subjectFormats?: GitHubSubjectFormat[];
}

/** What a workflow job presents: exactly one of the fields. */
export interface GitHubSubjectArgs {
    /** A job bound to this GitHub environment (`environment:` in the job); it presents this, never its branch. */
    environment?: string;
    /** A job run for a `pull_request` event. */
    pullRequest?: boolean;
    /** A job on a push to (or dispatched on) this branch, without an environment: `main`, not `refs/heads/main`. */
    branch?: string;
    /** A job on this tag, without an environment: `v1.2.3`, not `refs/tags/v1.2.3`. */
    tag?: string;
}

/** Arguments of {@link GitHubActionsIdentity}. */
export interface GitHubActionsIdentityArgs extends IdentityBaseArgs {
    /** The repository. */
    repository: GitHubRepositoryArgs;
    /** The jobs allowed to sign in, one credential per subject and format. */
    subjects: GitHubSubjectArgs[];
    /** The Azure cloud: chooses the audience the workflow asks GitHub for (azure/login's `audience`). Default `AzureCloud`. */
    cloud?: CloudName;
}

// GitHub: owners are 1-39 letters, digits and single hyphens, not at either end; repository names are letters, digits, '.', '-', '_'.
const ownerPattern = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const repositoryPattern = /^[A-Za-z0-9._-]{1,100}$/;

/** Returns a problem if `value` is not a branch or tag name git accepts (git check-ref-format), else undefined. */
export function gitRefNameProblem(key: string, value: unknown, kind: "branch" | "tag"): string | undefined {
    const prefix = kind === "branch" ? "refs/heads/" : "refs/tags/";
    if (typeof value !== "string" || value.length === 0) return `${key} must be a ${kind} name`;
    if (value.startsWith("refs/")) return `${key} "${value}" must be the bare ${kind} name, without "${prefix}" (the subject adds it)`;
    // Classic credentials match the subject literally; wildcards need Entra's flexible credentials.
    if (/[*?[]/.test(value)) return `${key} "${value}" has a wildcard: a federated credential matches the subject exactly, so list each ${kind}`;
    if (/[\s~^:\\]|\.\.|@\{|^[-/.]|\/$|\.lock$|\/\/|\/\./.test(value)) return `${key} "${value}" is not a valid git ${kind} name`;
    return undefined;
}

/** The `ref`/`environment`/`pull_request` part of a subject, after the repository. */
export function subjectEntity(subject: GitHubSubjectArgs): string {
    if (subject.environment !== undefined) return `environment:${subject.environment}`;
    if (subject.pullRequest) return "pull_request";
    if (subject.branch !== undefined) return `ref:refs/heads/${subject.branch}`;
    return `ref:refs/tags/${subject.tag}`;
}

/** The repository part of the subject in one format: `repo:OWNER/REPO` or `repo:OWNER@ID/REPO@ID`. */
export function repositoryClaim(repository: GitHubRepositoryArgs, format: GitHubSubjectFormat): string {
    return format === "classic"
        ? `repo:${repository.owner}/${repository.name}`
        : `repo:${repository.owner}@${repository.ownerId}/${repository.name}@${repository.repositoryId}`;
}

/** The exact `sub` a GitHub Actions job presents, for one subject and format. */
export function githubSubject(repository: GitHubRepositoryArgs, subject: GitHubSubjectArgs, format: GitHubSubjectFormat): string {
    return `${repositoryClaim(repository, format)}:${subjectEntity(subject)}`;
}

/** The formats trusted for `repository`: its `subjectFormats`, or the default. */
export function subjectFormatsOf(repository: GitHubRepositoryArgs): GitHubSubjectFormat[] {
    if (repository.subjectFormats !== undefined) return [...new Set(repository.subjectFormats)];
    return repository.ownerId !== undefined && repository.repositoryId !== undefined ? ["immutable"] : ["classic"];
}

/** The federated credentials for `args`: one per subject and format, named after what they trust. */
export function githubCredentials(args: Pick<GitHubActionsIdentityArgs, "repository" | "subjects">): FederatedCredentialArgs[] {
    const formats = subjectFormatsOf(args.repository);
    return args.subjects.flatMap((subject) => formats.map((format) => {
        const entity = subjectEntity(subject);
        const readable = `gh-${entity.replace(/^ref:refs\/heads\//, "branch-").replace(/^ref:refs\/tags\//, "tag-").replace(/^environment:/, "env-").replace("_", "-")}` +
            (format === "immutable" && formats.length > 1 ? "-immutable" : "");
        return { name: credentialNameFor(readable, `${format}\n${entity}`), issuer: githubActionsIssuer, subject: githubSubject(args.repository, subject, format) };
    }));
}

/** Returns every problem with `args`, one sentence each; empty when they are valid. Creates nothing. */
export function githubActionsIdentityArgsProblems(name: string, args: GitHubActionsIdentityArgs): string[] {
    const problems = new Problems();
    const repository = args.repository ?? ({} as GitHubRepositoryArgs);
    if (typeof repository.owner !== "string" || !ownerPattern.test(repository.owner)) {
        problems.add(`repository.owner ${JSON.stringify(repository.owner)} must be a GitHub user or organisation: 1-39 letters, digits and single '-', not at either end`);
    }
    if (typeof repository.name !== "string" || !repositoryPattern.test(repository.name) || repository.name === "." || repository.name === "..") {
        problems.add(`repository.name ${JSON.stringify(repository.name)} must be a GitHub repository name: 1-100 letters, digits, '.', '-' and '_'`);
    }
    for (const key of ["ownerId", "repositoryId"] as const) {
        const id = repository[key];
        if (id !== undefined && (!Number.isSafeInteger(id) || id <= 0)) {
            problems.add(`repository.${key} ${JSON.stringify(id)} must be GitHub's numeric id, a positive whole number`);
        }
    }
    const formats = repository.subjectFormats ?? [];
    formats.forEach((format, i) => {
        if (!(githubSubjectFormats as readonly string[]).includes(format)) {
            problems.add(`repository.subjectFormats[${i}] ${JSON.stringify(format)} must be one of ${githubSubjectFormats.map((f) => `"${f}"`).join(", ")}`);
        }
    });
    if (repository.subjectFormats !== undefined && formats.length === 0) {
        problems.add(`repository.subjectFormats must list at least one of ${githubSubjectFormats.map((f) => `"${f}"`).join(", ")}`);
    }
    if (formats.includes("immutable") && (repository.ownerId === undefined || repository.repositoryId === undefined)) {
        problems.add(`repository.subjectFormats includes "immutable", which needs repository.ownerId and repository.repositoryId (repo:OWNER@OWNER_ID/REPO@REPO_ID:...)`);
    }
    const subjects = args.subjects ?? [];
    if (subjects.length === 0) {
        problems.add(`subjects needs at least one of { environment }, { pullRequest: true }, { branch }, { tag }`);
    }
    const seen = new Map<string, number>();
    subjects.forEach((subject, i) => {
        const kinds = (["environment", "pullRequest", "branch", "tag"] as const).filter((k) => subject[k] !== undefined && subject[k] !== false);
        if (kinds.length !== 1) {
            problems.add(`subjects[${i}] must set exactly one of environment, pullRequest, branch, tag (it sets ${kinds.length === 0 ? "none" : kinds.join(", ")})`);
            return;
        }
        if (subject.environment !== undefined) {
            const env = subject.environment;
            if (typeof env !== "string" || env.trim() === "" || env !== env.trim() || env.length > 255 || env.includes(":")) {
                problems.add(`subjects[${i}].environment ${JSON.stringify(env)} must be a GitHub environment name: 1-255 characters, no ':' and no surrounding spaces`);
            }
        }
        if (subject.pullRequest !== undefined && subject.pullRequest !== true) {
            problems.add(`subjects[${i}].pullRequest must be true`);
        }
        if (subject.branch !== undefined) {
            const problem = gitRefNameProblem(`subjects[${i}].branch`, subject.branch, "branch");
            if (problem) problems.add(problem);
        }
        if (subject.tag !== undefined) {
            const problem = gitRefNameProblem(`subjects[${i}].tag`, subject.tag, "tag");
            if (problem) problems.add(problem);
        }
        // Entra matches subjects case-sensitively (AADSTS7002138): two spellings that differ only in case cannot both be right.
        const entity = subjectEntity(subject);
        const folded = entity.toLowerCase();
        const other = seen.get(folded);
        if (other !== undefined) {
            problems.add(`subjects[${i}] (${entity}) repeats subjects[${other}]${subjectEntity(subjects[other]) === entity ? "" : " but for letter case: Entra matches subjects case-sensitively (AADSTS7002138), so keep only the spelling GitHub uses"}`);
        } else {
            seen.set(folded, i);
        }
    });
    if (args.cloud !== undefined && !isCloudName(args.cloud)) {
        problems.add(`cloud ${JSON.stringify(args.cloud)} must be one of ${cloudNames.map((c) => `"${c}"`).join(", ")}`);
    }
    if (problems.all.length > 0) return [...problems.all];
    const credentials = githubCredentials(args);
    problems.addAll(identityProblems(name, {
        identityName: args.identityName,
        audience: clouds[args.cloud ?? defaultCloud].tokenExchangeAudience,
        roleGrants: args.roleGrants,
        subscriptionId: args.subscriptionId,
        credentialCount: credentials.length,
        countDetail: `(${subjects.length} subject(s) x ${subjectFormatsOf(repository).length} format(s))`,
        limitHint: "split the subjects across identities",
    }));
    problems.addAll(credentialProblems(credentials, "subjects"));
    return [...problems.all];
}

/** The type token of {@link GitHubActionsIdentity}. */
export const githubActionsIdentityType = "wid:github:GitHubActionsIdentity";

/**
 * A user-assigned managed identity that GitHub Actions workflows of one repository sign in as, by OIDC,
 * with no secret: one federated credential per trusted subject (environment, pull request, branch, tag)
 * and subject format, on GitHub's issuer, with the cloud's token-exchange audience.
 */
export class GitHubActionsIdentity extends pulumi.ComponentResource {
    /** The user-assigned managed identity. */
    public readonly identity: managedidentity.UserAssignedIdentity;
    /** The client id: azure/login's `client-id` and ARM_CLIENT_ID. */
    public readonly clientId: pulumi.Output<string>;
    /** The service principal object id. */
    public readonly principalId: pulumi.Output<string>;
    /** The tenant id: azure/login's `tenant-id` and ARM_TENANT_ID. */
    public readonly tenantId: pulumi.Output<string>;
    /** The issuer the credentials trust. */
    public readonly issuer: string;
    /** The audience the workflow must ask for: azure/login's `audience` and ARM_OIDC_AUDIENCE. */
    public readonly audience: string;
    /** The exact subjects trusted, in the order their credentials are written. */
    public readonly subjects: readonly string[];
    /** The federated identity credentials, in the order they are written. */
    public readonly federatedCredentials: managedidentity.FederatedIdentityCredential[];
    /** The role assignments. */
    public readonly roleAssignments: authorization.RoleAssignment[];

    constructor(name: string, args: GitHubActionsIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = githubActionsIdentityArgsProblems(name, args);
        if (problems.length > 0) throw new ArgsError(`GitHubActionsIdentity "${name}"`, problems);
        super(githubActionsIdentityType, name, {}, opts);
        this.issuer = githubActionsIssuer;
        this.audience = clouds[args.cloud ?? defaultCloud].tokenExchangeAudience;
        const credentials = githubCredentials(args);
        this.subjects = credentials.map((c) => c.subject);
        const created = createFederatedIdentity(name, { ...identityBaseArgs(args), audience: this.audience, credentials }, this);
        this.identity = created.identity;
        this.clientId = created.clientId;
        this.principalId = created.principalId;
        this.tenantId = created.tenantId;
        this.federatedCredentials = created.federatedCredentials;
        this.roleAssignments = created.roleAssignments;
        this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, tenantId: this.tenantId, subjects: this.subjects, audience: this.audience });
    }
}
