import { isGuid } from "./roles";

/**
 * The shape of Azure Resource Manager ids and GUIDs. Each rule returns the end of a sentence
 * (`"x" is not ...`) or undefined.
 */

export { isGuid };

/** The problem with `value` as a GUID (an Entra object id, client id or role definition id), if any. */
export function guidProblem(value: unknown, what: string): string | undefined {
    if (typeof value === "string" && isGuid(value)) return undefined;
    return `${JSON.stringify(value)} is not ${what} (a GUID such as 00000000-0000-0000-0000-000000000000)`;
}

/** A resource group name: 1–90 letters, digits, '_', '-', '.', '(' and ')', not ending with '.'. */
const resourceGroupName = /^[-\w.()]{0,89}[-\w()]$/;
/** A resource provider namespace such as `Microsoft.Storage`. */
const providerNamespace = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
/** A resource type or name segment: no '/', no placeholder brackets. */
const segment = /^[^/<>{}\s]+$/;

/**
 * The problem with `value` as an ARM id usable as a role assignment scope, if any. Accepted: a management
 * group (`/providers/Microsoft.Management/managementGroups/<id>`), a subscription (`/subscriptions/<guid>`),
 * a resource group, or a resource below either (`.../providers/<Namespace>/<type>/<name>[/<type>/<name>...]`).
 * The subscription must be a GUID, so README placeholders such as `/subscriptions/<sub>/...` are refused.
 */
export function armIdProblem(value: unknown): string | undefined {
    const shape = `an ARM id such as /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>`;
    if (typeof value !== "string" || value.length === 0) return `${JSON.stringify(value)} is not ${shape}`;
    const parts = value.split("/");
    if (parts[0] !== "" || value.endsWith("/")) return `${JSON.stringify(value)} is not ${shape}: it starts with "/" and has no trailing "/"`;
    const rest = parts.slice(1);
    if (rest[0]?.toLowerCase() === "providers" && rest[1]?.toLowerCase() === "microsoft.management" && rest[2]?.toLowerCase() === "managementgroups") {
        return rest.length === 4 && segment.test(rest[3]) ? undefined : `${JSON.stringify(value)} is not a management group id (/providers/Microsoft.Management/managementGroups/<id>)`;
    }
    if (rest[0]?.toLowerCase() !== "subscriptions") return `${JSON.stringify(value)} is not ${shape}`;
    if (!isGuid(rest[1] ?? "")) return `${JSON.stringify(value)} names subscription ${JSON.stringify(rest[1] ?? "")}, which is not a subscription GUID: ${shape}`;
    let i = 2;
    if (rest[i]?.toLowerCase() === "resourcegroups") {
        if (!resourceGroupName.test(rest[i + 1] ?? "")) return `${JSON.stringify(value)} names resource group ${JSON.stringify(rest[i + 1] ?? "")}, which is not a resource group name`;
        i += 2;
    }
    if (i === rest.length) return undefined;
    if (rest[i]?.toLowerCase() !== "providers" || !providerNamespace.test(rest[i + 1] ?? "")) {
        return `${JSON.stringify(value)} is not ${shape}: after the subscription or resource group comes /providers/<Namespace>/<type>/<name>`;
    }
    const typesAndNames = rest.slice(i + 2);
    if (typesAndNames.length === 0 || typesAndNames.length % 2 !== 0 || !typesAndNames.every((s) => segment.test(s))) {
        return `${JSON.stringify(value)} is not ${shape}: a resource is /providers/<Namespace>/<type>/<name>, each part present and without placeholders`;
    }
    return undefined;
}
