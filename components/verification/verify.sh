#!/bin/sh
# The verification Job's script (POSIX sh, in an image with the Azure CLI): sign in with the projected
# ServiceAccount token, read one secret from the vault, and exit 0 only if that worked.
#
# It retries with a doubling, capped backoff until its deadline: a new federated credential takes
# seconds to propagate and a role assignment can take minutes. It never prints the secret.
#
# Environment: VAULT_NAME, SECRET_NAME, VERIFY_TIMEOUT_SECONDS, VERIFY_INITIAL_BACKOFF_SECONDS,
# VERIFY_MAX_BACKOFF_SECONDS. AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE come from
# the workload identity webhook; the token path is read, never hard-coded (it changed in webhook v1.6.0).
set -u
fail() { echo "workload-identity-verify: FAILED: $*" >&2; exit 1; }
for var in AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE; do
  eval "present=\${$var:-}"
  [ -n "$present" ] || fail "$var is not set: the workload identity webhook did not mutate this pod (is the pod labelled azure.workload.identity/use=true, and its ServiceAccount annotated with azure.workload.identity/client-id?)"
done
[ -n "${VAULT_NAME:-}" ] || fail "VAULT_NAME is not set"
[ -n "${SECRET_NAME:-}" ] || fail "SECRET_NAME is not set"
timeout="${VERIFY_TIMEOUT_SECONDS:-600}"
delay="${VERIFY_INITIAL_BACKOFF_SECONDS:-5}"
max_delay="${VERIFY_MAX_BACKOFF_SECONDS:-60}"
deadline=$(( $(date +%s) + timeout ))
attempt=0
err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT
while :; do
  attempt=$((attempt + 1))
  if [ -r "$AZURE_FEDERATED_TOKEN_FILE" ] \
    && az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" \
         --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none 2>"$err_file" \
    && value=$(az keyvault secret show --vault-name "$VAULT_NAME" --name "$SECRET_NAME" --query value --output tsv 2>"$err_file") \
    && [ -n "$value" ]; then
    echo "workload-identity-verify: OK: read secret $SECRET_NAME from vault $VAULT_NAME as client $AZURE_CLIENT_ID (attempt $attempt)"
    exit 0
  fi
  reason=$(tail -c 400 "$err_file" 2>/dev/null | tr '\n' ' ')
  [ -r "$AZURE_FEDERATED_TOKEN_FILE" ] || reason="token file $AZURE_FEDERATED_TOKEN_FILE is not readable"
  [ -n "$reason" ] || reason="the secret came back empty"
  if [ "$(date +%s)" -ge "$deadline" ]; then
    fail "could not read secret $SECRET_NAME from vault $VAULT_NAME after $attempt attempt(s) in ${timeout}s: $reason"
  fi
  echo "workload-identity-verify: attempt $attempt failed, retrying in ${delay}s: $reason"
  sleep "$delay"
  delay=$((delay * 2))
  [ "$delay" -le "$max_delay" ] || delay=$max_delay
done
