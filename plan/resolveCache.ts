/**
 * A cache of where `require` found the plan's package modules, kept between runs. Installed with the code cache by
 * `scripts/run.js --fast-start` (`npm run plan`, `plan:update`).
 *
 * Finding a module walks node_modules folders, stats candidate files and reads package.json files: for the 600-odd
 * `require` calls of the dev plan, about 40 ms of its start-up. An answer is kept only where it depends on nothing but
 * the installed packages: a request made by a module inside node_modules, or a package name (not a relative path)
 * from anywhere. Relative requests of the project's own modules (the build in bin/) are always resolved by Node, as the
 * build's files come and go.
 *
 * The installed packages are identified by npm's hidden lockfile, `node_modules/.package-lock.json`, which npm rewrites
 * whenever it changes node_modules (install, ci, uninstall, update); its size and modification time, Node's version and
 * Node's options make the cache's key, and a cache with another key is dropped whole. A kept answer whose file is gone
 * is resolved again.
 */
import * as fs from "fs";
import Module from "module";
import * as path from "path";

/** What a run did with the cache (for its test). */
export interface ResolveUse {
    /** Requests answered from the cache. */
    hits: number;
    /** Requests resolved by Node and kept. */
    kept: number;
}

interface CacheFile {
    readonly key: string;
    readonly paths: Record<string, string>;
}

interface ModuleInternals {
    _resolveFilename(request: string, parent: { filename?: string | null } | undefined, isMain: boolean, options?: unknown): string;
}

/** The cache's key: the installed packages (npm's hidden lockfile), Node's version and options; undefined if no lockfile. */
export function cacheKey(nodeModules: string): string | undefined {
    let lock: fs.Stats;
    try {
        lock = fs.statSync(path.join(nodeModules, ".package-lock.json"));
    } catch {
        return undefined;
    }
    return JSON.stringify([lock.size, lock.mtimeMs, process.version, process.execArgv, process.env.NODE_OPTIONS ?? ""]);
}

/**
 * Answers `require`'s resolution from the cache in `file` where it may (see above) and keeps Node's answers there at
 * exit. Does nothing without npm's hidden lockfile in `nodeModules`.
 */
export function installResolveCache(file: string, nodeModules: string): ResolveUse {
    const use: ResolveUse = { hits: 0, kept: 0 };
    const key = cacheKey(nodeModules);
    if (key === undefined) return use;
    let paths: Record<string, string> = {};
    try {
        const stored = JSON.parse(fs.readFileSync(file, "utf8")) as CacheFile;
        if (stored.key === key) paths = stored.paths;
    } catch {
        // No cache yet, or a damaged one: start empty.
    }
    const inNodeModules = `${path.sep}node_modules${path.sep}`;
    const moduleClass = Module as unknown as ModuleInternals;
    const resolve = moduleClass._resolveFilename;
    moduleClass._resolveFilename = function (request, parent, isMain, options) {
        const from = parent?.filename;
        const packageName = !request.startsWith(".") && !path.isAbsolute(request) && !request.startsWith("node:");
        if (isMain || options !== undefined || !from || !(packageName || from.includes(inNodeModules))) return resolve.call(this, request, parent, isMain, options);
        const entry = `${path.dirname(from)}\0${request}`;
        const known = paths[entry];
        if (known !== undefined && fs.existsSync(known)) {
            use.hits += 1;
            return known;
        }
        const found = resolve.call(this, request, parent, isMain, options);
        // Built-in modules resolve to their names; only files are kept.
        if (path.isAbsolute(found)) {
            paths[entry] = found;
            use.kept += 1;
        }
        return found;
    };
    process.once("exit", () => {
        if (use.kept === 0) return;
        try {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const temporary = `${file}.${process.pid}.partial`;
            fs.writeFileSync(temporary, JSON.stringify({ key, paths } satisfies CacheFile));
            fs.renameSync(temporary, file);
        } catch {
            // A cache that cannot be written only costs the next run its speed.
        }
    });
    return use;
}
