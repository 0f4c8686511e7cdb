import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseBootstrapConfig } from "../bootstrap/config";
import { bootstrapProject, githubVariables, stateContainerName } from "../bootstrap/conventions";
import { projectDir } from "../plan/plan";
import { ConvertedWorkflow, parseWorkflowFile } from "./support/workflowParser";

const workflowDir = path.join(projectDir, ".github", "workflows");
const mainProject = (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; if?: string }
interface Job {
    uses?: string; if?: string; needs?: string | string[]; environment?: unknown; concurrency?: { group: string; "cancel-in-progress"?: boolean };
    permissions?: Record<string, string>; env?: Record<string, string>; steps?: Step[]; with?: Record<string, unknown>;
}
interface Workflow { name: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> }

interface Loaded { file: string; text: string; yaml: Workflow; converted: ConvertedWorkflow; errors: string[] }

const stepsUsing = (job: Job, action: string) => (job.steps ?? []).filter((s) => s.uses?.split("@")[0] === action);

describe("GitHub workflows (parsed by @actions/workflow-parser, GitHub's own parser)", function () {
    this.timeout(60000);
    const files = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml")).sort();
    const loaded = new Map<string, Loaded>();
    const get = (file: string) => loaded.get(file)!;

    before(async () => {
        for (const file of files) {
            const text = fs.readFileSync(path.join(workflowDir, file), "utf8");
            const { errors, workflow } = await parseWorkflowFile(file, text);
            loaded.set(file, { file, text, yaml: parse(text) as Workflow, converted: workflow, errors });
        }
    });

    it("has the pull request, plan comment, deploy, pulumi up and drift workflows, each valid for GitHub", () => {
        assert.deepEqual(files, ["deploy.yml", "drift.yml", "plan-comment.yml", "pull-request.yml", "pulumi-up.yml"]);
        for (const { file, errors } of loaded.values()) assert.deepEqual(errors, [], `${file}: ${errors.join("; ")}`);
    });

    it("the parser really validates: a wrong permission value and an unknown job key are reported", async () => {
        const text = get("pulumi-up.yml").text.replace("id-token: write", "id-token: admin").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    retries: 3");
        const { errors } = await parseWorkflowFile("broken.yml", text);
        assert.ok(errors.length >= 2, errors.join("\n"));
    });

    describe("everywhere", () => {
        it("names no secret and stores no cloud credential: only vars the bootstrap sets, and GitHub's own token", () => {
            const known = new Set<string>(Object.values(githubVariables));
            for (const { file, text } of loaded.values()) {
                assert.doesNotMatch(text, /secrets\./, `${file} reads a secret`);
                assert.doesNotMatch(text, /client-secret|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|AZURE_STORAGE_KEY|ARM_ACCESS_KEY|creds:/i, `${file} names a stored credential`);
                assert.doesNotMatch(text, /pull_request_target/, `${file} runs fork code with write access`);
                for (const m of text.matchAll(/vars\.([A-Z_]+)/g)) assert.ok(known.has(m[1]), `${file} reads vars.${m[1]}, which the bootstrap does not set`);
            }
        });

        it("grants id-token: write only on the jobs that sign in to Azure, never workflow-wide", () => {
            for (const { file, yaml } of loaded.values()) {
                assert.equal(yaml.permissions?.["id-token"], undefined, `${file} grants id-token workflow-wide`);
                assert.deepEqual(yaml.permissions, { contents: "read" }, `${file}'s default permissions`);
                for (const [id, job] of Object.entries(yaml.jobs)) {
                    const signsIn = stepsUsing(job, "azure/login").length > 0 || job.uses === "./.github/workflows/pulumi-up.yml";
                    assert.equal(job.permissions?.["id-token"] === "write", signsIn, `${file} job ${id}`);
                }
            }
        });

        it("signs in by OIDC with the cloud's audience and the provider's OIDC settings wherever Pulumi touches Azure", () => {
            for (const { file, yaml } of loaded.values()) {
                for (const [id, job] of Object.entries(yaml.jobs)) {
                    const logins = stepsUsing(job, "azure/login");
                    if (logins.length === 0) continue;
                    const login = logins[0].with!;
                    assert.equal(logins[0].uses, "azure/login@v3");
                    assert.equal(login.audience, `\${{ vars.${githubVariables.audience} }}`, `${file} ${id}`);
                    assert.equal(login.environment, `\${{ vars.${githubVariables.azureEnvironment} }}`);
                    assert.equal(login["tenant-id"], `\${{ vars.${githubVariables.tenantId} }}`);
                    assert.equal(job.env?.ARM_USE_OIDC, "true");
                    assert.equal(job.env?.ARM_CLIENT_ID, login["client-id"], `${file} ${id}: the provider signs in as the same identity`);
                    assert.equal(job.env?.ARM_OIDC_AUDIENCE, login.audience);
                    assert.equal(job.env?.AZURE_STORAGE_ACCOUNT, `\${{ vars.${githubVariables.storageAccount} }}`);
                    assert.equal(stepsUsing(job, "azure/use-kubelogin").length, 1, `${file} ${id} installs kubelogin`);
                    const pulumi = stepsUsing(job, "pulumi/actions");
                    assert.equal(pulumi.length, 1);
                    assert.equal(pulumi[0].uses, "pulumi/actions@v7");
                    assert.equal(pulumi[0].with!["cloud-url"], `azblob://${stateContainerName(String(pulumi[0].with!["stack-name"]))}`);
                    // The deployer's principal type is read from its token, never configured: no job sets it (the program would
                    // refuse the removed key), so up, preview and drift all see the same, whoever runs them.
                    assert.ok(!String(pulumi[0].with?.["config-map"] ?? "").includes(`${mainProject}:deployerPrincipalType`), `${file} ${id}`);
                }
            }
        });
    });

    describe("pull request", () => {
        it("runs on pull requests, with npm ci and the README's test command, and makes the offline plan of every stack in Markdown", () => {
            const { yaml, converted } = get("pull-request.yml");
            assert.deepEqual(Object.keys(converted.events), ["pull_request"]);
            const runsOf = (job: Job) => (job.steps ?? []).map((s) => s.run ?? "").join("\n");
            const test = yaml.jobs.test;
            assert.match(runsOf(test), /^npm ci\b/m);
            const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
            assert.ok(readme.includes("`npm test` is exactly what CI runs"));
            assert.match(runsOf(test), /^npm test$/m);
            const plan = yaml.jobs.plan;
            assert.match(runsOf(plan), /^npm ci\b/m);
            assert.match(runsOf(plan), /for file in Pulumi\.\*\.yaml/);
            assert.match(runsOf(plan), /npm run --silent plan -- "\$stack" --markdown/);
            for (const job of [test, plan]) {
                assert.equal(job.if, undefined, "the tests and the offline plan run for fork pull requests too");
                assert.equal(job.needs, undefined, "the plan is made (and posted) even when a test fails");
                assert.equal(job.permissions?.["pull-requests"], undefined, "a fork's token cannot write: plan-comment.yml posts the plan");
            }
            assert.equal(stepsUsing(plan, "actions/upload-artifact")[0].with!.name, "offline-plan");
        });

        it("previews every stack with pulumi/actions, commenting on the pull request with a diff, only for pull requests from this repository", () => {
            const { yaml, converted } = get("pull-request.yml");
            const preview = yaml.jobs.preview;
            assert.match(preview.if!, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            assert.equal(preview.environment, undefined, "previews are not deployments");
            const step = stepsUsing(preview, "pulumi/actions")[0].with!;
            assert.equal(step.command, "preview");
            assert.equal(step["comment-on-pr"], true);
            assert.equal(step.diff, true);
            assert.equal(step["stack-name"], "${{ matrix.stack }}");
            assert.equal(preview.permissions?.["pull-requests"], "write");
            assert.equal(stepsUsing(preview, "azure/login")[0].with!["client-id"], `\${{ vars.${githubVariables.previewClientId} }}`);
            assert.deepEqual(converted.jobs.find((j) => j.id === "preview")!.needs, ["stacks"]);
        });

        it("posts the offline plan as one comment, updated in place, from a workflow that runs none of the pull request's code", () => {
            const { yaml } = get("plan-comment.yml");
            const trigger = yaml.on.workflow_run as { workflows: string[]; types: string[] };
            assert.deepEqual(trigger.workflows, [get("pull-request.yml").yaml.name]);
            assert.deepEqual(trigger.types, ["completed"]);
            const job = yaml.jobs.comment;
            assert.equal(job.permissions?.["pull-requests"], "write");
            assert.equal(stepsUsing(job, "actions/checkout").length, 0);
            const script = String(stepsUsing(job, "actions/github-script")[0].with!.script);
            const marker = /echo "(<!-- [a-z-]+ -->)"/.exec(get("pull-request.yml").text)![1];
            assert.ok(script.includes(`const marker = "${marker}"`));
            assert.match(script, /updateComment/);
            assert.match(script, /createComment/);
        });
    });

    describe("deploy", () => {
        it("runs on pushes to main and deploys the stacks in promotion order, each after the one before, for the same commit", () => {
            const { yaml, converted } = get("deploy.yml");
            assert.deepEqual((yaml.on.push as { branches: string[] }).branches, ["main"]);
            const order = parseBootstrapConfig({ [`${bootstrapProject}:githubOwner`]: "o", [`${bootstrapProject}:githubRepository`]: "r" }).environments;
            assert.deepEqual(order, ["dev", "staging", "prod"]);
            assert.deepEqual(converted.jobs.map((j) => j.id), order);
            converted.jobs.forEach((job, i) => {
                assert.equal(job.type, "reusableWorkflowJob");
                assert.equal(job.ref, "./.github/workflows/pulumi-up.yml");
                assert.deepEqual(job.needs, i === 0 ? [] : [order[i - 1]]);
                assert.deepEqual(job["input-values"]!.map, [{ Key: "stack", Value: order[i] }]);
            });
            for (const job of Object.values(yaml.jobs)) assert.equal(job.with?.ref, undefined, "no job checks out another commit");
            assert.equal(yaml.jobs.dev.if, "github.ref == 'refs/heads/main'", "a manual run deploys only from main");
        });

        it("binds pulumi up to the stack's GitHub environment, one deployment per stack at a time, as that environment's deployer", () => {
            const { yaml, converted } = get("pulumi-up.yml");
            const call = (converted.events.workflow_call as { inputs: Record<string, { required: boolean; type: string }> }).inputs;
            assert.deepEqual(call.stack, { type: "string", description: "The stack, which is also the GitHub environment.", required: true });
            const job = converted.jobs[0];
            assert.deepEqual(job.environment, { type: 3, expr: "inputs.stack" });
            const concurrency = (job.concurrency as { map: { Key: string; Value: unknown }[] }).map;
            assert.deepEqual(concurrency, [{ Key: "group", Value: { type: 3, expr: "format('pulumi-{0}', inputs.stack)" } }, { Key: "cancel-in-progress", Value: false }]);
            const up = yaml.jobs.up;
            assert.equal(stepsUsing(up, "azure/login")[0].with!["client-id"], `\${{ vars.${githubVariables.deployClientId} }}`);
            const pulumi = stepsUsing(up, "pulumi/actions")[0].with!;
            assert.equal(pulumi.command, "up");
            assert.equal(pulumi["stack-name"], "${{ inputs.stack }}");
            assert.equal(up.steps!.findIndex((s) => s.uses?.startsWith("azure/use-kubelogin")) < up.steps!.findIndex((s) => s.uses?.startsWith("pulumi/actions")), true);
        });
    });

    describe("drift check", () => {
        it("runs on a schedule: pulumi preview --refresh --expect-no-changes for every stack, as the preview identity", () => {
            const { yaml } = get("drift.yml");
            assert.ok(Array.isArray(yaml.on.schedule) && (yaml.on.schedule as { cron: string }[])[0].cron.split(" ").length === 5);
            const drift = yaml.jobs.drift;
            const pulumi = stepsUsing(drift, "pulumi/actions")[0].with!;
            assert.equal(pulumi.command, "preview");
            assert.equal(pulumi.refresh, true);
            assert.equal(pulumi["expect-no-changes"], true);
            assert.equal(stepsUsing(drift, "azure/login")[0].with!["client-id"], `\${{ vars.${githubVariables.previewClientId} }}`);
            assert.equal(drift.environment, undefined);
        });
    });
});
