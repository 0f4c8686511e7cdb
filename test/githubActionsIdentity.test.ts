import { strict as assert } from "assert";
import {
    GitHubActionsIdentity, GitHubActionsIdentityArgs, githubActionsIdentityArgsProblems, githubActionsIssuer, githubSubject, GitHubRepositoryArgs,
} from "../components/github/githubActionsIdentity";
import { federatedCredentialNamePattern } from "../components/shared/names";
import { ArgsError } from "../components/shared/errors";
import { EngineMocks, errorOf, promiseOf, settle, useMocks, unique } from "./support/pulumi";

const classic: GitHubRepositoryArgs = { owner: "Contoso", name: "platform-infra" };
const withIds: GitHubRepositoryArgs = { owner: "Contoso", name: "platform-infra", ownerId: 123456789, repositoryId: 987654321 };

describe("GitHubActionsIdentity", () => {
    let mocks: EngineMocks;
    beforeEach(async () => {
        mocks = await useMocks();
    });

    function args(overrides: Partial<GitHubActionsIdentityArgs> = {}): GitHubActionsIdentityArgs {
        return { resourceGroupName: "rg", repository: classic, subjects: [{ environment: "prod" }], ...overrides };
    }

    function fics(name: string) {
        return mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith(`${name}-fic-`));
    }

    describe("subjects", () => {
        it("builds the classic subjects GitHub presents for environments, pull requests, branches and tags", () => {
            assert.equal(githubSubject(classic, { environment: "prod" }, "classic"), "repo:Contoso/platform-infra:environment:prod");
            assert.equal(githubSubject(classic, { pullRequest: true }, "classic"), "repo:Contoso/platform-infra:pull_request");
            assert.equal(githubSubject(classic, { branch: "main" }, "classic"), "repo:Contoso/platform-infra:ref:refs/heads/main");
            assert.equal(githubSubject(classic, { tag: "v1.2.3" }, "classic"), "repo:Contoso/platform-infra:ref:refs/tags/v1.2.3");
        });

        it("builds the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID:... (Azure/login #617)", () => {
            assert.equal(githubSubject(withIds, { environment: "production" }, "immutable"), "repo:Contoso@123456789/platform-infra@987654321:environment:production");
            assert.equal(githubSubject(withIds, { pullRequest: true }, "immutable"), "repo:Contoso@123456789/platform-infra@987654321:pull_request");
        });

        it("keeps the owner's and repository's case exactly (matching is case-sensitive)", () => {
            assert.ok(githubSubject({ owner: "ConTosO", name: "Infra" }, { branch: "Main" }, "classic").startsWith("repo:ConTosO/Infra:ref:refs/heads/Main"));
        });
    });

    it("creates one credential per subject on GitHub's issuer (no trailing slash) with the default cloud's audience", async () => {
        const name = unique("gh");
        const identity = new GitHubActionsIdentity(name, args({ subjects: [{ environment: "prod" }, { pullRequest: true }, { branch: "main" }, { tag: "v1" }] }));
        await promiseOf(identity.clientId);
        await settle(mocks);
        const written = fics(name);
        assert.deepEqual(written.map((r) => r.inputs.subject), [
            "repo:Contoso/platform-infra:environment:prod",
            "repo:Contoso/platform-infra:pull_request",
            "repo:Contoso/platform-infra:ref:refs/heads/main",
            "repo:Contoso/platform-infra:ref:refs/tags/v1",
        ]);
        assert.deepEqual(written.map((r) => r.inputs.federatedIdentityCredentialResourceName), ["gh-env-prod", "gh-pull-request", "gh-branch-main", "gh-tag-v1"]);
        for (const fic of written) {
            assert.equal(fic.inputs.issuer, "https://token.actions.githubusercontent.com");
            assert.ok(!(fic.inputs.issuer as string).endsWith("/"));
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            assert.equal(fic.deleteBeforeReplace, true);
        }
        assert.equal(identity.issuer, githubActionsIssuer);
        assert.deepEqual(identity.subjects, written.map((r) => r.inputs.subject));
    });

    for (const [cloud, audience] of [["AzureCloud", "api://AzureADTokenExchange"], ["AzureUSGovernment", "api://AzureADTokenExchangeUSGov"], ["AzureChinaCloud", "api://AzureADTokenExchangeChina"]] as const) {
        it(`uses ${audience} in ${cloud}`, async () => {
            const name = unique("cloud");
            const identity = new GitHubActionsIdentity(name, args({ cloud }));
            await settle(mocks);
            assert.equal(identity.audience, audience);
            assert.deepEqual(fics(name)[0].inputs.audiences, [audience]);
        });
    }

    it("trusts the immutable form by default when the ids are given, and both forms when asked", async () => {
        const immutable = unique("imm");
        new GitHubActionsIdentity(immutable, args({ repository: withIds }));
        const both = unique("both");
        new GitHubActionsIdentity(both, args({ repository: { ...withIds, subjectFormats: ["classic", "immutable"] } }));
        await settle(mocks);
        assert.deepEqual(fics(immutable).map((r) => r.inputs.subject), ["repo:Contoso@123456789/platform-infra@987654321:environment:prod"]);
        const written = fics(both);
        assert.deepEqual(written.map((r) => r.inputs.subject), [
            "repo:Contoso/platform-infra:environment:prod",
            "repo:Contoso@123456789/platform-infra@987654321:environment:prod",
        ]);
        assert.deepEqual(written.map((r) => r.inputs.federatedIdentityCredentialResourceName), ["gh-env-prod", "gh-env-prod-immutable"]);
    });

    it("gives credentials valid Azure names even for environment names Azure would refuse", () => {
        const name = unique("names");
        const identity = new GitHubActionsIdentity(name, args({ subjects: [{ environment: "Production East" }, { branch: "release/2026.1" }] }));
        assert.equal(identity.subjects[0], "repo:Contoso/platform-infra:environment:Production East");
        return settle(mocks).then(() => {
            for (const fic of fics(name)) assert.match(fic.inputs.federatedIdentityCredentialResourceName as string, federatedCredentialNamePattern);
        });
    });

    describe("validation, before any resource registers", () => {
        const cases: [string, Partial<GitHubActionsIdentityArgs>, RegExp][] = [
            ["an owner with a slash", { repository: { owner: "Contoso/x", name: "r" } }, /repository\.owner "Contoso\/x" must be a GitHub user or organisation/],
            ["an owner ending in '-'", { repository: { owner: "contoso-", name: "r" } }, /repository\.owner/],
            ["a repository name with a space", { repository: { owner: "o", name: "my repo" } }, /repository\.name "my repo"/],
            ["a non-numeric id", { repository: { owner: "o", name: "r", ownerId: 1.5, repositoryId: 2 } }, /repository\.ownerId 1\.5 must be GitHub's numeric id/],
            ["the immutable form without ids", { repository: { owner: "o", name: "r", subjectFormats: ["immutable"] } }, /needs repository\.ownerId and repository\.repositoryId/],
            ["an unknown format", { repository: { owner: "o", name: "r", subjectFormats: ["short" as never] } }, /subjectFormats\[0\] "short"/],
            ["no subject", { subjects: [] }, /subjects needs at least one/],
            ["a subject with two kinds", { subjects: [{ environment: "prod", branch: "main" }] }, /subjects\[0\] must set exactly one of environment, pullRequest, branch, tag \(it sets environment, branch\)/],
            ["a full ref as branch", { subjects: [{ branch: "refs/heads/main" }] }, /subjects\[0\]\.branch "refs\/heads\/main" must be the bare branch name/],
            ["a wildcard branch", { subjects: [{ branch: "release/*" }] }, /has a wildcard: a federated credential matches the subject exactly/],
            ["an invalid tag", { subjects: [{ tag: "v1..2" }] }, /subjects\[0\]\.tag "v1\.\.2" is not a valid git tag name/],
            ["an environment with ':'", { subjects: [{ environment: "prod:eu" }] }, /subjects\[0\]\.environment "prod:eu" must be a GitHub environment name/],
            ["the same subject twice", { subjects: [{ environment: "prod" }, { environment: "prod" }] }, /subjects\[1\] \(environment:prod\) repeats subjects\[0\]$/],
            ["two spellings of one environment", { subjects: [{ environment: "prod" }, { environment: "Prod" }] }, /but for letter case: Entra matches subjects case-sensitively \(AADSTS7002138\)/],
            ["an unknown cloud", { cloud: "AzureGermanCloud" as never }, /cloud "AzureGermanCloud" must be one of "AzureCloud", "AzureUSGovernment", "AzureChinaCloud"/],
            ["21 credentials", { subjects: Array.from({ length: 21 }, (_, i) => ({ environment: `e${i}` })) }, /would need 21 federated identity credentials \(21 subject\(s\) x 1 format\(s\)\); Azure allows at most 20/],
            ["11 subjects in both formats", { repository: { ...withIds, subjectFormats: ["classic", "immutable"] }, subjects: Array.from({ length: 11 }, (_, i) => ({ tag: `v${i}` })) }, /would need 22 federated identity credentials/],
        ];
        for (const [what, overrides, says] of cases) {
            it(`refuses ${what}`, async () => {
                const before = mocks.resources.length;
                const err = errorOf(() => new GitHubActionsIdentity(unique("bad"), args(overrides)));
                assert.ok(err instanceof ArgsError, String(err));
                assert.ok((err as ArgsError).problems.some((p) => says.test(p)), (err as ArgsError).problems.join("\n"));
                await settle(mocks);
                assert.equal(mocks.resources.length, before);
            });
        }

        it("accepts the boundaries: 20 credentials, both formats, every subject kind", () => {
            assert.deepEqual(githubActionsIdentityArgsProblems("ok", args({ subjects: Array.from({ length: 20 }, (_, i) => ({ environment: `e${i}` })) })), []);
            assert.deepEqual(githubActionsIdentityArgsProblems("ok", args({
                repository: { ...withIds, subjectFormats: ["classic", "immutable"] },
                subjects: [{ environment: "prod" }, { pullRequest: true }, { branch: "release/2026.1" }, { tag: "v1.0.0" }],
            })), []);
        });

        it("reports every problem at once", () => {
            const problems = githubActionsIdentityArgsProblems("x", args({ repository: { owner: "-", name: "" }, subjects: [{ branch: "a b" }] }));
            assert.equal(problems.length, 3, problems.join("\n"));
        });
    });
});
