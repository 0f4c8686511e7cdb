import * as fs from "fs";
import * as path from "path";
import { buildPlan } from "./analyze";
import { evaluate } from "./engine";
import type { ExistingClusters } from "./mocks";
import { GraphFormat, renderGraph } from "./graph";
import { scrub } from "./mask";
import type { Plan } from "./model";
import { renderPlan } from "./render";
import { readPlanConfig } from "./stackConfig";
import { configSchema } from "../infra/schema";

export type { Plan } from "./model";
export { PlanInputError } from "./stackConfig";

/** The project's root: where `Pulumi.yaml` and the stack files are (the nearest above, so the build in bin/ finds it too). */
export const projectDir = findProjectDir(__dirname);

function findProjectDir(from: string): string {
    const up = path.dirname(from);
    return fs.existsSync(path.join(from, "Pulumi.yaml")) || up === from ? from : findProjectDir(up);
}

/** A plan and its renderings; every rendering has secret plaintexts scrubbed. */
export class PlanResult {
    constructor(readonly plan: Plan, private readonly secrets: readonly string[]) {}

    /** The human-readable plan. */
    text(): string {
        return scrub(renderPlan(this.plan), this.secrets);
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
}

/** Plans any program on the mock engine. Throws the program's first error (for example an `ArgsError`). */
export async function planProgram(options: ProgramPlanOptions): Promise<PlanResult> {
    const evaluation = await evaluate({ ...options, config: options.config ?? {} });
    if (evaluation.error) throw evaluation.error;
    const built = buildPlan(options.project, options.stack, evaluation);
    return new PlanResult(built.plan, built.secrets);
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
            issuerUrl: `<known after deploy: OIDC issuer URL of existing cluster ${rg}/${name}, which must have the OIDC issuer and workload identity on>`,
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
}

/**
 * Plans a stack of this project: config as the CLI reads it (`Pulumi.yaml` defaults, `Pulumi.<stack>.yaml`,
 * then `set`), the stack program on the mock engine. Throws `PlanInputError` for a missing stack file or a
 * bad override, and the program's `ArgsError` for invalid config.
 */
export async function planStack(options: StackPlanOptions): Promise<PlanResult> {
    const loaded = readPlanConfig({ dir: options.dir ?? projectDir, stack: options.stack, set: options.set });
    const declaredSecret = Object.entries(configSchema).filter(([, spec]) => "secret" in spec && spec.secret).map(([key]) => `${loaded.project}:${key}`);
    return planProgram({
        project: loaded.project,
        stack: loaded.stack,
        config: loaded.values,
        secretKeys: [...new Set([...loaded.secretKeys, ...declaredSecret])],
        existingClusters: existingCluster(loaded.values, loaded.project),
        program: async () => {
            // Imported once per process, after the first run's mocks are installed; each run calls main() again.
            const { main } = await import("../infra/main");
            return main();
        },
    });
}
