#!/usr/bin/env node
// `npm test`: package.json's `typecheck`, `lint` and `test:unit` scripts, run as `npm run <script>` runs them (the same
// command, through a shell, with node_modules/.bin first on PATH) but without an npm process for each: npm's own
// start-up was about 0.25 s a script. The commands stay in package.json, their one home.
//
// The type-check and the lint run side by side (each is short and uses one core; their output is printed whole, in
// that order, once both are done); the unit tests run only when both passed, as `npm run typecheck && npm run lint
// && npm run test:unit` would. The exit status is the first failing step's.
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const root = path.resolve(__dirname, "..");
const scripts = require(path.join(root, "package.json")).scripts;
const env = { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };

/** Runs one package.json script; `capture` keeps its output to print later instead of streaming it. */
function runScript(name, capture) {
    const command = scripts[name];
    if (command === undefined) return Promise.resolve({ name, status: 1, output: `package.json has no "${name}" script\n` });
    return new Promise((resolve) => {
        const child = spawn(command, { cwd: root, env, shell: true, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
        const chunks = [];
        if (capture) {
            child.stdout.on("data", (chunk) => chunks.push(chunk));
            child.stderr.on("data", (chunk) => chunks.push(chunk));
        }
        child.on("error", (err) => resolve({ name, status: 1, output: `${name}: ${err.message}\n` }));
        child.on("close", (code, signal) => resolve({ name, status: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString("utf8") }));
    });
}

async function main() {
    const checks = await Promise.all([runScript("typecheck", true), runScript("lint", true)]);
    for (const check of checks) {
        process.stdout.write(check.output);
        if (check.status !== 0) console.error(`npm test: \`${check.name}\` (${scripts[check.name]}) failed with exit status ${check.status}`);
    }
    const failed = checks.find((check) => check.status !== 0);
    if (failed) return failed.status;
    return (await runScript("test:unit", false)).status;
}

main().then((status) => {
    process.exitCode = status;
});
