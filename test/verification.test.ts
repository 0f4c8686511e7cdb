import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { podAnnotationsForClientId } from "../components/identity/workloadIdentity";
import { verificationJobArgsProblems, VerificationJobArgs, verifyScript } from "../components/verification/verificationJob";
import { main } from "../infra/main";
import { verificationSecretName } from "../infra/program";
import { EngineMocks, MockedResourceLike, settle, testProject, useMocks } from "./support/pulumi";

const scriptPath = path.join(__dirname, "..", "components", "verification", "verify.sh");
const secretValue = "s3cr3t-value-never-printed";

/**
 * A fake `az`: `login` succeeds unless AZ_LOGIN_FAILS is set; `keyvault secret show` fails the first
 * AZ_SHOW_FAILURES calls with a 403, then prints AZ_SECRET (which may be empty). Calls are logged.
 */
const fakeAz = `#!/bin/sh
echo "$*" >> "$AZ_LOG"
case "$1" in
  login)
    [ -z "\${AZ_LOGIN_FAILS:-}" ] || { echo "AADSTS70021: No matching federated identity record found" >&2; exit 1; }
    exit 0 ;;
  keyvault)
    count=$(cat "$AZ_COUNT" 2>/dev/null || echo 0); count=$((count + 1)); echo "$count" > "$AZ_COUNT"
    if [ "$count" -le "\${AZ_SHOW_FAILURES:-0}" ]; then echo "(Forbidden) Caller is not authorized to perform action" >&2; exit 1; fi
    printf '%s\\n' "$AZ_SECRET"; exit 0 ;;
esac
exit 2
`;

/**
 * A fake clock, so the script's backoff costs no real time: `date +%s` prints the clock, and `sleep N`
 * records N and moves the clock on by N. The script's deadline is then exact and its backoff observable.
 */
const fakeDate = `#!/bin/sh
[ "$*" = "+%s" ] || { echo "fake date: only +%s is supported, got: $*" >&2; exit 2; }
cat "$CLOCK"
`;
const fakeSleep = `#!/bin/sh
echo "$1" >> "$SLEEP_LOG"
echo $(( $(cat "$CLOCK") + $1 )) > "$CLOCK"
`;
/** Where the fake clock starts. */
const clockStart = 1_800_000_000;

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    azCalls: string[];
    /** The seconds each `sleep` was asked for, in order. */
    sleeps: number[];
    /** Fake seconds from start to exit: the sum of the sleeps. */
    elapsed: number;
}

function writeExecutable(file: string, text: string): void {
    writeFileSync(file, text);
    chmodSync(file, 0o755);
}

function runScript(env: Record<string, string | undefined>): Run {
    const dir = mkdtempSync(path.join(tmpdir(), "verify-"));
    writeExecutable(path.join(dir, "az"), fakeAz);
    writeExecutable(path.join(dir, "date"), fakeDate);
    writeExecutable(path.join(dir, "sleep"), fakeSleep);
    const clock = path.join(dir, "clock");
    writeFileSync(clock, String(clockStart));
    const sleepLog = path.join(dir, "sleeps");
    writeFileSync(sleepLog, "");
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.fake.token");
    const log = path.join(dir, "az.log");
    writeFileSync(log, "");
    const base: Record<string, string | undefined> = {
        PATH: `${dir}:${process.env.PATH}`,
        AZ_LOG: log,
        CLOCK: clock,
        SLEEP_LOG: sleepLog,
        AZ_COUNT: path.join(dir, "count"),
        AZ_SECRET: secretValue,
        AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
        AZURE_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
        VAULT_NAME: "wid-dev-x7k2qp",
        SECRET_NAME: "workload-identity-verify",
    };
    const merged = { ...base, ...env };
    const cleanEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const result = spawnSync("sh", [scriptPath], { env: cleanEnv, encoding: "utf8", timeout: 20000 });
    return {
        status: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        azCalls: readFileSync(log, "utf8").split("\n").filter(Boolean),
        sleeps: readFileSync(sleepLog, "utf8").split("\n").filter(Boolean).map(Number),
        elapsed: Number(readFileSync(clock, "utf8")) - clockStart,
    };
}

describe("verification script", () => {
    it("is the script the Job runs", () => {
        assert.equal(verifyScript, readFileSync(scriptPath, "utf8"));
    });

    it("exits 0 when it reads the secret, without printing it", () => {
        const run = runScript({});
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /OK: read secret workload-identity-verify from vault wid-dev-x7k2qp/);
        assert.ok(!`${run.stdout}${run.stderr}`.includes(secretValue), "the secret value must never be printed");
        assert.match(run.azCalls[0], /^login --service-principal --username 11111111-2222-3333-4444-555555555555 --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 --federated-token eyJhbGciOiJSUzI1NiJ9\.fake\.token/);
        assert.match(run.azCalls[1], /^keyvault secret show --vault-name wid-dev-x7k2qp --name workload-identity-verify/);
    });

    it("retries while RBAC propagates, then succeeds", () => {
        const run = runScript({ AZ_SHOW_FAILURES: "2" });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /attempt 1 failed, retrying in 5s: \(Forbidden\)/);
        assert.match(run.stdout, /attempt 2 failed, retrying in 10s: \(Forbidden\)/);
        assert.match(run.stdout, /\(attempt 3\)/);
        assert.deepEqual(run.sleeps, [5, 10], "the default backoff starts at 5 s and doubles");
        // The token is re-read and the login repeated on every attempt: projected tokens rotate.
        assert.equal(run.azCalls.filter((c) => c.startsWith("login")).length, 3);
    });

    it("fails the Job when access is never granted, after its deadline, with the reason; the backoff doubles up to its cap", () => {
        const run = runScript({ AZ_SHOW_FAILURES: "1000" });
        assert.equal(run.status, 1);
        // Defaults: a 600 s deadline, 5 s first, doubling, capped at 60 s; the first attempt past the deadline is the last.
        assert.deepEqual(run.sleeps, [5, 10, 20, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60]);
        assert.ok(run.elapsed >= 600 && run.elapsed - run.sleeps[run.sleeps.length - 1] < 600, `stops at the first attempt past its deadline (${run.elapsed} s)`);
        assert.match(run.stderr, /FAILED: could not read secret workload-identity-verify from vault wid-dev-x7k2qp after 14 attempt\(s\) in 600s: \(Forbidden\)/);
    });

    it("honours its deadline and backoff settings", () => {
        const run = runScript({ AZ_SHOW_FAILURES: "1000", VERIFY_TIMEOUT_SECONDS: "30", VERIFY_INITIAL_BACKOFF_SECONDS: "1", VERIFY_MAX_BACKOFF_SECONDS: "4" });
        assert.equal(run.status, 1);
        assert.deepEqual(run.sleeps, [1, 2, 4, 4, 4, 4, 4, 4, 4]);
        assert.equal(run.elapsed, 31);
        assert.match(run.stderr, /after 10 attempt\(s\) in 30s/);
    });

    it("fails when the federated credential does not match (AADSTS70021)", () => {
        const run = runScript({ AZ_LOGIN_FAILS: "1", VERIFY_TIMEOUT_SECONDS: "1" });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /AADSTS70021/);
        assert.equal(run.azCalls.filter((c) => c.startsWith("keyvault")).length, 0, "no secret read without a login");
    });

    it("fails when the secret comes back empty", () => {
        const run = runScript({ AZ_SECRET: "", VERIFY_TIMEOUT_SECONDS: "1" });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /the secret came back empty/);
    });

    it("fails at once when the webhook did not inject the identity (pod not labelled)", () => {
        const run = runScript({ AZURE_FEDERATED_TOKEN_FILE: undefined });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /AZURE_FEDERATED_TOKEN_FILE is not set: the workload identity webhook did not mutate this pod \(is the pod labelled azure\.workload\.identity\/use=true/);
        assert.deepEqual(run.azCalls, []);
    });

    it("fails when the token file cannot be read", () => {
        const run = runScript({ AZURE_FEDERATED_TOKEN_FILE: "/nonexistent/token", VERIFY_TIMEOUT_SECONDS: "1" });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /token file \/nonexistent\/token is not readable/);
    });
});

describe("verification Job in the stack program", () => {
    const storage = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/reportsdata";

    async function evaluate(verify: boolean, extra: Record<string, string> = {}): Promise<EngineMocks> {
        const mocks = await useMocks();
        pulumi.runtime.setAllConfig({
            [`${testProject}:profile`]: "dev",
            [`${testProject}:verify`]: String(verify),
            [`${testProject}:workloads`]: JSON.stringify([{ name: "orders", namespace: "shop" }, { name: "reports", namespace: "analytics" }]),
            [`${testProject}:verifyWorkload`]: "reports",
            ...extra,
        });
        const outputs = await main();
        await new Promise((resolve) => outputs.workloads.reports.clientId.apply(resolve));
        await settle(mocks);
        return mocks;
    }

    it("is absent when verify is false, and so is its secret", async () => {
        const mocks = await evaluate(false);
        assert.deepEqual(mocks.ofType("kubernetes:batch/v1:Job"), []);
        assert.deepEqual(mocks.ofType("azure-native:keyvault:Secret"), []);
    });

    it("runs as the workload's ServiceAccount, labelled, reading this vault's secret, after the FICs and role assignments", async () => {
        const mocks = await evaluate(true);
        const jobs = mocks.ofType("kubernetes:batch/v1:Job");
        assert.equal(jobs.length, 1);
        const job = jobs[0];
        const spec = job.inputs.spec as { backoffLimit: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { serviceAccountName: string; containers: { command: string[]; env: { name: string; value: string }[] }[] } } };
        const template = spec.template;
        assert.equal(template.metadata.labels["azure.workload.identity/use"], "true");
        assert.equal(template.spec.serviceAccountName, "reports");
        assert.equal((job.inputs.metadata as { namespace: string }).namespace, "analytics");
        assert.equal(spec.backoffLimit, 0);
        const container = template.spec.containers[0];
        assert.deepEqual(container.command, ["/bin/sh", "-c", verifyScript]);
        const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
        const vault = mocks.ofType("azure-native:keyvault:Vault")[0];
        assert.equal(env.VAULT_NAME, vault.state.name);
        assert.equal(env.SECRET_NAME, verificationSecretName);
        const identity = mocks.ofType("azure-native:managedidentity:UserAssignedIdentity").find((r) => r.name === "reports-identity")!;
        assert.deepEqual(template.metadata.annotations, podAnnotationsForClientId(identity.state.clientId as string));
        const needs = (r: MockedResourceLike) => job.dependencies.includes(r.urn);
        const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith("reports-"));
        const roles = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("reports-"));
        const secret = mocks.ofType("azure-native:keyvault:Secret").find((r) => r.name.endsWith(verificationSecretName))!;
        assert.ok(fics.length > 0 && fics.every(needs), "waits for every FIC");
        assert.ok(roles.length > 0 && roles.every(needs), "waits for the role assignments");
        assert.ok(needs(secret), "waits for the secret it reads");
    });

    it("is replaced on the next update when it did not succeed (pulumi.com/replaceUnready), with a deadline sized for Key Vault RBAC", async () => {
        const mocks = await evaluate(true);
        const job = mocks.ofType("kubernetes:batch/v1:Job")[0];
        const annotations = (job.inputs.metadata as { annotations: Record<string, string> }).annotations;
        assert.equal(annotations["pulumi.com/replaceUnready"], "true");
        const spec = job.inputs.spec as { activeDeadlineSeconds: number; template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
        const env = Object.fromEntries(spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
        // Key Vault documents up to 10 minutes for a role assignment to apply; the default retry window is 15.
        assert.equal(env.VERIFY_TIMEOUT_SECONDS, "900");
        assert.ok(Number(env.VERIFY_TIMEOUT_SECONDS) >= 600 + 60);
        assert.equal(spec.activeDeadlineSeconds, 900 + 300);
        assert.equal(annotations["pulumi.com/timeoutSeconds"], String(900 + 300));
    });

    it("waits only for what it uses: its ServiceAccount, that account's credential for this cluster, its vault grant and its secret", async () => {
        const workloads = [
            { name: "orders", namespace: "shop" },
            {
                name: "reports", namespace: "analytics",
                extraSubjects: [{ namespace: "analytics", serviceAccountName: "reports-worker" }],
                roles: [{ role: "Key Vault Secrets User" }, { role: "Storage Blob Data Reader", scope: storage }],
            },
        ];
        const mocks = await evaluate(true, {
            [`${testProject}:workloads`]: JSON.stringify(workloads),
            [`${testProject}:extraIssuers`]: JSON.stringify({ green: "https://example.invalid/green/" }),
        });
        const job = mocks.ofType("kubernetes:batch/v1:Job")[0];
        const needs = (r: MockedResourceLike) => job.dependencies.includes(r.urn);
        const fics = mocks.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((r) => r.name.startsWith("reports-"));
        assert.equal(fics.length, 4, "2 issuers x 2 ServiceAccounts");
        assert.deepEqual(fics.filter(needs).map((f) => f.inputs.federatedIdentityCredentialResourceName), ["analytics-reports-aks"]);
        const roles = mocks.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("reports-"));
        assert.equal(roles.length, 2);
        const vault = mocks.ofType("azure-native:keyvault:Vault")[0];
        assert.deepEqual(roles.filter(needs).map((r) => r.inputs.scope), [vault.id], "the vault grant, not the storage one");
        const accounts = mocks.ofType("kubernetes:core/v1:ServiceAccount").filter((r) => r.name.startsWith("reports-"));
        assert.deepEqual(accounts.filter(needs).map((r) => (r.inputs.metadata as { name: string }).name), ["reports"]);
        assert.ok(needs(mocks.ofType("azure-native:keyvault:Secret").find((r) => r.name.endsWith(verificationSecretName))!));
    });
});

describe("VerificationJob args", () => {
    const valid = {
        namespace: "shop", serviceAccountName: "orders", vaultName: "kv", secretName: "s", image: "mcr.microsoft.com/azure-cli:2.67.0",
        timeoutSeconds: 600, podLabels: { "azure.workload.identity/use": "true" }, podAnnotations: {}, dependsOn: [],
        provider: undefined as unknown as VerificationJobArgs["provider"],
    };

    it("refuses an image that is not an image reference", () => {
        assert.deepEqual(verificationJobArgsProblems({ ...valid, image: "Azure CLI" }), [
            `image "Azure CLI" is not a container image reference such as "ghcr.io/org/app:1.2.3" (lowercase repository, optional :tag and @sha256:digest)`,
        ]);
    });

    it("refuses kube-system, where AKS keeps the workload identity webhook out, and accepts an ordinary namespace", () => {
        assert.deepEqual(verificationJobArgsProblems(valid), []);
        assert.deepEqual(verificationJobArgsProblems({ ...valid, namespace: "kube-system" }), [
            `namespace "kube-system" is excluded from admission webhooks on AKS (its admissions enforcer), so the workload identity webhook never injects a token into pods there: use another namespace`,
        ]);
    });
});
