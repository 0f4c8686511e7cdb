import { strict as assert } from "assert";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { parseStackConfig } from "../infra/config";
import { readProjectFile, readStackFiles, StackFilesError } from "../infra/stackFiles";
import { readPlanConfig, PlanInputError } from "../plan/stackConfig";
import { defaultVerifyTimeoutSeconds } from "../components/verification/verificationJob";

const root = path.join(__dirname, "..");
const project = "aks-workload-identity";

/** A project folder with this Pulumi.yaml (object or text) and these stack files. */
function projectDir(pulumiYaml: unknown, stacks: Record<string, unknown>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "stackfiles-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), typeof pulumiYaml === "string" ? pulumiYaml : stringify(pulumiYaml));
    for (const [stack, content] of Object.entries(stacks)) {
        writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), typeof content === "string" ? content : stringify(content));
    }
    return dir;
}

/** The problems readStackFiles (or readProjectFile) reports, or [] when it accepts the files. */
function problemsOf(read: () => unknown): readonly string[] {
    try {
        read();
        return [];
    } catch (e) {
        if (e instanceof StackFilesError) return e.problems;
        throw e;
    }
}

const base = { name: project, runtime: "nodejs" };
const ourProject = () => ({ ...base, config: (readProjectFile(root).config) });

describe("stack files read as the Pulumi CLI reads them", () => {
    it("accepts every committed stack, with Pulumi.yaml's defaults merged in", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const files = readStackFiles(root, stack);
            assert.equal(files.values[`${project}:verifyTimeoutSeconds`], String(defaultVerifyTimeoutSeconds), "a declared default is merged as text");
            assert.equal(files.values[`${project}:userNodePools`], "[]", "a structured default is merged as JSON");
            assert.doesNotThrow(() => parseStackConfig(stack, Object.fromEntries(Object.entries(files.values).map(([k, v]) => [k.slice(project.length + 1), v]))));
        }
    });

    it("accepts a new stack that sets only the required keys (profile and workloads)", () => {
        const dir = projectDir(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"), { fresh: { config: { [`${project}:profile`]: "dev", [`${project}:workloads`]: [{ name: "app", namespace: "apps" }] } } });
        const files = readStackFiles(dir, "fresh");
        const config = parseStackConfig("fresh", Object.fromEntries(Object.entries(files.values).map(([k, v]) => [k.slice(project.length + 1), v])));
        assert.equal(config.workloads[0].name, "app");
        assert.equal(config.location, "westeurope");
    });

    describe("required keys (pkg/workspace/config.go mergeConfig)", () => {
        it("refuses a stack without a declared key that has no default, naming every missing key as the CLI does", () => {
            const dir = projectDir(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"), {
                one: { config: { [`${project}:profile`]: "dev" } },
                none: { config: {} },
            });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "one")), ["Stack 'one' is missing configuration value 'workloads'"]);
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "none")), ["Stack 'none' is missing configuration values 'profile' and 'workloads'"]);
        });

        it("lists three or more missing keys with commas and a final 'and', and ignores keys of other namespaces", () => {
            const dir = projectDir({ ...base, config: { zeta: { type: "string" }, alpha: { type: "string" }, mid: { type: "integer" }, "azure-native:location": { value: "westeurope" } } }, { s: {} });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "s")), ["Stack 's' is missing configuration values 'alpha', 'mid' and 'zeta'"]);
        });

        it("would refuse every committed stack with the old Pulumi.yaml, which declared optional keys without defaults (issue 7)", () => {
            const dir = projectDir({ ...base, config: { profile: { type: "string" }, kubernetesVersion: { type: "string" }, verify: { type: "boolean" } } }, { dev: readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8") });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "dev")), ["Stack 'dev' is missing configuration values 'kubernetesVersion' and 'verify'"]);
        });

        it("merges a declared value (another namespace's) and a shorthand default", () => {
            const dir = projectDir({ ...base, config: { size: 3, "azure-native:location": "westeurope" } }, { s: {} });
            const files = readStackFiles(dir, "s");
            assert.equal(files.values[`${project}:size`], "3");
            assert.equal(files.values["azure-native:location"], "westeurope");
        });
    });

    describe("declared types (pkg/workspace/config.go validateStackConfigValue)", () => {
        const typed = { ...base, config: {
            count: { type: "integer", default: 1 },
            on: { type: "boolean", default: true },
            ids: { type: "array", items: { type: "string" }, default: [] },
            pools: { type: "array", items: { type: "object" }, default: [] },
            tags: { type: "object", default: {} },
            name: { type: "string", default: "x" },
        } };
        const cases: [string, Record<string, unknown>, string][] = [
            ["a word where an integer is declared", { count: "ten" }, "Stack 's' with configuration key 'count' must be of type 'integer'"],
            ["a decimal where an integer is declared", { count: "1.5" }, "Stack 's' with configuration key 'count' must be of type 'integer'"],
            ["yes where a boolean is declared", { on: "yes" }, "Stack 's' with configuration key 'on' must be of type 'boolean'"],
            ["a string where an array is declared", { ids: "abc" }, "Stack 's' with configuration key 'ids' must be of type 'array<string>'"],
            ["a list of maps where strings are declared", { ids: [{ a: 1 }] }, "Stack 's' with configuration key 'ids' must be of type 'array<string>'"],
            ["a list of strings where maps are declared", { pools: ["apps"] }, "Stack 's' with configuration key 'pools' must be of type 'array<object>'"],
            ["a list where a map is declared", { tags: ["a"] }, "Stack 's' with configuration key 'tags' must be of type 'object'"],
            ["a map where a string is declared", { name: { a: "b" } }, "Stack 's' with configuration key 'name' must be of type 'string'"],
        ];
        for (const [what, config, message] of cases) {
            it(`refuses ${what}`, () => {
                const dir = projectDir(typed, { s: { config } });
                assert.deepEqual(problemsOf(() => readStackFiles(dir, "s")), [message]);
            });
        }

        it("accepts what the CLI accepts: YAML numbers and booleans, their text, lists and maps of the declared shapes", () => {
            const dir = projectDir(typed, {
                s: { config: { count: 7, on: false, ids: ["a"], pools: [{ name: "apps" }], tags: { team: "x" }, name: 5 } },
                t: { config: { count: "-3", on: "true" } },
            });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "s")), []);
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "t")), []);
        });

        it("checks this project's Pulumi.yaml types on an override, as `pulumi config set` then `pulumi up` would", () => {
            assert.throws(() => readPlanConfig({ dir: root, stack: "dev", set: ["verifyTimeoutSeconds=ten"] }),
                (e: Error) => e instanceof PlanInputError && e.message === "Stack 'dev' with configuration key 'verifyTimeoutSeconds' must be of type 'integer'");
            assert.throws(() => readPlanConfig({ dir: root, stack: "dev", set: ["workloads=orders"] }),
                (e: Error) => e.message === "Stack 'dev' with configuration key 'workloads' must be of type 'array<object>'");
        });
    });

    describe("secret keys (pkg/workspace/config.go validateStackConfigValue)", () => {
        const declared = { ...base, config: { token: { type: "string", secret: true } } };

        it("refuses a key declared secret: true that the stack sets in plain text", () => {
            const dir = projectDir(declared, { s: { config: { token: "hunter2" } } });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "s")), ["Stack 's' with configuration key 'token' must be encrypted as it's secret"]);
        });

        it("accepts it encrypted, and reports it as a secret key", () => {
            const dir = projectDir(declared, { s: { config: { token: { secure: "v1:abc" } } } });
            const files = readStackFiles(dir, "s");
            assert.deepEqual(files.secretKeys, [`${project}:token`]);
        });

        it("refuses a secret key with a default on a stack that does not set it (the merged default is plain text), which is why vaultSecrets is not declared", () => {
            const dir = projectDir({ ...base, config: { token: { type: "object", secret: true, default: {} } } }, { s: {} });
            assert.deepEqual(problemsOf(() => readStackFiles(dir, "s")), ["Stack 's' with configuration key 'token' must be encrypted as it's secret"]);
            assert.equal(ourProject().config.vaultSecrets, undefined);
        });
    });

    describe("Pulumi.yaml itself (sdk/go/common/workspace/project.go Project.Validate, loaders.go)", () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["a key with both default and value", { a: { type: "string", default: "x", value: "y" } }, /: project config 'a' cannot have both a 'default' and 'value' attribute$/],
            ["an array without items", { a: { type: "array" } }, /: The configuration key 'a' declares an array but does not specify the underlying type via the 'items' attribute$/],
            ["a default of the wrong type", { a: { type: "integer", default: "ten" } }, /: The default value specified for configuration key 'a' is not of the expected type 'integer'$/],
            ["a typed key in another namespace", { "azure-native:location": { type: "string", value: "westeurope" } }, /: Configuration key 'azure-native:location' is not namespaced by the project and should not define a type$/],
            ["a default in another namespace", { "azure-native:location": { default: "westeurope" } }, /: Configuration key 'azure-native:location' is not namespaced by the project and should not define a default value\. Did you mean to use the 'value' attribute instead of 'default'\?$/],
            ["another namespace's key without a value", { "azure-native:location": { description: "the region" } }, /: Configuration key 'azure-native:location' is namespaced and must provide an attribute 'value'$/],
        ];
        for (const [what, config, message] of cases) {
            it(`refuses ${what}, with the CLI's "could not unmarshal" message`, () => {
                const dir = projectDir({ ...base, config }, { s: {} });
                const problems = problemsOf(() => readProjectFile(dir));
                assert.equal(problems.length, 1, problems.join("\n"));
                assert.ok(problems[0].startsWith(`could not unmarshal '${path.join(dir, "Pulumi.yaml")}': `), problems[0]);
                assert.match(problems[0], message);
            });
        }

        it("validates Pulumi.yaml against the CLI's JSON schema: a misspelt attribute, an unknown type, no name", () => {
            const misspelt = projectDir({ ...base, config: { a: { typ: "string" } } }, {});
            assert.deepEqual(problemsOf(() => readProjectFile(misspelt)), [`could not validate '${path.join(misspelt, "Pulumi.yaml")}': #/config/a: additionalProperties 'typ' not allowed; did you mean 'type'?`]);
            const unknownType = projectDir({ ...base, config: { a: { type: "strin" } } }, {});
            assert.match(problemsOf(() => readProjectFile(unknownType))[0], /could not validate '.*': #\/config\/a\/type: value must be one of "string", "integer", "boolean", "array", "object"/);
            const nameless = projectDir({ runtime: "nodejs" }, {});
            assert.deepEqual(problemsOf(() => readProjectFile(nameless)), [`could not validate '${path.join(nameless, "Pulumi.yaml")}': project is missing a 'name' attribute`]);
            const misnamed = projectDir({ nmae: project, runtime: "nodejs" }, {});
            assert.deepEqual(problemsOf(() => readProjectFile(misnamed)), [`could not validate '${path.join(misnamed, "Pulumi.yaml")}': project is missing a 'name' attribute; found 'nmae' instead`]);
        });

        it("passes this project's Pulumi.yaml, and its copy of the CLI's schema is the one in shared/schemas", () => {
            assert.deepEqual(problemsOf(() => readProjectFile(root)), []);
            const shared = path.join(root, "..", "shared", "schemas", "pulumi-project.schema.json");
            const fallback = "/work/shared/schemas/pulumi-project.schema.json";
            const original = [shared, fallback].find((p) => { try { readFileSync(p); return true; } catch { return false; } });
            if (original) assert.deepEqual(JSON.parse(readFileSync(path.join(root, "infra", "schemas", "pulumi-project.schema.json"), "utf8")), JSON.parse(readFileSync(original, "utf8")));
        });
    });
});
