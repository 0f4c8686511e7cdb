/**
 * Loaded by `scripts/run.js --fast-start` (`npm run plan`, `npm run plan:update`) before the plan's modules, or by
 * `node -r ./bin/plan/fastStart.js`: defers modules that the SDKs load at start-up and that an offline plan never uses,
 * or uses only in part. Each is replaced by a stand-in that loads the real module the first time anything of it is
 * used, so nothing changes if one ever is; only the time to load what is never used goes. Measured on the dev plan
 * (`node --cpu-prof`, and timing each `require`): it loaded 795 modules (7.1 MB), now 270 (3.9 MB).
 *
 *  - `@pulumi/pulumi` loads as it starts what serializes JavaScript closures (TypeScript; npm's Arborist and
 *    normalize-package-data to find a closure's packages), gRPC and OpenTelemetry (to talk to a real engine: the
 *    plan's is the in-process mock), its Automation API (to drive the CLI) and its provider server.
 *  - `@pulumi/kubernetes` loads every API group's namespace (and, through `helm` and `yaml`, glob) as it starts;
 *    the program uses a few groups, each loaded when first used.
 *  - `zod` loads its error messages in 40-odd languages; it uses English unless told otherwise.
 */
import * as path from "path";

/** A module to defer: the `request` exactly as written in a `require` call inside one of the `from` files. */
interface Deferred {
    /** `require` arguments (a module name or a relative path as the importer writes it). */
    readonly requests: readonly string[];
    /** The importers, as paths under node_modules ending a `require`-ing file's name (or a folder, ending in /). */
    readonly from: readonly string[];
    /** Whether the importer reads the module through `__importStar` (then `__esModule` must answer true unloaded). */
    readonly esModule: boolean;
}

const kubernetesGroups = ["admissionregistration", "apiextensions", "apiregistration", "apps", "auditregistration", "autoscaling", "batch", "certificates", "coordination", "core", "discovery", "events", "extensions", "flowcontrol", "helm", "kustomize", "lifecycle", "meta", "networking", "node", "policy", "rbac", "resource", "scheduling", "settings", "storage", "storagemigration", "types", "yaml"];

/** What is deferred (exported for its test, which checks every entry against the installed packages). */
export const deferredModules: readonly Deferred[] = [
    { requests: ["typescript", "@npmcli/arborist"], from: ["@pulumi/pulumi/"], esModule: true },
    { requests: ["normalize-package-data"], from: ["@pulumi/pulumi/"], esModule: false },
    // gRPC's generated clients carry no `__esModule`; answering it keeps `__importStar` from copying (so loading) them.
    { requests: ["@grpc/grpc-js"], from: ["@pulumi/pulumi/"], esModule: true },
    { requests: ["../proto/engine_grpc_pb", "../proto/resource_grpc_pb"], from: ["@pulumi/pulumi/runtime/settings.js"], esModule: true },
    { requests: ["../proto/callback_grpc_pb"], from: ["@pulumi/pulumi/runtime/callbacks.js"], esModule: true },
    { requests: ["./automation", "./provider"], from: ["@pulumi/pulumi/index.js"], esModule: true },
    { requests: ["./createClosure"], from: ["@pulumi/pulumi/runtime/closure/serializeClosure.js"], esModule: true },
    { requests: ["fdir", "upath"], from: ["@pulumi/pulumi/runtime/closure/codePaths.js"], esModule: true },
    // Compares provider versions, when a resource names one.
    { requests: ["semver"], from: ["@pulumi/pulumi/runtime/rpc.js"], esModule: true },
    { requests: ["@opentelemetry/api"], from: ["@pulumi/pulumi/runtime/settings.js"], esModule: true },
    { requests: kubernetesGroups.map((group) => `./${group}`), from: ["@pulumi/kubernetes/index.js"], esModule: true },
    { requests: ["../locales/index.cjs"], from: ["zod/v4/core/index.cjs", "zod/v4/classic/external.cjs"], esModule: true },
];

const nodeModules = `${path.sep}node_modules${path.sep}`;
/** request → [importer path fragment, esModule] pairs. */
const byRequest = new Map<string, { readonly from: string; readonly esModule: boolean }[]>();
for (const entry of deferredModules) {
    for (const request of entry.requests) {
        const list = byRequest.get(request) ?? [];
        for (const from of entry.from) list.push({ from: nodeModules + from.split("/").join(path.sep), esModule: entry.esModule });
        byRequest.set(request, list);
    }
}

interface ModuleInternals {
    _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const moduleClass = require("module") as ModuleInternals;
const load = moduleClass._load;

/** A stand-in for a module: `loadReal` runs the first time anything of it is used (exported for its test). */
export function standIn(loadReal: () => object, esModule: boolean): unknown {
    let real: object | undefined;
    const target = (): object => (real ??= loadReal());
    // An arrow function, so that a module that is itself a function (normalize-package-data) can be called,
    // with no non-configurable `prototype` of its own to misreport.
    return new Proxy(() => undefined, {
        get: (_fn, key) => (key === "__esModule" && real === undefined ? esModule || undefined : Reflect.get(target(), key)),
        has: (_fn, key) => Reflect.has(target(), key),
        ownKeys: () => Reflect.ownKeys(target()),
        getOwnPropertyDescriptor: (_fn, key) => {
            const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
            return descriptor ? { ...descriptor, configurable: true } : undefined;
        },
        apply: (_fn, self, args) => Reflect.apply(target() as (...a: unknown[]) => unknown, self, args),
    });
}

/** Whether `request` from `importer` (a file name) is deferred, and how; exported for its test. */
export function deferral(request: string, importer: string | undefined): { esModule: boolean } | undefined {
    const candidates = byRequest.get(request);
    if (!candidates || importer === undefined) return undefined;
    const found = candidates.find((c) => (c.from.endsWith(path.sep) ? importer.includes(c.from) : importer.endsWith(c.from)));
    return found && { esModule: found.esModule };
}

moduleClass._load = function (this: unknown, request, parent, isMain) {
    const entry = deferral(request, parent?.filename);
    if (entry) return standIn(() => load.call(this, request, parent, isMain) as object, entry.esModule);
    return load.call(this, request, parent, isMain);
};
