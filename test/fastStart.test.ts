import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as ts from "typescript";
import { deferral, deferredModules, standIn } from "../plan/fastStart";

const root = path.join(__dirname, "..");
const nodeModules = path.join(root, "node_modules");

describe("plan start-up: deferred modules (plan/fastStart.ts)", () => {
    it("loads the real module only when something of it is used, then behaves as it", () => {
        let loads = 0;
        const real = Object.assign((x: number) => x * 2, { answer: 42, Klass: class { readonly made = true; } });
        const module = standIn(() => {
            loads += 1;
            return real;
        }, false) as typeof real;
        assert.equal(loads, 0, "not loaded by being required");
        assert.equal((module as unknown as { __esModule?: boolean }).__esModule, undefined, "read by __importDefault without loading");
        assert.equal(loads, 0);
        assert.equal(module.answer, 42);
        assert.equal(module(21), 42, "callable, like normalize-package-data");
        assert.equal(new module.Klass().made, true);
        assert.deepEqual(Object.keys(module).sort(), ["Klass", "answer"]);
        assert.equal(loads, 1, "loaded once");
    });

    it("answers __esModule for a module read through __importStar, without loading it", () => {
        let loaded = false;
        const module = standIn(() => {
            loaded = true;
            return { Arborist: "the class" };
        }, true) as { __esModule?: boolean; Arborist: string };
        assert.equal(module.__esModule, true);
        assert.equal(loaded, false);
        assert.equal(module.Arborist, "the class");
    });

    it("defers only what its importers really require (so an SDK upgrade that moves one shows here)", () => {
        for (const entry of deferredModules) {
            for (const from of entry.from) {
                // A folder: some file in it requires the module; a file: that file does.
                const files = from.endsWith("/")
                    ? readdirSync(path.join(nodeModules, from), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")).map((f) => path.join(nodeModules, from, f))
                    : [path.join(nodeModules, from)];
                for (const request of entry.requests) {
                    const requiring = files.filter((file) => readFileSync(file, "utf8").includes(`require("${request}")`));
                    assert.ok(requiring.length > 0, `${from} does not require("${request}")`);
                    for (const file of requiring) assert.deepEqual(deferral(request, file), { esModule: entry.esModule }, `${request} from ${file}`);
                }
            }
        }
        assert.equal(deferral("./automation", path.join(nodeModules, "@pulumi", "pulumi", "automation", "index.js")), undefined, "only from the named importer");
        assert.equal(deferral("@grpc/grpc-js", path.join(root, "plan", "engine.ts")), undefined, "never for the project's own imports");
        assert.equal(deferral("yaml", path.join(nodeModules, "@pulumi", "pulumi", "index.js")), undefined);
    });

    it("in a fresh process: the SDKs start without the deferred modules, and each works when first used", () => {
        // A real process: the module cache of this one has the SDKs loaded already.
        const script = `
            const loaded = (part) => Object.keys(require.cache).some((file) => file.includes(part));
            const parts = { grpc: "/@grpc/grpc-js/", automation: "/@pulumi/pulumi/automation/", provider: "/@pulumi/pulumi/provider/",
                helm: "/@pulumi/kubernetes/helm/", core: "/@pulumi/kubernetes/core/", french: "/zod/v4/locales/fr.", typescript: "/typescript/",
                closures: "/@pulumi/pulumi/runtime/closure/createClosure.js", telemetry: "/@opentelemetry/api/", semver: "/node_modules/semver/" };
            const state = () => Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, loaded(p)]));
            const pulumi = require("@pulumi/pulumi");
            const k8s = require("@pulumi/kubernetes");
            const { z } = require("zod");
            const before = state();
            const used = {
                grpcError: pulumi.isGrpcError({ code: 14 }),
                workspace: typeof pulumi.automation.LocalWorkspace.create,
                chart: typeof k8s.helm.v3.Chart,
                serviceAccount: typeof k8s.core.v1.ServiceAccount,
                french: typeof z.locales.fr,
                message: z.string().safeParse(1).error.issues[0].message,
            };
            console.log(JSON.stringify({ before, used, after: state() }));`;
        // fastStart.ts transpiled as the build does, preloaded as `npm run plan` does.
        const dir = mkdtempSync(path.join(tmpdir(), "fast-start-"));
        const compiled = ts.transpileModule(readFileSync(path.join(root, "plan", "fastStart.ts"), "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
        writeFileSync(path.join(dir, "fastStart.js"), compiled.outputText);
        const run = spawnSync(process.execPath, ["-r", path.join(dir, "fastStart.js"), "-e", script], { cwd: root, encoding: "utf8" });
        rmSync(dir, { recursive: true, force: true });
        assert.equal(run.status, 0, run.stderr);
        const { before, used, after } = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
        const none = { grpc: false, automation: false, provider: false, helm: false, core: false, french: false, closures: false, telemetry: false, semver: false, typescript: false };
        assert.deepEqual(before, none);
        assert.deepEqual(used, {
            grpcError: true,
            workspace: "function",
            chart: "function",
            serviceAccount: "function",
            french: "function",
            message: "Invalid input: expected string, received number",
        });
        assert.deepEqual(after, { ...none, grpc: true, automation: true, helm: true, core: true, french: true, semver: true }, "semver: the Automation API's own import");
    });
});
