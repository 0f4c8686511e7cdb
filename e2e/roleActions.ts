/**
 * Interim: the data actions of the built-in roles the rehearsal decides on, from Azure's built-in role
 * definitions (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). To be replaced by
 * the shared role table in components/shared/roles.ts once it carries data actions.
 */
import { builtInRoles } from "../components/shared/roles";

import type { RoleDefinitionSpec } from "./model";

const table: Record<string, Omit<RoleDefinitionSpec, "name">> = {
    "Key Vault Secrets User": { dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"], notDataActions: [] },
    "Key Vault Secrets Officer": { dataActions: ["Microsoft.KeyVault/vaults/secrets/*"], notDataActions: [] },
    "Key Vault Administrator": { dataActions: ["Microsoft.KeyVault/vaults/*"], notDataActions: [] },
    "Key Vault Reader": { dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"], notDataActions: [] },
};

/** Every built-in role this product knows, by GUID, with its data actions (none for control-plane roles). */
export function roleDefinitions(): Record<string, RoleDefinitionSpec> {
    const out: Record<string, RoleDefinitionSpec> = {};
    for (const [name, guid] of Object.entries(builtInRoles)) {
        out[guid.toLowerCase()] = { name, dataActions: table[name]?.dataActions ?? [], notDataActions: table[name]?.notDataActions ?? [] };
    }
    return out;
}
