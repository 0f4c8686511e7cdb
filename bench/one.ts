/**
 * One benchmark measurement, in its own process so peak memory is this measurement's alone; prints one
 * JSON line. Run from the build (bin/bench/one.js), as `npm run bench` does.
 *
 *   one.js plan <workloads>            plan the dev stack with N synthetic workloads (config, evaluation,
 *                                      analysis, text and JSON), the program's modules loaded first
 *   one.js preview <workloads>         the same config and evaluation as a plain preview: no rehearsal, analysis
 *                                      or rendering (what the plan costs before its trust checks)
 *   one.js record <workloads> <file>   run the same plan and write what the engine saw (bench/floor.ts)
 *   one.js floor <file>                replay a recording: the floor program, on the same mock engine
 *   one.js deploy                      the deploy-time model of the dev stack, as is and with 20 credentials
 *                                      on the verified identity (bench/deploy.ts); prints text
 */
import * as fs from "fs";
import { performance } from "perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "../plan/engine";
import { EngineMocks } from "../plan/mocks";
import { planStack, stackProgram } from "../plan/plan";
import { renderDeployModel, renderLatencies } from "./deploy";
import { Recording, RecordedResource, replay } from "./floor";
import { types } from "../plan/kinds";

/** `--set` overrides for a dev stack with `count` workloads, each in its own namespace. */
export function syntheticOverrides(count: number): string[] {
    const workloads = Array.from({ length: count }, (_, i) => `{name: w${i + 1}, namespace: ns-${i + 1}}`);
    return [`workloads=[${workloads.join(", ")}]`];
}

function peakRssMb(): number {
    // maxRSS is in kilobytes.
    return process.resourceUsage().maxRSS / 1024;
}

/**
 * The CPU time this process spent since `start` (user and system, every thread: V8 collects garbage on helper
 * threads too). On a busy machine it moves far less than wall time, which also counts waiting for a core.
 */
function cpuMsSince(start: NodeJS.CpuUsage): number {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
}

/** `work` run and measured: its wall time and CPU time (see {@link cpuMsSince}), and what it returned. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const value = await work();
    return { value, ms: performance.now() - start, cpuMs: cpuMsSince(cpu) };
}

function workloadCount(arg: string | undefined): number {
    const count = Number(arg);
    if (!Number.isInteger(count) || count < 1) throw new Error(`workloads must be a whole number of at least 1, not ${arg}`);
    return count;
}

async function plan(count: number): Promise<object> {
    // Load the stack program's modules first, so the timing below is the plan's, not module loading's.
    await import("../infra/main");
    const { value: { result, text, json }, ms, cpuMs } = await timed(async () => {
        const result = await planStack({ stack: "dev", set: syntheticOverrides(count) });
        return { result, text: result.text(), json: result.json() };
    });
    if (!result.trusted) throw new Error("the synthetic stack's trust chains are broken");
    return { workloads: count, resources: result.plan.summary.resources, ms, cpuMs, peakRssMb: peakRssMb(), outputBytes: text.length + json.length };
}

/**
 * The plan's config and evaluation without what only the plan does: the program evaluated once as a plain preview
 * (Azure's values unknown, no rehearsal riding along), with no analysis or rendering. Between the floor and the
 * plan, it splits what the plan adds into the program's own work and the trust checks' (rehearsal and analysis).
 */
async function preview(count: number): Promise<object> {
    await import("../infra/main");
    const { value: evaluation, ms, cpuMs } = await timed(() => {
        const options = stackProgram({ stack: "dev", set: syntheticOverrides(count) });
        return evaluate({ ...options, config: options.config ?? {}, values: "unknown" });
    });
    if (evaluation.error) throw evaluation.error;
    return { workloads: count, resources: evaluation.resources.length, ms, cpuMs, peakRssMb: peakRssMb() };
}

/** The engine's monitor internals the recording reads: the provider reference the mocks' arguments leave out. */
interface MonitorInternals {
    registerResource(req: { getType(): string; getName(): string; getProvider(): string }, callback: unknown): Promise<void>;
}

async function record(count: number, file: string): Promise<object> {
    let mocks: EngineMocks | undefined;
    const providers = new Map<string, string>();
    const install = EngineMocks.prototype.install;
    EngineMocks.prototype.install = async function (this: EngineMocks, ...args: Parameters<EngineMocks["install"]>) {
        const installed = await install.apply(this, args);
        mocks = installed;
        const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorInternals }).getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            // A provider reference is "<urn>::<id>".
            const ref = req.getProvider();
            if (ref) providers.set(`${req.getType()}::${req.getName()}`, ref.slice(0, ref.lastIndexOf("::")));
            return register(req, callback);
        };
        return installed;
    };
    const result = await planStack({ stack: "dev", set: syntheticOverrides(count) });
    EngineMocks.prototype.install = install;
    const resources: RecordedResource[] = mocks!.resources.map((r) => ({
        type: r.type, name: r.name, urn: r.urn, parent: r.parent, custom: r.custom, dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies, protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace,
        inputs: r.inputs, provider: providers.get(`${r.type}::${r.name}`),
    }));
    const recording: Recording = {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        resources,
        invokes: mocks!.calls.map((c) => ({ token: c.token, inputs: c.inputs as Record<string, unknown> })),
    };
    fs.writeFileSync(file, JSON.stringify(recording));
    return { workloads: count, resources: result.plan.summary.resources, recorded: resources.length, invokes: recording.invokes.length };
}

async function floor(file: string): Promise<object> {
    const recording = JSON.parse(fs.readFileSync(file, "utf8")) as Recording;
    const { value: evaluation, ms, cpuMs } = await timed(() => evaluate({ project: recording.project, stack: recording.stack, config: {}, program: () => replay(recording) }));
    if (evaluation.error) throw evaluation.error;
    // The floor must register what the program did: the same URNs (type, name, parent chain), options and edges.
    const shape = (r: RecordedResource): string => JSON.stringify([r.urn, r.parent, [...r.dependencies].sort(), r.protect, r.deleteBeforeReplace, r.custom,
        Object.entries(r.propertyDependencies).map(([k, v]) => [k, [...v].sort()]).sort()]);
    const want = recording.resources.map(shape).sort();
    const got = evaluation.resources.map(shape).sort();
    const differ = want.filter((w, i) => w !== got[i]);
    if (want.length !== got.length || differ.length > 0) {
        throw new Error(`the floor registered ${got.length} resources, the recording has ${want.length}; first difference: ${differ[0] ?? "(count)"}`);
    }
    return { resources: evaluation.resources.length, ms, cpuMs, peakRssMb: peakRssMb() };
}

/**
 * The dev stack's verified workload (orders) with 20 federated credentials: 10 ServiceAccounts, each on the
 * cluster's issuer and on one issuer known in advance (GitHub's, a literal URL).
 */
export const twentyCredentials = [
    `workloads=[{name: orders, namespace: shop, extraSubjects: [${Array.from({ length: 9 }, (_, i) => `{namespace: shop, serviceAccountName: orders-${i + 1}}`).join(", ")}]}, {name: reports, namespace: analytics, roles: [{role: Key Vault Secrets User}]}]`,
    "extraIssuers={github: https://token.actions.githubusercontent.com}",
];

async function deploy(): Promise<string> {
    const dev = await planStack({ stack: "dev" });
    const twenty = await planStack({ stack: "dev", set: twentyCredentials });
    const fics = twenty.plan.resources.filter((r) => r.type === types.fic && r.parent?.endsWith("::orders")).length;
    return [
        renderDeployModel("Deploy model: first `pulumi up` of the dev stack (critical path; start → done, m:ss)", dev.plan),
        "",
        renderDeployModel(`Deploy model: dev with ${fics} federated credentials on the verified identity (10 ServiceAccounts x the cluster's issuer and GitHub's)`, twenty.plan),
        "",
        renderLatencies(),
    ].join("\n");
}

async function main(argv: string[]): Promise<void> {
    const [mode, a, b] = argv;
    if (mode === "deploy") {
        process.stdout.write(`${await deploy()}\n`);
        return;
    }
    let result: object;
    if (mode === "plan") result = await plan(workloadCount(a));
    else if (mode === "preview") result = await preview(workloadCount(a));
    else if (mode === "record" && b) result = await record(workloadCount(a), b);
    else if (mode === "floor" && a) result = await floor(a);
    else throw new Error("usage: one.js plan <workloads> | preview <workloads> | record <workloads> <file> | floor <file> | deploy");
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err: Error) => {
        console.error(`error: ${err.message}`);
        process.exitCode = 2;
    });
}
