import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { createHash } from "crypto";
import { v5 as uuidv5 } from "uuid";

/** A built-in role's definition: its fixed GUID and its permissions, as Azure's role definition lists them. */
export interface BuiltInRoleDefinition {
    /** The role definition's GUID (the same in every tenant). */
    readonly guid: string;
    /** Control-plane operations it allows (`*` is a wildcard). */
    readonly actions: readonly string[];
    /** Control-plane operations it leaves out of `actions`. */
    readonly notActions: readonly string[];
    /** Data-plane operations it allows, for example reading a secret's value. */
    readonly dataActions: readonly string[];
    /** Data-plane operations it leaves out of `dataActions`. */
    readonly notDataActions: readonly string[];
}

// The one table of built-in roles: GUIDs and permissions copied from Azure's built-in role definitions,
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (pages security, storage, containers,
// general, privileged; MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/*.md).
const kvControlPlaneRead = [
    "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read",
];
const aksControlPlaneRead = [
    "Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/operationresults/read", "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
];
const role = (guid: string, p: Partial<Omit<BuiltInRoleDefinition, "guid">> = {}): BuiltInRoleDefinition =>
    ({ guid, actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] });

/** Every built-in role this library knows, by name: its GUID and permissions. The one home of both. */
export const builtInRoleDefinitions = {
    "Key Vault Secrets User": role("4633458b-17de-408a-b874-0445c86b69e6", {
        dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
    }),
    "Key Vault Secrets Officer": role("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", { actions: kvControlPlaneRead, dataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }),
    "Key Vault Administrator": role("00482a5a-887f-4fb3-b363-3b7fe8e74483", { actions: kvControlPlaneRead, dataActions: ["Microsoft.KeyVault/vaults/*"] }),
    // Metadata only: `vaults/*/read` and readMetadata match no getSecret action, so Reader cannot read a secret's value.
    "Key Vault Reader": role("21090545-7ca7-4776-b22c-e363652d74d2", {
        actions: kvControlPlaneRead, dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
    }),
    "Key Vault Certificates Officer": role("a4417e6f-fecd-4de8-b567-7b0420556985", {
        actions: kvControlPlaneRead,
        dataActions: ["Microsoft.KeyVault/vaults/certificatecas/*", "Microsoft.KeyVault/vaults/certificates/*", "Microsoft.KeyVault/vaults/certificatecontacts/write"],
    }),
    "Key Vault Crypto User": role("12338af0-0e69-4776-bea7-57ae8d297424", {
        dataActions: ["read", "update/action", "backup/action", "encrypt/action", "decrypt/action", "wrap/action", "unwrap/action", "sign/action", "verify/action"]
            .map((op) => `Microsoft.KeyVault/vaults/keys/${op}`),
    }),
    "Storage Blob Data Reader": role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", {
        actions: ["Microsoft.Storage/storageAccounts/blobServices/containers/read", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
        dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
    }),
    "Storage Blob Data Contributor": role("ba92f5b4-2d11-453d-a403-e96b0029c9fe", {
        actions: ["delete", "read", "write"].map((op) => `Microsoft.Storage/storageAccounts/blobServices/containers/${op}`)
            .concat("Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"),
        dataActions: ["delete", "read", "write", "move/action", "add/action"].map((op) => `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/${op}`),
    }),
    "Azure Kubernetes Service Cluster User Role": role("4abbcc35-e782-43d8-92c5-2d3f1bd2253f", {
        actions: ["Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", "Microsoft.ContainerService/managedClusters/read"],
    }),
    "Azure Kubernetes Service RBAC Cluster Admin": role("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", { actions: aksControlPlaneRead, dataActions: ["Microsoft.ContainerService/managedClusters/*"] }),
    "Azure Kubernetes Service RBAC Admin": role("3498e952-d568-435e-9b2c-8d77e338d7f7", {
        actions: aksControlPlaneRead,
        dataActions: ["Microsoft.ContainerService/managedClusters/*"],
        notDataActions: ["resourcequotas/write", "resourcequotas/delete", "namespaces/write", "namespaces/delete"].map((op) => `Microsoft.ContainerService/managedClusters/${op}`),
    }),
    // Their data actions are long per-kind lists (read, or read/write, of most namespaced objects, never Secrets for Reader);
    // none of them is an action this library checks, so only the control-plane part is recorded.
    "Azure Kubernetes Service RBAC Writer": role("a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb", { actions: aksControlPlaneRead }),
    "Azure Kubernetes Service RBAC Reader": role("7f6c6a51-bcf8-42ba-9220-52d62157d7db", { actions: aksControlPlaneRead }),
    "Reader": role("acdd72a7-3385-48ef-bd42-f606fba81ae7", { actions: ["*/read"] }),
    "Contributor": role("b24988ac-6180-42a0-ab88-20f7382dd24c", {
        actions: ["*"],
        notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete", "Microsoft.Resources/deploymentStacks/manageDenySetting/action"],
    }),
    "User Access Administrator": role("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", { actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"] }),
    "Role Based Access Control Administrator": role("f58310d9-a9f6-439a-9e8d-f62e7b41a168", {
        actions: ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"],
    }),
} as const satisfies Record<string, BuiltInRoleDefinition>;

/** Built-in role names → GUIDs, derived from {@link builtInRoleDefinitions}. */
export const builtInRoles = Object.fromEntries(Object.entries(builtInRoleDefinitions).map(([name, def]) => [name, def.guid])) as
    { readonly [K in keyof typeof builtInRoleDefinitions]: string };

/** The data action of reading a secret's value (Key Vault's `GET /secrets/{name}`). */
export const getSecretDataAction = "Microsoft.KeyVault/vaults/secrets/getSecret/action";

/**
 * Whether an operation pattern from a role definition matches `operation`, as Azure matches them: case-insensitive,
 * `*` a wildcard for any characters (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions).
 */
export function operationMatches(pattern: string, operation: string): boolean {
    const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
    return regex.test(operation);
}

/** Whether a role's permissions allow a data action: one `dataActions` entry matches it and no `notDataActions` entry does. */
export function roleAllowsDataAction(def: Pick<BuiltInRoleDefinition, "dataActions" | "notDataActions">, action: string): boolean {
    return def.dataActions.some((p) => operationMatches(p, action)) && !def.notDataActions.some((p) => operationMatches(p, action));
}

/** The built-in role definition for a role definition GUID, with its name; undefined for a custom role. */
export function builtInRoleByGuid(guid: string): (BuiltInRoleDefinition & { readonly name: string }) | undefined {
    const entry = Object.entries(builtInRoleDefinitions).find(([, def]) => def.guid === guid.toLowerCase());
    return entry ? { name: entry[0], ...entry[1] } : undefined;
}

/** The built-in roles that allow a data action, by name (e.g. who can read a secret's value). */
export function builtInRolesAllowing(action: string): BuiltInRoleName[] {
    return (Object.keys(builtInRoleDefinitions) as BuiltInRoleName[]).filter((name) => roleAllowsDataAction(builtInRoleDefinitions[name], action));
}

/** Whether `scope` is `resourceId` or one of its parents (ARM ids compare case-insensitively, by whole segments). */
export function scopeCovers(scope: string, resourceId: string): boolean {
    const s = scope.replace(/\/+$/, "").toLowerCase();
    const r = resourceId.replace(/\/+$/, "").toLowerCase();
    return s === "" || r === s || r.startsWith(`${s}/`);
}

/**
 * Built-in roles that carry `Microsoft.Authorization/roleAssignments/write`: a principal holding one can grant
 * itself anything at its scope, so a CI deployer may never assign them (see {@link deployerAssignableRoleGuids}).
 */
export const roleAssigningRoles: readonly BuiltInRoleName[] = ["User Access Administrator", "Role Based Access Control Administrator"];

/** Owner's role definition GUID: it allows `*`, role assignments included. Not a role name this library grants, only refused. */
export const ownerRoleGuid = "8e3af657-a8ff-404c-9447-7c6b1c4a9fd5";

/**
 * Returns a problem sentence if `role` (a name or GUID) is Owner or one of {@link roleAssigningRoles}, else undefined.
 * For a workload's grants only: the bootstrap's deployers get RBAC Administrator, narrowed by an ABAC condition.
 */
export function roleAssigningRoleProblem(key: string, role: unknown): string | undefined {
    const resolved = typeof role === "string" ? resolveRole(role) : undefined;
    if (resolved === undefined) return undefined;
    const assigning = resolved.guid === ownerRoleGuid || roleAssigningRoles.some((name) => builtInRoles[name] === resolved.guid);
    if (!assigning) return undefined;
    const name = resolved.guid === ownerRoleGuid ? "Owner" : resolved.name;
    return `${key} ${JSON.stringify(role)} is refused for a workload: ${name} can assign roles, and a workload identity that can grant roles can escalate ` +
        `to any permission at its scope; grant only the roles the workload uses (Owner, ${roleAssigningRoles.join(", ")} are refused)`;
}

/**
 * The role definitions a CI deployer may assign while running the main program: every role this library knows
 * by name (what a workload's `roles` and the program's own grants use) except {@link roleAssigningRoles}, plus
 * `extraGuids` (custom roles a stack grants). The ABAC condition on the deployer's RBAC Administrator lists these.
 */
export function deployerAssignableRoleGuids(extraGuids: readonly string[] = []): string[] {
    const builtIn = Object.entries(builtInRoles).filter(([name]) => !roleAssigningRoles.includes(name as BuiltInRoleName)).map(([, guid]) => guid);
    return [...new Set([...builtIn, ...extraGuids.map((g) => g.toLowerCase())])].sort();
}

/** The name of a built-in role in {@link builtInRoleDefinitions}. */
export type BuiltInRoleName = keyof typeof builtInRoleDefinitions;

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a GUID (any version). */
export function isGuid(value: string): boolean {
    return guidPattern.test(value);
}

/** A role resolved to its definition GUID, with a display name. */
export interface ResolvedRole {
    /** The built-in role's name, or the GUID itself for a custom role. */
    readonly name: string;
    /** The role definition's GUID, lowercase. */
    readonly guid: string;
}

/**
 * Resolves a built-in role name or a role definition GUID.
 * Returns undefined for anything else; {@link roleProblem} says why.
 */
export function resolveRole(role: string): ResolvedRole | undefined {
    if (Object.prototype.hasOwnProperty.call(builtInRoles, role)) {
        return { name: role, guid: builtInRoles[role as BuiltInRoleName] };
    }
    if (isGuid(role)) {
        const guid = role.toLowerCase();
        const known = Object.entries(builtInRoles).find(([, g]) => g === guid);
        return { name: known ? known[0] : guid, guid };
    }
    return undefined;
}

/** The role's display name for a role definition GUID (the GUID itself when it is not built in). */
export function roleNameForGuid(guid: string): string {
    return resolveRole(guid)?.name ?? guid;
}

/** Returns a problem sentence if `role` is neither a built-in role name nor a GUID, else undefined. */
export function roleProblem(key: string, role: unknown): string | undefined {
    if (typeof role === "string" && resolveRole(role) !== undefined) {
        return undefined;
    }
    return `${key} ${JSON.stringify(role)} is not a known role: use a role definition GUID or one of ${Object.keys(builtInRoles).map((r) => `"${r}"`).join(", ")}`;
}

/**
 * The role definition id in the form ARM returns, so that a refresh shows no drift.
 *
 * ARM qualifies built-in role definitions with the subscription of the assignment's scope;
 * at management-group scope or above it returns the tenant-level form.
 */
export function roleDefinitionIdFor(scope: string, roleGuid: string, fallbackSubscriptionId: string): string {
    const match = /^\/subscriptions\/([^/]+)/i.exec(scope);
    if (match) {
        return `/subscriptions/${match[1]}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
    }
    if (/^\/providers\/Microsoft\.Management\//i.test(scope) || scope === "/") {
        return `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
    }
    return `/subscriptions/${fallbackSubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/** The fixed UUID v5 namespace of this library's role assignment names. Never change it: names would change. */
export const roleAssignmentNamespace = "5b0d5c9e-7d0e-4c54-9a55-3f2f8a0c6a11";

/**
 * A deterministic GUID name for a role assignment (UUID v5), seeded like Bicep's
 * `guid(scope, principalId, roleDefinitionId)` in the Azure Verified Modules and aks-baseline: from the real
 * scope ARM id, the principal's object id and the role definition id.
 *
 * Role assignment names are unique across the tenant, so the seed is what makes an assignment itself unique:
 * two copies of one stack (each engineer's `dev`, or one stack in two subscriptions) have different scopes and
 * principals, so they never produce the same name. The same assignment gets the same name on every run and
 * machine, so lost state or a re-import never duplicates it (azure-native would name it with a random UUID).
 * Lowercased first: ARM ids come back with varying case (`resourceGroups`/`resourcegroups`).
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionId: string): string {
    const seed = [scope, principalId, roleDefinitionId].map((part) => part.toLowerCase()).join("|");
    return uuidv5(seed, roleAssignmentNamespace);
}

/** Arguments of {@link assignRole}. */
export interface AssignRoleArgs {
    /** The scope: an ARM resource id. */
    readonly scope: pulumi.Input<string>;
    /**
     * A stable key for the scope, known at preview: the ARM id for a literal scope, or a logical key for a
     * resource created in this program. It keys the Pulumi logical name only (the Azure name comes from the real ids).
     */
    readonly scopeKey: string;
    /** The role, already resolved. */
    readonly role: ResolvedRole;
    /** The principal's object id. */
    readonly principalId: pulumi.Input<string>;
    /**
     * The principal's type, always set: `ServicePrincipal` for a managed identity this program creates (without it ARM
     * looks the new principal up and fails with PrincipalNotFound while it replicates); for the deployer, the type
     * `currentDeployer()` reads from its token. Never omit it: azure-native's SDK then sends the API spec's default
     * "User", which ARM refuses for a service principal (UnmatchedPrincipalType).
     */
    readonly principalType: pulumi.Input<"ServicePrincipal" | "User" | "Group">;
    /** The subscription used when the scope does not name one (the deployer's). */
    readonly fallbackSubscriptionId: pulumi.Input<string>;
    /** An ABAC condition (version 2.0) narrowing the assignment, such as which roles it may assign. */
    readonly condition?: pulumi.Input<string>;
    /** The assignment's description. */
    readonly description?: string;
}

/**
 * Creates one role assignment with a deterministic name and a subscription-qualified role definition id.
 * Shared by every component that grants roles, so all of them name assignments the same way.
 */
export function assignRole(namePrefix: string, args: AssignRoleArgs, opts: pulumi.CustomResourceOptions): authorization.RoleAssignment {
    // The logical name follows the assignment's key, never a list position, so reordering grants replaces nothing.
    const scopeHash = createHash("sha256").update(args.scopeKey.toLowerCase()).digest("hex").slice(0, 8);
    const roleDefinitionId = pulumi
        .all([args.scope, args.fallbackSubscriptionId])
        .apply(([scope, subscriptionId]) => roleDefinitionIdFor(scope, args.role.guid, subscriptionId));
    return new authorization.RoleAssignment(`${namePrefix}-${roleSlug(args.role)}-${scopeHash}`, {
        scope: args.scope,
        principalId: args.principalId,
        principalType: args.principalType,
        roleDefinitionId,
        // Unknown at a first preview when the scope or principal is created in the same update; stable afterwards.
        roleAssignmentName: pulumi
            .all([args.scope, args.principalId, roleDefinitionId])
            .apply(([scope, principalId, definitionId]) => roleAssignmentName(scope, principalId, definitionId)),
        ...(args.condition !== undefined ? { condition: args.condition, conditionVersion: "2.0" } : {}),
        ...(args.description !== undefined ? { description: args.description } : {}),
    }, {
        ...opts,
        // The name is deterministic, and ARM allows one assignment per (scope, principal, role): a replacement must
        // delete the old assignment before creating the new one.
        deleteBeforeReplace: true,
    });
}

/** A lowercase slug of a role's name, for Pulumi logical names. */
export function roleSlug(role: ResolvedRole): string {
    return role.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * The ABAC condition (version 2.0) that lets a Role Based Access Control Administrator assignment create and
 * delete only role assignments of the given role definitions: Azure's "Constrain roles" example
 * (learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples). Writes are checked on
 * the request's role, deletes on the existing assignment's, so both halves are needed.
 */
export function constrainRolesCondition(roleGuids: readonly string[]): string {
    if (roleGuids.length === 0 || !roleGuids.every(isGuid)) {
        throw new Error(`constrainRolesCondition needs role definition GUIDs, got ${JSON.stringify(roleGuids)}`);
    }
    const list = roleGuids.map((g) => g.toLowerCase()).join(", ");
    return [
        "(",
        " (",
        "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})",
        " )",
        " OR",
        " (",
        `  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}`,
        " )",
        ")",
        "AND",
        "(",
        " (",
        "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})",
        " )",
        " OR",
        " (",
        `  @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}`,
        " )",
        ")",
    ].join("\n");
}
