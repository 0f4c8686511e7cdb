import { builtInRoleDefinitions } from "../components/shared/roles";
import type { RoleDefinitionSpec } from "./model";

/**
 * The directory's role definitions, by GUID, for the emulated Key Vault's RBAC: the shared table of built-in roles
 * with their data actions (components/shared/roles.ts, copied from Azure's built-in role definitions).
 */
export function roleDefinitions(): Record<string, RoleDefinitionSpec> {
    const out: Record<string, RoleDefinitionSpec> = {};
    for (const [name, def] of Object.entries(builtInRoleDefinitions)) {
        out[def.guid.toLowerCase()] = { name, dataActions: [...def.dataActions], notDataActions: [...def.notDataActions] };
    }
    return out;
}
