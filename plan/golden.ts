import * as fs from "fs";
import * as path from "path";
import { listStacks } from "../infra/stackFiles";
import { planStack, projectDir } from "./plan";

/** Where each stack's committed plan lives: `<stack>.txt` (human) and `<stack>.json`. */
export const goldenDir = path.join(projectDir, "test", "plan-golden");

/** Every stack with a `Pulumi.<stack>.yaml`, sorted. */
export function stacks(dir: string = projectDir): string[] {
    return listStacks(dir);
}

/** Normalises a rendering for comparison: LF line ends, no trailing blanks, one final newline. */
export function normalise(text: string): string {
    return `${text.replace(/\r\n/g, "\n").split("\n").map((l) => l.trimEnd()).join("\n").trimEnd()}\n`;
}

/** A stack's golden files as they should be now, by file name. */
export async function currentGolden(stack: string): Promise<Record<string, string>> {
    const result = await planStack({ stack });
    return { [`${stack}.txt`]: normalise(result.text()), [`${stack}.json`]: normalise(result.json()) };
}

/**
 * A diff of two texts from their longest common subsequence of lines: `-` golden, `+` current, with
 * `context` unchanged lines around each change. Empty when they are equal.
 */
export function lineDiff(expected: string, actual: string, context = 2): string {
    const a = expected.split("\n");
    const b = actual.split("\n");
    // Trim the common head and tail so the quadratic table covers only the changed middle.
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head]) head++;
    let tail = 0;
    while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
    const am = a.slice(head, a.length - tail);
    const bm = b.slice(head, b.length - tail);
    if (am.length === 0 && bm.length === 0) return "";
    const lcs: number[][] = Array.from({ length: am.length + 1 }, () => new Array<number>(bm.length + 1).fill(0));
    for (let i = am.length - 1; i >= 0; i--) {
        for (let j = bm.length - 1; j >= 0; j--) {
            lcs[i][j] = am[i] === bm[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const ops: string[] = a.slice(0, head).map((line) => `  ${line}`);
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
        if (i < am.length && j < bm.length && am[i] === bm[j]) {
            ops.push(`  ${am[i]}`);
            i++;
            j++;
        } else if (j < bm.length && (i === am.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
            ops.push(`+ ${bm[j++]}`);
        } else {
            ops.push(`- ${am[i++]}`);
        }
    }
    ops.push(...a.slice(a.length - tail).map((line) => `  ${line}`));
    const changed = ops.map((o) => !o.startsWith("  "));
    const near = (k: number): boolean => changed.slice(Math.max(0, k - context), k + context + 1).some(Boolean);
    const out = ["--- golden", "+++ current plan"];
    ops.forEach((o, k) => {
        if (!near(k)) return;
        if (k > 0 && !near(k - 1)) out.push("...");
        out.push(o);
    });
    return out.join("\n");
}

/** Rewrites every stack's golden files from the current plans (`npm run plan:update`). */
export async function updateGolden(): Promise<string[]> {
    fs.mkdirSync(goldenDir, { recursive: true });
    const written: string[] = [];
    for (const stack of stacks()) {
        for (const [file, text] of Object.entries(await currentGolden(stack))) {
            const target = path.join(goldenDir, file);
            const before = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
            if (before !== text) {
                fs.writeFileSync(target, text);
                written.push(path.relative(projectDir, target));
            }
        }
    }
    return written;
}

if (require.main === module) {
    updateGolden().then((written) => {
        console.log(written.length === 0 ? "golden plans are up to date" : `updated ${written.join(", ")}`);
    }, (err: Error) => {
        console.error(`error: ${err.message}`);
        process.exitCode = 2;
    });
}
