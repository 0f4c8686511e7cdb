import * as fs from "fs";
import * as path from "path";
import { normalise } from "../plan/golden";
import { planProgram, PlanResult, ProgramPlanOptions, projectDir } from "../plan/plan";
import { readPlanConfig } from "../plan/stackConfig";
import { listStacks } from "../infra/stackFiles";

/** The bootstrap project's folder (its Pulumi.yaml and stack file), also when this runs precompiled from bin/. */
export const bootstrapDir = path.join(projectDir, "bootstrap");
/** Where the bootstrap's committed plans live: `<stack>.txt` and `<stack>.json`. */
export const bootstrapGoldenDir = path.join(projectDir, "test", "plan-golden", "bootstrap");

/** Plans a bootstrap stack offline on the mock engine, with config read as the CLI reads it. */
export async function planBootstrap(stack: string, set: readonly string[] = []): Promise<PlanResult> {
    return planProgram(bootstrapProgram(stack, set));
}

/** What {@link planBootstrap} gives `planProgram`: the stack's config as the CLI reads it, and the bootstrap program. */
export function bootstrapProgram(stack: string, set: readonly string[] = []): ProgramPlanOptions {
    const loaded = readPlanConfig({ dir: bootstrapDir, stack, set });
    return {
        project: loaded.project,
        stack: loaded.stack,
        config: loaded.values,
        secretKeys: loaded.secretKeys,
        program: async () => {
            const { loadBootstrapConfig } = await import("./config");
            const { bootstrap } = await import("./program");
            return bootstrap(loadBootstrapConfig());
        },
    };
}

/** A bootstrap stack's golden files from its plan, by file name. */
export function goldenFiles(stack: string, result: PlanResult): Record<string, string> {
    return { [`${stack}.txt`]: normalise(result.text()), [`${stack}.json`]: normalise(result.json()) };
}

/** A bootstrap stack's golden files as they should be now, by file name. */
export async function currentBootstrapGolden(stack: string): Promise<Record<string, string>> {
    return goldenFiles(stack, await planBootstrap(stack));
}

/** Rewrites the bootstrap's golden plans; returns the files that changed. */
export async function updateBootstrapGolden(): Promise<string[]> {
    fs.mkdirSync(bootstrapGoldenDir, { recursive: true });
    const written: string[] = [];
    for (const stack of listStacks(bootstrapDir)) {
        for (const [file, text] of Object.entries(await currentBootstrapGolden(stack))) {
            const target = path.join(bootstrapGoldenDir, file);
            if (!fs.existsSync(target) || fs.readFileSync(target, "utf8") !== text) {
                fs.writeFileSync(target, text);
                written.push(path.relative(projectDir, target));
            }
        }
    }
    return written;
}

if (require.main === module) {
    const stack = process.argv[2];
    const run = stack === "--update"
        ? updateBootstrapGolden().then((w) => console.log(w.length === 0 ? "bootstrap golden plans are up to date" : `updated ${w.join(", ")}`))
        : planBootstrap(stack ?? "cicd").then((result) => {
            process.stdout.write(result.text());
            if (!result.trusted) process.exitCode = 1;
        });
    run.catch((err: Error) => {
        console.error(`error: ${err.message}`);
        process.exitCode = 2;
    });
}
