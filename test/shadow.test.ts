import { strict as assert } from "assert";
import { createHash } from "crypto";
import { isDeepStrictEqual } from "util";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import { evaluate, Evaluation } from "../plan/engine";
import type { MockedResource } from "../plan/mocks";
import { PlanResult, ProgramPlanOptions, stackProgram, StackPlanOptions } from "../plan/plan";
import { buildPlan, BuiltPlan } from "../plan/buildPlan";
import { bootstrapDir, bootstrapProgram } from "../bootstrap/plan";
import { listStacks } from "../infra/stackFiles";
import { isRawUnknown, valueAt } from "../plan/unknowns";
import { rehearsalOf, sharedWith, withRehearsed } from "../plan/shadow";
import { secretValue } from "../plan/mask";
import { stacks } from "../plan/golden";
import { twentyCredentials } from "../bench/one";

/** One evaluation that rehearses, a real preview and a real rehearsal of the same program. */
async function threeWays(program: () => unknown): Promise<{ one: Evaluation; preview: Evaluation; rehearsal: Evaluation }> {
    const base = { project: "shadow-test", stack: "shadow", config: {}, program };
    const one = await evaluate({ ...base, values: "unknown", rehearse: true });
    const preview = await evaluate({ ...base, values: "unknown" });
    const rehearsal = await evaluate({ ...base, values: "rehearsal" });
    for (const e of [one, preview, rehearsal]) assert.equal(e.error, undefined, e.error?.message);
    return { one, preview, rehearsal };
}

function named(resources: readonly MockedResource[], name: string): MockedResource | undefined {
    return resources.find((r) => r.name === name);
}

/** Every (path, value) leaf of a value, unknowns as leaves; a path is its keys (label keys hold dots). */
function leaves(value: unknown, prefix: string[] = []): [string[], unknown][] {
    if (isRawUnknown(value) || value === null || typeof value !== "object") return [[prefix, value]];
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return entries.flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

/** The value at a path of keys, or undefined. */
function at(value: unknown, path: readonly string[]): unknown {
    return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** A preview record as a real preview records it: its unknowns without the rehearsed values they hold. */
function bare(value: unknown): unknown {
    if (isRawUnknown(value)) return { __pulumiUnknown: true };
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(bare);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bare(v)]));
}

/** A built plan, ready to render. */
function rendered(built: BuiltPlan): PlanResult {
    return new PlanResult(built.plan, built.secrets);
}

describe("one evaluation that previews and rehearses (plan/shadow.ts)", () => {
    describe("the mechanism, on small programs", () => {
        it("runs an apply on a value Azure computes with its rehearsed value, and keeps the result unknown in the preview", async () => {
            let calls = 0;
            const program = (): void => {
                const identity = new managedidentity.UserAssignedIdentity("hashed-id", { resourceGroupName: "rg" });
                // A value derived from the client id with no trace of it in the text: only running the callback gives it.
                const digest = identity.clientId.apply((id) => {
                    calls += 1;
                    return createHash("sha256").update(id).digest("hex");
                });
                new k8s.core.v1.ConfigMap("digest", { metadata: { namespace: "apps" }, data: { digest } });
            };
            const { one, preview, rehearsal } = await threeWays(program);
            // Twice: the rehearsing evaluation and the real rehearsal; a real preview never runs it.
            assert.equal(calls, 2);
            const clientId = named(one.rehearsal!.resources, "hashed-id")!.state.clientId as string;
            assert.match(clientId, /^[0-9a-f-]{36}$/);
            const expected = createHash("sha256").update(clientId).digest("hex");
            assert.equal(valueAt(named(one.rehearsal!.resources, "digest")!.inputs, "data.digest"), expected);
            assert.equal(valueAt(named(rehearsal.resources, "digest")!.inputs, "data.digest"), expected);
            // The preview sees it unknown, as a real preview does.
            assert.ok(isRawUnknown(valueAt(named(one.resources, "digest")!.inputs, "data.digest")));
            assert.ok(isRawUnknown(valueAt(named(preview.resources, "digest")!.inputs, "data.digest")));
        });

        it("keeps a resource constructed inside such an apply out of the preview (a real preview never runs it) but in the rehearsal", async () => {
            const program = (): void => {
                const identity = new managedidentity.UserAssignedIdentity("maker", { resourceGroupName: "rg" });
                identity.principalId.apply((id) => new k8s.core.v1.ConfigMap("made-in-apply", { metadata: { namespace: "apps" }, data: { id } }));
            };
            const { one, preview, rehearsal } = await threeWays(program);
            assert.equal(named(preview.resources, "made-in-apply"), undefined);
            assert.equal(named(one.resources, "made-in-apply"), undefined);
            assert.ok(named(rehearsal.resources, "made-in-apply"));
            assert.deepEqual(named(one.rehearsal!.resources, "made-in-apply")!.inputs.data, named(rehearsal.resources, "made-in-apply")!.inputs.data);
        });

        it("leaves an unknown with nothing rehearsed as a real preview does: an invoke waiting on a new cluster is not answered and its apply does not run", async () => {
            let calls = 0;
            const program = (): void => {
                const cluster = new containerservice.ManagedCluster("new-cluster", { resourceGroupName: "rg" });
                const creds = containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName: "rg", resourceName: cluster.name });
                const first = creds.kubeconfigs.apply((configs) => {
                    calls += 1;
                    return configs[0].name;
                });
                new k8s.core.v1.ConfigMap("creds", { metadata: { namespace: "apps" }, data: { first } });
            };
            const base = { project: "shadow-test", stack: "shadow", config: {}, program };
            const one = await evaluate({ ...base, values: "unknown", rehearse: true });
            assert.equal(one.error, undefined);
            assert.equal(calls, 0, "the callback did not run on a made-up value");
            assert.ok(isRawUnknown(valueAt(named(one.resources, "creds")!.inputs, "data.first")));
            assert.ok(isRawUnknown(valueAt(named(one.rehearsal!.resources, "creds")!.inputs, "data.first")), "the rehearsal says it has no value there");
        });

        it("changes nothing outside a rehearsing evaluation: a plain preview right after one skips applies on unknowns", async () => {
            let calls = 0;
            const program = (): void => {
                const identity = new managedidentity.UserAssignedIdentity("plain", { resourceGroupName: "rg" });
                identity.clientId.apply((id) => {
                    calls += 1;
                    return id;
                });
            };
            const base = { project: "shadow-test", stack: "shadow", config: {}, program };
            await evaluate({ ...base, values: "unknown", rehearse: true });
            assert.equal(calls, 1);
            await evaluate({ ...base, values: "unknown" });
            assert.equal(calls, 1, "the plain preview did not run the callback");
        });

        it("keeps secrets the SDK hides from the preview as the rehearsal's, and shares the parts both records hold", () => {
            const secret = secretValue({ value: "p4ss" });
            const unknown = { __pulumiUnknown: true };
            // The SDK sends an unknown secret as a bare unknown: the preview is not wrapped where the rehearsal is.
            const merged = withRehearsed({ properties: { value: unknown }, name: "n" }, { properties: secret, name: "n" }) as Record<string, unknown>;
            assert.deepEqual(rehearsalOf(merged), { properties: { value: "p4ss" }, name: "n" });
            const known = { a: { b: [1, 2] } };
            assert.equal(withRehearsed(known, { a: { b: [1, 2] } }), known, "nothing unknown: the same object");
            const copy = sharedWith({ a: { b: [1, 2] }, c: "x" }, { a: known.a, c: unknown }) as Record<string, unknown>;
            assert.equal(copy.a, known.a, "the equal part is the preview's object");
            assert.equal(copy.c, "x");
        });
    });

    describe("the same plan as two evaluations, on every stack", () => {
        const stack = (options: StackPlanOptions) => () => stackProgram(options);
        const cases: { label: string; program: () => ProgramPlanOptions }[] = [
            ...stacks().map((name) => ({ label: name, program: stack({ stack: name }) })),
            { label: "dev, bring-your-own cluster", program: stack({ stack: "dev", set: ["existingClusterResourceGroup=rg-shared", "existingClusterName=aks-shared"] }) },
            { label: "dev, 20 credentials on the verified identity", program: stack({ stack: "dev", set: twentyCredentials }) },
            // Two resources of one type and name under different parents (the state account's suffix and its vault's).
            ...listStacks(bootstrapDir).map((name) => ({ label: `bootstrap ${name}`, program: () => bootstrapProgram(name) })),
        ];
        for (const c of cases) {
            it(`${c.label}: the plan, and a rehearsal view that is a real rehearsal's wherever it has a value`, async () => {
                const program = c.program();
                const base = { ...program, config: program.config ?? {} };
                const single = await evaluate({ ...base, values: "unknown", rehearse: true });
                const preview = await evaluate({ ...base, values: "unknown" });
                const rehearsal = await evaluate({ ...base, values: "rehearsal" });
                for (const e of [single, preview, rehearsal]) assert.equal(e.error, undefined, e.error?.message);
                // The plan planProgram makes from one evaluation, and the one two evaluations make (as planProgramTwice).
                const one = rendered(buildPlan(program.project, program.stack, single, single.rehearsal));
                const two = rendered(buildPlan(program.project, program.stack, preview, rehearsal));
                assert.equal(one.json(), two.json());
                assert.equal(one.text(), two.text());
                // The comparison can tell plans apart: the same stack's rehearsal plan differs from its preview.
                assert.notEqual(one.json(), rendered(buildPlan(program.project, program.stack, rehearsal)).json());

                // Registered in the same order up to independent siblings (parents and dependencies always first).
                const byUrn = (a: MockedResource, b: MockedResource): number => a.urn.localeCompare(b.urn);
                assert.deepEqual([...single.resources].sort(byUrn).map((r) => ({ ...r, inputs: bare(r.inputs), state: bare(r.state) })), [...preview.resources].sort(byUrn).map((r) => ({ ...r, inputs: bare(r.inputs), state: bare(r.state) })));
                const real = new Map(rehearsal.resources.map((r) => [r.urn, r]));
                assert.deepEqual(single.rehearsal!.resources.map((r) => r.urn).sort(), [...real.keys()].sort());
                for (const r of single.rehearsal!.resources) {
                    const twin = real.get(r.urn)!;
                    assert.equal(r.id, twin.id, r.urn);
                    for (const part of ["inputs", "state"] as const) {
                        for (const [path, value] of leaves(r[part])) {
                            // Where the rehearsal view has nothing (an invoke the SDK does not answer at preview), it says so.
                            if (isRawUnknown(value)) continue;
                            const real = at(twin[part], path);
                            assert.ok(isDeepStrictEqual(real, value), `${r.urn} ${part} ${JSON.stringify(path)}: ${JSON.stringify(value)}, a real rehearsal has ${JSON.stringify(real)}`);
                        }
                    }
                }
            });
        }
    });
});

