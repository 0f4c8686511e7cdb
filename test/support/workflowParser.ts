import { register } from "node:module";

/**
 * Loads GitHub's own workflow parser, @actions/workflow-parser. It is an ES module built for bundlers: it imports
 * its JSON schemas without `with { type: "json" }`, which Node refuses, so a small load hook adds the attribute to
 * `.json` URLs (FIELD-NOTES section 8). The import goes through `new Function` so that TypeScript's CommonJS output
 * keeps a real dynamic `import()` instead of turning it into `require()`.
 */
const jsonAttributeHook = `export async function load(url, context, next) {
  if (url.endsWith(".json") && !(context.importAttributes && context.importAttributes.type)) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return next(url, context);
}`;

/** The parts of the parser's API the tests use. */
export interface WorkflowParser {
    parseWorkflow(entry: { name: string; content: string }, trace: unknown): { context: { errors: { getErrors(): { message: string }[] } }; value: unknown };
    convertWorkflowTemplate(context: unknown, value: unknown): Promise<ConvertedWorkflow>;
    NoOperationTraceWriter: new () => unknown;
}

/** An expression as the converted template holds it (`${{ ... }}`), or a literal. */
export type TemplateValue = string | number | boolean | { type: number; expr?: string; map?: { Key: string; Value: TemplateValue }[]; seq?: TemplateValue[] };

/** A job of the converted workflow. */
export interface ConvertedJob {
    type: "job" | "reusableWorkflowJob";
    id: string;
    needs?: string[];
    if?: { expr: string };
    ref?: string;
    "input-values"?: { map: { Key: string; Value: TemplateValue }[] };
    environment?: TemplateValue;
    concurrency?: TemplateValue;
    strategy?: TemplateValue;
    env?: TemplateValue;
    steps?: { id: string; uses?: string; run?: TemplateValue }[];
}

/** The workflow as GitHub's parser converts it. */
export interface ConvertedWorkflow {
    events: Record<string, unknown>;
    jobs: ConvertedJob[];
}

let loaded: Promise<WorkflowParser> | undefined;

/** The parser, loaded once per process. */
export function loadWorkflowParser(): Promise<WorkflowParser> {
    if (!loaded) {
        register(`data:text/javascript,${encodeURIComponent(jsonAttributeHook)}`);
        const dynamicImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<WorkflowParser>;
        loaded = dynamicImport("@actions/workflow-parser");
    }
    return loaded;
}

/** Parses one workflow as GitHub does: its errors (empty when valid) and the converted workflow. */
export async function parseWorkflowFile(name: string, content: string): Promise<{ errors: string[]; workflow: ConvertedWorkflow }> {
    const parser = await loadWorkflowParser();
    const result = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
    const errors = result.context.errors.getErrors().map((e) => e.message);
    // The converted template holds parser tokens; their JSON form is the plain workflow.
    const workflow = JSON.parse(JSON.stringify(await parser.convertWorkflowTemplate(result.context, result.value))) as ConvertedWorkflow;
    return { errors, workflow };
}
