"use strict";
// The workload a pod runs in the rehearsal: ordinary application code with the real, unmodified
// @azure/identity and @azure/keyvault-secrets and no test-only options. It reads the vault and secret its env
// names (KEYVAULT_URL, or VAULT_NAME / KEYVAULT_NAME; SECRET_NAME) with the identity the webhook injected, and
// prints one JSON line: the secret's SHA-256 (never the value) or the SDK's error.
// E2E_CREDENTIAL picks the application's choice of credential class: "workload" or "default".
const { createHash } = require("crypto");
const { DefaultAzureCredential, WorkloadIdentityCredential } = require("@azure/identity");
const { SecretClient } = require("@azure/keyvault-secrets");

function report(result) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main() {
    const env = process.env;
    const vaultUrl = env.KEYVAULT_URL || `https://${env.VAULT_NAME || env.KEYVAULT_NAME}.vault.azure.net/`;
    let credentialName = env.E2E_CREDENTIAL === "workload" ? "WorkloadIdentityCredential" : "DefaultAzureCredential";
    try {
        const credential = env.E2E_CREDENTIAL === "workload" ? new WorkloadIdentityCredential() : new DefaultAzureCredential();
        credentialName = credential.constructor.name;
        const client = new SecretClient(vaultUrl, credential);
        const secret = await client.getSecret(env.SECRET_NAME);
        report({ outcome: "secret", credential: credentialName, sha256: createHash("sha256").update(secret.value || "").digest("hex") });
    } catch (err) {
        const details = err && err.details && err.details.error;
        report({
            outcome: "error",
            credential: credentialName,
            name: err && err.name,
            status: err && err.statusCode,
            code: (details && details.code) || (err && err.code),
            // Key Vault's `innererror` (ForbiddenByRbac, AccessDenied), as the SDK deserializes it.
            innerCode: details && details.innerError && details.innerError.code,
            message: String((err && err.message) || err).slice(0, 4000),
        });
    }
}

main();
