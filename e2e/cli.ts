import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, projectDir } from "../plan/plan";
import { listStacks } from "../infra/stackFiles";
import { PlanInputError } from "../plan/stackConfig";
import { hostNames } from "./emulator";
import type { World } from "./model";
import type { RunnerInput, RunnerOutput } from "./runner";
import { Expectation, Job, judge, jobsForStack, Observation, scenarios } from "./scenarios";
import { secretReaders } from "./rbac";
import { makeCertificates, rsaKeyPair } from "./tls";
import { aksWebhookTokenAudience, clouds } from "../components/shared/clouds";
import { worldFromResources } from "./wiring";

// The webhook projects one audience in every cloud; AzureCloud is the only cloud whose host names the rehearsal
// keeps (login.microsoftonline.com, *.vault.azure.net).
const webhookSettings = { audience: aksWebhookTokenAudience, authorityHost: clouds.AzureCloud.authorityHost };

/** Exit codes: 0 every scenario behaved as expected, 1 some did not, 2 the rehearsal could not run. */
export const exitCodes = { ok: 0, unexpected: 1, failed: 2 } as const;

const usage = `usage: npm run e2e -- <stack>... | --all [--json] [--set key=value ...] [--scenario <name> ...]

Rehearses each stack's trust chain end to end, offline: the real @azure/identity and @azure/keyvault-secrets run in
one process per pod against local emulations of the cluster's OIDC issuer, the workload identity webhook, Entra ID
and Key Vault, all built from the stack's plan (rehearsal values). Then it breaks one link at a time and checks that
the SDK fails with the right error. Needs Linux network and mount namespaces (unshare) and iproute2 (ip).

  --all               every stack with a Pulumi.<stack>.yaml
  --json              print the results as JSON
  --set key=value     override a config key, as with npm run plan (applies to every stack)
  --scenario <name>   run only this scenario (repeatable): ${scenarios.map((s) => s.name).join(", ")}

Exit status: 0 every scenario behaved as expected, 1 some did not, 2 bad arguments or the rehearsal could not run.`;

interface CliArgs {
    readonly stacks: string[];
    readonly json: boolean;
    readonly set: string[];
    readonly scenarios: string[];
}

/** The stacks with a `Pulumi.<stack>.yaml` in the project. */
export function committedStacks(dir: string = projectDir): string[] {
    return listStacks(dir);
}

export function parseArgs(argv: readonly string[]): CliArgs | "help" {
    const set: string[] = [];
    const stacks: string[] = [];
    const only: string[] = [];
    let json = false;
    let all = false;
    const value = (flag: string, v: string | undefined): string => {
        if (v === undefined || v.startsWith("--")) throw new PlanInputError(`${flag} needs a value\n\n${usage}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "-h" || arg === "--help") return "help";
        else if (arg === "--json") json = true;
        else if (arg === "--all") all = true;
        else if (arg === "--set") set.push(value(arg, argv[++i]));
        else if (arg.startsWith("--set=")) set.push(arg.slice("--set=".length));
        else if (arg === "--scenario") only.push(value(arg, argv[++i]));
        else if (arg.startsWith("--scenario=")) only.push(arg.slice("--scenario=".length));
        else if (arg.startsWith("-")) throw new PlanInputError(`unknown option ${arg}\n\n${usage}`);
        else stacks.push(arg);
    }
    for (const name of only) {
        if (!scenarios.some((s) => s.name === name)) throw new PlanInputError(`--scenario ${name}: not a scenario; one of ${scenarios.map((s) => s.name).join(", ")}`);
    }
    if (all && stacks.length > 0) throw new PlanInputError(`name stacks or --all, not both\n\n${usage}`);
    const chosen = all ? committedStacks() : stacks;
    if (chosen.length === 0) throw new PlanInputError(`name a stack or pass --all\n\n${usage}`);
    return { stacks: chosen, json, set, scenarios: only };
}

/** Why this machine cannot run the rehearsal's private network namespace, or undefined when it can. */
export function namespaceProblem(unshareArgs: readonly string[]): string | undefined {
    if (process.platform !== "linux") return `the e2e rehearsal needs Linux network and mount namespaces; this is ${process.platform}`;
    const which = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
    if (!which("unshare")) return "the e2e rehearsal needs unshare(1) (util-linux) to make a private network namespace; it is not on PATH";
    if (!which("ip")) return "the e2e rehearsal needs ip(8) (iproute2) to bring up loopback inside its private network namespace; it is not on PATH";
    const probe = spawnSync("unshare", [...unshareArgs, "sh", "-c", "ip link set lo up"], { encoding: "utf8" });
    if (probe.status !== 0) {
        const rootless = unshareArgs.includes("--user");
        return `could not create a private network and mount namespace (unshare ${unshareArgs.join(" ")}): ${(probe.stderr || probe.error?.message || "").trim()}` +
            (rootless ? "; unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, or AppArmor's kernel.apparmor_restrict_unprivileged_userns=0), or run as root" : "");
    }
    return undefined;
}

/** One job's result. */
export interface JobResult {
    readonly id: string;
    readonly stack: string;
    readonly scenario: string;
    readonly pod: string;
    readonly credential: string;
    readonly expected: Expectation;
    readonly observed: Observation;
    readonly pass: boolean;
    readonly reason?: string;
}

/** The whole run's report (`--json`). */
export interface E2eReport {
    readonly stacks: string[];
    readonly results: JobResult[];
    readonly skipped: string[];
    /** Requests the emulator answered, by method, host and status, with their counts. */
    readonly requests: Record<string, number>;
    /** Requests no emulated endpoint serves (`METHOD host path`): the SDKs did something the rehearsal does not model. */
    readonly unroutedRequests: string[];
    /** Pod runs that behaved as expected and not; `failed` also counts 1 when any request went unrouted. */
    readonly summary: { readonly passed: number; readonly failed: number; readonly seconds: number };
}

/** Runs the runner inside a private network and mount namespace, with a private /etc/hosts. */
async function runIsolated(input: RunnerInput, worlds: readonly World[], dir: string, unshareArgs: readonly string[]): Promise<RunnerOutput> {
    const hosts = path.join(dir, "hosts");
    // Only these names resolve, all to this namespace's loopback: nothing can leave the machine.
    fs.writeFileSync(hosts, `127.0.0.1 localhost\n::1 localhost\n127.0.0.1 ${hostNames(worlds).join(" ")}\n`);
    const inputFile = path.join(dir, "input.json");
    const outputFile = path.join(dir, "output.json");
    fs.writeFileSync(inputFile, JSON.stringify(input));
    const script = 'ip link set lo up && mount --bind "$1" /etc/hosts && shift && exec "$@"';
    // The precompiled runner next to this file (bin/, npm run e2e), or the TypeScript source under ts-node (tests).
    const runner = __filename.endsWith(".ts")
        ? ["-r", "ts-node/register/transpile-only", path.join(__dirname, "runner.ts")]
        : [path.join(__dirname, "runner.js")];
    const args = [...unshareArgs, "sh", "-c", script, "e2e", hosts, process.execPath, ...runner, inputFile, outputFile];
    const stderr: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
        const child = spawn("unshare", args, {
            cwd: projectDir,
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", NODE_EXTRA_CA_CERTS: input.caFile },
            stdio: ["ignore", "inherit", "pipe"],
        });
        child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
        child.on("close", resolve);
    });
    if (code !== 0 || !fs.existsSync(outputFile)) throw new Error(`the namespaced runner failed (exit ${code}): ${stderr.join("").trim().slice(-2000)}`);
    return JSON.parse(fs.readFileSync(outputFile, "utf8")) as RunnerOutput;
}

/** Plans each stack in rehearsal mode, runs every scenario's pods, and judges them. */
export async function rehearse(args: CliArgs): Promise<E2eReport> {
    const started = Date.now();
    const unshareArgs = process.getuid?.() === 0 ? ["--net", "--mount"] : ["--user", "--map-root-user", "--net", "--mount"];
    const problem = namespaceProblem(unshareArgs);
    if (problem) throw new PlanInputError(problem);
    // RSA generation is slow; it runs on the thread pool while the stacks are planned.
    const tlsKeys = Promise.all([rsaKeyPair(), rsaKeyPair()] as const);
    const signingKeys = Promise.all([rsaKeyPair(), rsaKeyPair()] as const);
    const worlds: World[] = [];
    const jobs: Job[] = [];
    const skipped: string[] = [];
    for (const stack of args.stacks) {
        // The plan in rehearsal mode: Azure's computed values concrete (issuer URL with its slash, GUIDs, vault URIs).
        const planned = await planStack({ stack, set: args.set, values: "rehearsal" });
        const world = worldFromResources(stack, planned.resources);
        const made = jobsForStack(world, (w) => worlds.push(w) - 1, webhookSettings, args.scenarios);
        jobs.push(...made.jobs);
        skipped.push(...made.skipped);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-"));
    try {
        const tls = await makeCertificates(hostNames(worlds), tlsKeys);
        const [cluster, entra] = await signingKeys;
        const caFile = path.join(dir, "ca.pem");
        fs.writeFileSync(caFile, tls.caCert);
        // RBAC is decided here, where the role table is; the runner only looks the answers up.
        const served = worlds.map((w) => ({ ...w, vaults: w.vaults.map((v) => ({ ...v, secretReaders: secretReaders(v, w) })) }));
        const input: RunnerInput = { worlds: served, jobs, cert: tls.cert, key: tls.key, signingKeys: { cluster, entra }, caFile, concurrency: Number(process.env.E2E_CONCURRENCY) || Math.max(2, os.cpus().length), timeoutSeconds: 30 };
        const output = await runIsolated(input, worlds, dir, unshareArgs);
        const results: JobResult[] = jobs.map((job) => {
            const observed = output.observations[job.id] ?? { outcome: "crashed", message: "no result" };
            const verdict = judge(job.expect, observed);
            return {
                id: job.id, stack: job.stack, scenario: job.scenario, pod: `${job.pod.kind} ${job.pod.namespace}/${job.pod.name}`,
                credential: observed.credential ?? job.credential, expected: job.expect, observed, pass: verdict.pass, reason: verdict.reason,
            };
        });
        const requests: Record<string, number> = {};
        for (const r of output.requests) {
            const key = `${r.method} ${r.host} ${r.status}`;
            requests[key] = (requests[key] ?? 0) + 1;
        }
        const unroutedRequests = [...new Set(output.requests.filter((r) => r.unrouted).map((r) => `${r.method} ${r.host} ${r.path}`))].sort();
        const passed = results.filter((r) => r.pass).length;
        const failed = results.length - passed + (unroutedRequests.length > 0 ? 1 : 0);
        return { stacks: args.stacks, results, skipped, requests, unroutedRequests, summary: { passed, failed, seconds: Math.round((Date.now() - started) / 100) / 10 } };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** One line for what a pod saw. */
function observedText(o: Observation): string {
    if (o.outcome === "secret") return "read the secret";
    if (o.outcome === "refused") return `pod refused: ${o.message}`;
    if (o.outcome === "crashed") return `crashed: ${o.message}`;
    // Entra's answer is the telling part, also when DefaultAzureCredential wraps it among its chain's messages.
    const aadsts = /AADSTS\d+: [^.]*\./.exec(o.message ?? "")?.[0];
    const first = aadsts ?? (o.message ?? "").split(/\r?\n/).find((l) => l.trim()) ?? "";
    return `${o.name}${o.status ? ` ${o.status}` : ""}${o.innerCode ? ` ${o.innerCode}` : o.code && o.status ? ` ${o.code}` : ""}: ${first.slice(0, 160)}`;
}

/** The human-readable summary: per stack, per scenario, per pod. */
export function renderReport(report: E2eReport): string {
    const lines: string[] = [];
    for (const stack of report.stacks) {
        lines.push(`Stack "${stack}"`);
        for (const scenario of scenarios) {
            const rows = report.results.filter((r) => r.stack === stack && r.scenario === scenario.name);
            if (rows.length === 0) continue;
            lines.push(`  ${rows.every((r) => r.pass) ? "✓" : "✗"} ${scenario.name}: ${scenario.description}`);
            for (const r of rows) {
                lines.push(`      ${r.pass ? "✓" : "✗"} ${r.pod} [${r.credential}] → ${observedText(r.observed)}`);
                if (!r.pass) lines.push(`          ${r.reason}`);
            }
        }
    }
    for (const s of report.skipped) lines.push(`  - skipped ${s}`);
    for (const r of report.unroutedRequests) lines.push(`✗ the SDK made a request no emulated endpoint serves: ${r}`);
    lines.push(`e2e: ${report.summary.passed} passed, ${report.summary.failed} failed in ${report.summary.seconds} s`);
    return `${lines.join("\n")}\n`;
}

export async function run(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
    try {
        const args = parseArgs(argv);
        if (args === "help") {
            out.write(`${usage}\n`);
            return exitCodes.ok;
        }
        const report = await rehearse(args);
        out.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
        return report.summary.failed === 0 ? exitCodes.ok : exitCodes.unexpected;
    } catch (e) {
        const known = e instanceof Error && ["PlanInputError", "ArgsError", "RunError"].includes(e.name);
        err.write(`error: ${known ? (e as Error).message : `the e2e rehearsal failed: ${(e as Error).message ?? String(e)}`}\n`);
        return exitCodes.failed;
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
