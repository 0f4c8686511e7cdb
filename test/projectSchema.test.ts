import { strict as assert } from "assert";
import type { ValidateFunction } from "ajv";
import Module from "module";
import * as path from "path";
import { buildStep, compileProjectSchema, projectSchemaSource, projectSchemaValidator } from "../infra/projectSchema";

const root = path.join(__dirname, "..");

/** ajv's standalone source, loaded as the build's file would be (a CommonJS module under the project root). */
function loadStandalone(source: string): ValidateFunction {
    const file = path.join(root, "bin", "infra", buildStep.output);
    const module = new Module(file) as Module & { _compile(code: string, filename: string): void };
    module.filename = file;
    module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    module._compile(source, file);
    return module.exports as ValidateFunction;
}

const base = { name: "p", runtime: "nodejs" };
/** Valid and invalid projects, each failing a different part of the CLI's schema. */
const projects: readonly unknown[] = [
    base,
    { ...base, description: "d", main: "infra/index.ts", config: { a: { type: "string", default: "x" }, "ns:b": { value: 1 } } },
    { ...base, runtime: { name: "nodejs", options: { typescript: false } } },
    { ...base, config: { a: { typ: "string" } } },
    { ...base, config: { a: { type: "strin" } } },
    { ...base, config: { a: { type: "array", items: { type: "integer" } } } },
    { ...base, runtime: 7 },
    { ...base, backend: { url: 3 } },
    { ...base, options: { refresh: "sometimes" } },
    { ...base, plugins: { providers: [{ name: 1 }] } },
    { ...base, runtime: { name: "nodejs", options: { typescript: false } }, config: { a: { type: "object", default: { b: 1 } } } },
];

describe("the Pulumi.yaml validator (infra/projectSchema.ts)", () => {
    it("the build's standalone validator answers exactly as ajv's compiled one: verdicts and errors", () => {
        const compiled = compileProjectSchema();
        const standalone = loadStandalone(compileProjectSchema("standalone"));
        let invalid = 0;
        for (const project of projects) {
            const verdict = compiled(project);
            assert.equal(standalone(project), verdict, JSON.stringify(project));
            assert.deepEqual(standalone.errors, compiled.errors, JSON.stringify(project));
            if (!verdict) invalid += 1;
        }
        assert.equal(invalid, 6, "the cases exercise the schema's errors: type, oneOf, const, required, additionalProperties");
        assert.equal(compiled({ ...base, config: { a: { typ: "string" } } }), false);
        const misspelt = compiled.errors!.find((e) => e.keyword === "additionalProperties");
        assert.ok(Object.keys((misspelt?.parentSchema as { properties: object }).properties).includes("type"), "verbose: errors carry their schema, for the CLI's did-you-mean");
    });

    it("is compiled here under ts-node, where no build sits next to the module (bin/ uses the build's: test/build.test.ts)", () => {
        assert.equal(projectSchemaValidator()(base), true);
        assert.equal(projectSchemaSource, "compiled");
        assert.equal(projectSchemaValidator(), projectSchemaValidator(), "once");
    });
});
