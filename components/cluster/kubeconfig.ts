import { parseDocument } from "yaml";

/** AKS's Entra ID (AAD) server application id: the audience of every kubelogin token for AKS. */
export const aksAadServerAppId = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** How kubelogin signs in. Mirrors `kubelogin convert-kubeconfig --login`. */
export type KubeloginMethod = "azurecli" | "workloadidentity" | "spn" | "msi";

/** The login methods kubelogin supports here. */
export const kubeloginMethods: readonly KubeloginMethod[] = ["azurecli", "workloadidentity", "spn", "msi"];

/** How the generated kubeconfig authenticates. */
export interface KubeloginOptions {
    /** The login method. `azurecli` for people, `workloadidentity` for CI on federated credentials, `spn` or `msi` for others. */
    readonly method: KubeloginMethod;
    /**
     * The client id: the service principal's for `spn` (its secret comes from `AAD_SERVICE_PRINCIPAL_CLIENT_SECRET`),
     * or a user-assigned identity's for `msi`. Ignored by the other methods, which read their own.
     */
    readonly clientId?: string;
}

/**
 * Rewrites an AKS `format: exec` kubeconfig so that every kubelogin user signs in with `login.method`,
 * as `kubelogin convert-kubeconfig -l <method>` would. The cluster entries are left untouched.
 * Throws if the kubeconfig has no kubelogin user (the cluster does not use Entra ID).
 */
export function kubeconfigForLogin(kubeconfig: string, login: KubeloginOptions): string {
    const doc = parseDocument(kubeconfig);
    const users = doc.toJS()?.users as Array<{ name: string; user?: { exec?: { command?: string; args?: string[] } } }> | undefined;
    let rewritten = 0;
    (users ?? []).forEach((entry, index) => {
        const exec = entry.user?.exec;
        if (!exec || !/(^|\/)kubelogin(\.exe)?$/.test(exec.command ?? "")) {
            return;
        }
        const existing = exec.args ?? [];
        const flag = (name: string): string | undefined => {
            const at = existing.indexOf(name);
            return at >= 0 ? existing[at + 1] : undefined;
        };
        const args = ["get-token", "--login", login.method, "--server-id", flag("--server-id") ?? aksAadServerAppId];
        const environment = flag("--environment");
        if (login.method === "spn") {
            const tenantId = flag("--tenant-id");
            if (environment) args.push("--environment", environment);
            if (tenantId) args.push("--tenant-id", tenantId);
            if (login.clientId) args.push("--client-id", login.clientId);
        } else if (login.method === "msi" && login.clientId) {
            args.push("--client-id", login.clientId);
        }
        doc.setIn(["users", index, "user", "exec", "args"], args);
        rewritten++;
    });
    if (rewritten === 0) {
        throw new Error("the cluster's user kubeconfig has no kubelogin exec user: is Entra ID (aadProfile.managed) enabled on the cluster?");
    }
    return doc.toString();
}
