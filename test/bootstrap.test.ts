import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { bootstrapConfigKeys, parseBootstrapConfig, RawConfig } from "../bootstrap/config";
import { bootstrapProject, githubVariables, repositoryVariableNames, secretsKeyName, stateContainerName } from "../bootstrap/conventions";
import { bootstrapDir, bootstrapGoldenDir, goldenFiles, planBootstrap } from "../bootstrap/plan";
import type { PlanResult } from "../plan/plan";
import { bootstrap, BootstrapOutputs, deployScopeRoles, previewScopeRoles } from "../bootstrap/program";
import { normalise } from "../plan/golden";
import { projectDir } from "../plan/plan";
import { readPlanConfig } from "../plan/stackConfig";
import { MockedResource } from "../plan/mocks";
import { ArgsError } from "../components/shared/errors";
import { builtInRoles, deployerAssignableRoleGuids, isGuid, roleAssigningRoles, roleAssignmentName } from "../components/shared/roles";
import { errorOf, promiseOf, settle, useMocks } from "./support/pulumi";

const owner = "Contoso";
const repo = "platform-infra";

function raw(values: Record<string, unknown> = {}): RawConfig {
    const all: Record<string, unknown> = { githubOwner: owner, githubRepository: repo, ...values };
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [`${bootstrapProject}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

const guidOf = (roleDefinitionId: unknown) => String(roleDefinitionId).split("/").pop()!;
const readOnlyRoles = new Set<string>([...previewScopeRoles, "Storage Blob Data Reader", "Key Vault Crypto User"].map((r) => builtInRoles[r as keyof typeof builtInRoles]));

describe("bootstrap program", () => {
    describe("config", () => {
        it("defaults to the stacks' profiles, gating those that protect resources, on AzureCloud", () => {
            const config = parseBootstrapConfig(raw());
            assert.deepEqual(config.environments, ["dev", "staging", "prod"]);
            assert.deepEqual(config.gatedEnvironments, ["staging", "prod"]);
            assert.equal(config.cloud, "AzureCloud");
            assert.equal(config.deployScope, "resourceGroup");
            assert.equal(config.mainBranch, "main");
            assert.equal(config.manageGitHub, false);
        });

        it("refuses bad config with every problem at once, naming each key", () => {
            const err = errorOf(() => parseBootstrapConfig({
                ...raw({ environments: ["dev", "Prod"], cloud: "AzureGermany", githubOwnerId: "12x", manageGitHub: "true", deployScope: "tenant", mainBranch: "refs/heads/main" }),
                [`${bootstrapProject}:githubOwner`]: undefined,
            }));
            assert.ok(err instanceof ArgsError);
            const text = (err as ArgsError).problems.join("\n");
            for (const says of [/"githubOwner" is required/, /"environments\[1\]" is "Prod"/, /"cloud" is "AzureGermany"/, /"githubOwnerId" is "12x"/,
                /"deployScope" is "tenant"/, /mainBranch" "refs\/heads\/main" must be the bare branch name/, /"githubReviewers" needs at least one user or team id/]) {
                assert.match(text, says);
            }
        });

        it("names the config key when the repository is invalid for a GitHub subject", () => {
            const err = errorOf(() => parseBootstrapConfig(raw({ githubOwner: "contoso/infra", githubSubjectFormats: ["immutable"] })));
            const text = (err as ArgsError).problems.join("\n");
            assert.match(text, /config key "githubOwner" "contoso\/infra" must be a GitHub user or organisation/);
            assert.match(text, /config key "githubSubjectFormats" includes "immutable", which needs repository\.ownerId/);
        });

        it("refuses more than 6 reviewers and a gated environment that is not an environment", () => {
            const err = errorOf(() => parseBootstrapConfig(raw({ githubReviewers: { users: [1, 2, 3, 4, 5, 6, 7] }, gatedEnvironments: ["qa"], cloud: "AzureChinaCloud" })));
            const text = (err as ArgsError).problems.join("\n");
            assert.match(text, /config key "location" "westeurope" is a region of AzureCloud, not of AzureChinaCloud/);
            assert.match(text, /lists 7 reviewers: GitHub allows at most 6/);
            assert.match(text, /"gatedEnvironments\[0\]" is "qa", which is not one of the environments/);
        });
    });

    describe("Pulumi.yaml and the stack file, as the CLI checks them", () => {
        const project = parse(fs.readFileSync(path.join(bootstrapDir, "Pulumi.yaml"), "utf8")) as { name: string; main: string; config: Record<string, Record<string, unknown>> };

        it("declares only keys the program reads, each typed and described; only the two truly required ones lack a default", () => {
            assert.equal(project.name, bootstrapProject);
            assert.ok(fs.existsSync(path.join(bootstrapDir, project.main)));
            const withoutDefault: string[] = [];
            for (const [key, spec] of Object.entries(project.config)) {
                assert.ok((bootstrapConfigKeys as readonly string[]).includes(key), `${key} is declared but not read`);
                assert.ok(typeof spec.type === "string" && typeof spec.description === "string", `${key} needs type and description`);
                assert.ok(!("default" in spec && "value" in spec), `${key} has both default and value`);
                if (!("default" in spec)) withoutDefault.push(key);
            }
            assert.deepEqual(withoutDefault.sort(), ["githubOwner", "githubRepository"]);
        });

        it("has a committed stack file that sets every required key and only keys the program reads, and whose config is valid", () => {
            const stacks = fs.readdirSync(bootstrapDir).filter((f) => /^Pulumi\..+\.yaml$/.test(f) && f !== "Pulumi.yaml");
            assert.deepEqual(stacks, ["Pulumi.cicd.yaml"]);
            const config = (parse(fs.readFileSync(path.join(bootstrapDir, stacks[0]), "utf8")) as { config: Record<string, unknown> }).config;
            for (const key of Object.keys(config)) {
                assert.ok(key.startsWith(`${bootstrapProject}:`) && (bootstrapConfigKeys as readonly string[]).includes(key.split(":")[1]), `unknown key ${key}`);
            }
            assert.ok(`${bootstrapProject}:githubOwner` in config && `${bootstrapProject}:githubRepository` in config);
        });
        it("is read with the CLI's checks: a stack without a required key, or with a mistyped one, is refused in the CLI's words", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
            try {
                fs.copyFileSync(path.join(bootstrapDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
                fs.writeFileSync(path.join(dir, "Pulumi.cicd.yaml"), `config:\n  ${bootstrapProject}:githubRepository: r\n`);
                assert.throws(() => readPlanConfig({ dir, stack: "cicd" }), /Stack 'cicd' is missing configuration value 'githubOwner'/);
                fs.writeFileSync(path.join(dir, "Pulumi.cicd.yaml"), `config:\n  ${bootstrapProject}:githubRepository: r\n  ${bootstrapProject}:githubOwner: o\n  ${bootstrapProject}:manageGitHub: maybe\n`);
                assert.throws(() => readPlanConfig({ dir, stack: "cicd" }), /configuration key 'manageGitHub' must be of type 'boolean'/);
                // The committed stack file passes the same checks.
                assert.equal(readPlanConfig({ dir: bootstrapDir, stack: "cicd" }).values[`${bootstrapProject}:githubOwner`], "contoso");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("on the mock engine", () => {
        let outputs: BootstrapOutputs;
        let resources: MockedResource[];

        async function run(values: Record<string, unknown> = {}, stack = `bootstrap-${Object.keys(values).join("-") || "default"}`): Promise<{ outputs: BootstrapOutputs; resources: MockedResource[] }> {
            const mine = await useMocks({ style: "fake" }, false, stack);
            const result = bootstrap(parseBootstrapConfig(raw(values)));
            await promiseOf(result.nextSteps);
            await settle(mine);
            return { outputs: result, resources: mine.resources };
        }

        let withGitHub: MockedResource[];
        let subscription: MockedResource[];

        before(async () => {
            const result = await run();
            outputs = result.outputs;
            resources = result.resources;
            withGitHub = (await run({ manageGitHub: "true", githubReviewers: { users: [42], teams: [7] } }, "bootstrap-default")).resources;
            subscription = (await run({ deployScope: "subscription" })).resources;
        });

        const ofType = (list: MockedResource[], type: string) => list.filter((r) => r.type === type);
        const childrenOf = (list: MockedResource[], component: string) => list.filter((r) => r.urn.includes(`$`) && r.name.startsWith(`${component}-`));

        for (const env of ["dev", "staging", "prod"]) {
            it(`${env}: the deployer trusts exactly repo:${owner}/${repo}:environment:${env} on GitHub's issuer with the token-exchange audience`, () => {
                const fics = ofType(childrenOf(resources, `deploy-${env}`), "azure-native:managedidentity:FederatedIdentityCredential");
                assert.equal(fics.length, 1);
                assert.equal(fics[0].inputs.issuer, "https://token.actions.githubusercontent.com");
                assert.equal(fics[0].inputs.subject, `repo:${owner}/${repo}:environment:${env}`);
                assert.deepEqual(fics[0].inputs.audiences, ["api://AzureADTokenExchange"]);
            });

            it(`${env}: the deployer holds Contributor and a constrained RBAC Administrator on its own scope, and write access only to its own state and key`, async () => {
                const assignments = ofType(childrenOf(resources, `deploy-${env}`), "azure-native:authorization:RoleAssignment");
                const byRole = new Map(assignments.map((a) => [guidOf(a.inputs.roleDefinitionId), a]));
                assert.deepEqual([...byRole.keys()].sort(), [
                    ...deployScopeRoles.map((r) => builtInRoles[r]), builtInRoles["Storage Blob Data Contributor"], builtInRoles["Key Vault Crypto User"],
                ].sort());
                const envRg = resources.find((r) => r.name === `${env}-rg`)!;
                assert.equal(envRg.inputs.resourceGroupName, `wid-${env}`);
                assert.equal(byRole.get(builtInRoles.Contributor)!.inputs.scope, envRg.id);
                const rbac = byRole.get(builtInRoles["Role Based Access Control Administrator"])!;
                assert.equal(rbac.inputs.scope, envRg.id);
                assert.equal(rbac.inputs.conditionVersion, "2.0");
                const container = resources.find((r) => r.name === `state-${env}`)!;
                assert.equal(container.inputs.containerName, stateContainerName(env));
                assert.equal(byRole.get(builtInRoles["Storage Blob Data Contributor"])!.inputs.scope, container.id);
                const key = resources.find((r) => r.name === `secrets-${env}`)!;
                assert.equal(key.inputs.keyName, secretsKeyName(env));
                assert.equal(byRole.get(builtInRoles["Key Vault Crypto User"])!.inputs.scope, key.id);
                for (const a of assignments) assert.equal(a.inputs.principalType, "ServicePrincipal");
                assert.equal(await promiseOf(outputs.environments[env].secretsProvider), `azurekeyvault://${await promiseOf(outputs.keyVaultName)}.vault.azure.net/keys/pulumi-secrets-${env}`);
                assert.equal(outputs.environments[env].backendUrl, `azblob://pulumi-state-${env}`);
            });
        }

        it("the RBAC Administrator condition allows exactly the roles the program may assign: none that assigns roles", () => {
            const conditions = resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.inputs.condition !== undefined);
            assert.equal(conditions.length, 3);
            for (const a of conditions) {
                const condition = a.inputs.condition as string;
                const lists = [...condition.matchAll(/ForAnyOfAnyValues:GuidEquals \{([^}]*)\}/g)].map((m) => m[1].split(",").map((g) => g.trim()));
                assert.equal(lists.length, 2, "a write half (@Request) and a delete half (@Resource)");
                assert.match(condition, /@Request\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\]/);
                assert.match(condition, /@Resource\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\]/);
                for (const list of lists) {
                    assert.deepEqual(list, deployerAssignableRoleGuids());
                    for (const role of roleAssigningRoles) assert.ok(!list.includes(builtInRoles[role]), `${role} must not be assignable`);
                }
            }
        });

        it("the condition covers every role the main program's stacks assign (from their golden plans)", () => {
            const allowed = new Set(deployerAssignableRoleGuids());
            const assigned = new Set<string>();
            for (const file of fs.readdirSync(path.join(projectDir, "test", "plan-golden")).filter((f) => f.endsWith(".json"))) {
                const text = fs.readFileSync(path.join(projectDir, "test", "plan-golden", file), "utf8");
                for (const m of text.matchAll(/roleDefinitions\/([0-9a-f-]{36})/g)) assigned.add(m[1]);
            }
            assert.ok(assigned.size > 0);
            for (const guid of assigned) assert.ok(allowed.has(guid), `the main program assigns ${guid}, which the deployers may not`);
        });

        it("the preview identity trusts pull requests and the main branch, and holds no role that writes resources or grants roles", () => {
            const preview = childrenOf(resources, "preview");
            const fics = ofType(preview, "azure-native:managedidentity:FederatedIdentityCredential");
            assert.deepEqual(fics.map((f) => f.inputs.subject).sort(), [`repo:${owner}/${repo}:pull_request`, `repo:${owner}/${repo}:ref:refs/heads/main`]);
            const assignments = ofType(preview, "azure-native:authorization:RoleAssignment");
            assert.equal(assignments.length, 3 * 5);
            for (const a of assignments) {
                assert.ok(readOnlyRoles.has(guidOf(a.inputs.roleDefinitionId)), `preview holds ${guidOf(a.inputs.roleDefinitionId)}`);
                assert.equal(a.inputs.condition, undefined);
            }
            // The rule has teeth: the deployers' roles are not in the read-only set.
            for (const role of deployScopeRoles) assert.ok(!readOnlyRoles.has(builtInRoles[role]));
            assert.ok(!readOnlyRoles.has(builtInRoles["Storage Blob Data Contributor"]));
        });

        it("names every role assignment deterministically (a GUID, unique, the same on a second run of the same stack)", () => {
            const namesOf = (list: MockedResource[]) => list.filter((r) => r.type === "azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleAssignmentName as string);
            const names = namesOf(resources);
            assert.ok(names.every(isGuid));
            assert.equal(new Set(names).size, names.length);
            // The GitHub run is a second run of the same stack (GitHub management adds no role assignment): same names.
            assert.deepEqual(namesOf(withGitHub).sort(), [...names].sort());
            // Seeded from the real ids (scope, principal, role definition), not the stack: another copy of the stack has other
            // ids, so other names (tenant-wide). The mock gives both runs the same ids, so check the seed itself.
            for (const r of [...resources, ...subscription].filter((x) => x.type === "azure-native:authorization:RoleAssignment")) {
                assert.equal(r.inputs.roleAssignmentName, roleAssignmentName(String(r.inputs.scope), String(r.inputs.principalId), String(r.inputs.roleDefinitionId)));
            }
        });

        it("keeps state in an Entra-only, versioned, soft-deleting storage account and keys in an RBAC vault with purge protection", () => {
            const account = resources.find((r) => r.type === "azure-native:storage:StorageAccount")!;
            assert.equal(account.inputs.allowSharedKeyAccess, false);
            assert.equal(account.inputs.defaultToOAuthAuthentication, true);
            assert.equal(account.inputs.minimumTlsVersion, "TLS1_2");
            assert.equal(account.inputs.allowBlobPublicAccess, false);
            const blob = resources.find((r) => r.type === "azure-native:storage:BlobServiceProperties")!;
            assert.equal(blob.inputs.isVersioningEnabled, true);
            assert.deepEqual(blob.inputs.deleteRetentionPolicy, { enabled: true, days: 30 });
            const vault = resources.find((r) => r.type === "azure-native:keyvault:Vault")!;
            const props = vault.inputs.properties as Record<string, unknown>;
            assert.equal(props.enableRbacAuthorization, true);
            assert.equal(props.enablePurgeProtection, true);
            assert.ok(account.protect && vault.protect);
        });

        it("without manageGitHub creates nothing on GitHub and says exactly which variables to set", async () => {
            assert.equal(resources.filter((r) => r.type.startsWith("github:")).length, 0);
            const vars = await promiseOf(outputs.githubVariables);
            assert.deepEqual(Object.keys(vars.repository).sort(), [...repositoryVariableNames].sort());
            assert.equal(vars.repository[githubVariables.audience], "api://AzureADTokenExchange");
            const steps = await promiseOf(outputs.nextSteps);
            for (const name of repositoryVariableNames) assert.ok(steps.some((s) => s.includes(`gh variable set ${name} --repo ${owner}/${repo}`)), name);
            for (const env of ["dev", "staging", "prod"]) {
                assert.ok(steps.some((s) => s.includes(`gh variable set AZURE_CLIENT_ID --repo ${owner}/${repo} --env ${env}`)));
                assert.ok(steps.some((s) => s.includes(`pulumi stack init ${env} --secrets-provider 'azurekeyvault://`)));
                assert.ok(steps.includes(`pulumi config set --stack ${env} resourceGroupName wid-${env}`));
            }
        });

        it("with manageGitHub creates the environments, reviewers only on the gated ones, and every variable", () => {
            const envs = ofType(withGitHub, "github:index/repositoryEnvironment:RepositoryEnvironment");
            assert.deepEqual(envs.map((e) => e.inputs.environment).sort(), ["dev", "prod", "staging"]);
            for (const e of envs) {
                const gated = e.inputs.environment !== "dev";
                assert.deepEqual(e.inputs.reviewers, gated ? [{ users: [42], teams: [7] }] : undefined);
            }
            const repoVars = ofType(withGitHub, "github:index/actionsVariable:ActionsVariable").map((v) => v.inputs.variableName);
            assert.deepEqual(repoVars.sort(), [...repositoryVariableNames].sort());
            const envVars = ofType(withGitHub, "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable");
            assert.deepEqual(envVars.map((v) => `${v.inputs.environment}:${v.inputs.variableName}`).sort(), ["dev:AZURE_CLIENT_ID", "prod:AZURE_CLIENT_ID", "staging:AZURE_CLIENT_ID"]);
        });

        it("in another cloud asks GitHub for that cloud's audience, and names the vault host of that cloud", async () => {
            const { resources: gov, outputs: govOut } = await run({ cloud: "AzureUSGovernment", location: "usgovvirginia" });
            const fics = ofType(gov, "azure-native:managedidentity:FederatedIdentityCredential");
            assert.ok(fics.length > 0);
            for (const fic of fics) assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchangeUSGov"]);
            assert.match(await promiseOf(govOut.environments.prod.secretsProvider), /\.vault\.usgovcloudapi\.net\/keys\/pulumi-secrets-prod$/);
            assert.equal((await promiseOf(govOut.githubVariables)).repository[githubVariables.armEnvironment], "usgovernment");
        });

        it("with subscription scope grants the preview's reader roles once, at the subscription", () => {
            const sub = subscription;
            assert.equal(sub.filter((r) => r.type === "azure-native:resources:ResourceGroup").length, 1);
            const preview = ofType(childrenOf(sub, "preview"), "azure-native:authorization:RoleAssignment");
            const atSubscription = preview.filter((a) => /^\/subscriptions\/[^/]+$/.test(String(a.inputs.scope)));
            assert.deepEqual(atSubscription.map((a) => guidOf(a.inputs.roleDefinitionId)).sort(), previewScopeRoles.map((r) => builtInRoles[r]).sort());
        });
    });

    describe("golden plan", () => {
        let result: PlanResult;
        before(async () => {
            result = await planBootstrap("cicd");
        });

        it("matches the committed plan of every bootstrap stack (npm run plan:update rewrites it)", () => {
            for (const [file, text] of Object.entries(goldenFiles("cicd", result))) {
                const committed = normalise(fs.readFileSync(path.join(bootstrapGoldenDir, file), "utf8"));
                assert.equal(text, committed, `${file} differs from the program's plan: run npm run plan:update and review the diff`);
            }
        });

        it("plans every deployer and the preview identity with exact subjects, and every trust chain holds", () => {
            const text = JSON.stringify(result.plan);
            for (const env of ["dev", "staging", "prod"]) assert.ok(text.includes(`repo:contoso/aks-workload-identity:environment:${env}`));
            assert.ok(text.includes("repo:contoso/aks-workload-identity:pull_request"));
            assert.ok(result.trusted, result.text().split("\n").filter((l) => l.includes("✗")).join("\n"));
            assert.deepEqual(result.plan.summary.trustChains, { ...result.plan.summary.trustChains, ok: 4, broken: 0 });
        });
    });
});
