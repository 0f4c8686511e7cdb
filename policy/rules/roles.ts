/**
 * Rules about a workload's role assignments: what it needs and whether its roles provide it. One implementation,
 * used by the offline plan's trust analysis (plan/trust.ts) and by the CrossGuard policy pack (policy/index.ts).
 */
import { builtInRoleByGuid, getSecretDataAction, roleAllowsDataAction, roleGuidOf, scopeCovers } from "../../components/shared/roles";

/** A role assignment, as ARM ids. */
export interface Grant {
    readonly roleDefinitionId: string;
    readonly scope: string;
}

/** Something a workload must be able to do: a data action on a resource. */
export interface Need {
    /** The data action, for example `Microsoft.KeyVault/vaults/secrets/getSecret/action`. */
    readonly action: string;
    /** The ARM id of the resource it acts on. */
    readonly resourceId: string;
    /** What that means, in words. */
    readonly purpose: string;
}

/** A need and the grant that provides it (role name and scope), or null. */
export interface NeedCheck extends Need {
    readonly providedBy: { readonly role: string; readonly scope: string } | null;
}

const vaultIdPattern = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i;

/** Whether an ARM id is a Key Vault's. */
export function isVaultId(id: string): boolean {
    return vaultIdPattern.test(id);
}

/**
 * What a workload identity needs, from what it was granted: a role on a Key Vault means the workload reads that
 * vault's secrets, so it needs the data action that reads a secret's value there.
 */
export function workloadNeeds(grants: readonly Grant[]): Need[] {
    const vaults = [...new Set(grants.map((g) => g.scope).filter(isVaultId))];
    return vaults.map((vault) => ({ action: getSecretDataAction, resourceId: vault, purpose: "read a secret's value" }));
}

/**
 * Checks each need against the grants: it holds when a granted built-in role allows the data action at the
 * resource's scope or a parent scope (Azure's RBAC decision; a custom role is not known here and proves nothing).
 */
export function checkNeeds(needs: readonly Need[], grants: readonly Grant[]): NeedCheck[] {
    return needs.map((need) => {
        for (const grant of grants) {
            if (!scopeCovers(grant.scope, need.resourceId)) continue;
            const role = builtInRoleByGuid(roleGuidOf(grant.roleDefinitionId));
            if (role && roleAllowsDataAction(role, need.action)) return { ...need, providedBy: { role: role.name, scope: grant.scope } };
        }
        return { ...need, providedBy: null };
    });
}

/** The sentence for an unmet need, naming the roles the identity does hold there. */
export function unmetNeedProblem(who: string, check: NeedCheck, grants: readonly Grant[], describeScope: (id: string) => string = (id) => id): string {
    const held = grants.filter((g) => scopeCovers(g.scope, check.resourceId))
        .map((g) => builtInRoleByGuid(roleGuidOf(g.roleDefinitionId))?.name ?? roleGuidOf(g.roleDefinitionId));
    return `${who} needs ${check.action} on ${describeScope(check.resourceId)} to ${check.purpose}, but ${held.length > 0 ? `its roles there (${[...new Set(held)].join(", ")}) do not allow it` : "holds no role there"}: the SDK gets 403 ForbiddenByRbac`;
}

/** Where a workload's role must not be granted: the subscription or a resource group (too broad for one workload). */
export function broadScopeProblem(scope: string): string | undefined {
    if (/^\/subscriptions\/[^/]+\/?$/i.test(scope)) return `a workload role at subscription scope (${scope}) reaches every resource in the subscription: grant it on the resource`;
    if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?$/i.test(scope)) return `a workload role at resource-group scope (${scope}) reaches every resource in the group: grant it on the resource`;
    if (scope === "/" || /^\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope)) return `a workload role at management-group or root scope (${scope}) is far too broad: grant it on the resource`;
    return undefined;
}
