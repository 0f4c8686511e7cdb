import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ArgsError } from "../components/shared/errors";
import { parseStackConfig } from "../infra/config";
import { main } from "../infra/main";
import { EngineMocks, settle, testProject, useMocks } from "./support/pulumi";

/** A valid dev config, as raw values (structured ones JSON-encoded, as Pulumi holds them). */
function validRaw(): Record<string, string> {
    return {
        profile: "dev",
        workloads: JSON.stringify([
            { name: "orders", namespace: "shop" },
            { name: "reports", namespace: "analytics" },
        ]),
    };
}

/** Overrides (undefined deletes a key) applied to the valid config; `workload` patches workloads[0]. */
interface Case {
    readonly what: string;
    readonly set?: Record<string, string | undefined>;
    readonly workload?: Record<string, unknown>;
    /** The config key the message must name. */
    readonly key: string;
    /** What else the message must say. */
    readonly says: RegExp;
}

const guid = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const storageId = `/subscriptions/${guid}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/orders`;
const pools = (...p: Record<string, unknown>[]) => JSON.stringify(p);
const subjects = (n: number, namespace = "shop") => Array.from({ length: n }, (_, i) => ({ namespace, serviceAccountName: `extra-${i}` }));

const cases: Case[] = [
    // required keys, unknown keys, types
    { what: "a missing profile", set: { profile: undefined }, key: "profile", says: /is required in Pulumi\.unit\.yaml/ },
    { what: "an unknown profile", set: { profile: "qa" }, key: "profile", says: /"qa" is not allowed: use one of "dev", "staging", "prod"/ },
    { what: "missing workloads", set: { workloads: undefined }, key: "workloads", says: /is required/ },
    { what: "an empty workload list", set: { workloads: "[]" }, key: "workloads", says: /is empty/ },
    { what: "workloads that are not a list", set: { workloads: "orders" }, key: "workloads", says: /must be a list/ },
    { what: "a workload that is not a map", set: { workloads: JSON.stringify(["orders"]) }, key: "workloads[0]", says: /must be a map such as \{name: orders, namespace: shop\}/ },
    { what: "a misspelt config key", set: { wokloads: "[]" }, key: "wokloads", says: /is not known: did you mean "workloads"\?/ },
    { what: "a misspelt workload setting", workload: { namespce: "shop" }, key: "workloads[0].namespce", says: /is not a workload setting: allowed are name, namespace/ },
    { what: "a misspelt extra subject setting", workload: { extraSubjects: [{ namespace: "shop", serviceAccount: "x" }] }, key: "workloads[0].extraSubjects[0].serviceAccount", says: /is not a ServiceAccount setting/ },
    { what: "a misspelt role setting", workload: { roles: [{ role: "Key Vault Secrets User", scop: storageId }] }, key: "workloads[0].roles[0].scop", says: /is not a role setting: allowed are role, scope/ },
    { what: "a misspelt user pool setting", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", minCout: 1 }) }, key: "userNodePools[0].minCout", says: /is not a user node pool setting/ },
    { what: "a boolean that is not one", set: { verify: "yes" }, key: "verify", says: /must be true or false/ },
    { what: "a number that is not one", set: { verifyTimeoutSeconds: "ten" }, key: "verifyTimeoutSeconds", says: /must be a whole number/ },
    { what: "a workload field of the wrong type", workload: { createNamespace: "yes" }, key: "workloads[0].createNamespace", says: /must be true or false, not "yes"/ },
    // names
    { what: "a workload without a namespace", workload: { namespace: undefined }, key: "workloads[0].namespace", says: /is required/ },
    { what: "a namespace that is not DNS-1123", workload: { namespace: "Shop" }, key: "workloads[0].namespace", says: /"Shop" is not a DNS-1123 label/ },
    { what: "a namespace over 63 characters", workload: { namespace: "s".repeat(64) }, key: "workloads[0].namespace", says: /is not a DNS-1123 label/ },
    { what: "a workload in kube-system", workload: { namespace: "kube-system" }, key: "workloads[0].namespace", says: /"kube-system" is excluded from admission webhooks on AKS/ },
    { what: "an extra subject in kube-system", workload: { extraSubjects: [{ namespace: "kube-system", serviceAccountName: "x" }] }, key: "workloads[0].extraSubjects[0].namespace", says: /excluded from admission webhooks/ },
    { what: "a ServiceAccount name that is not DNS-1123", workload: { serviceAccountName: "Orders_SA" }, key: "workloads[0].serviceAccountName", says: /"Orders_SA" is not a DNS-1123 subdomain/ },
    { what: "a workload name with capitals", workload: { name: "Orders" }, key: "workloads[0].name", says: /"Orders" is not a workload name/ },
    { what: "a Key Vault name prefix that is too long", set: { keyVaultNamePrefix: "k".repeat(18) }, key: "keyVaultNamePrefix", says: /must be 1-17 letters, digits and '-'/ },
    { what: "a Key Vault name prefix starting with a digit", set: { keyVaultNamePrefix: "1vault" }, key: "keyVaultNamePrefix", says: /start with a letter/ },
    { what: "a vault secret name with a dot", set: { vaultSecrets: JSON.stringify({ "db.password": "x" }) }, key: "vaultSecrets.db.password", says: /is not a Key Vault secret name/ },
    { what: "a user pool named system", set: { userNodePools: pools({ name: "system", vmSize: "Standard_D4ds_v5" }) }, key: "userNodePools[0].name", says: /inline system pool's name/ },
    { what: "a user pool name with capitals", set: { userNodePools: pools({ name: "Apps", vmSize: "Standard_D4ds_v5" }) }, key: "userNodePools[0].name", says: /is not an AKS pool name/ },
    { what: "a user pool without a VM size", set: { userNodePools: pools({ name: "apps" }) }, key: "userNodePools[0].vmSize", says: /is required/ },
    { what: "a VM size that is not one", set: { systemVmSize: "D4ds_v5" }, key: "systemVmSize", says: /is not an Azure VM size/ },
    { what: "a bad resource group name", set: { resourceGroupName: "rg." }, key: "resourceGroupName", says: /is not a resource group name/ },
    { what: "a Kubernetes version that is not one", set: { kubernetesVersion: "v1.33" }, key: "kubernetesVersion", says: /is not a Kubernetes version/ },
    { what: "a taint without an effect", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", nodeTaints: ["dedicated=batch"] }) }, key: "userNodePools[0].nodeTaints[0]", says: /is not a taint/ },
    // duplicates, reported at the second occurrence
    { what: "duplicate workload names", set: { workloads: JSON.stringify([{ name: "orders", namespace: "a" }, { name: "orders", namespace: "b" }]) }, key: "workloads[1].name", says: /used twice \(also workloads\[0\]\.name\)/ },
    { what: "two workloads claiming one ServiceAccount", set: { workloads: JSON.stringify([{ name: "orders", namespace: "shop" }, { name: "billing", namespace: "shop", serviceAccountName: "orders" }]) }, key: "workloads[1].serviceAccountName", says: /claims ServiceAccount shop\/orders, already claimed by workloads\[0\]\.name/ },
    { what: "a ServiceAccount listed twice on one workload", workload: { extraSubjects: [{ namespace: "shop", serviceAccountName: "orders" }] }, key: "workloads[0].extraSubjects[0]", says: /claims ServiceAccount shop\/orders/ },
    { what: "another workload's ServiceAccount as an extra subject", set: { workloads: JSON.stringify([{ name: "orders", namespace: "shop" }, { name: "billing", namespace: "pay", extraSubjects: [{ namespace: "shop", serviceAccountName: "orders" }] }]) }, key: "workloads[1].extraSubjects[0]", says: /already claimed by workloads\[0\]/ },
    { what: "the same issuer URL under two labels", set: { extraIssuers: JSON.stringify({ blue: "https://a.example/", green: "https://a.example/" }) }, key: "extraIssuers.green", says: /same issuer URL as "extraIssuers\.blue"/ },
    { what: "two user pools with one name", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5" }, { name: "apps", vmSize: "Standard_D4ds_v5" }) }, key: "userNodePools[1].name", says: /already the name of userNodePools\[0\]/ },
    { what: "one role granted twice", workload: { roles: [{ role: "Key Vault Secrets User" }, { role: "4633458b-17de-408a-b874-0445c86b69e6" }] }, key: "workloads[0].roles[1]", says: /again \(also roles\[0\]\)/ },
    { what: "an admin group listed twice", set: { adminGroupObjectIds: JSON.stringify([guid, guid.toUpperCase()]) }, key: "adminGroupObjectIds[1]", says: /listed twice/ },
    { what: "a zone listed twice", set: { availabilityZones: JSON.stringify(["1", "1"]) }, key: "availabilityZones[1]", says: /listed twice/ },
    { what: "ServiceAccounts whose names join the same way", workload: { namespace: "a-b", serviceAccountName: "c", extraSubjects: [{ namespace: "a", serviceAccountName: "b-c" }] }, key: "workloads[0].extraSubjects", says: /a-b\/c and a\/b-c would share the credential name/ },
    // limits
    { what: "a token expiration under 3600", workload: { tokenExpirationSeconds: 600 }, key: "workloads[0].tokenExpirationSeconds", says: /is 600: it must be a whole number from 3600 to 86400/ },
    { what: "a token expiration over 86400", workload: { tokenExpirationSeconds: 86401 }, key: "workloads[0].tokenExpirationSeconds", says: /from 3600 to 86400/ },
    { what: "21 federations on one identity", workload: { extraSubjects: subjects(20) }, key: "workloads[0]", says: /needs 21 federated credentials .* at most 20 per identity/ },
    {
        what: "more than 20 federations through extra issuers",
        set: { extraIssuers: JSON.stringify({ blue: "https://a.example/", green: "https://b.example/", red: "https://c.example/" }) },
        workload: { extraSubjects: subjects(5) },
        key: "workloads[0]", says: /needs 24 federated credentials \(4 issuer\(s\) x 6 ServiceAccount\(s\)\)/,
    },
    { what: "a system node count of 0", set: { systemNodeCount: "0" }, key: "systemNodeCount", says: /from 1 to 1000/ },
    { what: "a minimum without a maximum", set: { systemMinCount: "2" }, key: "systemMinCount", says: /go together/ },
    { what: "a minimum over the maximum", set: { systemMinCount: "5", systemMaxCount: "3" }, key: "systemMinCount", says: /must not exceed "systemMaxCount"/ },
    { what: "a fixed count and an autoscaler range", set: { systemNodeCount: "2", systemMinCount: "1", systemMaxCount: "3" }, key: "systemNodeCount", says: /not both/ },
    { what: "a user pool with a negative count", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", count: -1 }) }, key: "userNodePools[0].count", says: /from 0 to 1000/ },
    { what: "a user pool minimum over its maximum", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 2 }) }, key: "userNodePools[0].minCount", says: /must not exceed maxCount/ },
    { what: "a user pool minimum without a maximum", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", minCount: 1 }) }, key: "userNodePools[0].maxCount", says: /go together/ },
    { what: "a soft-delete retention under 7", set: { softDeleteRetentionDays: "5" }, key: "softDeleteRetentionDays", says: /from 7 to 90/ },
    { what: "a verification timeout under 60 s", set: { verifyTimeoutSeconds: "10" }, key: "verifyTimeoutSeconds", says: /from 60 to 3600/ },
    { what: "negative replicas", workload: { replicas: -1 }, key: "workloads[0].replicas", says: /from 0 to 100/ },
    { what: "a port out of range", workload: { port: 70000 }, key: "workloads[0].port", says: /from 1 to 65535/ },
    { what: "51 tags", set: { tags: JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"]))) }, key: "tags", says: /Azure allows at most 50 per resource/ },
    { what: "48 tags with the program's own 3", set: { tags: JSON.stringify(Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "x"]))) }, key: "tags", says: /51 with the 3 the program adds/ },
    { what: "a tag name over 512 characters", set: { tags: JSON.stringify({ ["k".repeat(513)]: "x" }) }, key: `tags.${"k".repeat(513)}`, says: /Azure allows 1-512/ },
    { what: "a tag value over 256 characters", set: { tags: JSON.stringify({ team: "v".repeat(257) }) }, key: "tags.team", says: /at most 256/ },
    { what: "a tag name with a slash", set: { tags: JSON.stringify({ "cost/center": "x" }) }, key: "tags.cost/center", says: /with '\/'/ },
    // enums and profile rules
    { what: "local accounts on in prod", set: { profile: "prod", disableLocalAccounts: "false" }, key: "disableLocalAccounts", says: /prod profile requires local accounts disabled/ },
    { what: "a short soft-delete retention in prod", set: { profile: "prod", softDeleteRetentionDays: "30" }, key: "softDeleteRetentionDays", says: /prod profile requires at least 90/ },
    { what: "an unknown SKU tier", set: { skuTier: "Gold" }, key: "skuTier", says: /use one of "Free", "Standard", "Premium"/ },
    { what: "an unknown kubelogin method", set: { kubeloginMethod: "devicecode" }, key: "kubeloginMethod", says: /use one of "azurecli", "workloadidentity", "spn", "msi"/ },
    { what: "the removed deployerPrincipalType (the type is read from the deployer's token)", set: { deployerPrincipalType: "User" }, key: "deployerPrincipalType", says: /not known|unknown|not a config key/ },
    { what: "an unknown cloud", set: { cloud: "AzureGermanCloud" }, key: "cloud", says: /use one of "AzureCloud", "AzureUSGovernment", "AzureChinaCloud"/ },
    { what: "an availability zone that does not exist", set: { availabilityZones: JSON.stringify(["1", "4"]) }, key: "availabilityZones[1]", says: /"4" is not allowed: use one of "1", "2", "3"/ },
    // GUIDs, ARM ids, addresses, regions
    { what: "spn login without a client id", set: { kubeloginMethod: "spn" }, key: "kubeloginClientId", says: /required when "kubeloginMethod" is "spn"/ },
    { what: "a kubelogin client id that is not a GUID", set: { kubeloginMethod: "spn", kubeloginClientId: "my-app" }, key: "kubeloginClientId", says: /is not an application \(client\) id/ },
    { what: "a kubelogin client id the method ignores", set: { kubeloginClientId: guid }, key: "kubeloginClientId", says: /does not use it/ },
    { what: "an admin group that is not a GUID", set: { adminGroupObjectIds: JSON.stringify(["platform-admins"]) }, key: "adminGroupObjectIds[0]", says: /is not an Entra group object id/ },
    { what: "an unknown role name", workload: { roles: [{ role: "Key Vault Secret Reader" }] }, key: "workloads[0].roles[0].role", says: /"Key Vault Secret Reader" is not a known role: use a role definition GUID or one of/ },
    { what: "a workload role that assigns roles (by name)", workload: { roles: [{ role: "Key Vault Secrets User" }, { role: "User Access Administrator", scope: storageId }] }, key: "workloads[0].roles[1].role", says: /"User Access Administrator" is refused for a workload: User Access Administrator can assign roles, and a workload identity that can grant roles can escalate/ },
    { what: "a workload role that assigns roles (RBAC Administrator)", workload: { roles: [{ role: "Role Based Access Control Administrator" }] }, key: "workloads[0].roles[0].role", says: /is refused for a workload: Role Based Access Control Administrator can assign roles/ },
    { what: "a workload role that assigns roles (Owner by GUID)", workload: { roles: [{ role: "8E3AF657-A8FF-404C-9447-7C6B1C4A9FD5", scope: storageId }] }, key: "workloads[0].roles[0].role", says: /is refused for a workload: Owner can assign roles/ },
    { what: "a role scope that is not an ARM id", workload: { roles: [{ role: "Storage Blob Data Reader", scope: "mystorage" }] }, key: "workloads[0].roles[0].scope", says: /is not an ARM id/ },
    { what: "a role scope with a README placeholder", workload: { roles: [{ role: "Storage Blob Data Reader", scope: "/subscriptions/<sub>/resourceGroups/rg" }] }, key: "workloads[0].roles[0].scope", says: /names subscription "<sub>", which is not a subscription GUID/ },
    { what: "a role scope under /subscription/", workload: { roles: [{ role: "Storage Blob Data Reader", scope: `/subscription/${guid}` }] }, key: "workloads[0].roles[0].scope", says: /is not an ARM id/ },
    { what: "a role scope with half a resource", workload: { roles: [{ role: "Storage Blob Data Reader", scope: `/subscriptions/${guid}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts` }] }, key: "workloads[0].roles[0].scope", says: /\/providers\/<Namespace>\/<type>\/<name>/ },
    { what: "a /33 CIDR", set: { apiServerAuthorizedIpRanges: JSON.stringify(["203.0.113.0/33"]) }, key: "apiServerAuthorizedIpRanges[0]", says: /is not an IPv4 CIDR/ },
    { what: "an octet of 300", set: { apiServerAuthorizedIpRanges: JSON.stringify(["203.0.300.0/24"]) }, key: "apiServerAuthorizedIpRanges[0]", says: /is not an IPv4 CIDR/ },
    { what: "an API server range that is an address", set: { apiServerAuthorizedIpRanges: JSON.stringify(["10.0.0.1"]) }, key: "apiServerAuthorizedIpRanges[0]", says: /is not an IPv4 CIDR/ },
    { what: "a vault IP rule that is not an address", set: { keyVaultIpRules: JSON.stringify(["office"]) }, key: "keyVaultIpRules[0]", says: /is not an IPv4 address or CIDR/, },
    { what: "a vault IP rule in a private range", set: { verify: "false", keyVaultIpRules: JSON.stringify(["10.1.0.0/16"]) }, key: "keyVaultIpRules[0]", says: /private \(RFC 1918\) range/ },
    { what: "a location that is not a region", set: { location: "europe-west" }, key: "location", says: /is not an Azure region of AzureCloud/ },
    { what: "a region's display name", set: { location: "West Europe" }, key: "location", says: /use the region's name, "westeurope"/ },
    { what: "a region of another cloud", set: { location: "usgovvirginia" }, key: "location", says: /is a region of AzureUSGovernment, not of AzureCloud/ },
    { what: "an extra issuer over http", set: { extraIssuers: JSON.stringify({ blue: "http://issuer.example/" }) }, key: "extraIssuers.blue", says: /is not an https:\/\/ URL/ },
    { what: "an extra issuer labelled aks", set: { extraIssuers: JSON.stringify({ aks: "https://issuer.example/" }) }, key: "extraIssuers.aks", says: /this stack's own cluster/ },
    // pairs and cross-key rules
    { what: "half of the existing-cluster pair", set: { existingClusterName: "aks-shared" }, key: "existingClusterResourceGroup", says: /go together/ },
    { what: "a verification workload that does not exist", set: { verifyWorkload: "billing" }, key: "verifyWorkload", says: /must name a workload \(orders, reports\)/ },
    { what: "a verification workload that cannot read secrets", workload: { roles: [{ role: "Key Vault Reader" }] }, key: "verifyWorkload", says: /has no role that reads this stack's vault secrets/ },
    { what: "verification with the vault's public access off", set: { keyVaultPublicNetworkAccess: "Disabled" }, key: "verify", says: /"keyVaultPublicNetworkAccess" is Disabled: the verification Job reads the vault from a pod/ },
    { what: "verification with vault IP rules", set: { keyVaultIpRules: JSON.stringify(["203.0.113.7"]) }, key: "verify", says: /"keyVaultIpRules" limits the vault/ },
    { what: "an env var that would shadow the webhook's", workload: { env: { AZURE_CLIENT_ID: "x" } }, key: "workloads[0].env.AZURE_CLIENT_ID", says: /is set by the workload identity webhook/ },
    { what: "an image reference with capitals", workload: { image: "ghcr.io/Org/app:1.0" }, key: "workloads[0].image", says: /is not a container image reference/ },
    { what: "a verification image with a space", set: { verifyImage: "mcr.microsoft.com/azure-cli 2.67.0" }, key: "verifyImage", says: /is not a container image reference/ },
    { what: "a port without an image", workload: { port: 8080 }, key: "workloads[0].port", says: /is set but "image" is not/ },
    { what: "env without an image", workload: { env: { MODE: "x" } }, key: "workloads[0].env", says: /is set but "image" is not/ },
    { what: "a system pool setting in bring-your-own-cluster mode", set: { existingClusterResourceGroup: "rg-shared", existingClusterName: "aks-shared", systemVmSize: "Standard_D8ds_v5" }, key: "systemVmSize", says: /uses an existing cluster, which this program does not create or change/ },
    { what: "user pools in bring-your-own-cluster mode", set: { existingClusterResourceGroup: "rg-shared", existingClusterName: "aks-shared", userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5" }) }, key: "userNodePools", says: /does not create or change/ },
    { what: "an AKS extra issuer without its trailing slash", set: { extraIssuers: JSON.stringify({ blue: "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0" }) }, key: "extraIssuers.blue", says: /is an AKS issuer without its trailing slash/ },
    { what: "a node label Kubernetes refuses", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", nodeLabels: { "team/": "x" } }) }, key: "userNodePools[0].nodeLabels.team/", says: /is not a Kubernetes label name/ },
    { what: "a node label value over 63 characters", set: { userNodePools: pools({ name: "apps", vmSize: "Standard_D4ds_v5", nodeLabels: { team: "v".repeat(64) } }) }, key: "userNodePools[0].nodeLabels.team", says: /is not a Kubernetes label value/ },
    { what: "an env var name with a dash", workload: { env: { "MY-VAR": "x" } }, key: "workloads[0].env.MY-VAR", says: /is not an environment variable name/ },
];

/** Valid boundary cases: each must be accepted. */
const boundaries: Case[] = [
    { what: "exactly 20 credentials on one identity", workload: { extraSubjects: subjects(19) }, key: "", says: /x/ },
    { what: "exactly 20 credentials through extra issuers", set: { extraIssuers: JSON.stringify({ blue: "https://a.example/", green: "https://b.example/", red: "https://c.example/" }) }, workload: { extraSubjects: subjects(4) }, key: "", says: /x/ },
    { what: "a token lifetime of 3600", workload: { tokenExpirationSeconds: 3600 }, key: "", says: /x/ },
    { what: "a token lifetime of 86400", workload: { tokenExpirationSeconds: 86400 }, key: "", says: /x/ },
    { what: "a 63-character namespace", workload: { namespace: "n".repeat(63) }, key: "", says: /x/ },
    { what: "a user pool of count 0", set: { userNodePools: pools({ name: "batch", vmSize: "Standard_D4ds_v5", count: 0 }) }, key: "", says: /x/ },
    { what: "a user pool autoscaling from 0", set: { userNodePools: pools({ name: "batch", vmSize: "Standard_D4ds_v5", minCount: 0, maxCount: 3, nodeTaints: ["dedicated=batch:NoSchedule"] }) }, key: "", says: /x/ },
    { what: "a role by GUID at an ARM id", workload: { roles: [{ role: "Key Vault Secrets User" }, { role: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", scope: storageId }] }, key: "", says: /x/ },
    { what: "a role at subscription scope", workload: { roles: [{ role: "Key Vault Secrets User" }, { role: "acdd72a7-3385-48ef-bd42-f606fba81ae7", scope: `/subscriptions/${guid}` }] }, key: "", says: /x/ },
    { what: "50 tags including the program's 3", set: { tags: JSON.stringify(Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, "x"]))) }, key: "", says: /x/ },
    { what: "a US Government region in that cloud", set: { cloud: "AzureUSGovernment", location: "usgovvirginia" }, key: "", says: /x/ },
    { what: "vault IP rules with verification off", set: { verify: "false", keyVaultIpRules: JSON.stringify(["203.0.113.7", "198.51.100.0/24"]) }, key: "", says: /x/ },
    { what: "a workload with an image, a port, replicas 0 and env", workload: { image: "ghcr.io/org/app@sha256:" + "a".repeat(64), port: 8080, replicas: 0, env: { MODE: "x" } }, key: "", says: /x/ },
    { what: "bring-your-own-cluster mode with a resource group", set: { existingClusterResourceGroup: "rg-shared", existingClusterName: "aks-shared", resourceGroupName: "rg-apps" }, key: "", says: /x/ },
    { what: "a /0 and a /32 API server range", set: { apiServerAuthorizedIpRanges: JSON.stringify(["0.0.0.0/0", "203.0.113.7/32"]) }, key: "", says: /x/ },
];

function rawFor(c: Case): Record<string, string> {
    const raw = validRaw();
    for (const [key, value] of Object.entries(c.set ?? {})) {
        if (value === undefined) delete raw[key];
        else raw[key] = value;
    }
    if (c.workload) {
        const workloads = JSON.parse(raw.workloads) as Record<string, unknown>[];
        workloads[0] = { ...workloads[0], ...c.workload };
        raw.workloads = JSON.stringify(workloads);
    }
    return raw;
}

/** Runs the stack program with `raw` config on the mock engine; returns the error it threw, if any. */
async function runProgram(raw: Record<string, string>): Promise<{ mocks: EngineMocks; error?: Error }> {
    const mocks = await useMocks();
    const prefixed: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) prefixed[`${testProject}:${key}`] = value;
    pulumi.runtime.setAllConfig(prefixed);
    try {
        await main();
        return { mocks };
    } catch (error) {
        return { mocks, error: error as Error };
    }
}

describe("stack config", () => {
    it("accepts the valid base config, so each case below fails for its own reason", async () => {
        const { mocks, error } = await runProgram(validRaw());
        assert.equal(error, undefined);
        await settle(mocks);
        assert.ok(mocks.resources.length > 10);
    });

    describe(`refuses ${cases.length} invalid configs before any resource registers, naming the key`, () => {
        for (const c of cases) {
            it(`refuses ${c.what}`, async () => {
                const { mocks, error } = await runProgram(rawFor(c));
                assert.ok(error instanceof ArgsError, `expected an ArgsError, got ${error}`);
                assert.ok(pulumi.RunError.isInstance(error), "a RunError: the CLI prints it without a stack trace");
                const line = error.problems.find((p) => p.startsWith(`config key "${c.key}" `));
                assert.ok(line, `no problem names config key "${c.key}":\n${error.message}`);
                assert.match(line!, c.says);
                assert.match(error.message, /^stack "unit" config: /);
                await settle(mocks);
                assert.deepEqual(mocks.resources.map((r) => r.name), [], "nothing may register");
            });
        }
    });

    describe(`accepts ${boundaries.length} valid boundary cases`, () => {
        for (const c of boundaries) {
            it(`accepts ${c.what}`, () => {
                assert.doesNotThrow(() => parseStackConfig("unit", rawFor(c)));
            });
        }
    });

    function errorOf(run: () => unknown): ArgsError {
        try {
            run();
        } catch (e) {
            if (e instanceof ArgsError) return e;
            throw e;
        }
        throw new Error("expected an ArgsError");
    }

    it("collects every problem in one error", () => {
        const raw = rawFor({ what: "", key: "", says: /x/, set: { profile: "qa", skuTier: "Gold", keyVaultNamePrefix: "9" }, workload: { namespace: "Shop" } });
        const err = (() => {
            try {
                parseStackConfig("unit", raw);
            } catch (e) {
                return e as ArgsError;
            }
            throw new Error("expected an error");
        })();
        assert.equal(err.problems.length, 4, err.message);
        assert.match(err.message, /^stack "unit" config: 4 problems, nothing was created:\n  - config key "profile" "qa" is not allowed/);
        for (const key of ["profile", "skuTier", "keyVaultNamePrefix", "workloads[0].namespace"]) {
            assert.ok(err.message.includes(`config key "${key}"`), `message must name ${key}`);
        }
    });

    it("reports every problem of a config in one pass, across keys and inside entries that have other problems", () => {
        const err = errorOf(() => parseStackConfig("unit", {
            profile: "dev",
            location: "West Europe",
            workloads: JSON.stringify([
                { name: "orders", namespace: "shop" },
                { name: "billing", namespace: "kube-system" },
                { name: "reports", namespace: "shop", serviceAccountName: "orders", roles: [{ role: "Storage Blob Data Reader", scope: "/subscriptions/<sub>/resourceGroups/rg" }] },
            ]),
            userNodePools: JSON.stringify([{ name: "batch", vmSize: "Standard_D4ds_v5", count: 0, minCout: 1 }]),
            apiServerAuthorizedIpRanges: JSON.stringify(["203.0.113.0/33"]),
        }));
        const keys = err.problems.map((p) => /^config key "([^"]+)"/.exec(p)?.[1]).sort();
        assert.deepEqual(keys, ["apiServerAuthorizedIpRanges[0]", "location", "userNodePools[0].minCout", "workloads[1].namespace", "workloads[2].roles[0].scope", "workloads[2].serviceAccountName"], err.message);
    });

    it("applies profile defaults, and config overrides them", () => {
        const dev = parseStackConfig("unit", validRaw());
        assert.equal(dev.profile.name, "dev");
        assert.deepEqual(dev.systemPool, { vmSize: "Standard_D2ds_v5", count: 1, minCount: undefined, maxCount: undefined, availabilityZones: [] });
        assert.equal(dev.keyVault.softDeleteRetentionDays, 7);
        assert.equal(dev.keyVault.namePrefix, "wid-unit");
        assert.ok(dev.verification, "dev verifies by default");
        const prod = parseStackConfig("unit", { ...validRaw(), profile: "prod" });
        assert.deepEqual(prod.systemPool, { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 6, count: undefined, availabilityZones: ["1", "2", "3"] });
        assert.equal(prod.keyVault.softDeleteRetentionDays, 90);
        assert.equal(prod.verification, undefined);
        const overridden = parseStackConfig("unit", { ...validRaw(), profile: "prod", systemNodeCount: "2", verify: "true", softDeleteRetentionDays: "90" });
        assert.equal(overridden.systemPool.count, 2);
        assert.ok(overridden.verification);
    });

    it("parses the cloud: AzureCloud by default, another cloud with that cloud's regions", () => {
        assert.equal(parseStackConfig("unit", validRaw()).cloud, "AzureCloud");
        const china = parseStackConfig("unit", { ...validRaw(), cloud: "AzureChinaCloud", location: "chinanorth3" });
        assert.equal(china.cloud, "AzureChinaCloud");
        assert.equal(china.location, "chinanorth3");
    });

    it("defaults a workload's ServiceAccount to its name and its role to Key Vault Secrets User on this vault", () => {
        const config = parseStackConfig("unit", validRaw());
        assert.equal(config.workloads[0].serviceAccountName, "orders");
        assert.deepEqual(config.workloads[0].roles, [{ role: "Key Vault Secrets User" }]);
        // Unset: the program decides (yes on the stack's own cluster, no on an existing one).
        assert.equal(config.workloads[0].createNamespace, undefined);
    });

    it("returns a frozen object", () => {
        const config = parseStackConfig("unit", validRaw());
        assert.ok(Object.isFrozen(config));
        assert.ok(Object.isFrozen(config.workloads[0]));
        assert.throws(() => {
            (config.workloads as unknown as unknown[]).push({});
        });
    });
});
