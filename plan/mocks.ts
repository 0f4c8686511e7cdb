import * as pulumi from "@pulumi/pulumi";
import { unknown } from "@pulumi/pulumi/output";
import { kindOf, types } from "./kinds";
import { RehearsalRecord, registrationKey, rehearsedUnknown, sharedWith, withRehearsed } from "./shadow";

/**
 * Pulumi mocks for evaluating programs in-process, with no cloud and no CLI: every resource gets its
 * inputs back plus the outputs Azure would compute, and every invoke this library makes is answered.
 *
 * Three styles of computed value:
 * - `fake`: realistic, deterministic values (GUIDs, ARM ids, an https issuer URL with its trailing slash), for
 *   unit tests and the plan's rehearsal;
 * - `unknown`: unknown values, as a real preview of a new stack sees them (use with `preview = true`). Never
 *   text standing in for a value: a program would compute on it;
 * - `rehearsed`: the offline plan's default, a preview (`unknown`) whose every unknown also holds the `fake`
 *   value (plan/shadow.ts), so one evaluation gives both; use only inside `withRehearsal`, with `preview = true`.
 *   `resources` records the preview, `rehearsed` the rehearsal.
 */
export type MockValueStyle = "fake" | "unknown" | "rehearsed";

/** The two styles a single answer is computed in (`rehearsed` is one of each). */
type AnswerStyle = "fake" | "unknown";

/** A resource the program registered, as the engine saw it. */
export interface MockedResource {
    /** The type token, for example `azure-native:keyvault:Vault`. */
    readonly type: string;
    /** The logical name. */
    readonly name: string;
    /** The URN, which encodes the parent chain (`...Parent$Child::name`). */
    readonly urn: string;
    /** The parent's URN; undefined for a top-level resource. */
    readonly parent?: string;
    /** Every resource this one waits for: explicit `dependsOn` and those its inputs come from. */
    readonly dependencies: readonly string[];
    /** The dependencies that come from inputs, by input property. The rest of `dependencies` are explicit. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** Whether `protect` is set. */
    readonly protect: boolean;
    /** Whether `deleteBeforeReplace` is set. */
    readonly deleteBeforeReplace: boolean;
    /** Whether it is a custom resource (false for components). */
    readonly custom: boolean;
    /** The `ignoreChanges` property paths (always recorded by the mocks; optional for hand-built records). */
    readonly ignoreChanges?: readonly string[];
    /** Whether `retainOnDelete` is set: deleting it from the stack leaves it in the cloud (always recorded by the mocks). */
    readonly retainOnDelete?: boolean;
    /** The inputs (secrets appear wrapped in Pulumi's secret signature object). */
    readonly inputs: Record<string, unknown>;
    /** The inputs plus the computed outputs the mocks returned. */
    readonly state: Record<string, unknown>;
    /** The id the mocks returned. */
    readonly id: string;
    /** The explicit provider reference (`<provider urn>::<provider id>`), when one was given. */
    readonly provider?: string;
}

/** What the engine's registration request says that the mock's arguments leave out. */
interface RequestDetails {
    urn: string;
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    deleteBeforeReplace: boolean;
    custom: boolean;
    ignoreChanges: string[];
    retainOnDelete: boolean;
}

/** A registration the monitor has seen and `newResource` has not answered yet; `answer` is what the SDK is to get. */
interface PendingRegistration {
    readonly details: RequestDetails;
    answer?: { id: unknown; state: Record<string, unknown> };
}

/** What `getManagedCluster` returns for an existing (bring-your-own) cluster, by `<resourceGroup>/<name>`. */
export type ExistingClusters = Record<string, { oidcIssuer: boolean; workloadIdentity: boolean; issuerUrl?: string }>;

/** Options of {@link EngineMocks}. */
export interface EngineMocksOptions {
    /** How computed values look. Default `fake`. */
    readonly style?: MockValueStyle;
    /** Existing clusters that `getManagedCluster` knows. */
    readonly existingClusters?: ExistingClusters;
    /**
     * Answer invokes (data sources) with `fake` values even in the `unknown` style. A real preview reads them with
     * the deployer's credentials (its client config, an existing cluster), so they are known there; the plan traces
     * the stand-ins back to the invoke and shows them as such.
     */
    readonly knownInvokes?: boolean;
    /** Make the created clusters report no issuer URL (to test that failure). */
    readonly clusterWithoutIssuer?: boolean;
    /** Who deploys: a person (`User`, a delegated token) or CI (`ServicePrincipal`, an app-only token). Default `User`. */
    readonly deployerType?: "User" | "ServicePrincipal";
}

/** The fake subscription, tenant and deployer of the `fake` style. */
export const fakeAzure = {
    subscriptionId: "00000000-1111-2222-3333-444444444444",
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    deployerObjectId: "99999999-8888-7777-6666-555555555555",
    location: "westeurope",
} as const;

/** A deterministic fake GUID from a string (not a UUID of any version; for tests only). */
function fakeGuid(seed: string): string {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (const ch of seed) {
        h1 = Math.imul(h1 ^ ch.charCodeAt(0), 16777619) >>> 0;
        h2 = Math.imul(h2 ^ ch.charCodeAt(0), 2246822519) >>> 0;
    }
    const hex = (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(2);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The Azure name a resource would get: its explicit name input, else Pulumi's auto-name (logical name). */
function azureName(type: string, name: string, inputs: Record<string, unknown>): string {
    const key = kindOf.get(type)?.nameInput;
    const value = key ? inputs[key] : undefined;
    // A name input that is itself unknown (a random suffix at preview) leaves the name unknown.
    if (value !== null && typeof value === "object" && (value as Record<string, unknown>).__pulumiUnknown === true) return value as unknown as string;
    return typeof value === "string" ? value : name;
}

/** The mocks; they also record every resource and invoke, for assertions and for the plan. */
export class EngineMocks implements pulumi.runtime.Mocks {
    readonly resources: MockedResource[] = [];
    /** In the `rehearsed` style, every resource as the rehearsal saw it (concrete inputs and outputs), in the same order. */
    readonly rehearsed: MockedResource[] = [];
    readonly calls: pulumi.runtime.MockCallArgs[] = [];
    /** What each invoke answered, in call order (the plan traces unknowns back to them). */
    readonly answers: { readonly token: string; readonly args: Record<string, unknown>; readonly result: Record<string, unknown> }[] = [];
    readonly style: MockValueStyle;

    /** Each registration between the monitor and `newResource` (which the mock monitor calls at once, in order). */
    private readonly pending = new Map<string, PendingRegistration>();
    private rehearsal?: RehearsalRecord;

    constructor(private readonly options: EngineMocksOptions = {}) {
        this.style = options.style ?? "fake";
    }

    /**
     * Installs these mocks on Pulumi's in-process engine, and wraps the mock monitor so that each recorded
     * resource also carries its URN, parent, dependencies and options, which `MockResourceArgs` leaves out.
     * The `rehearsed` style needs the run's `rehearsal` record (plan/shadow.ts `withRehearsal`).
     */
    async install(project: string, stack: string, preview: boolean, rehearsal?: RehearsalRecord): Promise<this> {
        if ((this.style === "rehearsed") !== (rehearsal !== undefined)) throw new Error("the rehearsed style needs a rehearsal record, and only it does");
        this.rehearsal = rehearsal;
        await pulumi.runtime.setMocks(this, project, stack, preview);
        const monitor = (pulumi.runtime as unknown as { getMonitor(): MockMonitorInternals }).getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = async (req, callback) => {
            const key = registrationKey(req.getType(), req.getName());
            const dependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps, prop) => {
                dependencies[prop] = deps.getUrnsList();
            });
            const registration: PendingRegistration = { details: {
                urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
                parent: req.getParent() || undefined,
                dependencies: req.getDependenciesList(),
                propertyDependencies: dependencies,
                protect: req.getProtect() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                custom: req.getCustom(),
                ignoreChanges: req.getIgnorechangesList(),
                retainOnDelete: req.getRetainondelete() ?? false,
            } };
            this.pending.set(key, registration);
            if (!rehearsal) return register(req, callback);
            // The mock monitor serializes the answer, which turns every unknown into the bare wire sentinel; the SDK
            // gets the unknowns that hold their rehearsed values instead (they survive its deserialization as is).
            return register(req, (err, response) => {
                const answer = registration.answer;
                callback(err, err || !answer || !response ? response : withAnswer(response, answer.id, answer.state));
            });
        };
        return this;
    }

    /** The pending registration `newResource` answers (taken at once: the next one may have the same type and name). */
    private take(type: string, name: string): PendingRegistration {
        const key = registrationKey(type, name);
        const registration = this.pending.get(key) ?? { details: { urn: `urn:unknown::${key}`, dependencies: [], propertyDependencies: {}, protect: false, deleteBeforeReplace: false, custom: true, ignoreChanges: [], retainOnDelete: false } };
        this.pending.delete(key);
        return registration;
    }

    /** Forgets what was recorded. */
    reset(): void {
        this.resources.length = 0;
        this.rehearsed.length = 0;
        this.calls.length = 0;
        this.answers.length = 0;
    }

    /** The recorded resources of one type token. */
    ofType(type: string): MockedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** A value known only after deploy: realistic (`fake`) or unknown. */
    private static computed(fake: string, style: AnswerStyle): string {
        return style === "unknown" ? unknown as unknown as string : fake;
    }

    private static armId(type: string, name: string, inputs: Record<string, unknown>, style: AnswerStyle): string {
        const rg = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg";
        const sub = style === "fake" ? fakeAzure.subscriptionId : "<subscription>";
        const path = kindOf.get(type)?.armType;
        if (path === "") return `/subscriptions/${sub}/resourceGroups/${azureName(type, name, inputs)}`;
        if (path === undefined) return `${name}-id`;
        return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${path}/${azureName(type, name, inputs)}`;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } | Promise<{ id: string; state: Record<string, unknown> }> {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const registration = this.take(args.type, args.name);
        if (this.style === "rehearsed") return this.newRehearsedResource(args, inputs, registration);
        const { details } = registration;
        const { id, state } = this.answer(args.type, args.name, inputs, this.style);
        this.resources.push({ type: args.type, name: args.name, inputs, state, id, provider: args.provider || undefined, ...details });
        return { id, state };
    }

    /**
     * One registration, both answers: the preview's (from the inputs the SDK sent, unknowns included) and the
     * rehearsal's (from the same inputs with every unknown's rehearsed value); the SDK gets the preview's with each
     * unknown holding the rehearsal's value at the same place.
     */
    private async newRehearsedResource(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>, registration: PendingRegistration): Promise<{ id: string; state: Record<string, unknown> }> {
        const key = registrationKey(args.type, args.name);
        const { details } = registration;
        const pending = this.rehearsal!.registration(key, details.parent ?? "", inputs);
        // Every registration passes the patched registerResource; one that did not means the SDK changed shape.
        if (!pending) throw new Error(`no rehearsed inputs for ${key}: the SDK registered it without runtime/resource.registerResource (plan/shadow.ts)`);
        const { inputs: rehearsedInputs, rehearsalOnly } = await pending;
        const provider = args.provider || undefined;
        const preview = this.answer(args.type, args.name, inputs, "unknown");
        const rehearsal = this.answer(args.type, args.name, rehearsedInputs, "fake");
        const previewInputs = withRehearsed(inputs, rehearsedInputs) as Record<string, unknown>;
        const state = withRehearsed(preview.state, rehearsal.state) as Record<string, unknown>;
        registration.answer = { id: preview.id === "" ? rehearsedUnknown(rehearsal.id) : preview.id, state };
        // Registered inside an apply a real preview never runs: the rehearsal has it, the preview does not.
        if (!rehearsalOnly) {
            this.resources.push({ type: args.type, name: args.name, inputs: previewInputs, state, id: preview.id, provider, ...details });
        }
        // The rehearsal's record shares every part that is the same in the preview's (the known parts).
        this.rehearsed.push({
            type: args.type, name: args.name, id: rehearsal.id, provider, ...details,
            inputs: sharedWith(rehearsedInputs, inputs) as Record<string, unknown>,
            state: sharedWith(rehearsal.state, preview.state) as Record<string, unknown>,
        });
        return preview;
    }

    /** The mocks' answer to a registration: the id, and the state (inputs plus what Azure computes) in `style`. */
    private answer(type: string, logicalName: string, inputs: Record<string, unknown>, style: AnswerStyle): { id: string; state: Record<string, unknown> } {
        const computed = (fake: string): string => EngineMocks.computed(fake, style);
        const id = style === "fake" || type.startsWith("kubernetes:") || type.startsWith("pulumi:")
            ? EngineMocks.armId(type, logicalName, inputs, style)
            // An empty id is how the engine says "unknown id" (the SDK deserializes "" as unknown at preview).
            : "";
        const outputs: Record<string, unknown> = {};
        const name = azureName(type, logicalName, inputs);
        switch (type) {
            case types.cluster: {
                // The real shape: https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/, with its trailing slash.
                const region = typeof inputs.location === "string" ? inputs.location : fakeAzure.location;
                const issuer = computed(`https://${region}.oic.prod-aks.azure.com/${fakeAzure.tenantId}/${fakeGuid(logicalName)}/`);
                const oidc = (inputs.oidcIssuerProfile ?? {}) as Record<string, unknown>;
                outputs.oidcIssuerProfile = this.options.clusterWithoutIssuer ? { ...oidc } : { ...oidc, issuerURL: issuer };
                outputs.name = name;
                outputs.fqdn = computed(`${name}.hcp.${fakeAzure.location}.azmk8s.io`);
                break;
            }
            case types.identity:
                outputs.name = name;
                outputs.clientId = computed(fakeGuid(`client:${logicalName}`));
                outputs.principalId = computed(fakeGuid(`principal:${logicalName}`));
                outputs.tenantId = computed(fakeAzure.tenantId);
                break;
            case types.vault:
                outputs.name = name;
                // Properties the program computes at preview (its tenant id) leave the whole object unknown.
                outputs.properties = style === "unknown" && (inputs.properties as Record<string, unknown> | undefined)?.__pulumiUnknown === true
                    ? inputs.properties
                    : { ...((inputs.properties ?? {}) as Record<string, unknown>), vaultUri: computed(`https://${name}.vault.azure.net/`) };
                break;
            case types.randomString:
                outputs.result = computed("x7k2qp".slice(0, Number(inputs.length ?? 6)));
                break;
            case types.randomPassword:
                outputs.result = computed("fake-password-for-tests");
                break;
            default:
                if (type.startsWith("azure-native:")) outputs.name = name;
        }
        return { id, state: { ...inputs, ...outputs } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push(args);
        const result = this.invokeAnswer(args);
        this.answers.push({ token: args.token, args: (args.inputs ?? {}) as Record<string, unknown>, result });
        return result;
    }

    private invokeAnswer(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        // An invoke's answer crosses the mock monitor's serialization, where an unknown keeps no rehearsed value.
        const style: AnswerStyle = this.style === "fake" ? "fake" : "unknown";
        const computed = this.options.knownInvokes ? (fake: string): string => fake : (fake: string): string => EngineMocks.computed(fake, style);
        switch (args.token) {
            case "azure-native:authorization:getClientConfig":
                return {
                    clientId: computed(fakeGuid("deployer-client")),
                    objectId: computed(fakeAzure.deployerObjectId),
                    subscriptionId: computed(fakeAzure.subscriptionId),
                    tenantId: computed(fakeAzure.tenantId),
                };
            case "azure-native:authorization:getClientToken":
                // An invoke: known at a real preview. The plan shows the principal type derived from it, never the token.
                return { token: computed(this.deployerToken()) };
            case "azure-native:containerservice:listManagedClusterUserCredentials":
                return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(this.kubeconfig(String(inputs.resourceName), this.options.knownInvokes ? "fake" : style)).toString("base64") }] };
            case "azure-native:containerservice:getManagedCluster": {
                const key = `${inputs.resourceGroupName}/${inputs.resourceName}`;
                const found = this.options.existingClusters?.[key];
                if (!found) throw new Error(`ResourceNotFound: the managed cluster ${key} was not found`);
                const issuer = found.issuerUrl
                    ?? computed(`https://${fakeAzure.location}.oic.prod-aks.azure.com/${fakeAzure.tenantId}/${fakeGuid(key)}/`);
                return {
                    id: computed(`/subscriptions/${fakeAzure.subscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${inputs.resourceName}`),
                    name: inputs.resourceName,
                    location: computed(fakeAzure.location),
                    oidcIssuerProfile: found.oidcIssuer ? { enabled: true, issuerURL: issuer } : { enabled: false },
                    securityProfile: { workloadIdentity: { enabled: found.workloadIdentity } },
                };
            }
            default:
                throw new Error(`no mock for invoke ${args.token}`);
        }
    }

    /** An unsigned JWT shaped like an ARM access token: delegated (`scp`) for a person, app-only (`idtyp: app`) for CI. */
    private deployerToken(): string {
        const user = (this.options.deployerType ?? "User") === "User";
        const claims = { aud: "https://management.azure.com/", oid: fakeAzure.deployerObjectId, tid: fakeAzure.tenantId, ...(user ? { idtyp: "user", scp: "user_impersonation" } : { idtyp: "app" }) };
        return [{ alg: "none", typ: "JWT" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".";
    }

    /** The kubeconfig AKS returns for `format: exec`, as kubelogin's device-code login. */
    private kubeconfig(clusterName: string, style: AnswerStyle): string {
        const server = style === "fake" ? `https://${clusterName}.hcp.${fakeAzure.location}.azmk8s.io:443` : "https://known-after-deploy.invalid:443";
        return [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            `- name: ${clusterName}`,
            "  cluster:",
            "    certificate-authority-data: LS0tLS1CRUdJTi0tLS0t",
            `    server: ${server}`,
            "contexts:",
            `- name: ${clusterName}`,
            "  context:",
            `    cluster: ${clusterName}`,
            `    user: clusterUser_${clusterName}`,
            `current-context: ${clusterName}`,
            "users:",
            `- name: clusterUser_${clusterName}`,
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1beta1",
            "      command: kubelogin",
            "      args:",
            "      - get-token",
            "      - --environment",
            "      - AzurePublicCloud",
            "      - --server-id",
            "      - 6dae42f8-4368-4678-94ff-3960e28e3630",
            "      - --client-id",
            "      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a",
            "      - --tenant-id",
            `      - ${style === "fake" ? fakeAzure.tenantId : "known-after-deploy-tenant"}`,
            "      - --login",
            "      - devicecode",
            "      interactiveMode: IfAvailable",
            "",
        ].join("\n");
    }
}

/** The parts of the SDK's MockMonitor and its request objects that {@link EngineMocks.install} uses. */
interface MockMonitorInternals {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequest, callback: (err: unknown, response: RegisterResponse | undefined) => void): Promise<void>;
}

/** The parts of the registration answer the SDK reads (`RegisterResourceResponse`). */
interface RegisterResponse {
    getId(): unknown;
    getObject(): { toJavaScript(): Record<string, unknown> };
}

/** The mock monitor's answer with `id` and `state` in place of its own (the rest, URN included, unchanged). */
function withAnswer(response: RegisterResponse, id: unknown, state: Record<string, unknown>): RegisterResponse {
    return new Proxy(response, {
        get: (target, key) => {
            if (key === "getId") return () => id;
            // `state` is deserialized already: the SDK's deserialization leaves it as it is.
            if (key === "getObject") return () => ({ toJavaScript: () => state });
            const value = Reflect.get(target, key) as unknown;
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getRetainondelete(): boolean | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void };
}
