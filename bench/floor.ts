/**
 * The floor program: the plan's resources registered again, with nothing else. It replays a recording of
 * the stack program's run on the mock engine (every resource with its type, name, parent, provider,
 * options and inputs, and every invoke) through the same SDK resource classes (components as generic
 * ones): no config, validation, components' logic, analysis or rendering. Each input the program fed from another resource's output is
 * fed here from that resource's output too, so the engine resolves the same dependency graph.
 * `npm run bench` compares the plan with this, in the same run, on the same engine.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MockedResource } from "../plan/mocks";
import { types } from "../plan/kinds";
import { isSecretValue } from "../plan/mask";

/** One recorded resource, as `bench/one.ts record` writes it. */
export interface RecordedResource extends Pick<MockedResource, "type" | "name" | "urn" | "parent" | "custom" | "dependencies" | "propertyDependencies" | "protect" | "deleteBeforeReplace" | "inputs"> {
    /** The provider resource's URN, when the program passed one. */
    readonly provider?: string;
}

/** A recording of one run of the stack program. */
export interface Recording {
    readonly project: string;
    readonly stack: string;
    /** In the order the engine registered them: parents and dependencies come first. */
    readonly resources: RecordedResource[];
    readonly invokes: { token: string; inputs: Record<string, unknown> }[];
}

/** A recorded input value as the program gave it: secrets become secret Outputs again. */
function revive(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(revive);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (isSecretValue(record)) return pulumi.secret(revive(record.value));
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
    }
    return value;
}

// Concrete forms of Pulumi's generic resource classes (the SDK declares them abstract or protected).
class ReplayedResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(type, name, inputs, opts);
    }
}

class ReplayedProvider extends pulumi.ProviderResource {
    constructor(pkg: string, name: string, inputs: pulumi.Inputs, opts: pulumi.ResourceOptions) {
        super(pkg, name, inputs, opts);
    }
}

class ReplayedComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

type ResourceClass = new (name: string, args: pulumi.Inputs, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The SDK's own class for a type token (`azure-native:managedidentity:UserAssignedIdentity` →
 * `@pulumi/azure-native/managedidentity`'s `UserAssignedIdentity`; `kubernetes:core/v1:ServiceAccount` →
 * `@pulumi/kubernetes`'s `core.v1.ServiceAccount`; `pulumi:providers:kubernetes` → its `Provider`), so the
 * floor's resources declare the same output properties as the program's (each an Output the engine
 * resolves). Checked against the class's static `__pulumiType`; undefined when there is none (replayed
 * as a generic resource).
 */
function sdkClass(type: string): ResourceClass | undefined {
    const [pkg, module, name] = type.split(":");
    const provider = pkg === "pulumi" && module === "providers";
    let path: string[];
    let root: string;
    if (provider) [root, path] = [`@pulumi/${name}`, ["Provider"]];
    else if (pkg === "azure-native") [root, path] = [`@pulumi/azure-native/${module}`, [name]];
    else if (pkg === "kubernetes") [root, path] = ["@pulumi/kubernetes", [...module.split("/"), name]];
    else [root, path] = [`@pulumi/${pkg}`, [name]];
    let value: unknown;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        value = require(root);
    } catch {
        return undefined;
    }
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
    const declared = (value as { __pulumiType?: string } | undefined)?.__pulumiType;
    return typeof value === "function" && declared === (provider ? name : type) ? value as ResourceClass : undefined;
}

/** The resource's top-level ancestor's URN: resources are registered a whole top-level subtree at a time. */
function rootOf(resource: RecordedResource, byUrn: Map<string, RecordedResource>): string {
    let current = resource;
    while (current.parent && byUrn.has(current.parent)) current = byUrn.get(current.parent)!;
    return current.urn;
}

/**
 * Registers every recorded resource and makes every recorded invoke. Like the stack program, it lets the
 * event loop run between top-level subtrees (a workload's identity and its children, a namespace, ...).
 */
export async function replay(recording: Recording): Promise<Record<string, unknown>> {
    const created = new Map<string, pulumi.Resource>();
    const byUrn = new Map(recording.resources.map((r) => [r.urn, r]));
    const invokes = recording.invokes.map((call) => pulumi.runtime.invoke(call.token, call.inputs));
    const outputs: Record<string, unknown> = {};
    const classes = new Map<string, ResourceClass | undefined>();
    const classOf = (type: string): ResourceClass | undefined => {
        if (!classes.has(type)) classes.set(type, sdkClass(type));
        return classes.get(type);
    };
    let previousRoot: string | undefined;
    for (const r of recording.resources) {
        const root = rootOf(r, byUrn);
        if (previousRoot !== undefined && root !== previousRoot) await new Promise((resolve) => setImmediate(resolve));
        previousRoot = root;

        const inputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(r.inputs)) {
            const from = (r.propertyDependencies[key] ?? []).map((urn) => created.get(urn)!).filter(Boolean);
            // An input the program took from other resources' outputs: here too, so the engine waits for them.
            inputs[key] = from.length === 0 ? revive(value) : pulumi.all(from.map((d) => pulumi.CustomResource.isInstance(d) ? d.id : d.urn)).apply(() => revive(value));
        }
        const fromInputs = new Set(Object.values(r.propertyDependencies).flat());
        const opts: pulumi.CustomResourceOptions = {
            parent: r.parent ? created.get(r.parent) : undefined,
            dependsOn: r.dependencies.filter((urn) => !fromInputs.has(urn)).map((urn) => created.get(urn)!).filter(Boolean),
            protect: r.protect || undefined,
            deleteBeforeReplace: r.deleteBeforeReplace || undefined,
            provider: r.provider ? created.get(r.provider) as pulumi.ProviderResource : undefined,
        };
        let resource: pulumi.Resource;
        const cls = r.custom ? classOf(r.type) : undefined;
        if (cls) {
            resource = new cls(r.name, inputs, opts);
        } else if (r.type.startsWith("pulumi:providers:")) {
            resource = new ReplayedProvider(r.type.slice("pulumi:providers:".length), r.name, inputs, opts);
        } else if (r.custom) {
            resource = new ReplayedResource(r.type, r.name, inputs, opts);
        } else {
            resource = new ReplayedComponent(r.type, r.name, opts);
        }
        if (r.type === types.identity) outputs[r.name] = (resource as pulumi.CustomResource).id;
        created.set(r.urn, resource);
    }
    await Promise.all(invokes);
    return outputs;
}
