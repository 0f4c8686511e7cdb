import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import { CliArgs, parseArgs, run } from "../plan/cli";
import { evaluate } from "../plan/engine";
import { currentGolden, goldenDir, lineDiff, normalise, stacks } from "../plan/golden";
import type { Plan, PlanResource, TrustChain } from "../plan/model";
import { isUnknownValue, valueAt } from "../plan/unknowns";
import { planProgram, planProgramTwice, planStack, PlanResult, projectDir } from "../plan/plan";
import { readPlanConfig } from "../plan/stackConfig";
import { fakeAzure } from "./support/pulumi";


/** Runs the plan CLI in-process, through the same `run(argv, out, err)` its entry point calls; returns its exit code and output. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const output = { stdout: "", stderr: "" };
    const sink = (key: keyof typeof output): Writable => new Writable({
        write(chunk, _encoding, done) {
            output[key] += String(chunk);
            done();
        },
    });
    const status = await run(args, sink("stdout"), sink("stderr"));
    return { status, ...output };
}

function byName(plan: Plan, name: string): PlanResource {
    const found = plan.resources.find((r) => r.name === name);
    assert.ok(found, `no resource named ${name}`);
    return found!;
}

function chainOf(plan: Plan, identityName: string): TrustChain {
    const found = plan.trustChains.find((c) => c.identity.name === identityName);
    assert.ok(found, `no trust chain for ${identityName}: ${plan.trustChains.map((c) => c.identity.name).join(", ")}`);
    return found!;
}

describe("offline plan", function () {
    // Each plan evaluates the whole program; the CLI tests start a process each.
    this.timeout(60000);

    describe("the dev stack", () => {
        let dev: PlanResult;
        before(async () => {
            dev = await planStack({ stack: "dev" });
        });

        it("prints the resource tree with the key properties", () => {
            const text = dev.text();
            assert.match(text, /^pulumi:pulumi:Stack "aks-workload-identity-dev"$/m);
            assert.match(text, /^├─ wid:cluster:AksCluster "aks"$/m);
            assert.match(text, /^│  ├─ azure-native:containerservice:ManagedCluster "aks-aks"$/m, "the cluster sits under its component");
            for (const line of ["oidcIssuer: true", "workloadIdentity: true", "disableLocalAccounts: true", "rbacAuthorization: true", "purgeProtection: true",
                "subject: system:serviceaccount:shop:orders", "subject: system:serviceaccount:shop:orders-worker", "audiences: [api://AzureADTokenExchange]",
                "role: Key Vault Secrets User", "role: Key Vault Secrets Officer", "serviceAccountName: orders"]) {
                assert.ok(text.includes(line), `the plan shows "${line}"`);
            }
            assert.match(text, /clientIdAnnotation: <known after deploy: clientId of managedidentity:UserAssignedIdentity "orders-identity">/);
            assert.match(text, /podLabels: \{.*azure\.workload\.identity\/use: true.*\}/);
            assert.doesNotMatch(text, /role: [0-9a-f]{8}-/, "role names are resolved from their GUIDs");
        });

        it("marks every trust chain ✓, from namespace/ServiceAccount through FIC and identity to role and scope", () => {
            const text = dev.text();
            assert.match(text, /^Trust chains: 2 ✓, 0 ✗$/m);
            assert.match(text, /^✓ identity orders-identity {2}\(wid:identity:WorkloadIdentity orders\)$/m);
            assert.match(text, /^ {4}✓ shop\/orders → FIC orders-fic-shop-orders-aks → orders-identity → Key Vault Secrets User → keyvault:Vault "vault-vault"$/m);
            assert.match(text, /^ {4}✓ shop\/orders-worker → FIC orders-fic-shop-orders-worker-aks → orders-identity → /m);
            assert.match(text, /^ {4}✓ analytics\/reports → FIC reports-fic-analytics-reports-aks → reports-identity → /m);
            assert.match(text, /apps\/v1:Deployment shop\/orders-deployment: labelled azure\.workload\.identity\/use: "true"/);
            assert.doesNotMatch(text, /^ *✗/m, "no broken link");
            assert.equal(dev.trusted, true);
        });

        it("ends with a summary whose counts by type are the resources listed", () => {
            const plan = dev.plan;
            const counted: Record<string, number> = {};
            for (const r of plan.resources) counted[r.type] = (counted[r.type] ?? 0) + 1;
            assert.deepEqual(plan.summary.byType, counted);
            assert.equal(plan.summary.resources + plan.summary.components, plan.resources.length);
            const summary = dev.text().trimEnd().split("\n").pop()!;
            assert.match(summary, new RegExp(`^Summary: ${plan.summary.resources} resources, ${plan.summary.components} components \\(`));
            assert.ok(summary.includes(`${counted["azure-native:managedidentity:FederatedIdentityCredential"]} managedidentity:FederatedIdentityCredential`));
        });

        it("gives the same plan as JSON, in the documented shape", () => {
            const json = JSON.parse(dev.json()) as Plan;
            assert.equal(json.version, 1);
            assert.equal(json.stack, "dev");
            assert.deepEqual(json.trustChains.map((c) => [c.identity.name, c.status]), [["orders-identity", "ok"], ["reports-identity", "ok"]]);
            const orders = chainOf(json, "orders-identity");
            assert.deepEqual(orders.subjects.map((s) => s.subject), ["system:serviceaccount:shop:orders", "system:serviceaccount:shop:orders-worker"]);
            assert.deepEqual(orders.roles.map((r) => [r.role, r.scopeResource]), [["Key Vault Secrets User", "azure-native:keyvault:Vault vault-vault"]]);
            assert.deepEqual(orders.subjects[0].serviceAccount?.clientIdAnnotation, orders.identity.clientId);
            const fic = byName(json, "orders-fic-shop-orders-worker-aks");
            assert.deepEqual(fic.properties.audiences, ["api://AzureADTokenExchange"]);
            assert.ok(fic.dependsOn.includes(byName(json, "orders-fic-shop-orders-aks").urn), "one identity's FICs are written one at a time");
            assert.equal(fic.deleteBeforeReplace, true);
            assert.deepEqual(json.summary, dev.plan.summary);
        });

        it("shows values known only after deploy as structured unknowns naming their resource and output, never fake-looking values", () => {
            const plan = dev.plan;
            const cluster = byName(plan, "aks-aks");
            assert.deepEqual(cluster.properties.issuerUrl, { unknown: { resource: cluster.urn, output: "oidcIssuerProfile.issuerURL" } });
            for (const fic of plan.resources.filter((r) => r.type.endsWith("FederatedIdentityCredential"))) {
                assert.deepEqual(fic.properties.issuer, cluster.properties.issuerUrl, "each FIC trusts the cluster's issuer");
            }
            for (const chain of plan.trustChains) {
                assert.deepEqual(chain.identity.clientId, { unknown: { resource: chain.identity.urn, output: "clientId" } });
                assert.deepEqual(chain.identity.principalId, { unknown: { resource: chain.identity.urn, output: "principalId" } });
            }
            const vault = byName(plan, "vault-vault");
            assert.deepEqual(vault.properties.vaultUri, { unknown: { resource: vault.urn, output: "properties.vaultUri" } });
            // The pod template's client-id hash is derived from an unknown, so it is unknown too, never a hash of a stand-in.
            const deployment = byName(plan, "orders-deployment");
            const annotations = valueAt(deployment.inputs, "spec.template.metadata.annotations");
            assert.ok(isUnknownValue(annotations), `the pod annotations are unknown: ${JSON.stringify(annotations)}`);
            const json = dev.json();
            assert.doesNotMatch(json, /known after deploy/, "the JSON has no placeholder prose");
            assert.doesNotMatch(json, /__pulumiUnknown|04da6b54-80e4-46f7-96ec-b56ff0331ba9/, "nor the SDK's unknown sentinel");
            const text = dev.text() + dev.json();
            for (const fake of [fakeAzure.subscriptionId, fakeAzure.tenantId, fakeAzure.deployerObjectId, "oic.prod-aks.azure.com", "vault.azure.net"]) {
                assert.ok(!text.includes(fake), `the plan must not contain the fake value ${fake}`);
            }
        });

        it("writes the graph as Mermaid and DOT, with every resource and dependency edge", () => {
            const mermaid = dev.graph("mermaid");
            const dot = dev.graph("dot");
            assert.match(mermaid, /^flowchart LR$/m);
            assert.match(dot, /^digraph "aks-workload-identity-dev" \{$/m);
            const edges = new Set(dev.plan.resources.flatMap((r) => r.dependsOn.map((d) => `${d}>${r.urn}`))).size;
            assert.ok(edges > 0);
            assert.equal(mermaid.split("\n").filter((l) => /^ {2}\w+ --> \w+$/.test(l)).length, edges);
            assert.equal(dot.split("\n").filter((l) => /^ {2}\w+ -> \w+;$/.test(l)).length, edges);
            for (const r of dev.plan.resources) {
                assert.ok(mermaid.includes(`<br/>${r.name}"`), `Mermaid shows ${r.name}`);
                assert.ok(dot.includes(`\\n${r.name}"`), `DOT shows ${r.name}`);
            }
            const id = (name: string): string => new RegExp(`(\\w+)\\["managedidentity:FederatedIdentityCredential<br/>${name}"\\]`).exec(mermaid)![1];
            assert.ok(mermaid.includes(`${id("orders-fic-shop-orders-aks")} --> ${id("orders-fic-shop-orders-worker-aks")}`));
        });
    });

    describe("trust chain checks, on a small program wired by hand", () => {
        /** The links the program can break, one at a time. */
        type Break = "none" | "serviceAccountName" | "annotation" | "label" | "role" | "issuer" | "trimmedIssuer" | "audience" | "labelledStranger" | "readerRole" | "githubSubject" | "githubIssuerSlash";

        /** One identity for shop/orders, wired correctly unless `broken` says otherwise. */
        function program(broken: Break): () => void {
            return () => {
                const cluster = new containerservice.ManagedCluster("cl", {
                    resourceGroupName: "rg",
                    oidcIssuerProfile: { enabled: true },
                    securityProfile: { workloadIdentity: { enabled: true } },
                });
                const issuer = cluster.oidcIssuerProfile.apply((p) => p!.issuerURL!);
                const identity = new managedidentity.UserAssignedIdentity("orders-identity", { resourceGroupName: "rg" });
                new managedidentity.FederatedIdentityCredential("orders-fic", {
                    resourceGroupName: "rg",
                    resourceName: identity.name,
                    // "trimmedIssuer": the program edits the cluster's issuer (drops its trailing slash), which only a rehearsal can see.
                    issuer: broken === "issuer" ? "https://issuer.elsewhere.example/" : broken === "trimmedIssuer" ? issuer.apply((u) => u.replace(/\/$/, "")) : issuer,
                    subject: "system:serviceaccount:shop:orders",
                    audiences: [broken === "audience" ? "api://SomethingElse" : "api://AzureADTokenExchange"],
                });
                new k8s.core.v1.ServiceAccount("orders-sa", {
                    metadata: {
                        namespace: "shop",
                        name: broken === "serviceAccountName" ? "orders-sa" : "orders",
                        annotations: { "azure.workload.identity/client-id": broken === "annotation" ? "11111111-2222-3333-4444-555555555555" : identity.clientId },
                    },
                });
                const labels = { app: "orders", ...(broken === "label" ? {} : { "azure.workload.identity/use": "true" }) };
                new k8s.apps.v1.Deployment("orders", {
                    metadata: { namespace: "shop" },
                    spec: {
                        selector: { matchLabels: { app: "orders" } },
                        template: { metadata: { labels }, spec: { serviceAccountName: "orders", containers: [{ name: "app", image: "app:1" }] } },
                    },
                });
                if (broken === "labelledStranger") {
                    new k8s.batch.v1.Job("stranger", {
                        metadata: { namespace: "shop" },
                        spec: { template: { metadata: { labels: { "azure.workload.identity/use": "true" } }, spec: { serviceAccountName: "nobody", containers: [{ name: "x", image: "x:1" }], restartPolicy: "Never" } } },
                    });
                }
                if (broken === "githubSubject" || broken === "githubIssuerSlash") {
                    new managedidentity.FederatedIdentityCredential("deploy-fic", {
                        resourceGroupName: "rg",
                        resourceName: identity.name,
                        issuer: broken === "githubIssuerSlash" ? "https://token.actions.githubusercontent.com/" : "https://token.actions.githubusercontent.com",
                        subject: "repo:contoso@123/app@456:environment:dev",
                        audiences: ["api://AzureADTokenExchange"],
                    });
                }
                if (broken !== "role") {
                    new authorization.RoleAssignment("orders-secrets-user", {
                        principalId: identity.principalId,
                        principalType: "ServicePrincipal",
                        // Key Vault Reader (21090545-...) reads vault metadata only, never a secret's value.
                        roleDefinitionId: `/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/${broken === "readerRole" ? "21090545-7ca7-4776-b22c-e363652d74d2" : "4633458b-17de-408a-b874-0445c86b69e6"}`,
                        scope: "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
                    });
                }
            };
        }

        const planOf = (broken: Break): Promise<PlanResult> => planProgram({ project: "plan-test", stack: `wiring-${broken}`, program: program(broken) });

        it("marks the correctly wired program ✓, so each case below is broken by its one change", async () => {
            const result = await planOf("none");
            const chain = chainOf(result.plan, "orders-identity");
            assert.deepEqual(chain.problems, []);
            assert.equal(chain.status, "ok");
            assert.deepEqual(chain.roles.map((r) => r.role), ["Key Vault Secrets User"]);
            assert.equal(chain.subjects[0].federatedCredentials[0].issuerSource, "cluster cl");
            assert.equal(result.trusted, true);
            assert.match(result.text(), /^✓ identity orders-identity$/m);
        });

        const cases: { broken: Break; reasons: RegExp[] }[] = [
            {
                broken: "serviceAccountName",
                reasons: [
                    /FIC "orders-fic" trusts system:serviceaccount:shop:orders, but the program creates no ServiceAccount shop\/orders/,
                    /ServiceAccount shop\/orders-sa is annotated with managedidentity:UserAssignedIdentity "orders-identity"'s clientId, but no FIC on the identity trusts system:serviceaccount:shop:orders-sa/,
                ],
            },
            { broken: "annotation", reasons: [/ServiceAccount shop\/orders is annotated with azure\.workload\.identity\/client-id "11111111-2222-3333-4444-555555555555", not managedidentity:UserAssignedIdentity "orders-identity"'s clientId "<known after deploy: clientId of/] },
            { broken: "trimmedIssuer", reasons: [/FIC "orders-fic" trusts issuer <known after deploy: from containerservice:ManagedCluster "cl">, but the cluster's tokens carry iss <known after deploy: oidcIssuerProfile\.issuerURL of containerservice:ManagedCluster "cl"> \(with the trailing slash\): Entra compares exactly and refuses them \(AADSTS700211\)/] },
            { broken: "readerRole", reasons: [/managedidentity:UserAssignedIdentity "orders-identity" needs Microsoft\.KeyVault\/vaults\/secrets\/getSecret\/action on \/subscriptions\/sub\/resourceGroups\/rg\/providers\/Microsoft\.KeyVault\/vaults\/kv to read a secret's value, but its roles there \(Key Vault Reader\) do not allow it: the SDK gets 403 ForbiddenByRbac/] },
            { broken: "githubIssuerSlash", reasons: [/FIC "deploy-fic" trusts issuer https:\/\/token\.actions\.githubusercontent\.com\/, but GitHub's tokens carry iss https:\/\/token\.actions\.githubusercontent\.com with no trailing slash/] },
            { broken: "label", reasons: [/apps\/v1:Deployment shop\/orders runs as ServiceAccount shop\/orders, but its pod template lacks the label azure\.workload\.identity\/use: "true"/] },
            { broken: "role", reasons: [/managedidentity:UserAssignedIdentity "orders-identity" has no role assignment/] },
            { broken: "issuer", reasons: [/no FIC for shop\/orders trusts the cluster's issuer <known after deploy: oidcIssuerProfile\.issuerURL of containerservice:ManagedCluster "cl">: FIC "orders-fic" trusts https:\/\/issuer\.elsewhere\.example\//] },
            { broken: "audience", reasons: [/FIC "orders-fic" has audiences \["api:\/\/SomethingElse"\]; it needs exactly one of api:\/\/AzureADTokenExchange/] },
        ];
        for (const c of cases) {
            it(`marks a broken ${c.broken} ✗ with the reason`, async () => {
                const result = await planOf(c.broken);
                const chain = chainOf(result.plan, "orders-identity");
                assert.equal(chain.status, "broken");
                assert.equal(chain.problems.length, c.reasons.length, chain.problems.join("\n"));
                c.reasons.forEach((reason, i) => assert.match(chain.problems[i], reason));
                const text = result.text();
                assert.match(text, /^✗ identity orders-identity$/m);
                for (const reason of c.reasons) assert.match(text, new RegExp(`^ {4}✗ ${reason.source}`, "m"));
                assert.equal(result.trusted, false);
                assert.equal(JSON.parse(result.json()).trustChains[0].status, "broken");
            });
        }

        it("finds the same in one evaluation as in two (a rehearsal, then a preview): correct, an issuer the program edits, a stranger, a CI subject", async () => {
            // test/shadow.test.ts compares them on every stack; these add what the stacks never do.
            const all: Break[] = ["none", "trimmedIssuer", "labelledStranger", "githubSubject"];
            for (const broken of all) {
                const options = { project: "plan-test", stack: `wiring-${broken}`, program: program(broken) };
                assert.equal((await planProgram(options)).json(), (await planProgramTwice(options)).json(), broken);
            }
        });

        it("checks a GitHub Actions credential (immutable subject form) as a CI-federation chain, not a broken ServiceAccount subject", async () => {
            const result = await planOf("githubSubject");
            const chain = chainOf(result.plan, "orders-identity");
            assert.deepEqual(chain.problems, []);
            assert.deepEqual(chain.ciSubjects.map((c) => [c.subject, c.status, c.description]), [["repo:contoso@123/app@456:environment:dev", "ok", "GitHub environment dev of contoso/app"]]);
            assert.equal(result.trusted, true);
            assert.match(result.text(), /^ {4}✓ CI repo:contoso@123\/app@456:environment:dev \(GitHub environment dev of contoso\/app\)/m);
        });

        it("rehearses with concrete Azure-shaped values: derived values are computed for real, and the trimmed issuer is ✗", async () => {
            const rehearsed = await planProgram({ project: "plan-test", stack: "wiring-rehearsal", program: program("trimmedIssuer"), values: "rehearsal" });
            assert.equal(rehearsed.plan.values, "rehearsal");
            const cluster = byName(rehearsed.plan, "cl");
            assert.match(cluster.properties.issuerUrl as string, /^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\/[0-9a-f-]+\/[0-9a-f-]+\/$/, "an issuer URL with its trailing slash");
            assert.equal(byName(rehearsed.plan, "orders-fic").properties.issuer, (cluster.properties.issuerUrl as string).slice(0, -1));
            assert.equal(rehearsed.trusted, false);
            assert.match(chainOf(rehearsed.plan, "orders-identity").problems[0], /AADSTS700211/);
            assert.ok(rehearsed.resources.length > 0 && rehearsed.resources.every((r) => r.inputs && r.state && Array.isArray(r.dependencies)), "the recorded resources come with the plan");
            // The same program planned as a preview also shows ✗: the chains are checked on the rehearsal.
            const preview = await planOf("trimmedIssuer");
            assert.equal(preview.plan.values, "unknown");
            assert.equal(preview.trusted, false);
            assert.doesNotMatch(preview.json(), /oic\.prod-aks\.azure\.com/, "the preview shows the issuer as unknown, never the rehearsal's value");
        });

        it("reports a labelled pod whose ServiceAccount no identity trusts", async () => {
            const result = await planOf("labelledStranger");
            assert.equal(chainOf(result.plan, "orders-identity").status, "ok");
            assert.deepEqual(result.plan.unlinkedProblems, [
                'batch/v1:Job shop/stranger has the label azure.workload.identity/use: "true", but its ServiceAccount shop/nobody is federated with no identity in this program',
            ]);
            assert.match(result.text(), /^✗ batch\/v1:Job shop\/stranger has the label/m);
            assert.equal(result.trusted, false);
        });
    });

    describe("secrets", () => {
        it("never prints a vault secret set with --set, in text, JSON or either graph", async () => {
            const token = `plan-secret-${randomBytes(12).toString("hex")}`;
            const set = [`vaultSecrets={db-password: ${token}}`];
            // The value does reach the engine, so its absence below is the mask's doing.
            const loaded = readPlanConfig({ dir: projectDir, stack: "dev", set });
            const raw = await evaluate({
                project: loaded.project, stack: "dev", config: loaded.values,
                program: async () => (await import("../infra/main")).main(),
            });
            assert.ok(JSON.stringify(raw.resources).includes(token), "the secret is an input of the vault Secret");

            for (const values of ["unknown", "rehearsal"] as const) {
                const result = await planStack({ stack: "dev", set, values });
                const secret = byName(result.plan, "vault-secret-db-password");
                assert.equal(secret.properties.value, "[secret]");
                assert.equal(secret.inputs.properties, "[secret]");
                // At a preview the kubeconfig is unknown (the cluster does not exist yet); in a rehearsal it is a masked secret.
                const masked = (v: unknown): boolean => v === "[secret]" || (values === "unknown" && isUnknownValue(v));
                assert.ok(masked(result.plan.outputs.kubeconfig), JSON.stringify(result.plan.outputs.kubeconfig));
                assert.ok(masked(byName(result.plan, "aks-k8s").properties.kubeconfig));
                for (const [what, text] of [["text", result.text()], ["JSON", result.json()], ["Markdown", result.markdown()], ["Mermaid", result.graph("mermaid")], ["DOT", result.graph("dot")]]) {
                    assert.ok(!text.includes(token), `the ${what} output (${values}) contains the secret`);
                }
                assert.ok(!result.json().includes("kubelogin"), "the kubeconfig's content is not printed");
            }
        });

        it("scrubs a secret's plaintext even where a program leaked it out of its secret wrapper", async () => {
            const token = `leaked-${randomBytes(12).toString("hex")}`;
            const result = await planProgram({
                project: "plan-test", stack: "leak",
                program: () => {
                    const secret = pulumi.secret(token);
                    new k8s.core.v1.ConfigMap("wrapped", { data: { value: secret } });
                    new k8s.core.v1.ConfigMap("leaked", { data: { value: pulumi.unsecret(secret) } });
                    return { plain: pulumi.unsecret(secret) };
                },
            });
            assert.equal(byName(result.plan, "wrapped").inputs.data, "[secret]");
            assert.ok(JSON.stringify(result.plan).includes(token), "the unwrapped copy is in the model");
            for (const text of [result.text(), result.json(), result.graph("dot")]) assert.ok(!text.includes(token));
            assert.match(result.json(), /"value": "\[secret\]"/);
        });
    });

    describe("the engine", () => {
        it("runs many times in one process, and no run sees an earlier run's config", async () => {
            const tagged = await planStack({ stack: "dev", set: ["tags={team: plan-isolation}"] });
            assert.deepEqual((byName(tagged.plan, "rg").inputs.tags as Record<string, string>).team, "plan-isolation");
            const prod = await planStack({ stack: "prod" });
            assert.equal((byName(prod.plan, "rg").inputs.tags as Record<string, string>).team, undefined);
            assert.equal((byName(prod.plan, "rg").inputs.tags as Record<string, string>).environment, "prod");
            assert.ok(!prod.plan.resources.some((r) => r.urn.includes("::dev::")), "no resource of the dev run is left over");
        });
    });

    describe("bring-your-own cluster and failures", () => {
        it("plans a stack that uses an existing cluster, with its issuer an unknown read from that cluster", async () => {
            const result = await planStack({ stack: "dev", set: ["existingClusterResourceGroup=rg-shared", "existingClusterName=aks-shared"] });
            assert.ok(!result.plan.resources.some((r) => r.type === "azure-native:containerservice:ManagedCluster"), "no cluster is created");
            const fic = byName(result.plan, "orders-fic-shop-orders-aks");
            assert.deepEqual(fic.properties.issuer, { unknown: { resource: null, output: "azure-native:containerservice:getManagedCluster.oidcIssuerProfile.issuerURL" } });
            assert.deepEqual(result.plan.trustChains.map((c) => c.status), ["ok", "ok"]);
        });

        it("reports a program that fails inside the engine (a failed invoke) as an error, instead of hanging", async () => {
            const failing = planProgram({
                project: "plan-test", stack: "failing",
                program: () => {
                    const missing = containerservice.getManagedClusterOutput({ resourceGroupName: "nowhere", resourceName: "none" });
                    const identity = new managedidentity.UserAssignedIdentity("id", { resourceGroupName: "rg" });
                    new managedidentity.FederatedIdentityCredential("fic", {
                        resourceGroupName: "rg", resourceName: identity.name, subject: "system:serviceaccount:a:b", audiences: ["api://AzureADTokenExchange"],
                        issuer: missing.apply((c) => c.oidcIssuerProfile!.issuerURL!),
                    });
                },
            });
            await assert.rejects(failing, (err: Error) => err instanceof Error && err.message.length > 0);
        });
    });

    describe("golden plans", () => {
        it("has a committed plan for every stack", () => {
            for (const stack of stacks()) {
                for (const file of [`${stack}.txt`, `${stack}.json`]) {
                    assert.ok(fs.existsSync(path.join(goldenDir, file)), `test/plan-golden/${file} is missing: run npm run plan:update`);
                }
            }
        });

        for (const stack of stacks()) {
            it(`the ${stack} plan matches test/plan-golden/${stack}.{txt,json}`, async () => {
                for (const [file, current] of Object.entries(await currentGolden(stack))) {
                    const golden = path.join(goldenDir, file);
                    const committed = fs.existsSync(golden) ? fs.readFileSync(golden, "utf8") : "";
                    const diff = lineDiff(committed, current);
                    assert.ok(diff === "", `the ${stack} plan changed; if that is intended, run npm run plan:update and commit test/plan-golden/${file}:\n${diff}`);
                }
            });
        }

        it("catches a change: a what-if plan differs from the golden file, and the diff shows the change", async () => {
            const whatIf = await planStack({ stack: "dev", set: ["location=northeurope"] });
            const diff = lineDiff(fs.readFileSync(path.join(goldenDir, "dev.txt"), "utf8"), normalise(whatIf.text()));
            assert.notEqual(diff, "");
            assert.match(diff, /^- .*location: westeurope$/m);
            assert.match(diff, /^\+ .*location: northeurope$/m);
            assert.equal(lineDiff("a\nb\n", "a\nb\n"), "");
        });
    });

    describe("the command line", () => {
        it("prints the plan, writes the graph and exits 0; no secret in stdout or the graph file", async () => {
            const token = `cli-secret-${randomBytes(12).toString("hex")}`;
            const graph = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "dev.mmd");
            const run = await cli("dev", "--json", "--graph", graph, "--set", `vaultSecrets={api-key: ${token}}`);
            assert.equal(run.status, 0, run.stderr);
            const plan = JSON.parse(run.stdout) as Plan;
            assert.deepEqual(plan.trustChains.map((c) => c.status), ["ok", "ok"]);
            assert.ok(plan.resources.some((r) => r.name === "vault-secret-api-key"));
            assert.match(fs.readFileSync(graph, "utf8"), /^flowchart LR$/m);
            assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token) && !fs.readFileSync(graph, "utf8").includes(token));
        });

        it("exits 2 with a clear message and no stack trace for a stack that does not exist", async () => {
            const run = await cli("nope");
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /^error: no stack "nope": Pulumi\.nope\.yaml does not exist \(stacks here: dev, prod, staging\)$/m);
            assert.doesNotMatch(run.stderr, /^ {4}at /m);
        });

        it("exits 2 with the config module's message and no stack trace for invalid config", async () => {
            const run = await cli("dev", "--set", "profile=qa", "--set", "workloads=[{name: Orders, namespace: shop}]");
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /^error: stack "dev" config: \d+ problems, nothing was created:$/m);
            assert.match(run.stderr, /config key "profile" "qa" is not allowed: use one of "dev", "staging", "prod"/);
            assert.match(run.stderr, /config key "workloads\[0\]\.name" "Orders" is not a workload name/);
            assert.doesNotMatch(run.stderr, /^ {4}at /m);
        });

        it("exits 2 with the Pulumi CLI's own message for config the CLI would refuse before the program runs", async () => {
            const run = await cli("dev", "--set", "verifyTimeoutSeconds=ten");
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.equal(run.stderr, "error: Stack 'dev' with configuration key 'verifyTimeoutSeconds' must be of type 'integer'\n");
        });

        it("exits 2 for a --set value that is not YAML, and for an unknown option", async () => {
            const bad = await cli("dev", "--set", "workloads=[{name: a");
            assert.equal(bad.status, 2);
            assert.match(bad.stderr, /^error: --set workloads: the value is not valid YAML/m);
            const unknown = await cli("dev", "--yes");
            assert.equal(unknown.status, 2);
            assert.match(unknown.stderr, /^error: unknown option --yes/m);
            assert.doesNotMatch(bad.stderr + unknown.stderr, /^ {4}at /m);
        });

        it("takes --values rehearsal and --markdown, and refuses a bad --values or both formats at once", async () => {
            const md = await cli("dev", "--markdown", "--values", "rehearsal");
            assert.equal(md.status, 0, md.stderr);
            assert.match(md.stdout, /^### Offline plan: stack `dev`$/m);
            assert.match(md.stdout, /^- ✓ \*\*orders-identity\*\*: ✓ `shop\/orders`, ✓ `shop\/orders-worker` → Key Vault Secrets User on azure-native:keyvault:Vault vault-vault$/m);
            assert.match(md.stdout, /^<details><summary>Resources \(\d+\)<\/summary>$/m);
            assert.match(md.stdout, /^_Rehearsal:/m);
            assert.equal(parseArgs(["dev"]) !== "help" && (parseArgs(["dev"]) as CliArgs).values, "unknown");
            assert.throws(() => parseArgs(["dev", "--values", "fake"]), /--values fake: use one of unknown, rehearsal/);
            assert.throws(() => parseArgs(["dev", "--json", "--markdown"]), /choose one output format/);
        });

        it("exits 1 and shows ✗ when a stack's trust chain is broken", async () => {
            const run = await cli("dev", "--set", "verify=false", "--set", "workloads=[{name: lonely, namespace: shop, roles: []}]");
            assert.equal(run.status, 1, run.stderr);
            assert.match(run.stdout, /^✗ identity lonely-identity/m);
            assert.match(run.stdout, /✗ managedidentity:UserAssignedIdentity "lonely-identity" has no role assignment/);
            assert.match(run.stderr, /a trust chain is broken/);
        });

        it("runs as `npm run plan` does: the precompiled build in bin/, exiting with run()'s status", () => {
            // One real process: what the in-process tests above cannot show is the entry point and the build (which
            // scripts/run.js brings up to date first), with the plan's deferred modules (plan/fastStart.ts).
            const script = (JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.plan;
            const [node, ...args] = script.split(" ");
            assert.equal(node, "node");
            const result = spawnSync(process.execPath, [...args, "dev", "--set", "verify=false", "--set", "workloads=[{name: lonely, namespace: shop, roles: []}]"], {
                cwd: projectDir,
                encoding: "utf8",
            });
            assert.equal(result.status, 1, result.stderr);
            assert.match(result.stdout, /^✗ identity lonely-identity/m);
            assert.match(result.stderr, /a trust chain is broken/);
            assert.doesNotMatch(result.stderr, /unrecognized flag|Error:/, "the start-up aids (scripts/run.js --fast-start) say nothing");
        });
    });
});
