import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { armIdProblem, guidProblem } from "../shared/arm";
import { ArgsError, Problems } from "../shared/errors";
import { federatedCredentialNamePattern, issuerUrlProblem } from "../shared/names";
import { assignRole, resolveRole, roleProblem } from "../shared/roles";

/** Azure's limit of federated identity credentials on one managed identity. */
export const maxFederatedCredentialsPerIdentity = 20;

/** What a user-assigned identity's Azure name may look like. */
export const identityNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/;

/** One federated identity credential: Entra accepts a token whose `iss`, `sub` and `aud` match it exactly. */
export interface FederatedCredentialArgs {
    /** The credential's Azure name (3–120 letters, digits, '-' and '_'); it also keys the Pulumi resource. */
    name: string;
    /** The token's issuer, verbatim (AKS's ends with '/', GitHub's does not). An Output is written after every literal issuer. */
    issuer: pulumi.Input<string>;
    /** The token's subject, verbatim: matching is case-sensitive. */
    subject: string;
}

/** A role to grant the identity. */
export interface RoleGrantArgs {
    /** The scope: an ARM id, for example a Key Vault's or a storage account's `id`. */
    scope: pulumi.Input<string>;
    /** A built-in role name from `builtInRoles` (for example `Key Vault Secrets User`), or a role definition GUID. */
    role: string;
    /**
     * A stable key for the scope, used in the role assignment's deterministic name. Required when `scope`
     * is not a plain string (an id known only after deploy): pass the creating component's `scopeKey`.
     * Default: the scope itself.
     */
    scopeKey?: string;
    /** An ABAC condition (condition version 2.0) that narrows the grant, for example which roles it may assign. */
    condition?: pulumi.Input<string>;
    /** A description of the assignment, shown in the portal. */
    description?: string;
}

/**
 * What every identity component takes for the identity itself: where it lives, its name, roles and tags.
 * {@link FederatedIdentityArgs}, `GitHubActionsIdentityArgs` and `WorkloadIdentityArgs` extend it.
 */
export interface IdentityBaseArgs {
    /** The resource group for the user-assigned managed identity. */
    resourceGroupName: pulumi.Input<string>;
    /** The identity's Azure region. Default: the resource group's (the provider's default location). */
    location?: pulumi.Input<string>;
    /** The identity's Azure name (3–128 letters, digits, '-' and '_'). Default: Pulumi auto-naming from the component name. */
    identityName?: string;
    /** Roles to grant the identity. */
    roleGrants?: RoleGrantArgs[];
    /**
     * The subscription that qualifies a grant's role definition id when its scope names neither a subscription nor a
     * management group (an Output scope such as a tenant-level resource's id). Default: the deployer's, read with
     * `getClientConfig` by this identity. A program with many identities passes one read of its own, so that a preview
     * or an update makes one provider call for all of them instead of one each.
     */
    subscriptionId?: pulumi.Input<string>;
    /** Tags for the managed identity. */
    tags?: Record<string, string>;
}

/** The {@link IdentityBaseArgs} fields of `args`, and no others: what a component passes on to {@link createFederatedIdentity}. */
export function identityBaseArgs(args: IdentityBaseArgs): IdentityBaseArgs {
    const { resourceGroupName, location, identityName, roleGrants, subscriptionId, tags } = args;
    return { resourceGroupName, location, identityName, roleGrants, subscriptionId, tags };
}

/** Arguments of {@link createFederatedIdentity}: a user-assigned identity, its credentials and its roles. */
export interface FederatedIdentityArgs extends IdentityBaseArgs {
    /** The `aud` every credential accepts: what the token's issuer puts in it (see `components/shared/clouds.ts`). */
    audience: string;
    /** The federated credentials, at most 20. */
    credentials: FederatedCredentialArgs[];
}

/**
 * The credentials in the order they are written: those on a literal issuer (known before anything is
 * deployed, such as GitHub's or an `extraIssuers` URL) first, then those on an Output issuer (a cluster's,
 * known only once the cluster exists), so the early ones need not wait for the cluster. Stable within each group.
 */
export function credentialWriteOrder<T extends Pick<FederatedCredentialArgs, "issuer">>(credentials: readonly T[]): T[] {
    return [...credentials.filter((c) => typeof c.issuer === "string"), ...credentials.filter((c) => typeof c.issuer !== "string")];
}

/** Returns every problem with the role grants, one sentence each. */
export function roleGrantProblems(grants: readonly RoleGrantArgs[]): string[] {
    const problems = new Problems();
    const grantKeys = new Set<string>();
    grants.forEach((grant, i) => {
        const problem = roleProblem(`roleGrants[${i}].role`, grant.role);
        if (problem) problems.add(problem);
        const scopeProblem = typeof grant.scope === "string" ? armIdProblem(grant.scope) : undefined;
        if (scopeProblem) problems.add(`roleGrants[${i}].scope ${scopeProblem}`);
        if (grant.scopeKey === undefined && typeof grant.scope !== "string") {
            problems.add(`roleGrants[${i}].scopeKey is required when scope is not a plain string: role assignment names must be computable at preview`);
        }
        const key = `${(grant.scopeKey ?? String(grant.scope)).toLowerCase()}|${resolveRole(grant.role)?.guid ?? grant.role}`;
        if (grantKeys.has(key)) {
            problems.add(`roleGrants[${i}] grants "${grant.role}" on the same scope twice`);
        }
        grantKeys.add(key);
    });
    return [...problems.all];
}

/** What {@link identityProblems} checks: the parts of {@link FederatedIdentityArgs} that are not the credentials' own. */
export interface IdentityCheckArgs {
    readonly identityName?: string;
    readonly audience: string;
    readonly roleGrants?: readonly RoleGrantArgs[];
    readonly subscriptionId?: pulumi.Input<string>;
    /** How many credentials the identity would have. */
    readonly credentialCount: number;
    /** Says where the count comes from, for example "(2 issuer(s) x 11 subject(s))". */
    readonly countDetail?: string;
    /** What the caller can do about too many credentials. */
    readonly limitHint?: string;
}

/** The identity-level problems shared by every identity component: its name, audience, the 20-credential limit and the role grants. */
export function identityProblems(name: string, args: IdentityCheckArgs): string[] {
    const problems = new Problems();
    if (args.identityName !== undefined && !identityNamePattern.test(args.identityName)) {
        problems.add(`identityName "${args.identityName}" must be 3-128 letters, digits, '-' and '_', starting with a letter or digit`);
    }
    if (typeof args.audience !== "string" || args.audience.trim() === "" || args.audience !== args.audience.trim()) {
        problems.add(`audience ${JSON.stringify(args.audience)} must be a non-empty string without surrounding spaces: the token's "aud" claim, verbatim`);
    }
    if (args.credentialCount > maxFederatedCredentialsPerIdentity) {
        problems.add(`identity "${args.identityName ?? name}" would need ${args.credentialCount} federated identity credentials` +
            `${args.countDetail ? ` ${args.countDetail}` : ""}; Azure allows at most ${maxFederatedCredentialsPerIdentity} per identity: ` +
            `${args.limitHint ?? "split them across identities"}`);
    }
    // Only a literal can be checked here; an Output is known at deploy.
    const subscriptionProblem = typeof args.subscriptionId === "string" ? guidProblem(args.subscriptionId, "a subscription id") : undefined;
    if (subscriptionProblem) problems.add(`subscriptionId ${subscriptionProblem}`);
    problems.addAll(roleGrantProblems(args.roleGrants ?? []));
    return [...problems.all];
}

/** Returns every problem with the credentials' own fields, one sentence each, naming each as `<key>[i]`. */
export function credentialProblems(credentials: readonly FederatedCredentialArgs[], key = "credentials"): string[] {
    const problems = new Problems();
    const names = new Set<string>();
    const pairs = new Set<string>();
    credentials.forEach((credential, i) => {
        if (!federatedCredentialNamePattern.test(credential.name ?? "")) {
            problems.add(`${key}[${i}].name "${credential.name}" must be 3-120 letters, digits, '-' and '_', starting with a letter or digit`);
        }
        if (names.has(credential.name)) problems.add(`${key}[${i}].name "${credential.name}" is used twice`);
        names.add(credential.name);
        const issuerProblem = typeof credential.issuer === "string" ? issuerUrlProblem(credential.issuer) : undefined;
        if (issuerProblem) problems.add(`${key}[${i}].issuer ${issuerProblem}`);
        if (typeof credential.subject !== "string" || credential.subject.trim() === "" || credential.subject !== credential.subject.trim()) {
            problems.add(`${key}[${i}].subject ${JSON.stringify(credential.subject)} must be a non-empty string without surrounding spaces: the token's "sub", verbatim`);
        }
        // Azure keeps issuer + subject unique per identity; only literal issuers can be compared here.
        if (typeof credential.issuer === "string") {
            const pair = `${credential.issuer}\n${credential.subject}`;
            if (pairs.has(pair)) problems.add(`${key}[${i}] repeats issuer "${credential.issuer}" and subject "${credential.subject}": Azure allows each pair once per identity`);
            pairs.add(pair);
        }
    });
    return [...problems.all];
}

/** Returns every problem with `args`, one sentence each; empty when they are valid. Creates nothing. */
export function federatedIdentityArgsProblems(name: string, args: FederatedIdentityArgs): string[] {
    const credentials = args.credentials ?? [];
    const problems = [
        ...identityProblems(name, { ...args, credentialCount: credentials.length }),
        ...credentialProblems(credentials),
    ];
    if (credentials.length === 0) problems.push(`credentials needs at least one federated credential`);
    return problems;
}

/** The resources {@link createFederatedIdentity} creates. */
export interface FederatedIdentityResources {
    /** The user-assigned managed identity. */
    readonly identity: managedidentity.UserAssignedIdentity;
    /** The identity's client (application) id. */
    readonly clientId: pulumi.Output<string>;
    /** The identity's service principal object id: what role assignments name. */
    readonly principalId: pulumi.Output<string>;
    /** The identity's tenant id. */
    readonly tenantId: pulumi.Output<string>;
    /** The federated identity credentials, in the order they are written. */
    readonly federatedCredentials: managedidentity.FederatedIdentityCredential[];
    /** The same credentials by Azure name, so a consumer can wait for just the one it needs. */
    readonly federatedCredentialsByName: Readonly<Record<string, managedidentity.FederatedIdentityCredential>>;
    /** The role assignments. */
    readonly roleAssignments: authorization.RoleAssignment[];
}

/**
 * The federation core shared by {@link WorkloadIdentity}, {@link GitHubActionsIdentity} and
 * {@link FederatedIdentity}: creates, as children of `parent`, a user-assigned identity `${name}-identity`,
 * one credential `${name}-fic-<credential name>` each, written one at a time, and role assignments with
 * deterministic names keyed by `name`. Validate with {@link federatedIdentityArgsProblems} first.
 */
export function createFederatedIdentity(name: string, args: FederatedIdentityArgs, parent: pulumi.Resource): FederatedIdentityResources {
    const identity = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        resourceName: args.identityName,
        tags: args.tags,
    }, { parent });

    const federatedCredentials: managedidentity.FederatedIdentityCredential[] = [];
    const federatedCredentialsByName: Record<string, managedidentity.FederatedIdentityCredential> = {};
    let previous: managedidentity.FederatedIdentityCredential | undefined;
    for (const credential of credentialWriteOrder(args.credentials)) {
        const fic: managedidentity.FederatedIdentityCredential = new managedidentity.FederatedIdentityCredential(`${name}-fic-${credential.name}`, {
            resourceGroupName: args.resourceGroupName,
            resourceName: identity.name,
            federatedIdentityCredentialResourceName: credential.name,
            issuer: credential.issuer,
            subject: credential.subject,
            audiences: [args.audience],
        }, {
            parent,
            // Chained: concurrent FIC writes on one identity fail with 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity.
            dependsOn: previous ? [previous] : [],
            // Issuer + subject must be unique per identity, so a replacement must delete the old FIC first.
            deleteBeforeReplace: true,
        });
        federatedCredentials.push(fic);
        federatedCredentialsByName[credential.name] = fic;
        previous = fic;
    }

    const grants = args.roleGrants ?? [];
    const fallbackSubscriptionId = grants.length > 0 ? args.subscriptionId ?? authorization.getClientConfigOutput({ parent }).subscriptionId : undefined;
    const roleAssignments = grants.map((grant) => assignRole(name, {
        scope: grant.scope,
        scopeKey: grant.scopeKey ?? (grant.scope as string),
        role: resolveRole(grant.role)!,
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        fallbackSubscriptionId: fallbackSubscriptionId!,
        condition: grant.condition,
        description: grant.description,
    }, { parent }));

    return {
        identity,
        clientId: identity.clientId,
        principalId: identity.principalId,
        tenantId: identity.tenantId,
        federatedCredentials,
        federatedCredentialsByName,
        roleAssignments,
    };
}

/** The type token of {@link FederatedIdentity}. */
export const federatedIdentityType = "wid:federation:FederatedIdentity";

/**
 * A user-assigned managed identity trusted by federated credentials on any OIDC issuer, with role grants:
 * the federation core as a component of its own. {@link WorkloadIdentity} and {@link GitHubActionsIdentity}
 * build their subjects and create the same resources.
 */
export class FederatedIdentity extends pulumi.ComponentResource {
    /** The user-assigned managed identity. */
    public readonly identity: managedidentity.UserAssignedIdentity;
    /** The identity's client (application) id. */
    public readonly clientId: pulumi.Output<string>;
    /** The identity's service principal object id. */
    public readonly principalId: pulumi.Output<string>;
    /** The identity's tenant id. */
    public readonly tenantId: pulumi.Output<string>;
    /** The federated identity credentials, in the order they are written. */
    public readonly federatedCredentials: managedidentity.FederatedIdentityCredential[];
    /** The role assignments. */
    public readonly roleAssignments: authorization.RoleAssignment[];

    constructor(name: string, args: FederatedIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = federatedIdentityArgsProblems(name, args);
        if (problems.length > 0) throw new ArgsError(`FederatedIdentity "${name}"`, problems);
        super(federatedIdentityType, name, {}, opts);
        const created = createFederatedIdentity(name, args, this);
        this.identity = created.identity;
        this.clientId = created.clientId;
        this.principalId = created.principalId;
        this.tenantId = created.tenantId;
        this.federatedCredentials = created.federatedCredentials;
        this.roleAssignments = created.roleAssignments;
        this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, tenantId: this.tenantId });
    }
}
