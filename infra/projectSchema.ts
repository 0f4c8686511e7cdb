import type { ValidateFunction } from "ajv";
import { existsSync } from "fs";
import * as path from "path";

/**
 * The validator of `Pulumi.yaml` against the CLI's JSON schema (used by `stackFiles.ts`).
 *
 * Compiling the schema with ajv took about a tenth of the offline plan's start-up, on every run. So the build
 * (`scripts/build.js`) also writes ajv's standalone code for it (https://ajv.js.org/standalone.html), compiled with
 * the same options, next to this module's output: {@link buildStep} in `bin/infra/`. That file is used when it
 * is there; anywhere else (ts-node, the tests) the schema is compiled here. The build redoes the file whenever this
 * module, the schema or ajv is newer than it.
 */

/** ajv's options, the same both ways. */
const ajvOptions = { strict: false, allErrors: false, verbose: true } as const;

/**
 * What the build generates from this module (`scripts/build.js` runs it after transpiling): `output`, written next
 * to this module's compiled file, is redone whenever this module or an `inputs` file (from the project root) is newer.
 */
export const buildStep = {
    output: "projectSchema.validate.js",
    inputs: ["infra/schemas/pulumi-project.schema.json", "node_modules/ajv/package.json"],
    generate: (): string => compileProjectSchema("standalone"),
} as const;

/** The validator compiled now with ajv (with `standalone`, ajv's standalone CommonJS source for it). */
export function compileProjectSchema(): ValidateFunction;
export function compileProjectSchema(standalone: "standalone"): string;
export function compileProjectSchema(standalone?: "standalone"): ValidateFunction | string {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when compiling, never by the build's plan */
    const Ajv2020 = (require("ajv/dist/2020") as typeof import("ajv/dist/2020")).default;
    const ajv = new Ajv2020({ ...ajvOptions, code: { source: standalone !== undefined } });
    // The CLI's JSON schema for Pulumi.yaml: pulumi/pulumi sdk/go/common/workspace/project.json, as in shared/schemas
    // (a JSON module, so that the build copies it to bin/ along with this module).
    const validate = ajv.compile(require("./schemas/pulumi-project.schema.json") as object);
    if (standalone === undefined) return validate;
    return (require("ajv/dist/standalone") as typeof import("ajv/dist/standalone")).default(ajv, validate);
    /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Where the validator in use came from (for the test that the build's is the one used). */
export let projectSchemaSource: "precompiled" | "compiled" | undefined;

let validator: ValidateFunction | undefined;

/** The validator: the build's standalone one when it is next to this module, otherwise compiled (once). */
export function projectSchemaValidator(): ValidateFunction {
    if (validator === undefined) {
        const precompiled = path.join(__dirname, buildStep.output);
        projectSchemaSource = existsSync(precompiled) ? "precompiled" : "compiled";
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        validator = projectSchemaSource === "precompiled" ? (require(precompiled) as ValidateFunction) : compileProjectSchema();
    }
    return validator;
}
