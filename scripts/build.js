#!/usr/bin/env node
// The precompiled build used by `npm run plan`, `plan:update` and `bench`: every TypeScript file of the
// program, plan and bench (tsconfig.json's `include`, minus test/) transpiled to bin/ one file at a time,
// exactly as the tests' ts-node transpile-only mode does (no type-checking: that is `npm run typecheck`).
//
//   node scripts/build.js            bring bin/ up to date (only files whose source is newer are redone)
//   node scripts/build.js --check    exit 1 if bin/ is stale, without building
//   node scripts/build.js --clean    remove bin/ and rebuild everything
//
// "Up to date" is decided per file by modification time: an output older than its source (or than
// tsconfig.json) is redone, an output whose source is gone is removed, and non-TypeScript files next
// to the sources (verify.sh) are copied. Checking costs a few milliseconds and never loads TypeScript,
// so `npm run plan`'s pre-step is free when nothing changed.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "bin");
const tsconfigPath = path.join(root, "tsconfig.json");

/** The top-level source folders: tsconfig.json's `include` patterns' first segments, without test/. */
function sourceRoots() {
    let include;
    try {
        include = JSON.parse(fs.readFileSync(tsconfigPath, "utf8")).include;
    } catch {
        // tsconfig.json with comments: let TypeScript read it.
        const ts = require("typescript");
        include = ts.readConfigFile(tsconfigPath, ts.sys.readFile).config.include;
    }
    return [...new Set(include.map((pattern) => pattern.split("/")[0]))].filter((dir) => dir !== "test" && fs.existsSync(path.join(root, dir)));
}

function mtime(file) {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return -1;
    }
}

function walk(dir, found = []) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full, found);
        else if (entry.isFile()) found.push(full);
    }
    return found;
}

/** What is out of date: sources to transpile, assets to copy, outputs to remove. */
function plan(force) {
    const configTime = mtime(tsconfigPath);
    const work = { transpile: [], copy: [], remove: [] };
    const wanted = new Set();
    const roots = sourceRoots();
    for (const dir of roots) {
        for (const src of walk(path.join(root, dir))) {
            const rel = path.relative(root, src);
            if (src.endsWith(".d.ts")) continue;
            const isTs = src.endsWith(".ts");
            const out = path.join(outDir, isTs ? rel.replace(/\.ts$/, ".js") : rel);
            wanted.add(out);
            const outTime = mtime(out);
            if (force || outTime < mtime(src) || (isTs && outTime < configTime)) (isTs ? work.transpile : work.copy).push({ src, out });
        }
        const builtDir = path.join(outDir, dir);
        if (fs.existsSync(builtDir)) {
            for (const out of walk(builtDir)) if (!wanted.has(out)) work.remove.push(out);
        }
    }
    return work;
}

function build(force) {
    const work = plan(force);
    if (work.transpile.length > 0) {
        const ts = require("typescript");
        const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(tsconfigPath, ts.sys.readFile).config, ts.sys, root);
        const compilerOptions = { ...parsed.options, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false };
        for (const { src, out } of work.transpile) {
            const result = ts.transpileModule(fs.readFileSync(src, "utf8"), { compilerOptions, fileName: src, reportDiagnostics: true });
            const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
            if (errors.length > 0) {
                const text = ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" });
                throw new Error(`cannot transpile ${path.relative(root, src)}:\n${text}`);
            }
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, result.outputText);
        }
    }
    for (const { src, out } of work.copy) {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.copyFileSync(src, out);
    }
    for (const out of work.remove) fs.rmSync(out, { force: true });
    return work;
}

if (require.main === module) {
    const arg = process.argv[2];
    try {
        if (arg === "--check") {
            const work = plan(false);
            const stale = work.transpile.length + work.copy.length + work.remove.length;
            if (stale > 0) console.error(`bin/ is stale: ${stale} file(s) to redo (run npm run build)`);
            process.exitCode = stale > 0 ? 1 : 0;
        } else {
            if (arg === "--clean") fs.rmSync(outDir, { recursive: true, force: true });
            else if (arg !== undefined) throw new Error(`unknown option ${arg}: use --check or --clean`);
            const work = build(false);
            const done = work.transpile.length + work.copy.length + work.remove.length;
            if (done > 0) console.error(`build: ${work.transpile.length} transpiled, ${work.copy.length} copied, ${work.remove.length} removed in bin/`);
        }
    } catch (err) {
        console.error(`build failed: ${err.message}`);
        process.exitCode = 2;
    }
}

module.exports = { build, plan };
