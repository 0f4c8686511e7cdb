// Loads the project's TypeScript for mocha (first in .mocharc.yml's `require`): each .ts file is transpiled with
// TypeScript's `transpileModule` and tsconfig.json's options, as ts-node's transpile-only mode does (type-checking is
// `npm run typecheck`), and the result is kept in node_modules/.cache/test-transpile/ under a hash of the file's path
// and content, tsconfig.json and TypeScript's version. So a warm run loads no TypeScript at all: transpiling every
// file again in each worker was 40% of `npm test`. Stack traces map back to the .ts lines (inline source maps).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..");
const cacheDir = path.join(root, "node_modules", ".cache", "test-transpile");
const tsconfigPath = path.join(root, "tsconfig.json");
// What every entry depends on besides its own file: the compiler options and the compiler.
const setting = crypto.createHash("sha1")
    .update(fs.readFileSync(tsconfigPath, "utf8"))
    .update(JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [root] }), "utf8")).version)
    .digest("hex");

let compiler;
/** TypeScript and the compiler options, loaded on the first file the cache does not hold. */
function load() {
    if (!compiler) {
        const ts = require("typescript");
        const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(tsconfigPath, ts.sys.readFile).config, ts.sys, root);
        compiler = { ts, options: { ...parsed.options, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false } };
    }
    return compiler;
}

/** The JavaScript for a .ts file, from the cache or transpiled now (and then kept, written whole). */
function javascriptOf(filename, source) {
    const key = crypto.createHash("sha1").update(setting).update(filename).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // Not cached yet.
    }
    const { ts, options } = load();
    const result = ts.transpileModule(source, { compilerOptions: options, fileName: filename, reportDiagnostics: true });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" }));
    }
    fs.mkdirSync(cacheDir, { recursive: true });
    // Two workers may write the same entry: each writes its own temporary file and renames it into place.
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, result.outputText);
    fs.renameSync(temporary, cached);
    return result.outputText;
}

process.setSourceMapsEnabled(true);
require.extensions[".ts"] = function (module, filename) {
    module._compile(javascriptOf(filename, fs.readFileSync(filename, "utf8")), filename);
};

module.exports = { cacheDir };
