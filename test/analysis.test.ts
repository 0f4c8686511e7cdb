import { strict as assert } from "assert";
import * as fc from "fast-check";
import type { UnknownValue } from "../plan/model";
import { Tracer, unknownText, unknownValue, unrehearse } from "../plan/unknowns";
import { mapChildren } from "../plan/walk";
import { maskResources, secretMask, secretValue } from "../plan/mask";
import type { MockedResource } from "../plan/mocks";
import { treeOrder, treeOrderAs } from "../plan/buildPlan";

/**
 * What {@link Tracer.trace} answers, by its definition and with no index: the marker of the value `s` is; else of
 * the longest value it contains (6+ characters) or that starts with it (`s` of 12+), the first in the map's order
 * among equals, with `output` null unless it is an invoke's.
 */
function reference(s: string, traced: ReadonlyMap<string, UnknownValue>): UnknownValue | undefined {
    if (traced.has(s)) return traced.get(s);
    if (s.startsWith("urn:pulumi:")) return undefined;
    let best: UnknownValue | undefined;
    let bestLength = 0;
    for (const [value, marker] of traced) {
        const length = value.length >= 6 && s.includes(value) ? value.length : s.length >= 12 && value.startsWith(s) ? s.length : 0;
        if (length > bestLength) [best, bestLength] = [marker, length];
    }
    if (!best) return undefined;
    return best.unknown.resource === null ? best : unknownValue(best.unknown.resource, null);
}

const urn = (name: string): string => `urn:pulumi:dev::p::azure-native:managedidentity:UserAssignedIdentity::${name}`;

describe("Tracer", () => {
    const traced = new Map<string, UnknownValue>([
        ["11111111-aaaa", unknownValue(urn("a"), "clientId")],
        ["11111111-aaaa-bbbb", unknownValue(urn("b"), "clientId")],
        ["22222222-cccc", unknownValue(urn("c"), "principalId")],
        ["22222222-cccc", unknownValue(urn("c2"), "principalId")],
        ["33333333-dddd", unknownValue(null, "azure-native:authorization:getClientConfig.subscriptionId")],
        ["x1k2qp", unknownValue(urn("short"), "result")],
    ]);
    const tracer = new Tracer(traced);

    it("names a traced value exactly, with its output", () => {
        assert.deepEqual(tracer.trace("11111111-aaaa"), unknownValue(urn("a"), "clientId"));
    });

    it("traces a string that contains values to the longest, with no output (computed from it)", () => {
        assert.deepEqual(tracer.trace("id=11111111-aaaa-bbbb;"), unknownValue(urn("b"), null));
        assert.deepEqual(tracer.trace("name-x1k2qp"), unknownValue(urn("short"), null));
    });

    it("traces a value cut short (12+ characters) to the value it starts", () => {
        assert.deepEqual(tracer.trace("11111111-aaaa-b"), unknownValue(urn("b"), null));
        // Shorter than 12: too common to be taken for a value cut short.
        assert.equal(tracer.trace("11111111-aa"), undefined);
    });

    it("keeps an invoke's marker, which names the field it comes from", () => {
        assert.deepEqual(tracer.trace("/subscriptions/33333333-dddd/resourceGroups/rg"), unknownValue(null, "azure-native:authorization:getClientConfig.subscriptionId"));
    });

    it("finds nothing in a URN, a short string or a string that holds no value", () => {
        assert.equal(tracer.trace(urn("11111111-aaaa")), undefined);
        assert.equal(tracer.trace("x1k2q"), undefined);
        assert.equal(tracer.trace("nothing traced here"), undefined);
    });

    it("answers as the definition does, through its index, for many values that share windows", () => {
        // Over 64 values, so the index answers; a small alphabet, so values overlap, share windows and tie in length.
        const text = fc.string({ unit: fc.constantFrom("a", "b", "/", "-", "é"), minLength: 0, maxLength: 30 });
        fc.assert(fc.property(
            fc.uniqueArray(text, { minLength: 65, maxLength: 120 }),
            fc.array(text, { minLength: 1, maxLength: 40 }),
            (values, queries) => {
                const map = new Map(values.map((v, i) => [v, unknownValue(i % 5 === 0 ? null : urn(`r${i}`), `out${i}`)]));
                const big = new Tracer(map);
                // Strings holding two values (which tie when as long), values wrapped, and values cut short.
                const pairs = values.map((v, i) => `${v}|${values[(i * 7 + 3) % values.length]}`);
                for (const s of [...queries, ...pairs, ...values.map((v) => `x${v}y`), ...values.map((v) => v.slice(0, -1))]) {
                    assert.deepEqual(big.trace(s), reference(s, map), `tracing ${JSON.stringify(s)}`);
                }
            },
        ), { numRuns: 60 });
    });

    it("breaks a tie between values as long by the map's order, through its index too", () => {
        const filler = Array.from({ length: 70 }, (_, i) => [`filler-value-${i}`, unknownValue(urn(`f${i}`), "id")] as const);
        const tied = (first: string, second: string): Map<string, UnknownValue> => new Map([
            ...filler,
            [first, unknownValue(urn(first), "id")],
            [second, unknownValue(urn(second), "id")],
        ]);
        for (const map of [tied("aaaaaa-1111", "bbbbbb-2222"), tied("bbbbbb-2222", "aaaaaa-1111")]) {
            const first = [...map.keys()][70];
            assert.deepEqual(new Tracer(map).trace("aaaaaa-1111 and bbbbbb-2222"), unknownValue(urn(first), null));
            assert.deepEqual(new Tracer(map).trace("bbbbbb-2222 and aaaaaa-1111"), unknownValue(urn(first), null));
        }
        // Two values that start with the same string cut short: the first in the map's order.
        const prefixed = new Map([...filler, ["/subscriptions/x/a", unknownValue(urn("a"), "id")], ["/subscriptions/x/b", unknownValue(urn("b"), "id")]]);
        assert.deepEqual(new Tracer(prefixed).trace("/subscriptions/x/"), unknownValue(urn("a"), null));
    });

    it("answers as the definition does with few values, compared one by one", () => {
        for (const s of ["11111111-aaaa-bbbb-x", "a22222222-cccc", "1111111", "x1k2qp!", "11111111-aaaa-", ""]) {
            assert.deepEqual(tracer.trace(s), reference(s, traced), s);
        }
    });
});

describe("unrehearse", () => {
    const tracer = new Tracer(new Map([["11111111-aaaa", unknownValue(urn("a"), "clientId")]]));

    it("turns traced strings into unknowns and writes them out in prose, sharing what it did not change", () => {
        const untouched = { name: "orders", audiences: ["api://AzureADTokenExchange"] };
        const value = { clientId: "11111111-aaaa", untouched, problems: ["annotated with \"11111111-aaaa\", not ours"] };
        const out = unrehearse(value, tracer);
        assert.deepEqual(out.clientId, unknownValue(urn("a"), "clientId"));
        assert.equal(out.problems[0], `annotated with "<known after deploy: clientId of managedidentity:UserAssignedIdentity "a">", not ours`);
        assert.equal(out.untouched, untouched);
        assert.equal(value.clientId, "11111111-aaaa", "the input is not modified");
    });
});

describe("mapChildren", () => {
    it("returns the value itself when nothing changes", () => {
        const value = { a: 1, b: [1, 2], c: "x" };
        assert.equal(mapChildren(value, (item) => item), value);
        const list = [1, "two", { three: 3 }];
        assert.equal(mapChildren(list, (item) => item), list);
    });

    it("copies an object or array that changes, keeps its order and keys, and leaves the original alone", () => {
        const value = { z: 1, a: 2, 3: "three" };
        const out = mapChildren(value, (item, key) => (key === "a" ? 20 : item));
        assert.notEqual(out, value);
        assert.deepEqual(out, { z: 1, a: 20, 3: "three" });
        assert.deepEqual(Object.keys(out), Object.keys(value));
        assert.equal(value.a, 2);
        const list = ["a", "b", "c"];
        const keys: (string | number)[] = [];
        assert.deepEqual(mapChildren(list, (item, i) => (keys.push(i), i === 2 ? "C" : item)), ["a", "b", "C"]);
        assert.deepEqual(keys, [0, 1, 2]);
        assert.deepEqual(list, ["a", "b", "c"]);
    });
});

/** A recorded resource of type `type`, under `parent` (a URN) when given. */
function resource(name: string, inputs: Record<string, unknown> = {}, state: Record<string, unknown> = {}, type = "example:index:Thing", parent?: string): MockedResource {
    return {
        type, name, urn: `urn:pulumi:dev::p::${type}::${name}`, parent, dependencies: [], propertyDependencies: {},
        protect: false, deleteBeforeReplace: false, custom: true, inputs, state, id: `${name}-id`,
    };
}

describe("treeOrderAs", () => {
    const group = resource("group", {}, {}, "azure-native:resources:ResourceGroup");
    const view = (tag: string, parentOfA = group.urn): MockedResource[] => [
        resource("b10", { tag }, {}, "example:index:Thing", group.urn),
        resource("b9", { tag }, {}, "example:index:Thing", group.urn),
        { ...group, inputs: { tag } },
        resource("a", { tag }, {}, "example:index:Other", parentOfA),
    ];

    it("orders a view as another view of the same resources is ordered, with its own records", () => {
        const ordered = treeOrder(view("preview"));
        const rehearsal = view("rehearsal");
        const out = treeOrderAs(rehearsal, ordered);
        assert.deepEqual(out.map((r) => r.name), ["group", "a", "b9", "b10"]);
        assert.deepEqual(out.map((r) => r.name), treeOrder(rehearsal).map((r) => r.name));
        assert.ok(out.every((r) => r.inputs.tag === "rehearsal"));
    });

    it("orders a view on its own when the resources or their parents differ", () => {
        const ordered = treeOrder(view("preview"));
        const moved = view("rehearsal", "");
        assert.deepEqual(treeOrderAs(moved, ordered).map((r) => r.name), treeOrder(moved).map((r) => r.name));
        assert.deepEqual(treeOrderAs(moved, ordered).map((r) => r.name), ["group", "b9", "b10", "a"]);
        const more = [...view("rehearsal"), resource("extra", {}, {}, "azure-native:resources:ResourceGroup")];
        assert.deepEqual(treeOrderAs(more, ordered).map((r) => r.name), treeOrder(more).map((r) => r.name));
    });
});

describe("maskResources", () => {
    it("masks the secrets in inputs and state, and returns each plaintext in order (inputs first)", () => {
        const plain = resource("plain", { a: "x" }, { a: "x", b: ["y"] });
        const secret = resource("secret", { password: secretValue("in-the-inputs") }, { nested: { password: secretValue(["in", "the-state"]) } });
        const masked = maskResources([plain, secret]);
        assert.equal(masked.value[0], plain, "a resource with no secret is the original");
        assert.deepEqual(masked.value[1].inputs, { password: secretMask });
        assert.deepEqual(masked.value[1].state, { nested: { password: secretMask } });
        assert.equal(masked.value[1].urn, secret.urn);
        assert.deepEqual(masked.secrets, ["in-the-inputs", "in", "the-state"]);
        assert.deepEqual(secret.inputs, { password: secretValue("in-the-inputs") }, "the original is not modified");
    });
});

describe("unknownText", () => {
    it("names the output and the resource, the resource alone, or the invoke's field", () => {
        const clientId = unknownValue(urn("orders-identity"), "clientId");
        assert.equal(unknownText(clientId), '<known after deploy: clientId of managedidentity:UserAssignedIdentity "orders-identity">');
        assert.equal(unknownText(clientId), unknownText(unknownValue(urn("orders-identity"), "clientId")), "the same text for the same unknown, made again or not");
        assert.equal(unknownText(unknownValue(urn("orders-identity"), null)), '<known after deploy: from managedidentity:UserAssignedIdentity "orders-identity">');
        assert.equal(unknownText(unknownValue(null, "azure-native:authorization:getClientConfig.tenantId")), "<read at a real preview: azure-native:authorization:getClientConfig.tenantId>");
        assert.equal(unknownText(unknownValue(null, null)), "<known after deploy>");
    });
});
