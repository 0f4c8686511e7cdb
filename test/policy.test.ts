import { strict as assert } from "assert";
import { isSecretValue } from "../plan/mask";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { builtInRoles } from "../components/shared/roles";
import { stacks } from "../plan/golden";
import type { MockedResource } from "../plan/mocks";
import { planStack } from "../plan/plan";
import { asRecorded, PackPolicy, policies } from "../policy/policies";

/** A recorded resource as a policy sees it: its props are its inputs and outputs (state), secrets unwrapped. */
function toPolicyResources(recorded: readonly MockedResource[]): PolicyResource[] {
    const unwrap = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(unwrap);
        if (v !== null && typeof v === "object") {
            const o = v as Record<string, unknown>;
            if (isSecretValue(o)) return unwrap(o.value);
            return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
        }
        return v;
    };
    const byUrn = new Map<string, PolicyResource>();
    const out = recorded.map((r) => {
        const pr = { type: r.type, name: r.name, urn: r.urn, props: { ...(unwrap(r.state) as Record<string, unknown>), ...(r.id ? { id: r.id } : {}) }, opts: { protect: r.protect, ignoreChanges: [], aliases: [], customTimeouts: {} } } as unknown as PolicyResource;
        byUrn.set(r.urn, pr);
        return pr;
    });
    recorded.forEach((r, i) => {
        const pr = out[i] as unknown as Record<string, unknown>;
        pr.parent = r.parent ? byUrn.get(r.parent) : undefined;
        pr.dependencies = r.dependencies.flatMap((u) => byUrn.get(u) ?? []);
        pr.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, us]) => [k, us.flatMap((u) => byUrn.get(u) ?? [])]));
    });
    return out;
}

/** Runs every policy (or one) over the resources, as the engine would: each resource policy per resource, each stack policy once. */
async function violations(resources: PolicyResource[], only?: string): Promise<{ policy: string; message: string }[]> {
    const found: { policy: string; message: string }[] = [];
    for (const policy of policies.filter((p) => !only || p.name === only) as (PackPolicy & Record<string, unknown>)[]) {
        const defaults = Object.fromEntries(Object.entries(((policy.configSchema as { properties?: Record<string, { default?: unknown }> })?.properties ?? {}))
            .filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
        const getConfig = <T>(): T => defaults as T;
        const report = (message: string): void => {
            found.push({ policy: policy.name, message });
        };
        if (typeof policy.validateResource === "function") {
            for (const r of resources) {
                const args = { ...r, getConfig, notApplicable: () => { throw new Error("n/a"); }, stackTags: new Map() } as unknown as ResourceValidationArgs;
                await (policy.validateResource as (a: ResourceValidationArgs, rv: (m: string) => void) => unknown)(args, report);
            }
        }
        if (typeof policy.validateStack === "function") {
            const args = { resources, getConfig, notApplicable: () => { throw new Error("n/a"); }, stackTags: new Map() } as unknown as StackValidationArgs;
            await (policy.validateStack as (a: StackValidationArgs, rv: (m: string) => void) => unknown)(args, report);
        }
    }
    return found;
}

describe("CrossGuard policy pack", function () {
    this.timeout(60000);
    const planned = new Map<string, readonly MockedResource[]>();
    before(async () => {
        for (const stack of stacks()) planned.set(stack, (await planStack({ stack, values: "rehearsal" })).resources);
    });
    const fresh = (stack = "dev"): PolicyResource[] => toPolicyResources(structuredClone([...planned.get(stack)!]));
    const find = (resources: PolicyResource[], type: string, name?: string): PolicyResource => {
        const r = resources.find((x) => x.type === type && (!name || x.name === name));
        assert.ok(r, `no ${type} ${name ?? ""}`);
        return r!;
    };

    it("declares every policy with a name, a description and an enforcement level", () => {
        assert.ok(policies.length >= 10);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.ok(p.description.length > 20);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    });

    it("finds no violation in any committed stack's resources (the mock engine's rehearsal)", async () => {
        for (const stack of stacks()) assert.deepEqual(await violations(fresh(stack)), [], stack);
    });

    const fic = "azure-native:managedidentity:FederatedIdentityCredential";
    // A broken credential also breaks its workload's chain, so the trust-chain policy may flag it too.
    const chain = ["workload-identity-trust-chain"];
    const cases: { policy: string; why: string; breakIt: (rs: PolicyResource[]) => void; message: RegExp; alsoFlaggedBy?: string[] }[] = [
        { policy: "fic-audience", why: "a wrong audience", breakIt: (rs) => { find(rs, fic).props.audiences = ["api://Other"]; }, message: /needs exactly one of api:\/\/AzureADTokenExchange/, alsoFlaggedBy: chain },
        { policy: "fic-issuer", why: "a literal AKS issuer without its slash", breakIt: (rs) => { find(rs, fic).props.issuer = "https://westeurope.oic.prod-aks.azure.com/t/g"; }, message: /ends with a slash.*AADSTS700211/, alsoFlaggedBy: chain },
        { policy: "fic-issuer", why: "GitHub's issuer with a slash", breakIt: (rs) => { Object.assign(find(rs, fic).props, { issuer: "https://token.actions.githubusercontent.com/", subject: "repo:o/r:pull_request" }); }, message: /no trailing slash/, alsoFlaggedBy: chain },
        { policy: "fic-subject", why: "a subject in kube-system", breakIt: (rs) => { find(rs, fic).props.subject = "system:serviceaccount:kube-system:orders"; }, message: /kube-system/, alsoFlaggedBy: chain },
        { policy: "fic-subject", why: "a subject of no known shape", breakIt: (rs) => { find(rs, fic).props.subject = "orders"; }, message: /neither a ServiceAccount's/, alsoFlaggedBy: chain },
        {
            policy: "fic-limit", why: "21 credentials on one identity", message: /has 21 federated identity credentials; Azure allows at most 20/,
            breakIt: (rs) => {
                const one = find(rs, fic);
                const others = rs.filter((r) => r.type === fic && r.props.resourceName === one.props.resourceName).length;
                // More clusters trusted for the same ServiceAccount (blue/green): each is one more credential on the identity.
                for (let i = others; i < 21; i++) rs.push({ ...one, urn: `${one.urn}-${i}`, props: { ...one.props, issuer: `https://cluster${i}.example/issuer/` } });
            },
        },
        {
            policy: "workload-identity-trust-chain", why: "Key Vault Reader instead of Secrets User", message: /needs Microsoft\.KeyVault\/vaults\/secrets\/getSecret\/action on keyvault:Vault "vault-vault" to read a secret's value, but its roles there \(Key Vault Reader\) do not allow it/,
            breakIt: (rs) => {
                const ra = rs.find((r) => r.type.endsWith("RoleAssignment") && r.name.startsWith("orders-"))!;
                ra.props.roleDefinitionId = String(ra.props.roleDefinitionId).replace(builtInRoles["Key Vault Secrets User"], builtInRoles["Key Vault Reader"]);
            },
        },
        {
            policy: "workload-identity-trust-chain", why: "a ServiceAccount annotated with another client id", message: /is annotated with azure\.workload\.identity\/client-id "0000/,
            breakIt: (rs) => { (find(rs, "kubernetes:core/v1:ServiceAccount").props.metadata as { annotations: Record<string, string> }).annotations["azure.workload.identity/client-id"] = "00000000-0000-0000-0000-000000000000"; },
        },
        { policy: "role-assignment-to-managed-identity", why: "principalType User for an identity", breakIt: (rs) => { rs.find((r) => r.type.endsWith("RoleAssignment") && r.name.startsWith("orders-"))!.props.principalType = "User"; }, message: /principalType: "ServicePrincipal"/ },
        { policy: "role-assignment-to-managed-identity", why: "no deterministic name", breakIt: (rs) => { delete rs.find((r) => r.type.endsWith("RoleAssignment"))!.props.roleAssignmentName; }, message: /deterministic GUID/ },
        {
            policy: "workload-role-scope", why: "a workload role at resource-group scope", message: /resource-group scope/,
            breakIt: (rs) => { const ra = rs.find((r) => r.type.endsWith("RoleAssignment") && r.name.startsWith("orders-"))!; ra.props.scope = String(ra.props.scope).replace(/\/providers\/.*$/, ""); },
        },
        { policy: "keyvault-rbac-purge-protection", why: "access policies", breakIt: (rs) => { (find(rs, "azure-native:keyvault:Vault").props.properties as Record<string, unknown>).enableRbacAuthorization = false; }, message: /enableRbacAuthorization: true/ },
        { policy: "aks-local-accounts-off", why: "local accounts on", breakIt: (rs) => { find(rs, "azure-native:containerservice:ManagedCluster").props.disableLocalAccounts = false; }, message: /disableLocalAccounts: true/ },
        { policy: "no-admin-credentials", why: "the admin kubeconfig", breakIt: (rs) => { find(rs, "pulumi:providers:kubernetes").props.kubeconfig = "users:\n- name: clusterAdmin_rg_aks\n  user:\n    client-certificate-data: AAA\n"; }, message: /admin credential/ },
    ];
    for (const c of cases) {
        it(`${c.policy} flags ${c.why}${c.alsoFlaggedBy ? "" : ", and only that policy does"}`, async () => {
            const resources = fresh();
            c.breakIt(resources);
            const found = await violations(resources);
            assert.ok(found.length > 0, "the broken variant is flagged");
            const flagging = new Set(found.map((v) => v.policy));
            assert.ok(flagging.has(c.policy), JSON.stringify(found, null, 1));
            for (const other of flagging) assert.ok(other === c.policy || (c.alsoFlaggedBy ?? []).includes(other), `${other} flags it too: ${JSON.stringify(found, null, 1)}`);
            assert.ok(found.some((v) => v.policy === c.policy && c.message.test(v.message)), found.map((v) => v.message).join("\n"));
        });
    }

    it("reports what the plan reports: the trust-chain policy's messages are the plan's chain problems", async () => {
        const resources = fresh();
        const ra = resources.find((r) => r.type.endsWith("RoleAssignment") && r.name.startsWith("orders-"))!;
        ra.props.roleDefinitionId = String(ra.props.roleDefinitionId).replace(builtInRoles["Key Vault Secrets User"], builtInRoles["Key Vault Reader"]);
        const found = (await violations(resources, "workload-identity-trust-chain")).map((v) => v.message);
        const plan = await planStack({ stack: "dev", values: "rehearsal", set: ["workloads=[{name: orders, namespace: shop, serviceAccountName: orders, roles: [{role: Key Vault Reader}]}]", "verify=false"] });
        const planned = plan.plan.trustChains.flatMap((c) => c.problems);
        assert.ok(planned.length > 0 && found.length > 0);
        assert.ok(planned.some((p) => found.includes(p)), `plan: ${planned.join("\n")}\npack: ${found.join("\n")}`);
    });

    it("loads the pack's entry point's dependencies under CommonJS (the server itself starts only under Pulumi)", async () => {
        const policy = await import("@pulumi/policy") as unknown as Record<string, unknown>;
        assert.equal(typeof policy.PolicyPack, "function");
        assert.equal(asRecorded([]).length, 0);
    });
});
