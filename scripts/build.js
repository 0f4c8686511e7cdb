#!/usr/bin/env node
// The precompiled build used by `npm run plan`, `plan:update`, `bench`, `e2e` and `bootstrap:plan` (through
// scripts/run.js, which runs this build in its own process first): every TypeScript file of the program, plan and
// bench (tsconfig.json's `include`, minus test/) transpiled to bin/ one file at a time, exactly as the tests'
// ts-node transpile-only mode does (no type-checking: that is `npm run typecheck`), plus the files a module's
// `buildStep` generates (the precompiled Pulumi.yaml validator, infra/projectSchema.ts).
//
//   node scripts/build.js            bring bin/ up to date (only files whose source is newer are redone)
//   node scripts/build.js --check    exit 1 if bin/ is stale, without building
//   node scripts/build.js --clean    remove bin/ and rebuild everything
//
// "Up to date" is decided per file by modification time: an output older than its source (or than
// tsconfig.json) is redone, an output whose source is gone is removed, and non-TypeScript files next
// to the sources (verify.sh) are copied. Checking costs a few milliseconds and never loads TypeScript,
// so it is nearly free when nothing changed.
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

/**
 * Writes a file whole or not at all (a temporary file renamed over it), so that another process running the build at
 * the same moment (a test, a second `npm run plan`) never loads a half-written module.
 */
function writeWhole(file, write) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}${temporarySuffix}`;
    write(temporary);
    fs.renameSync(temporary, file);
}
const temporarySuffix = ".partial";

function walk(dir, found = []) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full, found);
        else if (entry.isFile()) found.push(full);
    }
    return found;
}

/**
 * Modules whose `buildStep` makes a file at build time (its `generate()` text, written next to the module's output as
 * `output`): stale when older than the module's source, tsconfig.json, or any of its `inputs` (paths from the root).
 */
const generators = ["infra/projectSchema.ts"];

/**
 * A built module's `buildStep`, read from bin/ only when that output is current. What it loaded from bin/ leaves the
 * module cache again, so that nothing read before the build (a JSON file it imports, say) outlives it in this process.
 */
function buildStepOf(out) {
    const before = new Set(Object.keys(require.cache));
    try {
        return require(out).buildStep;
    } finally {
        for (const file of Object.keys(require.cache)) if (!before.has(file) && file.startsWith(outDir + path.sep)) delete require.cache[file];
    }
}

/** What is out of date: sources to transpile, assets to copy, files to generate, outputs to remove. */
function plan(force) {
    const configTime = mtime(tsconfigPath);
    const work = { transpile: [], copy: [], generate: [], remove: [] };
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
            const stale = force || outTime < mtime(src) || (isTs && outTime < configTime);
            if (stale) (isTs ? work.transpile : work.copy).push({ src, out });
            if (generators.includes(rel.split(path.sep).join("/"))) {
                if (stale) work.generate.push({ module: out, file: undefined });
                else {
                    const step = buildStepOf(out);
                    const file = path.join(path.dirname(out), step.output);
                    wanted.add(file);
                    const fileTime = mtime(file);
                    if (fileTime < outTime || step.inputs.some((input) => fileTime < mtime(path.join(root, input)))) work.generate.push({ module: out, file });
                }
            }
        }
        const builtDir = path.join(outDir, dir);
        if (fs.existsSync(builtDir)) {
            for (const out of walk(builtDir)) if (!wanted.has(out) && !out.endsWith(temporarySuffix)) work.remove.push(out);
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
            writeWhole(out, (file) => fs.writeFileSync(file, result.outputText));
        }
    }
    for (const { src, out } of work.copy) writeWhole(out, (file) => fs.copyFileSync(src, file));
    for (const generator of work.generate) {
        // Only now is the module current: read its step again (a stale one may not even name the same file).
        const step = buildStepOf(generator.module);
        generator.file = path.join(path.dirname(generator.module), step.output);
        const text = step.generate();
        writeWhole(generator.file, (file) => fs.writeFileSync(file, text));
    }
    const generated = new Set(work.generate.map((g) => g.file));
    work.remove = work.remove.filter((out) => !generated.has(out));
    for (const out of work.remove) fs.rmSync(out, { force: true });
    return work;
}

/** What a build did, in one line for stderr; undefined when it did nothing. */
function summary(work) {
    const done = work.transpile.length + work.copy.length + work.generate.length + work.remove.length;
    return done > 0 ? `build: ${work.transpile.length} transpiled, ${work.copy.length} copied, ${work.generate.length} generated, ${work.remove.length} removed in bin/` : undefined;
}

if (require.main === module) {
    const arg = process.argv[2];
    try {
        if (arg === "--check") {
            const work = plan(false);
            const stale = work.transpile.length + work.copy.length + work.generate.length + work.remove.length;
            if (stale > 0) console.error(`bin/ is stale: ${stale} file(s) to redo (run npm run build)`);
            process.exitCode = stale > 0 ? 1 : 0;
        } else {
            if (arg === "--clean") fs.rmSync(outDir, { recursive: true, force: true });
            else if (arg !== undefined) throw new Error(`unknown option ${arg}: use --check or --clean`);
            const done = summary(build(false));
            if (done) console.error(done);
        }
    } catch (err) {
        console.error(`build failed: ${err.message}`);
        process.exitCode = 2;
    }
}

module.exports = { build, plan, summary };
