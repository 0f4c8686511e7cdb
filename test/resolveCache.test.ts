import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..");

/**
 * A folder with plan/resolveCache.ts transpiled as the build does, an installed package `a` (with npm's hidden
 * lockfile), a project module `./lib` and a main script that installs the cache and requires both; `run()` starts a
 * fresh process (the cache works on a process's module loading) and returns what they exported and the cache's use.
 */
function sandbox(): { dir: string; write(rel: string, text: string): void; run(): { a: unknown; lib: unknown; use: unknown } } {
    const dir = mkdtempSync(path.join(tmpdir(), "resolve-cache-"));
    const write = (rel: string, text: string): void => {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
    };
    const compiled = ts.transpileModule(readFileSync(path.join(root, "plan", "resolveCache.ts"), "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    write("resolveCache.js", compiled.outputText);
    write("node_modules/.package-lock.json", `{"lockfileVersion": 3}\n`);
    write("node_modules/a/package.json", `{"name": "a", "main": "index.js"}\n`);
    write("node_modules/a/index.js", `module.exports = "a:" + require("./helper");\n`);
    write("node_modules/a/helper.js", `module.exports = "helper";\n`);
    write("lib/index.js", `module.exports = "lib/index";\n`);
    write("main.js", `
        const use = require("./resolveCache.js").installResolveCache(${JSON.stringify(path.join(dir, "cache", "resolve.json"))}, ${JSON.stringify(path.join(dir, "node_modules"))});
        console.log(JSON.stringify({ a: require("a"), lib: require("./lib"), use }));`);
    const run = (): { a: unknown; lib: unknown; use: unknown } => {
        const result = spawnSync(process.execPath, [path.join(dir, "main.js")], { cwd: dir, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        return JSON.parse(result.stdout) as { a: unknown; lib: unknown; use: unknown };
    };
    return { dir, write, run };
}

describe("plan start-up: the resolution cache (plan/resolveCache.ts)", () => {
    it("keeps where package modules were found and answers from it in the next run", () => {
        const { dir, run } = sandbox();
        assert.deepEqual(run(), { a: "a:helper", lib: "lib/index", use: { hits: 0, kept: 2 } }, "a, and a's ./helper");
        assert.deepEqual(run(), { a: "a:helper", lib: "lib/index", use: { hits: 2, kept: 0 } });
        rmSync(dir, { recursive: true, force: true });
    });

    it("leaves the project's relative requests to Node: a file added beside one is found at once", () => {
        const { dir, write, run } = sandbox();
        run();
        // Node prefers lib.js to lib/index.js: a kept answer for ./lib would still name lib/index.js, which exists.
        write("lib.js", `module.exports = "lib.js";\n`);
        assert.equal(run().lib, "lib.js");
        rmSync(dir, { recursive: true, force: true });
    });

    it("drops everything when npm changes node_modules (its hidden lockfile), and re-resolves a kept file that is gone", () => {
        const { dir, write, run } = sandbox();
        run();
        // npm installs another a whose main is main.js; the old index.js stays (a leftover), so only the key can tell.
        write("node_modules/a/package.json", `{"name": "a", "main": "main.js"}\n`);
        write("node_modules/a/main.js", `module.exports = "a2";\n`);
        const later = new Date(Date.now() + 5000);
        utimesSync(path.join(dir, "node_modules", ".package-lock.json"), later, later);
        assert.deepEqual(run(), { a: "a2", lib: "lib/index", use: { hits: 0, kept: 1 } });

        // Without npm (no new lockfile), a kept file that is gone is resolved again.
        renameSync(path.join(dir, "node_modules", "a", "main.js"), path.join(dir, "node_modules", "a", "index.js"));
        write("node_modules/a/package.json", `{"name": "a", "main": "index.js"}\n`);
        assert.deepEqual(run(), { a: "a2", lib: "lib/index", use: { hits: 0, kept: 1 } });
        rmSync(dir, { recursive: true, force: true });
    });

    it("does nothing without npm's hidden lockfile", () => {
        const { dir, run } = sandbox();
        rmSync(path.join(dir, "node_modules", ".package-lock.json"));
        run();
        assert.deepEqual(run().use, { hits: 0, kept: 0 });
        rmSync(dir, { recursive: true, force: true });
    });
});
