import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const root = path.join(__dirname, "..");

/** A shell command for a fake script: appends its name to ran.txt, prints a line to stdout and one to stderr, exits `status`. */
function step(name: string, status: number): string {
    return `echo ${name} >> ran.txt; echo "${name} out"; echo "${name} err" >&2; exit ${status}`;
}

/**
 * scripts/test.js in a project of its own, whose package.json scripts are fake steps; returns what it printed and ran.
 * The script is a process runner, so it is run as a process.
 */
function runTestScript(scripts: Record<string, string>): { status: number | null; stdout: string; stderr: string; ran: string[] } {
    const dir = mkdtempSync(path.join(tmpdir(), "test-script-"));
    try {
        mkdirSync(path.join(dir, "scripts"));
        cpSync(path.join(root, "scripts", "test.js"), path.join(dir, "scripts", "test.js"));
        writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fake", scripts }));
        const result = spawnSync(process.execPath, [path.join(dir, "scripts", "test.js")], { cwd: dir, encoding: "utf8" });
        let ran: string[] = [];
        try {
            ran = readFileSync(path.join(dir, "ran.txt"), "utf8").trim().split("\n").sort();
        } catch {
            // Nothing ran.
        }
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, ran };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("npm test (scripts/test.js)", () => {
    it("is what package.json's test script runs", () => {
        const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.equal(pkg.scripts.test, "node scripts/test.js");
        for (const name of ["typecheck", "lint", "test:unit"]) assert.ok(pkg.scripts[name], `package.json has a ${name} script`);
    });

    it("runs the type-check and the lint, then the unit tests, with the unit tests' status", () => {
        const passing = runTestScript({ typecheck: step("typecheck", 0), lint: step("lint", 0), "test:unit": step("unit", 0) });
        assert.equal(passing.status, 0);
        assert.deepEqual(passing.ran, ["lint", "typecheck", "unit"]);
        // The checks' output, whole and in order, before the tests'.
        assert.match(passing.stdout, /typecheck out\n[^]*lint out\n[^]*unit out\n/);

        const failingTests = runTestScript({ typecheck: step("typecheck", 0), lint: step("lint", 0), "test:unit": step("unit", 3) });
        assert.equal(failingTests.status, 3);
    });

    it("stops before the unit tests when a check fails, reports every failing check, and exits with the first one's status", () => {
        const lintFails = runTestScript({ typecheck: step("typecheck", 0), lint: step("lint", 2), "test:unit": step("unit", 0) });
        assert.equal(lintFails.status, 2);
        assert.deepEqual(lintFails.ran, ["lint", "typecheck"]);
        assert.match(lintFails.stderr, /`lint` \(.*\) failed with exit status 2/);
        assert.match(lintFails.stdout, /lint err/, "a failing check's own output is shown");

        const bothFail = runTestScript({ typecheck: step("typecheck", 1), lint: step("lint", 2), "test:unit": step("unit", 0) });
        assert.equal(bothFail.status, 1);
        assert.deepEqual(bothFail.ran, ["lint", "typecheck"]);
        assert.match(bothFail.stderr, /`typecheck` .* failed with exit status 1[^]*`lint` .* failed with exit status 2/);
    });

    it("finds the project's own tools first on PATH, as npm run does", () => {
        const result = runTestScript({ typecheck: `test "\${PATH%%:*}" = "$PWD/node_modules/.bin" || exit 9`, lint: step("lint", 0), "test:unit": step("unit", 0) });
        assert.equal(result.status, 0, result.stderr);
    });
});
