/**
 * `npm run bench`: the offline plan against its floor, and the deploy-time model.
 *
 * For each size (BENCH_SIZES, default 1,500,1000 synthetic workloads on the dev stack) it records the
 * program's run once, then measures, alternately, in fresh processes (BENCH_RUNS of each, default 3):
 * - plan:    config, evaluation on the mock engine, analysis, text and JSON rendering (bin/bench/one.js plan);
 * - preview: the same config and evaluation as a plain preview, with no rehearsal, analysis or rendering
 *            (bin/bench/one.js preview): the program's own share of what the plan adds over the floor;
 * - floor:   the same resources, parents, options and wiring replayed on the same engine with nothing else
 *            (bench/floor.ts);
 * and prints the medians, the plan/floor ratios of time and peak RSS, the preview/floor ratio of time, and the
 * marginal cost per added workload (flat when growth is linear). Then it prints the deploy model of the dev stack
 * (bench/deploy.ts).
 * Everything runs from the precompiled build (`npm run build`; `npm run bench` builds first), and every process
 * starts as `npm run plan` does (`scripts/run.js --fast-start`: the code cache, the resolve cache, the deferred
 * modules, V8's interrupt budget): the plan is measured as it runs, and the floor starts on the same terms.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

/** One process's measurement, as bench/one.js prints it, plus the process's wall time. */
interface Sample {
    resources: number;
    ms: number;
    cpuMs: number;
    peakRssMb: number;
    wallMs: number;
}

const sizes = (process.env.BENCH_SIZES ?? "1,500,1000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const one = path.join(__dirname, "one.js");
/** `node scripts/run.js --fast-start bench/one.js ...`: how `npm run plan` starts its process. */
const runner = [path.join(__dirname, "..", "..", "scripts", "run.js"), "--fast-start", path.relative(path.join(__dirname, ".."), one)];

function run(args: string[]): Sample {
    const start = performance.now();
    const child = spawnSync(process.execPath, [...runner, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`one.js ${args.join(" ")} failed: ${child.stderr.trim()}`);
    return { ...JSON.parse(child.stdout.trim().split("\n").pop()!), wallMs } as Sample;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Row {
    workloads: number;
    resources: number;
    plan: { ms: number; cpu: number; rss: number; wall: number };
    preview: { ms: number; cpu: number; rss: number; wall: number };
    floor: { ms: number; cpu: number; rss: number; wall: number };
    /** Each plan run's time over the floor run of the same round: how far one pair moves on this machine. */
    pairs: { min: number; median: number; max: number };
}

function measure(workloads: number, dir: string): Row {
    const recording = path.join(dir, `recording-${workloads}.json`);
    run(["record", String(workloads), recording]);
    const plans: Sample[] = [];
    const previews: Sample[] = [];
    const floors: Sample[] = [];
    // Alternate, so a change in the machine's load hits all three alike.
    for (let i = 0; i < runs; i++) {
        plans.push(run(["plan", String(workloads)]));
        previews.push(run(["preview", String(workloads)]));
        floors.push(run(["floor", recording]));
    }
    const summary = (samples: Sample[]) => ({ ms: median(samples.map((s) => s.ms)), cpu: median(samples.map((s) => s.cpuMs)), rss: median(samples.map((s) => s.peakRssMb)), wall: median(samples.map((s) => s.wallMs)) });
    const ratios = plans.map((p, i) => p.ms / floors[i].ms);
    const pairs = { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) };
    return { workloads, resources: plans[0].resources, plan: summary(plans), preview: summary(previews), floor: summary(floors), pairs };
}

function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    const line = (cells: string[]): string => `| ${cells.map((cell, c) => cell.padStart(widths[c])).join(" | ")} |`;
    return [line(header), `|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`, ...rows.map(line)].join("\n");
}

/** The deploy model, from a fresh process (bin/bench/one.js deploy). */
function deployModelReport(): string {
    const child = spawnSync(process.execPath, [one, "deploy"], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`one.js deploy failed: ${child.stderr.trim()}`);
    return child.stdout.trimEnd();
}

function main(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    try {
        const rows = sizes.map((n) => measure(n, dir));
        const cells = rows.map((r, i) => {
            const prev = rows[i - 1];
            const added = prev ? r.workloads - prev.workloads : 0;
            return [
                r.workloads, r.resources,
                r.plan.ms.toFixed(0), r.floor.ms.toFixed(0), (r.plan.ms / r.floor.ms).toFixed(2),
                r.preview.ms.toFixed(0), (r.preview.ms / r.floor.ms).toFixed(2),
                r.plan.cpu.toFixed(0), r.floor.cpu.toFixed(0), (r.plan.cpu / r.floor.cpu).toFixed(2),
                r.plan.rss.toFixed(0), r.floor.rss.toFixed(0), (r.plan.rss / r.floor.rss).toFixed(2),
                added > 0 ? ((r.plan.ms - prev.plan.ms) / added).toFixed(2) : "-",
                added > 0 ? ((r.floor.ms - prev.floor.ms) / added).toFixed(2) : "-",
                added > 0 ? (((r.plan.rss - prev.plan.rss) * 1024) / added).toFixed(0) : "-",
                r.plan.wall.toFixed(0), r.floor.wall.toFixed(0),
            ].map(String);
        });
        const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
        console.log(`Offline plan of the dev stack with N synthetic workloads vs its floor (median of ${runs} fresh processes each, plan, preview and floor in turn; node ${process.version}, ${os.cpus().length} CPUs, load average ${load})`);
        console.log(table(
            ["workloads", "plan resources", "plan ms", "floor ms", "time x", "preview ms", "preview x", "plan CPU ms", "floor CPU ms", "CPU x", "plan RSS MB", "floor RSS MB", "RSS x", "plan ms/added", "floor ms/added", "plan KB/added", "plan wall ms", "floor wall ms"],
            cells));
        console.log(`time x of each pair (a plan run over the floor run of the same round), min-max (median): ${rows.map((r) => `${r.workloads}: ${r.pairs.min.toFixed(2)}-${r.pairs.max.toFixed(2)} (${r.pairs.median.toFixed(2)})`).join("; ")}`);
        console.log("plan ms: config, evaluation on the mock engine, analysis, text and JSON rendering (modules already loaded).");
        console.log("preview ms: the same config and evaluation as a plain preview (no rehearsal, analysis or rendering); preview x: over the floor.");
        console.log("floor ms: the same resources, parents, options, providers, invokes and input wiring replayed on the same engine (bench/floor.ts).");
        console.log("CPU ms: the CPU time of the same span (every thread), which a busy machine inflates far less than wall time.");
        console.log("RSS: the process's peak resident memory. wall: the whole process, Node start-up and module loading included.");
        console.log("");
        console.log(deployModelReport());
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main();
