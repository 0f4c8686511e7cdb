/**
 * Interim: the data actions of the built-in roles the rehearsal decides on, from Azure's built-in role
 * definitions (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). To be replaced by
 * the shared role table in components/shared/roles.ts once it carries data actions.
 */
import { builtInRoles } from "../components/shared/roles";

/** A role definition's data-plane permissions. */
export interface RolePermissions {
    readonly name: string;
    readonly dataActions: readonly string[];
    readonly notDataActions: readonly string[];
}

const table: Record<string, Omit<RolePermissions, "name">> = {
    "Key Vault Secrets User": { dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"], notDataActions: [] },
    "Key Vault Secrets Officer": { dataActions: ["Microsoft.KeyVault/vaults/secrets/*"], notDataActions: [] },
    "Key Vault Administrator": { dataActions: ["Microsoft.KeyVault/vaults/*"], notDataActions: [] },
    "Key Vault Reader": { dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"], notDataActions: [] },
};

/** The permissions of a role definition GUID, or undefined for a role this table does not know (it grants nothing here). */
export function rolePermissions(roleGuid: string): RolePermissions | undefined {
    const entry = Object.entries(builtInRoles).find(([, guid]) => guid === roleGuid.toLowerCase());
    if (!entry) return undefined;
    const permissions = table[entry[0]];
    return { name: entry[0], dataActions: permissions?.dataActions ?? [], notDataActions: permissions?.notDataActions ?? [] };
}
