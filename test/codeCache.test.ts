import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as ts from "typescript";
import * as vm from "vm";
import { contentHash, readCache, writeCache } from "../plan/codeCache";

const root = path.join(__dirname, "..");

/**
 * A folder with plan/codeCache.ts transpiled as the build does, a main script that installs it and loads `m.js`, and
 * `m.js` itself; `run()` starts a fresh process (the cache works on a process's module loading) and returns what
 * `m.js` exported and what the run did with the cache.
 */
function sandbox(): { dir: string; cacheFile: string; setModule(text: string): void; run(...nodeFlags: string[]): { value: unknown; use: unknown } } {
    const dir = mkdtempSync(path.join(tmpdir(), "code-cache-"));
    const compiled = ts.transpileModule(readFileSync(path.join(root, "plan", "codeCache.ts"), "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    writeFileSync(path.join(dir, "codeCache.js"), compiled.outputText);
    const cacheFile = path.join(dir, "cache", "code-cache.bin");
    writeFileSync(path.join(dir, "main.js"), `
        const use = require("./codeCache.js").installCodeCache(${JSON.stringify(cacheFile)}); // counts what loads after it
        Promise.resolve(require("./m.js")).then((value) => console.log(JSON.stringify({ value, use })));`);
    const setModule = (text: string): void => writeFileSync(path.join(dir, "m.js"), text);
    const run = (...nodeFlags: string[]): { value: unknown; use: unknown } => {
        const result = spawnSync(process.execPath, [...nodeFlags, path.join(dir, "main.js")], { cwd: dir, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        return JSON.parse(result.stdout) as { value: unknown; use: unknown };
    };
    return { dir, cacheFile, setModule, run };
}

describe("plan start-up: the V8 code cache (plan/codeCache.ts)", () => {
    it("compiles from source once, then from the cache, with the module's exports unchanged", () => {
        const { dir, setModule, run } = sandbox();
        setModule(`module.exports = "one";\n`);
        assert.deepEqual(run(), { value: "one", use: { used: 0, compiled: 1 } });
        assert.deepEqual(run(), { value: "one", use: { used: 1, compiled: 0 } });
        rmSync(dir, { recursive: true, force: true });
    });

    it("never serves stale code: an edit of the same length is compiled from source (V8 alone would run the old code)", () => {
        const { dir, setModule, run } = sandbox();
        setModule(`module.exports = "one";\n`);
        run();
        setModule(`module.exports = "two";\n`);
        assert.deepEqual(run(), { value: "two", use: { used: 0, compiled: 1 } });
        assert.deepEqual(run(), { value: "two", use: { used: 1, compiled: 0 } }, "and its entry is replaced");

        // Why the content hash: V8 checks only a script's length, so it accepts the old bytes and runs the old code.
        const old = new vm.Script(`(function () { return "one"; })`, { filename: "/m.js" });
        old.runInThisContext();
        const edited = new vm.Script(`(function () { return "two"; })`, { filename: "/m.js", cachedData: old.createCachedData() });
        assert.equal(edited.cachedDataRejected, false);
        assert.equal((edited.runInThisContext() as () => string)(), "one");
        rmSync(dir, { recursive: true, force: true });
    });

    it("drops the entries of files that are gone when it next writes", () => {
        const { dir, cacheFile, setModule, run } = sandbox();
        writeFileSync(path.join(dir, "gone.js"), `module.exports = 1;\n`);
        setModule(`require("./gone.js"); module.exports = "one";\n`);
        run();
        assert.deepEqual([...readCache(cacheFile).keys()].map((f) => path.basename(f)).sort(), ["gone.js", "m.js"]);
        rmSync(path.join(dir, "gone.js"));
        setModule(`module.exports = "two";\n`);
        run();
        assert.deepEqual([...readCache(cacheFile).keys()].map((f) => path.basename(f)), ["m.js"]);
        rmSync(dir, { recursive: true, force: true });
    });

    it("compiles from source when V8 refuses the bytes (other flags), and the module still works", () => {
        const { dir, setModule, run } = sandbox();
        setModule(`module.exports = "one";\n`);
        run();
        const other = run("--no-lazy");
        assert.equal(other.value, "one");
        assert.deepEqual(other.use, { used: 0, compiled: 1 });
        rmSync(dir, { recursive: true, force: true });
    });

    it("gives a cached module what Node gives it (#! line, __filename, __dirname, require, module), and leaves import() to Node", () => {
        const { dir, setModule, run } = sandbox();
        writeFileSync(path.join(dir, "other.js"), `module.exports = { other: true };\n`);
        writeFileSync(path.join(dir, "esm.mjs"), `export const esm = "yes";\n`);
        // A dynamic import() works only in a script Node compiled, so the cache leaves such a module to Node.
        writeFileSync(path.join(dir, "dynamic.js"), `module.exports = import("./esm.mjs");\n`);
        setModule(`#!/usr/bin/env node
const other = require("./other");
const exportsIsThis = this === module.exports;
module.exports = require("./dynamic.js").then((esm) => ({
    line: new Error().stack.split("\\n")[1].match(/m\\.js:(\\d+)/)[1],
    file: path(__filename), dir: __dirname === ${JSON.stringify(dir)}, other, resolved: path(require.resolve("./other")),
    paths: Array.isArray(require.resolve.paths("x")), cached: require.cache[__filename] === module, exportsIsThis,
    esm: esm.esm,
}));
function path(p) { return require("path").basename(p); }
`);
        const expected = { line: "5", file: "m.js", dir: true, other: { other: true }, resolved: "other.js", paths: true, cached: true, exportsIsThis: true, esm: "yes" };
        assert.deepEqual(run(), { value: expected, use: { used: 0, compiled: 2 } }, "m.js and other.js; not dynamic.js");
        assert.deepEqual(run(), { value: expected, use: { used: 2, compiled: 0 } }, "m.js and other.js");
        rmSync(dir, { recursive: true, force: true });
    });

    it("reads its own file back, and takes a damaged or missing file for an empty cache", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "code-cache-"));
        const file = path.join(dir, "sub", "cache.bin");
        assert.equal(readCache(file).size, 0);
        const entries = new Map([["/a.js", { hash: contentHash("a"), data: Buffer.from([1, 2, 3]) }], ["/b.js", { hash: contentHash("b"), data: Buffer.from([4]) }]]);
        writeCache(file, entries);
        assert.deepEqual([...readCache(file)].map(([k, v]) => [k, v.hash, [...v.data]]), [["/a.js", contentHash("a"), [1, 2, 3]], ["/b.js", contentHash("b"), [4]]]);
        writeFileSync(file, "not a cache");
        assert.equal(readCache(file).size, 0);
        rmSync(dir, { recursive: true, force: true });
    });
});
