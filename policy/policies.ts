/**
 * The CrossGuard policies of the `aks-workload-identity` policy pack, without the pack's server (policy/index.ts
 * starts it): importable by tests, which call each policy's `validateResource`/`validateStack` with arguments they
 * build. Every check calls the rule code in policy/rules/ or the plan's trust analysis, the same code the offline
 * plan reports with: no second copy of any rule.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { maxFederatedCredentialsPerIdentity } from "../components/identity/workloadIdentity";
import { ResourceIndex } from "../plan/inspect";
import { types } from "../plan/kinds";
import type { MockedResource } from "../plan/mocks";
import { analyzeTrust } from "../plan/trust";
import { audienceProblems, classifySubject, githubActionsIssuer, githubCredentialProblems } from "./rules/federation";
import { clusterProblems, kubeSystemProblem, kubeconfigProblems, roleAssignmentProblems, vaultProblems } from "./rules/resources";
import { broadScopeProblem } from "./rules/roles";

/** A policy of this pack. */
export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The stack's resources as the plan's analysis reads them (a policy sees each resource's inputs and outputs as `props`). */
export function asRecorded(resources: readonly PolicyResource[]): MockedResource[] {
    return resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent?.urn,
        dependencies: r.dependencies.map((d) => d.urn),
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
        protect: r.opts?.protect ?? false,
        deleteBeforeReplace: false,
        // A policy sees no custom flag; the providers' packages make custom resources, anything else is a component.
        custom: /^(azure-native|kubernetes|random|pulumi:providers):/.test(r.type),
        inputs: r.props,
        state: r.props,
        id: typeof r.props.id === "string" ? r.props.id : "",
    }));
}

const forType = (type: string, check: (props: Record<string, unknown>, args: ResourceValidationArgs, report: ReportViolation) => void) =>
    (args: ResourceValidationArgs, report: ReportViolation): void => {
        if (args.type === type) check(args.props, args, report);
    };

/** The identities that workloads or CI federate with: those some federated credential names. */
function federatedIdentities(resources: readonly PolicyResource[]): Map<string, PolicyResource> {
    const identities = resources.filter((r) => r.type === types.identity);
    const out = new Map<string, PolicyResource>();
    for (const fic of resources.filter((r) => r.type === types.fic)) {
        const owner = (fic.propertyDependencies?.resourceName ?? []).find((d) => d.type === types.identity)
            ?? identities.find((id) => id.props.name === fic.props.resourceName);
        if (owner) out.set(owner.urn, owner);
    }
    return out;
}

/** Every policy of the pack, with its enforcement level. */
export const policies: PackPolicy[] = [
    {
        name: "fic-audience",
        description: "A federated identity credential has exactly one audience: the cloud's token-exchange audience (api://AzureADTokenExchange in Azure's public cloud).",
        enforcementLevel: "mandatory",
        configSchema: { properties: { audience: { type: "string", description: "Require exactly this audience (default: any cloud's token-exchange audience)." } } },
        validateResource: forType(types.fic, (props, args, report) => {
            const { audience } = args.getConfig<{ audience?: string }>();
            for (const p of audienceProblems(args.name, (props.audiences ?? []) as unknown[], audience)) report(p);
        }),
    },
    {
        name: "fic-issuer",
        description: "A federated credential's issuer is https; GitHub Actions credentials trust GitHub's issuer exactly (no trailing slash); a literal AKS issuer ends with its slash.",
        enforcementLevel: "mandatory",
        validateResource: forType(types.fic, (props, args, report) => {
            const issuer = props.issuer;
            if (typeof issuer !== "string") return;
            const kind = classifySubject(String(props.subject ?? ""));
            if (kind.kind === "github" || issuer.replace(/\/+$/, "") === githubActionsIssuer) {
                for (const p of githubCredentialProblems({ name: args.name, issuer, subject: String(props.subject ?? ""), audiences: [] }).filter((m) => m.includes("issuer"))) report(p);
                return;
            }
            if (!issuer.startsWith("https://")) report(`FIC "${args.name}" trusts issuer ${issuer}, which is not an https URL: Entra only trusts https issuers`);
            else if (/\.oic\.prod-aks\.azure\.com\//.test(issuer) && !issuer.endsWith("/")) {
                report(`FIC "${args.name}" trusts issuer ${issuer}: an AKS issuer URL ends with a slash, and Entra compares exactly (AADSTS700211)`);
            }
        }),
    },
    {
        name: "fic-subject",
        description: "A federated credential's subject is a ServiceAccount's (system:serviceaccount:<namespace>:<name>) or one GitHub Actions issues, and never in kube-system.",
        enforcementLevel: "mandatory",
        validateResource: forType(types.fic, (props, args, report) => {
            const subject = String(props.subject ?? "");
            if (classifySubject(subject).kind === "other") {
                report(`FIC "${args.name}" has subject "${subject}", which is neither a ServiceAccount's (system:serviceaccount:<namespace>:<name>) nor one GitHub Actions issues (repo:ORG/REPO:...)`);
            }
            const kube = kubeSystemProblem(subject);
            if (kube) report(kube);
        }),
    },
    {
        name: "fic-limit",
        description: "At most 20 federated identity credentials per managed identity (Azure's limit).",
        enforcementLevel: "mandatory",
        configSchema: { properties: { maxPerIdentity: { type: "integer", default: maxFederatedCredentialsPerIdentity, minimum: 1, maximum: maxFederatedCredentialsPerIdentity } } },
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const { maxPerIdentity } = args.getConfig<{ maxPerIdentity: number }>();
            const limit = maxPerIdentity ?? maxFederatedCredentialsPerIdentity;
            const counts = new Map<string, number>();
            for (const fic of args.resources.filter((r) => r.type === types.fic)) {
                const key = String(fic.props.resourceName ?? (fic.propertyDependencies?.resourceName ?? [])[0]?.urn ?? "?");
                counts.set(key, (counts.get(key) ?? 0) + 1);
            }
            for (const [identity, count] of counts) {
                if (count > limit) report(`managed identity ${identity} has ${count} federated identity credentials; Azure allows at most ${limit}`);
            }
        },
    },
    {
        name: "workload-identity-trust-chain",
        description: "Every workload identity's chain holds: ServiceAccount annotated with the identity's client id, a FIC trusting the cluster's issuer verbatim and its subject, pod templates labelled azure.workload.identity/use, a role that allows what the workload needs (a secret's value: getSecret on the vault).",
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const trust = analyzeTrust(new ResourceIndex(asRecorded(args.resources)));
            for (const chain of trust.chains) for (const problem of chain.problems) report(problem, chain.identity.urn);
            for (const problem of trust.unlinkedProblems) report(problem);
        },
    },
    {
        name: "role-assignment-to-managed-identity",
        description: "Role assignments have a deterministic GUID name, and those to a managed identity set principalType: ServicePrincipal.",
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const identities = args.resources.filter((r) => r.type === types.identity);
            for (const ra of args.resources.filter((r) => r.type === types.roleAssignment)) {
                const toIdentity = (ra.propertyDependencies?.principalId ?? []).some((d) => d.type === types.identity)
                    || identities.some((id) => id.props.principalId !== undefined && id.props.principalId === ra.props.principalId);
                for (const p of roleAssignmentProblems(ra.props, toIdentity)) report(p, ra.urn);
            }
        },
    },
    {
        name: "workload-role-scope",
        description: "A workload's (federated identity's) roles are granted on resources, never at subscription, management-group or resource-group scope.",
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const federated = federatedIdentities(args.resources);
            const principals = new Set([...federated.values()].map((id) => id.props.principalId).filter((p) => p !== undefined));
            for (const ra of args.resources.filter((r) => r.type === types.roleAssignment)) {
                const toWorkload = (ra.propertyDependencies?.principalId ?? []).some((d) => federated.has(d.urn)) || principals.has(ra.props.principalId);
                const problem = toWorkload && typeof ra.props.scope === "string" ? broadScopeProblem(ra.props.scope) : undefined;
                if (problem) report(problem, ra.urn);
            }
        },
    },
    {
        name: "keyvault-rbac-purge-protection",
        description: "Key Vaults use Azure RBAC (no access policies) and purge protection.",
        enforcementLevel: "mandatory",
        validateResource: forType(types.vault, (props, _args, report) => vaultProblems(props).forEach((p) => report(p))),
    },
    {
        name: "aks-local-accounts-off",
        description: "AKS clusters have local accounts off, and the OIDC issuer and workload identity on.",
        enforcementLevel: "mandatory",
        validateResource: forType(types.cluster, (props, _args, report) => clusterProblems(props).forEach((p) => report(p))),
    },
    {
        name: "no-admin-credentials",
        description: "Kubernetes providers never use a cluster's admin credential.",
        enforcementLevel: "advisory",
        validateResource: forType(types.k8sProvider, (props, _args, report) => kubeconfigProblems(props.kubeconfig).forEach((p) => report(p))),
    },
];
