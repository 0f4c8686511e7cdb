/**
 * One benchmark measurement, in its own process so peak memory is this size's alone:
 * plans the dev stack with N synthetic workloads and prints one JSON line.
 * Usage: ts-node bench/one.ts <workloads>
 */
import { performance } from "perf_hooks";
import { planStack } from "../plan/plan";

/** `--set` overrides for a dev stack with `count` workloads, each in its own namespace. */
export function syntheticOverrides(count: number): string[] {
    const workloads = Array.from({ length: count }, (_, i) => `{name: w${i + 1}, namespace: ns-${i + 1}}`);
    return [`workloads=[${workloads.join(", ")}]`];
}

async function main(): Promise<void> {
    const count = Number(process.argv[2]);
    if (!Number.isInteger(count) || count < 1) throw new Error("usage: ts-node bench/one.ts <workloads>");
    // Load the stack program's modules first, so the timing below is the plan's, not module loading's.
    await import("../infra/main");
    const start = performance.now();
    const result = await planStack({ stack: "dev", set: syntheticOverrides(count) });
    const text = result.text();
    const json = result.json();
    const planMs = performance.now() - start;
    if (!result.trusted) throw new Error("the synthetic stack's trust chains are broken");
    process.stdout.write(`${JSON.stringify({
        workloads: count,
        resources: result.plan.summary.resources,
        planMs,
        // maxRSS is in kilobytes.
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        outputBytes: text.length + json.length,
    })}\n`);
}

if (require.main === module) {
    main().catch((err: Error) => {
        console.error(`error: ${err.message}`);
        process.exitCode = 2;
    });
}
