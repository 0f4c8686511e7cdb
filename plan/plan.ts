import * as fs from "fs";
import * as path from "path";
import { buildPlan } from "./buildPlan";
import { evaluate } from "./engine";
import type { ExistingClusters, MockedResource } from "./mocks";
import { GraphFormat, renderGraph } from "./graph";
import { scrub } from "./mask";
import type { Plan } from "./model";
import { renderMarkdown } from "./markdown";
import { renderPlan } from "./render";
import { readPlanConfig } from "./stackConfig";
import { configSchema } from "../infra/schema";
import { PlanValues, planValues } from "./unknowns";

export type { Plan, UnknownValue } from "./model";
export type { MockedResource } from "./mocks";
export type { PlanValues } from "./unknowns";
import { PlanInputError } from "./stackConfig";
export { PlanInputError };

/** The project's root: where `Pulumi.yaml` and the stack files are (the nearest above, so the build in bin/ finds it too). */
export const projectDir = findProjectDir(__dirname);

function findProjectDir(from: string): string {
    const up = path.dirname(from);
    return fs.existsSync(path.join(from, "Pulumi.yaml")) || up === from ? from : findProjectDir(up);
}

/** A plan and its renderings; every rendering has secret plaintexts scrubbed. */
export class PlanResult {
    /**
     * @param plan the plan.
     * @param secrets secret plaintexts, scrubbed from every rendering.
     * @param resources every resource the program registered, as the engine recorded it (inputs, state with the
     *   values the run gave Azure's outputs, dependencies); secrets still wrapped, not masked.
     * @param values what Azure's computed values were in the run that made `resources`.
     */
    constructor(readonly plan: Plan, private readonly secrets: readonly string[], readonly resources: readonly MockedResource[] = [], readonly values: PlanValues = "unknown") {}

    /** The human-readable plan. */
    text(): string {
        return scrub(renderPlan(this.plan), this.secrets);
    }

    /** A compact Markdown summary for a pull-request comment. */
    markdown(): string {
        return scrub(renderMarkdown(this.plan), this.secrets);
    }

    /** The plan as JSON (the {@link Plan} shape). */
    json(): string {
        return scrub(`${JSON.stringify(this.plan, null, 2)}\n`, this.secrets);
    }

    /** The resource and dependency graph. */
    graph(format: GraphFormat): string {
        return scrub(renderGraph(this.plan, format), this.secrets);
    }

    /** Whether every trust chain is consistent and nothing is unlinked. */
    get trusted(): boolean {
        return this.plan.summary.trustChains.broken === 0 && this.plan.unlinkedProblems.length === 0;
    }
}

/** What {@link planProgram} runs. */
export interface ProgramPlanOptions {
    readonly project: string;
    readonly stack: string;
    /** The whole config, `project:key` → string. */
    readonly config?: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    /** The program; its result is treated as the stack outputs. */
    readonly program: () => unknown | Promise<unknown>;
    /** Existing clusters that `getManagedCluster` finds (bring-your-own-cluster mode). */
    readonly existingClusters?: ExistingClusters;
    /** What Azure's computed values are; see {@link PlanValues}. Default `unknown`. */
    readonly values?: PlanValues;
}

/**
 * Plans any program on the mock engine. Throws the program's first error (for example an `ArgsError`).
 *
 * With `values: "unknown"` (default) the program runs once as a preview that also rehearses (plan/shadow.ts): the
 * plan shows the preview, and the trust chains are checked on the rehearsal's real strings. With `values:
 * "rehearsal"` it runs once as a rehearsal (Azure's values concrete), and the plan shows that.
 */
export async function planProgram(options: ProgramPlanOptions): Promise<PlanResult> {
    const base = { ...options, config: options.config ?? {} };
    if (options.values === "rehearsal") {
        const rehearsal = await evaluate({ ...base, values: "rehearsal" });
        if (rehearsal.error) throw rehearsal.error;
        const built = buildPlan(options.project, options.stack, rehearsal);
        return new PlanResult(built.plan, built.secrets, rehearsal.resources, "rehearsal");
    }
    const preview = await evaluate({ ...base, values: "unknown", rehearse: true });
    if (preview.error) throw preview.error;
    const built = buildPlan(options.project, options.stack, preview, preview.rehearsal);
    return new PlanResult(built.plan, built.secrets, preview.resources, "unknown");
}

/**
 * The default plan made the long way, by two evaluations (a rehearsal, then a preview), for checking that the one
 * evaluation {@link planProgram} makes gives the same plan (test/plan.test.ts compares them on hand-wired programs;
 * test/shadow.test.ts compares the same two ways on every stack).
 */
export async function planProgramTwice(options: ProgramPlanOptions): Promise<PlanResult> {
    const base = { ...options, config: options.config ?? {} };
    const rehearsal = await evaluate({ ...base, values: "rehearsal" });
    if (rehearsal.error) throw rehearsal.error;
    const preview = await evaluate({ ...base, values: "unknown" });
    if (preview.error) throw preview.error;
    const built = buildPlan(options.project, options.stack, preview, rehearsal);
    return new PlanResult(built.plan, built.secrets, preview.resources, "unknown");
}

/**
 * In bring-your-own-cluster mode, the cluster the config names, as the mocks' `getManagedCluster` answers it:
 * with the OIDC issuer and workload identity on (the program refuses it otherwise, at deploy) and an issuer
 * URL that says it is read from that cluster.
 */
function existingCluster(values: Readonly<Record<string, string>>, project: string): ExistingClusters | undefined {
    const rg = values[`${project}:existingClusterResourceGroup`];
    const name = values[`${project}:existingClusterName`];
    if (!rg || !name) return undefined;
    return {
        [`${rg}/${name}`]: {
            oidcIssuer: true,
            workloadIdentity: true,
        },
    };
}

/** What {@link planStack} plans. */
export interface StackPlanOptions {
    /** The stack: `Pulumi.<stack>.yaml` must exist. */
    readonly stack: string;
    /** `key=value` config overrides. */
    readonly set?: readonly string[];
    /** Where `Pulumi.yaml` is. Default: this project's root. */
    readonly dir?: string;
    /** What Azure's computed values are: `unknown` (default, a preview) or `rehearsal`; see {@link PlanValues}. */
    readonly values?: PlanValues;
}

/**
 * Plans a stack of this project: config as the CLI reads it (`Pulumi.yaml` defaults, `Pulumi.<stack>.yaml`,
 * then `set`), the stack program on the mock engine. Throws `PlanInputError` for a missing stack file or a
 * bad override, and the program's `ArgsError` for invalid config.
 */
export async function planStack(options: StackPlanOptions): Promise<PlanResult> {
    return planProgram(stackProgram(options));
}

/** What {@link planStack} gives {@link planProgram}: the stack's config as the CLI reads it, and the stack program. */
export function stackProgram(options: StackPlanOptions): ProgramPlanOptions {
    if (options.values !== undefined && !planValues.includes(options.values)) {
        throw new PlanInputError(`values ${JSON.stringify(options.values)} is not one of ${planValues.join(", ")}`);
    }
    const loaded = readPlanConfig({ dir: options.dir ?? projectDir, stack: options.stack, set: options.set });
    const declaredSecret = Object.entries(configSchema).filter(([, spec]) => "secret" in spec && spec.secret).map(([key]) => `${loaded.project}:${key}`);
    return {
        project: loaded.project,
        stack: loaded.stack,
        config: loaded.values,
        secretKeys: [...new Set([...loaded.secretKeys, ...declaredSecret])],
        existingClusters: existingCluster(loaded.values, loaded.project),
        values: options.values,
        program: async () => {
            // Imported once per process, after the first run's mocks are installed; each run calls main() again.
            const { main } = await import("../infra/main");
            return main();
        },
    };
}
