import * as pulumi from "@pulumi/pulumi";
import { githubActionsIdentityArgsProblems, GitHubRepositoryArgs, GitHubSubjectFormat, gitRefNameProblem } from "../components/github/githubActionsIdentity";
import { CloudName, cloudNames, defaultCloud, isCloudName } from "../components/shared/clouds";
import { Problems } from "../components/shared/errors";
import { guidProblem } from "../components/shared/arm";
import { vaultNamePrefixProblem } from "../components/shared/names";
import { regionProblem } from "../components/shared/regions";
import { profiles } from "../stacks";
import { bootstrapProject } from "./conventions";

/** Where a stack's deployer may create resources. */
export type DeployScope = "resourceGroup" | "subscription";

/** The validated bootstrap configuration. */
export interface BootstrapConfig {
    readonly location: string;
    readonly cloud: CloudName;
    readonly repository: GitHubRepositoryArgs;
    /** The stacks (= GitHub environments) to bootstrap, in promotion order. */
    readonly environments: readonly string[];
    /** The environments whose deploys wait for a reviewer. */
    readonly gatedEnvironments: readonly string[];
    /** The branch pushes deploy from and the drift check runs on. */
    readonly mainBranch: string;
    readonly deployScope: DeployScope;
    /** With `resourceGroup` scope, each stack's resource group is `<prefix>-<stack>`. */
    readonly resourceGroupPrefix: string;
    readonly stateStorageAccountPrefix: string;
    readonly stateKeyVaultNamePrefix: string;
    /** Custom role definition GUIDs the main program's stacks grant, which the deployers may then assign too. */
    readonly extraAssignableRoles: readonly string[];
    /** Manage the repository's environments and variables with @pulumi/github. */
    readonly manageGitHub: boolean;
    /** Required reviewers of the gated environments (GitHub numeric user and team ids). */
    readonly reviewers: { readonly users: readonly number[]; readonly teams: readonly number[] };
}

/** Config values as the CLI hands them over: `wid-bootstrap:<key>` → string (structured values as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

const environmentPattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const resourceGroupPrefixPattern = /^[-\w._()]{1,80}$/;
const storagePrefixPattern = /^[a-z0-9]{3,16}$/;

function parseJson(problems: Problems, key: string, value: string | undefined): unknown {
    if (value === undefined) return undefined;
    try {
        return JSON.parse(value);
    } catch {
        problems.add(`config key "${key}" must be structured YAML in the stack file (a list or a map)`);
        return undefined;
    }
}

/** Reads and validates the bootstrap config from raw values; throws one {@link ArgsError} listing every problem. */
export function parseBootstrapConfig(raw: RawConfig): BootstrapConfig {
    const problems = new Problems();
    const get = (key: string) => raw[`${bootstrapProject}:${key}`];
    const str = (key: string, fallback?: string) => {
        const value = get(key);
        if (value !== undefined && value.trim() === "") problems.add(`config key "${key}" is empty`);
        return value === undefined || value.trim() === "" ? fallback : value;
    };
    const int = (key: string): number | undefined => {
        const value = get(key);
        if (value === undefined) return undefined;
        if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
            problems.add(`config key "${key}" is "${value}": it must be a positive whole number (GitHub's numeric id)`);
            return undefined;
        }
        return Number(value);
    };
    const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
        const value = str(key);
        if (value === undefined) return fallback;
        if (!(allowed as readonly string[]).includes(value)) {
            problems.add(`config key "${key}" is "${value}": allowed values are ${allowed.map((a) => `"${a}"`).join(", ")}`);
            return fallback;
        }
        return value as T;
    };
    const bool = (key: string, fallback: boolean): boolean => {
        const value = get(key);
        if (value === undefined) return fallback;
        if (value !== "true" && value !== "false") problems.add(`config key "${key}" is "${value}": it must be true or false`);
        return value === "true";
    };
    const stringList = (key: string): string[] | undefined => {
        const parsed = parseJson(problems, key, get(key));
        if (parsed === undefined) return undefined;
        if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === "string")) {
            problems.add(`config key "${key}" must be a list of strings`);
            return undefined;
        }
        return parsed as string[];
    };

    const owner = str("githubOwner");
    const name = str("githubRepository");
    if (owner === undefined) problems.add(`config key "githubOwner" is required: the GitHub user or organisation, spelt exactly as GitHub shows it`);
    if (name === undefined) problems.add(`config key "githubRepository" is required: the repository's name, spelt exactly as GitHub shows it`);
    const ownerId = int("githubOwnerId");
    const repositoryId = int("githubRepositoryId");
    const formats = stringList("githubSubjectFormats") as GitHubSubjectFormat[] | undefined;
    const repository: GitHubRepositoryArgs = { owner: owner ?? "", name: name ?? "", ownerId, repositoryId, subjectFormats: formats };

    const cloudValue = str("cloud", defaultCloud)!;
    if (!isCloudName(cloudValue)) problems.add(`config key "cloud" is "${cloudValue}": allowed values are ${cloudNames.map((c) => `"${c}"`).join(", ")}`);
    const cloud = isCloudName(cloudValue) ? cloudValue : defaultCloud;

    const environments = stringList("environments") ?? Object.keys(profiles);
    if (environments.length === 0) problems.add(`config key "environments" must list at least one stack`);
    const seen = new Set<string>();
    environments.forEach((env, i) => {
        if (!environmentPattern.test(env) || env.length > 50) {
            problems.add(`config key "environments[${i}]" is "${env}": a stack name of 1-50 lowercase letters, digits and '-' (it names a GitHub environment, a blob container and a key)`);
        }
        if (seen.has(env)) problems.add(`config key "environments[${i}]" lists "${env}" twice`);
        seen.add(env);
    });
    // By default the environments whose profile protects resources (staging, prod) wait for a reviewer.
    const gatedEnvironments = stringList("gatedEnvironments") ?? environments.filter((env) => profiles[env]?.protect ?? true);
    gatedEnvironments.forEach((env, i) => {
        if (!environments.includes(env)) problems.add(`config key "gatedEnvironments[${i}]" is "${env}", which is not one of the environments (${environments.join(", ")})`);
    });

    const mainBranch = str("mainBranch", "main")!;
    const branchProblem = gitRefNameProblem(`config key "mainBranch"`, mainBranch, "branch");
    if (branchProblem) problems.add(branchProblem);

    const resourceGroupPrefix = str("resourceGroupPrefix", "wid")!;
    if (!resourceGroupPrefixPattern.test(resourceGroupPrefix) || resourceGroupPrefix.endsWith(".")) {
        problems.add(`config key "resourceGroupPrefix" is "${resourceGroupPrefix}": 1-80 letters, digits, '-', '_', '.', '(' and ')', not ending with '.'`);
    }
    const stateStorageAccountPrefix = str("stateStorageAccountPrefix", "widstate")!;
    if (!storagePrefixPattern.test(stateStorageAccountPrefix)) {
        problems.add(`config key "stateStorageAccountPrefix" is "${stateStorageAccountPrefix}": 3-16 lowercase letters and digits (the account is <prefix><8 random>, at most 24)`);
    }
    const stateKeyVaultNamePrefix = str("stateKeyVaultNamePrefix", "widstate")!;
    const vaultProblem = vaultNamePrefixProblem(`config key "stateKeyVaultNamePrefix"`, stateKeyVaultNamePrefix);
    if (vaultProblem) problems.add(vaultProblem);

    const extraAssignableRoles = stringList("extraAssignableRoles") ?? [];
    extraAssignableRoles.forEach((guid, i) => {
        const problem = guidProblem(guid, "a role definition id");
        if (problem) problems.add(`config key "extraAssignableRoles[${i}]" ${problem}`);
    });

    const manageGitHub = bool("manageGitHub", false);
    const rawReviewers = parseJson(problems, "githubReviewers", get("githubReviewers")) as { users?: unknown; teams?: unknown } | undefined;
    const idList = (key: "users" | "teams"): number[] => {
        const list = rawReviewers?.[key] ?? [];
        if (!Array.isArray(list) || !list.every((v) => Number.isSafeInteger(v) && (v as number) > 0)) {
            problems.add(`config key "githubReviewers.${key}" must be a list of GitHub numeric ids`);
            return [];
        }
        return list as number[];
    };
    const reviewers = { users: idList("users"), teams: idList("teams") };
    if (reviewers.users.length + reviewers.teams.length > 6) {
        problems.add(`config key "githubReviewers" lists ${reviewers.users.length + reviewers.teams.length} reviewers: GitHub allows at most 6 per environment`);
    }
    if (manageGitHub && gatedEnvironments.length > 0 && reviewers.users.length + reviewers.teams.length === 0) {
        problems.add(`config key "githubReviewers" needs at least one user or team id when manageGitHub is true: ${gatedEnvironments.join(", ")} wait for a reviewer`);
    }

    const location = str("location", "westeurope")!;
    const locationProblem = regionProblem(location, cloud);
    if (locationProblem) problems.add(`config key "location" ${locationProblem}`);

    const config: BootstrapConfig = {
        location,
        cloud,
        repository,
        environments,
        gatedEnvironments,
        mainBranch,
        deployScope: oneOf("deployScope", ["resourceGroup", "subscription"] as const, "resourceGroup"),
        resourceGroupPrefix,
        stateStorageAccountPrefix,
        stateKeyVaultNamePrefix,
        extraAssignableRoles,
        manageGitHub,
        reviewers,
    };
    // The repository and subjects are checked by the component's own validator, before anything is created.
    if (owner !== undefined && name !== undefined) {
        for (const problem of githubActionsIdentityArgsProblems("bootstrap", {
            resourceGroupName: "rg", repository, subjects: environments.map((environment) => ({ environment })), cloud,
        })) {
            problems.add(problem.replace(/^repository\.(owner|name|ownerId|repositoryId|subjectFormats)/, (_, k: string) => `config key "${({ owner: "githubOwner", name: "githubRepository", ownerId: "githubOwnerId", repositoryId: "githubRepositoryId", subjectFormats: "githubSubjectFormats" } as Record<string, string>)[k]}"`));
        }
    }
    problems.throwIfAny(`bootstrap config (stack "${pulumi.getStack()}")`);
    return config;
}

/** Every config key the bootstrap reads (Pulumi.yaml declares those with a default, and the two it requires). */
export const bootstrapConfigKeys = [
    "location", "cloud", "githubOwner", "githubRepository", "githubOwnerId", "githubRepositoryId", "githubSubjectFormats", "environments",
    "gatedEnvironments", "mainBranch", "deployScope", "resourceGroupPrefix", "stateStorageAccountPrefix", "stateKeyVaultNamePrefix",
    "extraAssignableRoles", "manageGitHub", "githubReviewers",
] as const;

/** Reads the running stack's config the way the CLI hands it to the program. */
export function loadBootstrapConfig(): BootstrapConfig {
    const config = new pulumi.Config(bootstrapProject);
    return parseBootstrapConfig(Object.fromEntries(bootstrapConfigKeys.map((k) => [`${bootstrapProject}:${k}`, config.get(k)])));
}
