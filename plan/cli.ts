import * as fs from "fs";
import { graphFormatFor } from "./graph";
import { planStack, PlanInputError } from "./plan";
import { PlanValues, planValues } from "./unknowns";

/** Exit codes: 0 the plan is consistent, 1 a trust chain is broken, 2 the plan could not be made. */
export const exitCodes = { ok: 0, brokenTrust: 1, failed: 2 } as const;

const usage = `usage: npm run plan -- <stack> [--json | --markdown] [--values unknown|rehearsal] [--graph <file.mmd|file.dot>] [--set key=value ...]

Evaluates the stack program offline (Pulumi's mock engine: no cloud, no credentials) and prints what it
would create, with each workload's trust chain. Config: Pulumi.yaml defaults, Pulumi.<stack>.yaml, then --set.

  --json            print the plan as JSON (shape: plan/model.ts) instead of text
  --markdown        print a compact Markdown summary (for a pull-request comment) instead of text
  --values <mode>   unknown (default): values Azure computes are unknown, as at a real preview;
                    rehearsal: they are deterministic Azure-shaped stand-ins and everything derived is computed
  --graph <file>    also write the resource and dependency graph: Mermaid (.mmd) or DOT (.dot)
  --set key=value   override a config key; lists and maps are YAML, e.g. --set 'workloads=[{name: a, namespace: b}]'

Exit status: 0 every trust chain is consistent, 1 a trust chain is broken, 2 bad arguments or config.`;

/** The parsed command line. */
export interface CliArgs {
    readonly stack: string;
    readonly json: boolean;
    readonly markdown: boolean;
    readonly values: PlanValues;
    readonly graph?: string;
    readonly set: string[];
}

/** Parses the command line; throws {@link PlanInputError} with the usage for anything it does not understand. */
export function parseArgs(argv: readonly string[]): CliArgs | "help" {
    const set: string[] = [];
    const positional: string[] = [];
    let json = false;
    let markdown = false;
    let values: string = "unknown";
    let graph: string | undefined;
    const value = (flag: string, i: number): string => {
        const v = argv[i];
        if (v === undefined || v.startsWith("--")) throw new PlanInputError(`${flag} needs a value\n\n${usage}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "-h" || arg === "--help") return "help";
        else if (arg === "--json") json = true;
        else if (arg === "--markdown") markdown = true;
        else if (arg === "--values") values = value(arg, ++i);
        else if (arg.startsWith("--values=")) values = arg.slice("--values=".length);
        else if (arg === "--graph") graph = value(arg, ++i);
        else if (arg.startsWith("--graph=")) graph = arg.slice("--graph=".length);
        else if (arg === "--set") set.push(value(arg, ++i));
        else if (arg.startsWith("--set=")) set.push(arg.slice("--set=".length));
        else if (arg.startsWith("-")) throw new PlanInputError(`unknown option ${arg}\n\n${usage}`);
        else positional.push(arg);
    }
    if (positional.length !== 1) throw new PlanInputError(`${positional.length === 0 ? "name a stack" : `one stack at a time, not ${positional.join(" ")}`}\n\n${usage}`);
    if (graph !== undefined && !graphFormatFor(graph)) throw new PlanInputError(`--graph ${graph}: the file must end in .mmd (Mermaid) or .dot (Graphviz)`);
    if (json && markdown) throw new PlanInputError(`--json and --markdown: choose one output format\n\n${usage}`);
    if (!(planValues as readonly string[]).includes(values)) throw new PlanInputError(`--values ${values}: use one of ${planValues.join(", ")}`);
    return { stack: positional[0], json, markdown, values: values as PlanValues, graph, set };
}

/** Runs the command and returns its exit code; writes the plan to stdout and problems to stderr, never a stack trace. */
export async function run(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
    try {
        const args = parseArgs(argv);
        if (args === "help") {
            out.write(`${usage}\n`);
            return exitCodes.ok;
        }
        const result = await planStack({ stack: args.stack, set: args.set, values: args.values });
        out.write(args.json ? result.json() : args.markdown ? result.markdown() : result.text());
        if (args.graph) {
            fs.writeFileSync(args.graph, result.graph(graphFormatFor(args.graph)!));
            err.write(`wrote the resource graph to ${args.graph}\n`);
        }
        if (!result.trusted) {
            err.write("error: a trust chain is broken (✗ above): pods of that workload would not get Entra tokens\n");
            return exitCodes.brokenTrust;
        }
        return exitCodes.ok;
    } catch (e) {
        err.write(`error: ${describeError(e)}\n`);
        return exitCodes.failed;
    }
}

/** An error's message, without a stack trace: config errors already say what to fix. */
function describeError(e: unknown): string {
    if (e instanceof PlanInputError) return e.message;
    if (e instanceof Error) {
        // ArgsError and RunError carry a complete message; anything else is a failure of the program itself.
        const known = e.name === "ArgsError" || e.name === "RunError" || e.name === "PlanInputError";
        return known ? e.message : `the stack program failed: ${e.message}`;
    }
    return String(e);
}

if (require.main === module) {
    let done = false;
    // Should the event loop ever drain before the plan finishes, the process must not exit 0 with no output.
    process.exitCode = exitCodes.failed;
    process.on("beforeExit", () => {
        if (!done) process.stderr.write("error: the stack program stopped before the plan was complete\n");
    });
    run(process.argv.slice(2)).then((code) => {
        done = true;
        process.exitCode = code;
    });
}
