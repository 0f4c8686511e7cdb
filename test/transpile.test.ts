import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheDir } = require("./support/transpile.js") as { cacheDir: string };

describe("the tests' TypeScript loader (test/support/transpile.js)", () => {
    let dir: string;
    before(() => {
        // Under the project (tsconfig.json's rootDir), where the loader's files are.
        fs.mkdirSync(path.dirname(cacheDir), { recursive: true });
        dir = fs.mkdtempSync(path.join(path.dirname(cacheDir), "transpile-test-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Loads a .ts file afresh (not from the module cache), as a new worker would. */
    function load(file: string): { value: number } {
        delete require.cache[require.resolve(file)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as { value: number };
    }

    it("transpiles TypeScript, keeps the result, and serves it again only for the same content (an edit of the same length is new code)", () => {
        const file = path.join(dir, "module.ts");
        fs.writeFileSync(file, "const n: number = 1;\nexport const value = n;\n");
        const entries = (): number => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).length : 0);
        const before = entries();
        assert.equal(load(file).value, 1);
        assert.equal(entries(), before + 1, "one entry kept");
        assert.equal(load(file).value, 1, "served from the entry");
        assert.equal(entries(), before + 1, "no new entry for the same content");
        fs.writeFileSync(file, "const n: number = 2;\nexport const value = n;\n");
        assert.equal(load(file).value, 2, "the edit shows");
        assert.equal(entries(), before + 2);
    });

    it("maps a stack trace to the TypeScript line", () => {
        const file = path.join(dir, "thrower.ts");
        fs.writeFileSync(file, "interface Unused { a: string }\n\n\nexport function boom(): never {\n    throw new Error(\"boom\");\n}\n");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { boom } = require(file) as { boom: () => never };
        const stack = (() => {
            try {
                boom();
            } catch (err) {
                return (err as Error).stack ?? "";
            }
            return "";
        })();
        assert.match(stack, /thrower\.ts:5:\d+/);
    });
});
