/**
 * Preloaded by `npm run plan` and `npm run plan:update` (`node -r ./bin/plan/fastStart.js ...`) before anything
 * else: defers the heaviest modules `@pulumi/pulumi` loads at start-up, TypeScript (for serializing JavaScript
 * closures) and npm's Arborist and normalize-package-data (for finding a closure's packages). The offline plan
 * serializes no closure, yet loading them was over half of a small plan's CPU time. Each is replaced by a
 * stand-in that loads the real module the first time anything of it is used, so nothing changes if one ever is.
 */
import * as path from "path";

/** The deferred modules, and whether their importer reads them through `__importStar` (then `__esModule` must be true). */
const deferred: Readonly<Record<string, { esModule: boolean }>> = {
    "typescript": { esModule: true },
    "@npmcli/arborist": { esModule: true },
    "normalize-package-data": { esModule: false },
};
const pulumiSdk = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

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

moduleClass._load = function (this: unknown, request, parent, isMain) {
    const entry = deferred[request];
    if (entry && parent?.filename?.includes(pulumiSdk)) {
        return standIn(() => load.call(this, request, parent, isMain) as object, entry.esModule);
    }
    return load.call(this, request, parent, isMain);
};
