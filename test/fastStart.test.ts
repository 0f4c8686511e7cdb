import { strict as assert } from "assert";
import { standIn } from "../plan/fastStart";

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
});
