import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, RequestRecord } from "./emulator";
import type { World } from "./model";
import type { Job, Observation } from "./scenarios";
import type { RsaKeyPem } from "./tls";

/**
 * The part of the rehearsal that runs inside the private network namespace: the emulator on 127.0.0.1:443 and
 * one child process per job (pod), with the env admission gave the pod. Reads its input from argv[2] and writes
 * `{ observations, requests }` to argv[3]. It loads no Pulumi code (admission and the role table are resolved by
 * the CLI), so it starts fast.
 */

/** What the CLI hands the runner. */
export interface RunnerInput {
    readonly worlds: World[];
    readonly jobs: Job[];
    readonly cert: string;
    readonly key: string;
    /** The signing keys of the emulated clusters and of Entra ID. */
    readonly signingKeys: { readonly cluster: RsaKeyPem; readonly entra: RsaKeyPem };
    /** The CA file the children trust (NODE_EXTRA_CA_CERTS). */
    readonly caFile: string;
    readonly concurrency: number;
    /** Seconds a child may take. */
    readonly timeoutSeconds: number;
}

/** What the runner hands back. */
export interface RunnerOutput {
    readonly observations: Record<string, Observation>;
    readonly requests: RequestRecord[];
}

async function runJob(emulator: Emulator, input: RunnerInput, job: Job, dir: string): Promise<Observation> {
    const admission = job.admission;
    if (admission.outcome === "refused") return { outcome: "refused", message: admission.reason };
    const env: Record<string, string> = { ...admission.containers[0]?.env };
    if (admission.outcome === "mutated" && env.AZURE_FEDERATED_TOKEN_FILE) {
        // The kubelet's projected volume: the token, written where this pod's env says (a per-job file here).
        const token = await emulator.serviceAccountToken(job.world, job.pod.namespace, job.pod.serviceAccountName, job.pod.name, admission.token.audience, admission.token.expirationSeconds);
        const file = path.join(dir, `${job.id.replace(/[^A-Za-z0-9_.-]+/g, "_")}.token`);
        fs.writeFileSync(file, token, { mode: 0o600 });
        env.AZURE_FEDERATED_TOKEN_FILE = file;
    }
    const childEnv: Record<string, string> = {
        ...env,
        PATH: "/usr/bin:/bin",
        HOME: dir,
        NODE_EXTRA_CA_CERTS: input.caFile,
        E2E_CREDENTIAL: job.credential,
    };
    return new Promise<Observation>((resolve) => {
        const child = spawn(process.execPath, [path.join(__dirname, "workload.js")], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), input.timeoutSeconds * 1000);
        child.on("close", (code) => {
            clearTimeout(timer);
            const line = out.trim().split("\n").pop() ?? "";
            try {
                resolve(JSON.parse(line) as Observation);
            } catch {
                resolve({ outcome: "crashed", message: `exit ${code}: ${(err || out).trim().slice(-1500)}` });
            }
        });
    });
}

async function main(): Promise<void> {
    const [inputFile, outputFile] = process.argv.slice(2);
    const input = JSON.parse(fs.readFileSync(inputFile, "utf8")) as RunnerInput;
    const emulator = await Emulator.create(input.worlds, input.signingKeys);
    await emulator.listen("127.0.0.1", 443, { cert: input.cert, key: input.key });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-pods-"));
    const observations: Record<string, Observation> = {};
    const queue = [...input.jobs];
    const worker = async (): Promise<void> => {
        for (let job = queue.shift(); job; job = queue.shift()) {
            const start = Date.now();
            observations[job.id] = { ...await runJob(emulator, input, job, dir), ms: Date.now() - start };
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, worker));
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const output: RunnerOutput = { observations, requests: emulator.requests };
    fs.writeFileSync(outputFile, JSON.stringify(output));
}

main().catch((err: Error) => {
    process.stderr.write(`e2e runner: ${err.message}\n`);
    process.exit(1);
});
