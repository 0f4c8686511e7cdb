/**
 * `npm run bench`: plan time and peak memory for synthetic dev stacks of 1, 50 and 500 workloads.
 * Each size runs in fresh processes (BENCH_RUNS of them, default 3) and reports the medians, the ratio
 * to one workload, and the marginal cost per added workload, which should stay about flat (linear growth).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { performance } from "perf_hooks";

/** One process's measurement, as bench/one.ts prints it, plus the process's wall time. */
interface Sample {
    workloads: number;
    resources: number;
    planMs: number;
    peakRssMb: number;
    wallMs: number;
}

const root = path.resolve(__dirname, "..");
const sizes = (process.env.BENCH_SIZES ?? "1,50,500").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 3);

function measure(workloads: number): Sample {
    const start = performance.now();
    const child = spawnSync(process.execPath, ["-r", "ts-node/register", path.join("bench", "one.ts"), String(workloads)], {
        cwd: root,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`bench/one.ts ${workloads} failed: ${child.stderr.trim()}`);
    return { ...JSON.parse(child.stdout.trim().split("\n").pop()!), wallMs } as Sample;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
    const rows: Sample[] = sizes.map((n) => {
        const samples = Array.from({ length: runs }, () => measure(n));
        return {
            workloads: n,
            resources: samples[0].resources,
            planMs: median(samples.map((s) => s.planMs)),
            peakRssMb: median(samples.map((s) => s.peakRssMb)),
            wallMs: median(samples.map((s) => s.wallMs)),
        };
    });
    const base = rows[0];
    const header = ["workloads", "resources", "plan ms", "process wall ms", "peak RSS MB", "plan x", "RSS x", "ms/added workload", "KB RSS/added workload"];
    const table = rows.map((r, i) => {
        const prev = rows[i - 1];
        const added = prev ? r.workloads - prev.workloads : 0;
        return [
            r.workloads, r.resources, r.planMs.toFixed(0), r.wallMs.toFixed(0), r.peakRssMb.toFixed(0),
            (r.planMs / base.planMs).toFixed(1), (r.peakRssMb / base.peakRssMb).toFixed(2),
            added > 0 ? ((r.planMs - prev.planMs) / added).toFixed(2) : "-",
            added > 0 ? (((r.peakRssMb - prev.peakRssMb) * 1024) / added).toFixed(0) : "-",
        ].map(String);
    });
    const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
    const line = (cells: string[]): string => `| ${cells.map((cell, c) => cell.padStart(widths[c])).join(" | ")} |`;
    console.log(`Offline plan of the dev stack with N synthetic workloads (median of ${runs} fresh processes each; node ${process.version})`);
    console.log(line(header));
    console.log(`|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`);
    for (const row of table) console.log(line(row));
    console.log("plan ms: config, evaluation on the mock engine, analysis, text and JSON rendering, with the program's modules already loaded.");
    console.log("process wall ms: the whole process, Node and ts-node start-up and module loading included.");
}

main();
