import { strict as assert } from "assert";
import { parse } from "yaml";
import { aksAadServerAppId, kubeconfigForLogin, KubeloginOptions } from "../components/cluster/kubeconfig";

const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const aksClientAppId = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

/** What AKS returns from listClusterUserCredential with format=exec: kubelogin, device-code login. */
function aksExecKubeconfig(options: { command?: string; serverId?: string | null; extraUser?: string } = {}): string {
    const serverArgs = options.serverId === null ? [] : ["      - --server-id", `      - ${options.serverId ?? aksAadServerAppId}`];
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: aks-dev",
        "  cluster:",
        "    certificate-authority-data: LS0tLS1CRUdJTi0tLS0t",
        "    server: https://aks-dev-abc123.hcp.westeurope.azmk8s.io:443",
        "contexts:",
        "- name: aks-dev",
        "  context:",
        "    cluster: aks-dev",
        "    user: clusterUser_rg_aks-dev",
        "current-context: aks-dev",
        "users:",
        "- name: clusterUser_rg_aks-dev",
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        `      command: ${options.command ?? "kubelogin"}`,
        "      args:",
        "      - get-token",
        "      - --environment",
        "      - AzurePublicCloud",
        ...serverArgs,
        "      - --client-id",
        `      - ${aksClientAppId}`,
        "      - --tenant-id",
        `      - ${tenantId}`,
        "      - --login",
        "      - devicecode",
        "      interactiveMode: IfAvailable",
        ...(options.extraUser ? [options.extraUser] : []),
        "",
    ].join("\n");
}

interface Kubeconfig {
    clusters: unknown[];
    contexts: unknown[];
    "current-context": string;
    users: Array<{ name: string; user: { token?: string; exec?: { command: string; args: string[]; apiVersion: string; interactiveMode?: string } } }>;
}

function convert(login: KubeloginOptions, source = aksExecKubeconfig()): { before: Kubeconfig; after: Kubeconfig } {
    return { before: parse(source) as Kubeconfig, after: parse(kubeconfigForLogin(source, login)) as Kubeconfig };
}

describe("kubeconfigForLogin", () => {
    it("azurecli: signs in with the Azure CLI, keeping only the AKS server id", () => {
        const { after } = convert({ method: "azurecli" });
        assert.deepEqual(after.users[0].user.exec?.args, ["get-token", "--login", "azurecli", "--server-id", aksAadServerAppId]);
    });

    it("workloadidentity: reads client and tenant from the environment, so passes neither", () => {
        const { after } = convert({ method: "workloadidentity", clientId: "11111111-2222-3333-4444-555555555555" });
        assert.deepEqual(after.users[0].user.exec?.args, ["get-token", "--login", "workloadidentity", "--server-id", aksAadServerAppId]);
    });

    it("spn: passes the service principal's --client-id (not AKS's client app) and keeps --tenant-id and --environment", () => {
        const spn = "11111111-2222-3333-4444-555555555555";
        const { after } = convert({ method: "spn", clientId: spn });
        assert.deepEqual(after.users[0].user.exec?.args, [
            "get-token", "--login", "spn", "--server-id", aksAadServerAppId, "--environment", "AzurePublicCloud", "--tenant-id", tenantId, "--client-id", spn,
        ]);
        assert.ok(!after.users[0].user.exec?.args.includes(aksClientAppId));
    });

    it("msi: passes --client-id only when a user-assigned identity is named", () => {
        const uami = "66666666-7777-8888-9999-000000000000";
        assert.deepEqual(convert({ method: "msi", clientId: uami }).after.users[0].user.exec?.args,
            ["get-token", "--login", "msi", "--server-id", aksAadServerAppId, "--client-id", uami]);
        assert.deepEqual(convert({ method: "msi" }).after.users[0].user.exec?.args,
            ["get-token", "--login", "msi", "--server-id", aksAadServerAppId]);
    });

    it("keeps the kubeconfig's own --server-id, and uses AKS's when there is none", () => {
        const other = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        assert.deepEqual(convert({ method: "azurecli" }, aksExecKubeconfig({ serverId: other })).after.users[0].user.exec?.args.slice(3), ["--server-id", other]);
        assert.deepEqual(convert({ method: "azurecli" }, aksExecKubeconfig({ serverId: null })).after.users[0].user.exec?.args.slice(3), ["--server-id", aksAadServerAppId]);
        assert.equal(aksAadServerAppId, "6dae42f8-4368-4678-94ff-3960e28e3630");
    });

    it("leaves clusters, contexts and the rest of the exec block untouched", () => {
        for (const method of ["azurecli", "workloadidentity", "spn", "msi"] as const) {
            const { before, after } = convert({ method, clientId: "11111111-2222-3333-4444-555555555555" });
            assert.deepEqual(after.clusters, before.clusters);
            assert.deepEqual(after.contexts, before.contexts);
            assert.equal(after["current-context"], before["current-context"]);
            assert.equal(after.users[0].name, before.users[0].name);
            const { args: beforeArgs, ...beforeRest } = before.users[0].user.exec!;
            const { args: afterArgs, ...afterRest } = after.users[0].user.exec!;
            assert.deepEqual(afterRest, beforeRest);
            assert.notDeepEqual(afterArgs, beforeArgs);
        }
    });

    it("recognises kubelogin by path, and leaves other users alone", () => {
        const tokenUser = ["- name: static", "  user:", "    token: abc"].join("\n");
        const { before, after } = convert({ method: "azurecli" }, aksExecKubeconfig({ command: "/usr/local/bin/kubelogin", extraUser: tokenUser }));
        assert.deepEqual(after.users[0].user.exec?.args.slice(0, 3), ["get-token", "--login", "azurecli"]);
        assert.deepEqual(after.users[1], before.users[1]);
        assert.deepEqual(after.users[1], { name: "static", user: { token: "abc" } });
    });

    describe("throws for a kubeconfig without a kubelogin user", () => {
        const expected = /has no kubelogin exec user: is Entra ID \(aadProfile\.managed\) enabled on the cluster\?/;
        const cases: Array<[string, string]> = [
            ["a certificate user (local accounts)", ["apiVersion: v1", "kind: Config", "clusters: []", "users:", "- name: admin", "  user:", "    client-certificate-data: AAA", ""].join("\n")],
            ["an exec user of another command", aksExecKubeconfig({ command: "aws" })],
            ["a command that only contains the word", aksExecKubeconfig({ command: "not-kubelogin-really" })],
            ["no users", "apiVersion: v1\nkind: Config\nclusters: []\n"],
            ["an empty document", ""],
        ];
        for (const [what, kubeconfig] of cases) {
            it(what, () => {
                assert.throws(() => kubeconfigForLogin(kubeconfig, { method: "azurecli" }), expected);
            });
        }
    });
});
