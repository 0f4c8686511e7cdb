import { strict as assert } from "assert";
import { v5 as uuidv5, validate as uuidValidate, version as uuidVersion } from "uuid";
import {
    builtInRoles, isGuid, resolveRole, roleAssignmentName, roleAssignmentNamespace, roleDefinitionIdFor, roleGuidOf, roleNameForGuid, roleProblem,
} from "../components/shared/roles";
import {
    checkNamespaceName, checkServiceAccountName, federatedCredentialName, federatedCredentialNamePattern, serviceAccountSubject,
} from "../components/shared/names";
import { useMocks } from "./support/pulumi";

const secretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
const secretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const customRole = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const sub = "00000000-1111-2222-3333-444444444444";

describe("roles", () => {
    describe("resolveRole", () => {
        it("resolves every built-in name to its GUID, from the table in the field notes", () => {
            assert.deepEqual(resolveRole("Key Vault Secrets User"), { name: "Key Vault Secrets User", guid: secretsUser });
            assert.deepEqual(resolveRole("Key Vault Secrets Officer"), { name: "Key Vault Secrets Officer", guid: secretsOfficer });
            assert.deepEqual(resolveRole("Azure Kubernetes Service RBAC Reader"), { name: "Azure Kubernetes Service RBAC Reader", guid: "7f6c6a51-bcf8-42ba-9220-52d62157d7db" });
            for (const [name, guid] of Object.entries(builtInRoles)) {
                assert.equal(resolveRole(name)?.guid, guid);
                assert.ok(isGuid(guid), `${name}: ${guid}`);
            }
        });

        it("resolves a GUID case-insensitively, to the lowercase GUID and the built-in name when there is one", () => {
            assert.deepEqual(resolveRole(secretsUser.toUpperCase()), { name: "Key Vault Secrets User", guid: secretsUser });
            assert.deepEqual(resolveRole(customRole), { name: customRole, guid: customRole });
            assert.deepEqual(resolveRole(customRole.toUpperCase()), { name: customRole, guid: customRole });
            assert.equal(roleNameForGuid(secretsOfficer), "Key Vault Secrets Officer");
            assert.equal(roleNameForGuid(customRole), customRole);
        });

        it("refuses anything else: misspelt or wrongly cased names, malformed GUIDs", () => {
            for (const bad of ["Key Vault Secret User", "key vault secrets user", "", "Owner", `${customRole}0`, customRole.replace(/-/g, ""), "toString", "__proto__"]) {
                assert.equal(resolveRole(bad), undefined, JSON.stringify(bad));
            }
        });
    });

    describe("roleProblem", () => {
        it("accepts names and GUIDs", () => {
            assert.equal(roleProblem("role", "Key Vault Secrets User"), undefined);
            assert.equal(roleProblem("role", customRole), undefined);
        });

        it("says what is wrong and lists every allowed name", () => {
            const problem = roleProblem("roleGrants[2].role", "Key Vault Secret User");
            assert.ok(problem);
            assert.match(problem, /^roleGrants\[2\]\.role "Key Vault Secret User" is not a known role: use a role definition GUID or one of /);
            for (const name of Object.keys(builtInRoles)) {
                assert.ok(problem.includes(`"${name}"`), `lists ${name}`);
            }
            assert.match(roleProblem("role", 42) ?? "", /^role 42 is not a known role/);
            assert.match(roleProblem("role", undefined) ?? "", /^role undefined is not a known role/);
        });
    });

    describe("roleDefinitionIdFor", () => {
        it("qualifies the definition with the scope's subscription, as ARM returns it", () => {
            assert.equal(
                roleDefinitionIdFor("/subscriptions/aaaa/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", secretsUser, sub),
                `/subscriptions/aaaa/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
            assert.equal(roleDefinitionIdFor("/subscriptions/bbbb", secretsUser, sub), `/subscriptions/bbbb/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
            assert.equal(roleDefinitionIdFor("/SUBSCRIPTIONS/cccc/resourceGroups/rg", secretsUser, sub), `/subscriptions/cccc/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
        });

        it("uses the tenant-level form at management-group scope and at the root", () => {
            assert.equal(
                roleDefinitionIdFor("/providers/Microsoft.Management/managementGroups/platform", secretsUser, sub),
                `/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
            assert.equal(roleDefinitionIdFor("/", secretsUser, sub), `/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
        });

        it("falls back to the given subscription when the scope names none", () => {
            assert.equal(
                roleDefinitionIdFor("/providers/Microsoft.Capacity/reservationOrders/r1", secretsUser, sub),
                `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${secretsUser}`);
        });
    });

    describe("roleGuidOf", () => {
        it("reads the GUID back from every form roleDefinitionIdFor writes, lowercase", () => {
            for (const scope of ["/subscriptions/aaaa/resourceGroups/rg", "/", "/providers/Microsoft.Capacity/reservationOrders/r1"]) {
                assert.equal(roleGuidOf(roleDefinitionIdFor(scope, secretsUser.toUpperCase(), sub)), secretsUser);
            }
            assert.equal(roleGuidOf(secretsUser), secretsUser);
        });
    });

    describe("roleAssignmentName", () => {
        const vaultA = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/wid-dev-abc123";
        const vaultB = "/subscriptions/99999999-1111-2222-3333-444444444444/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/wid-dev-abc123";
        const principal = "7d3e0b8a-6f5c-4e2d-9c1b-0a9f8e7d6c5b";
        const otherPrincipal = "1a2b3c4d-5e6f-4a0b-8c9d-0e1f2a3b4c5d";
        const definition = (sub: string, guid: string) => `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
        const userRole = definition("00000000-1111-2222-3333-444444444444", secretsUser);

        it("is a valid UUID v5 (version nibble 5, RFC variant)", () => {
            const name = roleAssignmentName(vaultA, principal, userRole);
            assert.ok(uuidValidate(name), name);
            assert.equal(uuidVersion(name), 5);
            assert.match(name, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            // The check above tells versions apart: a v4 UUID fails it.
            assert.notEqual(uuidVersion("9b2e1f3c-8a7d-4c6b-9e5f-0a1b2c3d4e5f"), 5);
        });

        it("is the UUID v5 of (scope, principal, role definition) in the library's namespace, the same on every run", () => {
            const name = roleAssignmentName(vaultA, principal, userRole);
            assert.equal(name, uuidv5([vaultA, principal, userRole].join("|").toLowerCase(), roleAssignmentNamespace));
            assert.equal(name, roleAssignmentName(`${vaultA}`, `${principal}`, `${userRole}`));
        });

        it("does not depend on the Pulumi project or stack: only the real ids seed it", async () => {
            await useMocks({}, false, "one-stack");
            const first = roleAssignmentName(vaultA, principal, userRole);
            await useMocks({}, false, "another-stack");
            assert.equal(roleAssignmentName(vaultA, principal, userRole), first);
        });

        it("differs for two copies of one stack (another subscription, or another engineer's principal), and per role", () => {
            const names = [
                roleAssignmentName(vaultA, principal, userRole),
                roleAssignmentName(vaultB, principal, definition("99999999-1111-2222-3333-444444444444", secretsUser)),
                roleAssignmentName(vaultA, otherPrincipal, userRole),
                roleAssignmentName(vaultA, principal, definition("00000000-1111-2222-3333-444444444444", secretsOfficer)),
            ];
            assert.equal(new Set(names).size, names.length, names.join("\n"));
        });

        it("ignores case (ARM returns ids with varying case)", () => {
            assert.equal(roleAssignmentName(vaultA.toUpperCase(), principal.toUpperCase(), userRole.toUpperCase()), roleAssignmentName(vaultA.replace("resourceGroups", "resourcegroups"), principal, userRole));
        });
    });
});

describe("names", () => {
    describe("federatedCredentialName", () => {
        it("is readable for ordinary input", () => {
            assert.equal(federatedCredentialName("aks", "apps", "orders"), "apps-orders-aks");
            assert.equal(federatedCredentialName("blue_1", "team-a", "api"), "team-a-api-blue_1");
        });

        it("is hashed, valid and at most 120 characters for names with '.' or that are too long", () => {
            const dotted = federatedCredentialName("aks", "apps", "orders.v2");
            const long = federatedCredentialName("green", "n".repeat(63), "s".repeat(200));
            for (const name of [dotted, long]) {
                assert.ok(name.length <= 120, `${name.length}`);
                assert.match(name, /^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$/);
                assert.match(name, federatedCredentialNamePattern);
                assert.match(name, /-[0-9a-f]{10}$/, "ends with the hash");
            }
            assert.match(dotted, /^apps-orders-v2-aks-[0-9a-f]{10}$/);
            assert.equal(long.length, 120);
            // The readable form of the long one would not be allowed, so the hash is needed.
            assert.doesNotMatch(`${"n".repeat(63)}-${"s".repeat(200)}-green`, federatedCredentialNamePattern);
        });

        it("is the same on every run", () => {
            assert.equal(federatedCredentialName("aks", "apps", "orders.v2"), federatedCredentialName("aks", "apps", "orders.v2"));
            assert.equal(federatedCredentialName("aks", "n".repeat(63), "s".repeat(200)), federatedCredentialName("aks", "n".repeat(63), "s".repeat(200)));
        });

        it("is distinct for distinct inputs, including those that sanitise or truncate to the same text", () => {
            const inputs: Array<[string, string, string]> = [
                ["aks", "apps", "orders"],
                ["aks", "apps", "orders.v2"],
                ["aks", "apps", "orders-v2"],
                ["blue", "apps", "orders"],
                ["aks", "jobs", "orders"],
                // Same first 109 characters once truncated; only the hash tells them apart.
                ["aks", "n".repeat(63), `${"s".repeat(150)}a`],
                ["aks", "n".repeat(63), `${"s".repeat(150)}b`],
                ["green", "n".repeat(63), `${"s".repeat(150)}a`],
            ];
            const names = inputs.map(([label, ns, sa]) => federatedCredentialName(label, ns, sa));
            assert.equal(new Set(names).size, inputs.length, names.join("\n"));
        });

        it("builds the token's subject claim", () => {
            assert.equal(serviceAccountSubject("apps", "orders"), "system:serviceaccount:apps:orders");
        });
    });

    describe("checkNamespaceName (DNS-1123 label)", () => {
        it("accepts valid labels up to 63 characters", () => {
            for (const ok of ["a", "apps", "team-a", "1abc", "a1", "a".repeat(63)]) {
                assert.equal(checkNamespaceName("ns", ok), undefined, ok);
            }
        });

        it("requires a value", () => {
            assert.equal(checkNamespaceName("subjects[0].namespace", ""), "subjects[0].namespace is required: a Kubernetes namespace name (DNS-1123 label)");
            assert.match(checkNamespaceName("ns", undefined) ?? "", /^ns is required/);
            assert.match(checkNamespaceName("ns", 5) ?? "", /^ns is required/);
        });

        it("refuses 64 characters, uppercase, dots, underscores and leading or trailing '-'", () => {
            for (const bad of ["a".repeat(64), "Apps", "a.b", "a_b", "-a", "a-", "a b"]) {
                assert.equal(checkNamespaceName("ns", bad),
                    `ns "${bad}" is not a DNS-1123 label: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`, bad);
            }
        });
    });

    describe("checkServiceAccountName (DNS-1123 subdomain)", () => {
        it("accepts valid subdomains up to 253 characters, dots included", () => {
            for (const ok of ["a", "orders", "orders.v2", "a-b.c-d", "0", "a".repeat(253)]) {
                assert.equal(checkServiceAccountName("sa", ok), undefined, ok.slice(0, 20));
            }
        });

        it("requires a value", () => {
            assert.equal(checkServiceAccountName("sa", ""), "sa is required: a Kubernetes ServiceAccount name (DNS-1123 subdomain)");
            assert.match(checkServiceAccountName("sa", null) ?? "", /^sa is required/);
        });

        it("refuses 254 characters, uppercase, '_', and empty or edge-hyphen labels", () => {
            for (const bad of ["a".repeat(254), "Orders", "orders_sa", ".a", "a.", "a..b", "-a", "a-", "a.-b"]) {
                assert.equal(checkServiceAccountName("sa", bad),
                    `sa "${bad}" is not a DNS-1123 subdomain: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`, bad.slice(0, 20));
            }
        });
    });
});
