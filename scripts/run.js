#!/usr/bin/env node
// Runs a program of the precompiled build, in one process:
//
//   node scripts/run.js [--fast-start] <file under bin/> [args...]
//
// First it brings bin/ up to date exactly as `node scripts/build.js` does (in this process: a few milliseconds when
// nothing changed, where a `pre` script cost a second node process), so a stale bin/ is never run and a fresh clone
// builds on first use. With --fast-start it then installs the plan's start-up aids: caches of where `require` finds
// package modules and of V8's code for the modules it loads (bin/plan/resolveCache.js, bin/plan/codeCache.js, both
// kept in node_modules/.cache/plan/), and the deferral of unused modules (bin/plan/fastStart.js, as `node -r` would).
// Then it runs the file as the main module, with process.argv as if `node bin/<file> args...` had been run.
"use strict";
const path = require("path");
const Module = require("module");
const { build, summary } = require("./build");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const fastStart = args[0] === "--fast-start";
if (fastStart) args.shift();
const [file, ...rest] = args;
if (file === undefined || file.startsWith("-")) {
    console.error("usage: node scripts/run.js [--fast-start] <file under bin/> [args...]");
    process.exit(2);
}

try {
    const done = summary(build(false));
    if (done) console.error(done);
} catch (err) {
    console.error(`build failed: ${err.message}`);
    process.exit(2);
}

if (fastStart) {
    // V8 starts optimizing a function (TurboFan, on another thread) once its bytecode has spent an "interrupt budget";
    // a plan runs most functions briefly, so much of that work was wasted on this 2-core machine. A budget 4x V8 11's
    // default made the dev plan's process about 15% faster, and a 1,000-workload plan no slower. Only on V8 11 (Node
    // 20), where it was measured; set before the code cache is read, as V8 ties cached code to its flags.
    if (process.versions.v8.startsWith("11.")) require("v8").setFlagsFromString(`--interrupt-budget=${4 * 67584}`);
    const nodeModules = path.join(root, "node_modules");
    require(path.join(root, "bin", "plan", "resolveCache.js")).installResolveCache(path.join(nodeModules, ".cache", "plan", "resolve-cache.json"), nodeModules);
    require(path.join(root, "bin", "plan", "codeCache.js")).installCodeCache(path.join(nodeModules, ".cache", "plan", "code-cache.bin"));
    require(path.join(root, "bin", "plan", "fastStart.js"));
}
process.argv = [process.argv[0], path.join(root, "bin", file), ...rest];
// What `node <file>` does with its main module: require.main is that module, so `require.main === module` holds.
Module.runMain();
