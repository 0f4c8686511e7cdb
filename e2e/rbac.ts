import { getSecretDataAction, roleAllowsDataAction, roleGuidOf, scopeCovers } from "../components/shared/roles";
import type { RoleAssignmentSpec, RoleDefinitionSpec, VaultSpec, World } from "./model";

/**
 * Azure RBAC's data-plane decision, as Azure documents it (learn.microsoft.com/azure/role-based-access-control/
 * role-definitions and overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource): a principal may
 * perform a data action on a resource when one of its role assignments, at the resource's scope or a parent scope,
 * has a role whose `dataActions` match the action and whose `notDataActions` do not (the shared rules in
 * components/shared/roles.ts: `roleAllowsDataAction`, `scopeCovers`, `roleGuidOf`).
 */

/** The decision, with the assignment that granted it (for a readable report). */
export type RbacDecision = { readonly allowed: true; readonly role: string; readonly scope: string } | { readonly allowed: false };

/**
 * Decides whether `principalId` may perform `action` on `resourceId`, given every role assignment and the role
 * definitions by GUID (a role not among them grants nothing).
 */
export function decideDataAction(
    principalId: string, action: string, resourceId: string, assignments: readonly RoleAssignmentSpec[], definitions: Readonly<Record<string, RoleDefinitionSpec>>,
): RbacDecision {
    for (const assignment of assignments) {
        if (assignment.principalId.toLowerCase() !== principalId.toLowerCase()) continue;
        if (!scopeCovers(assignment.scope, resourceId)) continue;
        const role = definitions[roleGuidOf(assignment.roleDefinitionId)];
        if (role && roleAllowsDataAction(role, action)) return { allowed: true, role: role.name, scope: assignment.scope };
    }
    return { allowed: false };
}

/** The principals the world's RBAC lets read secret values in `vault`: for the whole vault, and per existing secret. */
export function secretReaders(vault: VaultSpec, world: Pick<World, "roleAssignments" | "roleDefinitions">): NonNullable<VaultSpec["secretReaders"]> {
    const principals = [...new Set(world.roleAssignments.map((a) => a.principalId.toLowerCase()))].sort();
    // A name no secret has: only assignments at the vault or above can cover it.
    const anyName = `${vault.id}/secrets/\u0000`;
    const allowed = (resourceId: string): string[] =>
        principals.filter((p) => decideDataAction(p, getSecretDataAction, resourceId, world.roleAssignments, world.roleDefinitions).allowed);
    const secrets: Record<string, string[]> = {};
    for (const name of Object.keys(vault.secrets)) secrets[name] = allowed(`${vault.id}/secrets/${name}`);
    return { action: getSecretDataAction, vault: allowed(anyName), secrets };
}
