import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const root = path.join(__dirname, "..");

interface Work {
    transpile: { src: string; out: string }[];
    copy: { src: string; out: string }[];
    generate: { module: string; file?: string }[];
    remove: string[];
}
interface BuildScript {
    build(force: boolean): Work;
    plan(force: boolean): Work;
}

/**
 * A small project beside the real scripts: scripts/ copied, node_modules linked, tsconfig.json's compiler options with
 * `include` narrowed to infra/, and infra/ holding a module that prints its version and the real projectSchema.ts
 * (the build's one generator) with its schema. Its scripts/build.js is its own module instance (another path).
 */
function sandbox(): { dir: string; build: BuildScript; settle(): void; touch(rel: string): void; write(rel: string, text: string): void } {
    const dir = mkdtempSync(path.join(tmpdir(), "build-"));
    cpSync(path.join(root, "scripts"), path.join(dir, "scripts"), { recursive: true });
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    const tsconfig = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8")) as { include: string[] };
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ ...tsconfig, include: ["infra/**/*.ts"] }));
    mkdirSync(path.join(dir, "infra", "schemas"), { recursive: true });
    cpSync(path.join(root, "infra", "projectSchema.ts"), path.join(dir, "infra", "projectSchema.ts"));
    cpSync(path.join(root, "infra", "schemas", "pulumi-project.schema.json"), path.join(dir, "infra", "schemas", "pulumi-project.schema.json"));
    const write = (rel: string, text: string): void => writeFileSync(path.join(dir, rel), text);
    write("infra/hello.ts", `console.log("v1");\n`);
    // Modification times decide staleness. `settle` dates every file (sources and outputs) to one past instant, as a
    // build long ago would leave them; `touch` then moves one file a second later, as an edit would.
    // (After what is installed: node_modules/ajv/package.json is an input of the validator.)
    const past = new Date(Math.max(Date.now() - 3600_000, statSync(path.join(root, "node_modules", "ajv", "package.json")).mtimeMs + 1000));
    const settle = (): void => {
        for (const file of walk(dir)) utimesSync(file, past, past);
    };
    const touch = (rel: string): void => {
        const later = new Date(past.getTime() + 1000);
        utimesSync(path.join(dir, rel), later, later);
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { dir, build: require(path.join(dir, "scripts", "build.js")) as BuildScript, settle, touch, write };
}

/** Every file under `dir`, not following the node_modules link. */
function walk(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

const rel = (dir: string, files: readonly (string | undefined)[]): string[] => files.map((f) => path.relative(dir, f ?? "")).sort();

describe("the precompiled build (scripts/build.js, scripts/run.js)", () => {
    it("builds a fresh clone completely, generates the Pulumi.yaml validator, and then has nothing to do", () => {
        const { dir, build, settle } = sandbox();
        const work = build.build(false);
        assert.deepEqual(rel(dir, work.transpile.map((w) => w.out)), ["bin/infra/hello.js", "bin/infra/projectSchema.js"]);
        assert.deepEqual(rel(dir, work.copy.map((w) => w.out)), ["bin/infra/schemas/pulumi-project.schema.json"]);
        assert.deepEqual(rel(dir, work.generate.map((w) => w.file)), ["bin/infra/projectSchema.validate.js"]);
        assert.match(readFileSync(path.join(dir, "bin", "infra", "projectSchema.validate.js"), "utf8"), /^"use strict";module\.exports = validate/);
        // The built module uses the generated validator, and it validates (errors verbose, as stackFiles.ts reads them).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const built = require(path.join(dir, "bin", "infra", "projectSchema.js")) as typeof import("../infra/projectSchema");
        const validate = built.projectSchemaValidator();
        assert.equal(built.projectSchemaSource, "precompiled");
        assert.equal(require.cache[path.join(dir, "bin", "infra", "projectSchema.validate.js")]?.exports, validate);
        assert.equal(validate({ name: "p", runtime: "nodejs" }), true);
        assert.equal(validate({ name: "p", runtime: "nodejs", config: { a: { typ: "string" } } }), false);
        const misspelt = validate.errors?.find((e) => e.keyword === "additionalProperties");
        assert.equal(misspelt?.instancePath, "/config/a");
        assert.ok(Object.keys((misspelt?.parentSchema as { properties: object }).properties).includes("type"));
        settle();
        const again = build.plan(false);
        assert.deepEqual([again.transpile, again.copy, again.generate, again.remove], [[], [], [], []]);
        rmSync(dir, { recursive: true, force: true });
    });

    it("redoes exactly what is stale: an edited source, the validator when its module or schema changed, a removed source's output", () => {
        const { dir, build, settle, touch } = sandbox();
        build.build(false);
        settle();
        assert.deepEqual(Object.values(build.plan(false)).flat(), []);
        touch("infra/hello.ts");
        let work = build.plan(false);
        assert.deepEqual(rel(dir, work.transpile.map((w) => w.out)), ["bin/infra/hello.js"]);
        assert.deepEqual(work.generate, []);
        build.build(false);
        settle();

        touch("infra/schemas/pulumi-project.schema.json");
        work = build.plan(false);
        assert.deepEqual(rel(dir, work.copy.map((w) => w.out)), ["bin/infra/schemas/pulumi-project.schema.json"]);
        assert.deepEqual(rel(dir, work.generate.map((w) => w.file)), ["bin/infra/projectSchema.validate.js"], "the schema is an input of the validator");
        build.build(false);
        settle();

        touch("infra/projectSchema.ts");
        work = build.plan(false);
        assert.deepEqual(rel(dir, work.transpile.map((w) => w.out)), ["bin/infra/projectSchema.js"]);
        assert.equal(work.generate.length, 1, "the generator's own source changed");
        build.build(false);
        settle();
        assert.deepEqual(build.plan(false).generate, []);

        touch("bin/infra/projectSchema.validate.js");
        touch("tsconfig.json");
        work = build.plan(false);
        assert.deepEqual(rel(dir, work.transpile.map((w) => w.out)), ["bin/infra/hello.js", "bin/infra/projectSchema.js"], "tsconfig.json changes every output");
        assert.equal(work.generate.length, 1);
        build.build(false);

        rmSync(path.join(dir, "infra", "projectSchema.ts"));
        work = build.build(false);
        assert.deepEqual(rel(dir, work.remove), ["bin/infra/projectSchema.js", "bin/infra/projectSchema.validate.js"]);
        assert.equal(existsSync(path.join(dir, "bin", "infra", "projectSchema.validate.js")), false);
        rmSync(dir, { recursive: true, force: true });
    });

    it("run.js builds a fresh clone and never runs a stale build: an edit shows in the next run, with no build step", () => {
        // Real processes: run.js is the entry point `npm run plan` starts, and what it runs must be the source's.
        const { dir, settle, touch, write } = sandbox();
        const run = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [path.join(dir, "scripts", "run.js"), "infra/hello.js"], { encoding: "utf8" });
        const first = run();
        assert.equal(first.status, 0, String(first.stderr));
        assert.equal(first.stdout, "v1\n");
        assert.match(String(first.stderr), /^build: 2 transpiled, 1 copied, 1 generated, 0 removed in bin\/$/m);
        settle();
        write("infra/hello.ts", `console.log("v2", require.main === module, process.argv.slice(2));\n`);
        touch("infra/hello.ts");
        const second = spawnSync(process.execPath, [path.join(dir, "scripts", "run.js"), "infra/hello.js", "a", "--b"], { encoding: "utf8" });
        assert.equal(second.status, 0, String(second.stderr));
        assert.equal(second.stdout, "v2 true [ 'a', '--b' ]\n", "the edited source, run as the main module with its arguments");
        assert.equal(second.stderr, "build: 1 transpiled, 0 copied, 0 generated, 0 removed in bin/\n");
        settle();
        write("infra/hello.ts", `const x: = 1;\n`);
        touch("infra/hello.ts");
        const broken = run();
        assert.equal(broken.status, 2);
        assert.equal(broken.stdout, "", "nothing of the old build ran");
        assert.match(String(broken.stderr), /^build failed: cannot transpile infra\/hello\.ts/);
        rmSync(dir, { recursive: true, force: true });
    });
});
