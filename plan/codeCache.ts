/**
 * A V8 code cache for the plan's CommonJS modules, for Node 20 (Node 22's `module.enableCompileCache()` does the
 * same and would replace this). Installed by `scripts/run.js --fast-start` (`npm run plan`, `plan:update`).
 *
 * Compiling the JavaScript it loads (the SDKs, zod, yaml, the build in bin/) was a fifth of the plan's start-up. Each
 * module is compiled as Node does (the same wrapper, `require`, `module`, `__filename`, `__dirname`), through
 * `vm.Script` with the bytes V8 made for it in an earlier run; at exit, V8's code for every module compiled from
 * source this run (functions it compiled while running included) is written to one cache file. Node compiles the
 * main module, and any module with a dynamic `import()`, itself.
 *
 * Never stale: an entry is used only for the same file with the same content (its SHA-1; V8 itself checks only the
 * length), and V8 refuses bytes from another V8 version or other flags (then the module compiles from source and its
 * entry is replaced). Deleting the file is always safe.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as vm from "vm";

/** One cached module: its content's SHA-1 and V8's bytes. */
interface Entry {
    readonly hash: string;
    readonly data: Buffer;
}

/** The cache file: a 4-byte length, a JSON index `[file, hash, bytes][]`, then the bytes of each entry in order. */
export function readCache(file: string): Map<string, Entry> {
    const entries = new Map<string, Entry>();
    let buffer: Buffer;
    try {
        buffer = fs.readFileSync(file);
    } catch {
        return entries;
    }
    try {
        const indexLength = buffer.readUInt32LE(0);
        let offset = 4 + indexLength;
        for (const [name, hash, length] of JSON.parse(buffer.subarray(4, offset).toString("utf8")) as [string, string, number][]) {
            if (offset + length > buffer.length) break;
            entries.set(name, { hash, data: buffer.subarray(offset, offset + length) });
            offset += length;
        }
    } catch {
        // A damaged file is an empty cache; the next write replaces it.
        entries.clear();
    }
    return entries;
}

/** Writes the cache whole or not at all (another plan may be reading or writing it at the same moment). */
export function writeCache(file: string, entries: ReadonlyMap<string, Entry>): void {
    const index = [...entries].map(([name, { hash, data }]) => [name, hash, data.length]);
    const indexBytes = Buffer.from(JSON.stringify(index), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32LE(indexBytes.length);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.partial`;
    fs.writeFileSync(temporary, Buffer.concat([length, indexBytes, ...[...entries.values()].map((e) => e.data)]));
    fs.renameSync(temporary, file);
}

/** The SHA-1 of a module's source text. */
export function contentHash(content: string): string {
    // crypto.hash: the one-shot form (Node 20.12+), faster than createHash for the 4 MB the plan loads.
    return crypto.hash("sha1", content, "hex");
}

/** What a run did with the cache (for its test). */
export interface CacheUse {
    /** Modules compiled with cached bytes. */
    used: number;
    /** Modules compiled from source: no entry, another content, or bytes V8 refused. */
    compiled: number;
}

interface ModuleInternals {
    prototype: { _compile(this: ModuleLike, content: string, filename: string, ...rest: unknown[]): unknown };
    wrap(content: string): string;
    _resolveFilename(request: string, parent: ModuleLike, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: ModuleLike): string[] | null;
    _extensions: unknown;
    _cache: unknown;
}
interface ModuleLike {
    exports: unknown;
    require(id: string): unknown;
}

/**
 * Compiles every CommonJS module loaded from now on through the cache in `file`, and writes V8's code for the
 * modules compiled from source to it at exit. Returns what the run did with the cache so far.
 */
export function installCodeCache(file: string): CacheUse {
    const moduleClass = Module as unknown as ModuleInternals;
    const cache = readCache(file);
    const fresh = new Map<string, { hash: string; script: vm.Script }>();
    const use: CacheUse = { used: 0, compiled: 0 };

    const nodeCompile = moduleClass.prototype._compile;
    moduleClass.prototype._compile = function (this: ModuleLike, content: string, filename: string, ...rest: unknown[]): unknown {
        // Node compiles these itself: the main module (its compile also turns on Node's stat cache for every module
        // loaded while it runs, and --inspect-brk), modules Node loads as ES modules, and modules with a dynamic
        // `import()` (which works only in a script Node compiled: vm's loader for it is lost with cached bytes, as
        // v8-compile-cache found too: zertosh/v8-compile-cache#30, #47).
        if (this === process.mainModule || (rest[0] !== undefined && rest[0] !== "commonjs") || content.includes("import(")) {
            return nodeCompile.call(this, content, filename, ...rest);
        }
        const hash = contentHash(content);
        const entry = cache.get(filename);
        const cachedData = entry?.hash === hash ? entry.data : undefined;
        // As Node compiles a CommonJS module: its wrapper function, with a leading #! line blanked (a comment only
        // at the very start of a script, which the wrapper is not).
        const source = moduleClass.wrap(content.startsWith("#!") ? `//${content.slice(2)}` : content);
        const script = new vm.Script(source, { filename, cachedData });
        if (cachedData && !script.cachedDataRejected) use.used += 1;
        else {
            use.compiled += 1;
            fresh.set(filename, { hash, script });
        }
        const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
        return wrapper.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
    };

    /** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
    function makeRequire(module: ModuleLike): NodeJS.Require {
        const require = ((id: string) => module.require(id)) as NodeJS.Require;
        const resolve = ((request: string, options?: unknown) => moduleClass._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
        resolve.paths = (request: string) => moduleClass._resolveLookupPaths(request, module);
        require.resolve = resolve;
        require.main = process.mainModule;
        require.extensions = moduleClass._extensions as NodeJS.Require["extensions"];
        require.cache = moduleClass._cache as NodeJS.Require["cache"];
        return require;
    }

    process.once("exit", () => {
        if (fresh.size === 0) return;
        try {
            for (const [filename, { hash, script }] of fresh) cache.set(filename, { hash, data: script.createCachedData() });
            // Entries of files that are gone (a removed source, an upgraded package's old file) go too.
            for (const filename of cache.keys()) if (!fresh.has(filename) && !fs.existsSync(filename)) cache.delete(filename);
            writeCache(file, cache);
        } catch {
            // A cache that cannot be written only costs the next run its speed.
        }
    });
    return use;
}
