import { strict as assert } from "assert";
import * as fs from "fs";
import { kinds, podTemplatePaths, rank, ResourceKind, types } from "../plan/kinds";

/** The installed SDK module that defines a provider resource's class, or undefined for kinds no SDK class defines. */
function sdkModule(type: string): string | undefined {
    const [pkg, mod, name] = type.split(":");
    const file = name.charAt(0).toLowerCase() + name.slice(1);
    if (pkg === "azure-native") return `@pulumi/azure-native/${mod}/${file}`;
    if (pkg === "kubernetes") return `@pulumi/kubernetes/${mod}/${file}`;
    if (pkg === "random") return `@pulumi/random/${file}`;
    return undefined;
}

/** What the installed SDK contradicts in a registry entry: its type token, and the input its Azure name goes in. */
function sdkProblems(kind: ResourceKind): string[] {
    const module = sdkModule(kind.type);
    if (module === undefined) return [];
    const problems: string[] = [];
    let path: string;
    try {
        path = require.resolve(module);
    } catch {
        return [`no SDK module ${module} for ${kind.type}`];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK module named by the token, found at run time
    const exported = Object.values(require(path) as Record<string, { __pulumiType?: string }>);
    if (!exported.some((c) => c.__pulumiType === kind.type)) problems.push(`${module} defines no class of type ${kind.type}`);
    // The SDK's constructor copies each input it accepts: `resourceInputs["vaultName"] = args?.vaultName`.
    if (kind.nameInput !== undefined && !fs.readFileSync(path, "utf8").includes(`resourceInputs["${kind.nameInput}"] = args?.${kind.nameInput}`)) {
        problems.push(`${kind.type} takes no input ${kind.nameInput}`);
    }
    return problems;
}

describe("the registry of resource kinds (plan/kinds.ts)", () => {
    it("agrees with the installed SDKs: every provider type token exists, every name input is one the resource takes", () => {
        const all = Object.values(kinds as Record<string, ResourceKind>);
        assert.deepEqual(all.flatMap(sdkProblems), []);
        assert.ok(all.filter((k) => sdkModule(k.type) !== undefined).length >= 18, "the check reached the SDK kinds");
    });

    it("catches a wrong entry: a misspelt token and a name input the resource does not take", () => {
        assert.deepEqual(sdkProblems({ type: "azure-native:keyvault:Vaults" }), ["no SDK module @pulumi/azure-native/keyvault/vaults for azure-native:keyvault:Vaults"]);
        assert.deepEqual(sdkProblems({ type: "kubernetes:apps/v1:deployment" }), ["@pulumi/kubernetes/apps/v1/deployment defines no class of type kubernetes:apps/v1:deployment"]);
        assert.deepEqual(sdkProblems({ ...kinds.fic, nameInput: "name" }), [`${types.fic} takes no input name`]);
    });

    it("gives every azure-native kind a name input and an ARM type, and every pod-running kind its template path", () => {
        for (const kind of Object.values(kinds as Record<string, ResourceKind>)) {
            if (kind.type.startsWith("azure-native:")) assert.ok(kind.nameInput && kind.armType !== undefined, kind.type);
        }
        assert.equal(podTemplatePaths[types.cronJob], "spec.jobTemplate.spec.template");
        assert.equal(podTemplatePaths[types.pod], "");
        assert.equal(podTemplatePaths[types.serviceAccount], undefined);
    });

    it("ranks the trust chain's kinds in its order, and unknown kinds last", () => {
        assert.ok(rank(types.resourceGroup) < rank(types.identity));
        assert.ok(rank(types.workloadIdentity) < rank(types.fic) && rank(types.fic) < rank(types.serviceAccount));
        assert.equal(rank("example:index:Unknown"), rank(types.statefulSet));
    });
});
