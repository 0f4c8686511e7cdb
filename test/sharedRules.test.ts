import { strict as assert } from "assert";
import * as fc from "fast-check";
import { isIPv4 } from "net";
import { armIdProblem, guidProblem } from "../components/shared/arm";
import { oneOfProblem } from "../components/shared/enums";
import {
    agentPoolNameProblem, dns1123LabelProblem, dns1123SubdomainProblem, federatedCredentialName, federatedCredentialNamePattern,
    federatedNamespaceProblem, issuerUrlProblem, vaultNamePrefixProblem,
} from "../components/shared/names";
import { ipv4AddressOrCidrProblem, ipv4CidrProblem, isIpv4Address, isIpv4Cidr, vaultIpRuleProblem } from "../components/shared/network";
import { regionProblem } from "../components/shared/regions";
import { tagProblems } from "../components/shared/tags";

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const octet = fc.integer({ min: 0, max: 255 });

describe("shared rules (components/shared), property-based", () => {
    it("a DNS-1123 label is accepted exactly when it matches Kubernetes' rule, up to 63 characters", () => {
        fc.assert(fc.property(label, (name) => dns1123LabelProblem(name) === undefined));
        fc.assert(fc.property(label, fc.constantFrom("A", "_", ".", " "), fc.nat(), (name, bad, at) => {
            const broken = name.slice(0, at % (name.length + 1)) + bad + name.slice(at % (name.length + 1));
            return dns1123LabelProblem(broken) !== undefined;
        }));
        assert.equal(dns1123LabelProblem("n".repeat(63)), undefined);
        assert.match(dns1123LabelProblem("n".repeat(64))!, /is not a DNS-1123 label/);
        assert.match(dns1123LabelProblem("-shop")!, /is not a DNS-1123 label/);
    });

    it("a DNS-1123 subdomain allows dots between labels, up to 253 characters", () => {
        fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), (labels) => dns1123SubdomainProblem(labels.join(".")) === undefined));
        assert.match(dns1123SubdomainProblem("a..b")!, /not a DNS-1123 subdomain/);
        assert.match(dns1123SubdomainProblem(`${"a".repeat(63)}.`.repeat(4) + "a")!, /not a DNS-1123 subdomain/);
    });

    it("every federated credential name derived from valid names satisfies Azure's pattern", () => {
        fc.assert(fc.property(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9-_]{0,39}$/), label, fc.array(label, { minLength: 1, maxLength: 4 }), (issuer, ns, sa) =>
            federatedCredentialNamePattern.test(federatedCredentialName(issuer, ns, sa.join(".")))));
    });

    it("IPv4 addresses are judged as Node's own parser judges them, CIDR prefixes 0-32 only", () => {
        fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.string()), (s) => isIpv4Address(s) === isIPv4(s)));
        fc.assert(fc.property(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 }), (a, b, c, d, p) => isIpv4Cidr(`${a}.${b}.${c}.${d}/${p}`)));
        fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 33, max: 99 }), (ip, p) => !isIpv4Cidr(`${ip}/${p}`)));
        fc.assert(fc.property(fc.integer({ min: 256, max: 999 }), octet, (bad, o) => ipv4AddressOrCidrProblem(`${o}.${bad}.0.1`) !== undefined));
        assert.match(ipv4CidrProblem("203.0.113.0/33")!, /is not an IPv4 CIDR/);
        assert.match(ipv4CidrProblem("203.0.113.7")!, /is not an IPv4 CIDR/);
        assert.match(ipv4CidrProblem("203.0.113.0/024")!, /is not an IPv4 CIDR/);
    });

    it("the Key Vault firewall takes public addresses only", () => {
        for (const privateRange of ["10.0.0.0/8", "172.16.4.0/24", "192.168.1.7"]) assert.match(vaultIpRuleProblem(privateRange)!, /private \(RFC 1918\)/);
        assert.equal(vaultIpRuleProblem("203.0.113.7"), undefined);
    });

    it("ARM ids need a GUID subscription and whole /providers/<Namespace>/<type>/<name> parts", () => {
        const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,20}$/);
        fc.assert(fc.property(fc.uuid(), name, name, name, (sub, rg, type, resource) => {
            const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/${type}/${resource}`;
            return armIdProblem(id) === undefined && armIdProblem(`/subscriptions/${sub}`) === undefined && armIdProblem(`/subscriptions/${sub}/resourceGroups/${rg}`) === undefined;
        }));
        fc.assert(fc.property(fc.string({ minLength: 1 }).filter((s) => !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(s) && !s.includes("/")), (sub) =>
            armIdProblem(`/subscriptions/${sub}/resourceGroups/rg`) !== undefined));
        assert.equal(armIdProblem("/providers/Microsoft.Management/managementGroups/platform"), undefined);
        for (const bad of ["mystorage", "/subscription/8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "/subscriptions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635/", "/subscriptions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts"]) {
            assert.ok(armIdProblem(bad), `${bad} must be refused`);
        }
    });

    it("GUIDs, pool names, vault prefixes, issuers, enums, regions and the kube-system fact", () => {
        fc.assert(fc.property(fc.uuid(), (g) => guidProblem(g, "an id") === undefined));
        assert.match(guidProblem("platform-admins", "an Entra group object id")!, /is not an Entra group object id/);
        fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), (n) => agentPoolNameProblem(n) === undefined));
        assert.ok(agentPoolNameProblem("a".repeat(13)));
        fc.assert(fc.property(fc.stringMatching(/^[a-zA-Z](-?[a-zA-Z0-9]){0,8}$/), (p) => vaultNamePrefixProblem("p", p) === undefined));
        assert.ok(vaultNamePrefixProblem("p", "a--b") && vaultNamePrefixProblem("p", "a-") && vaultNamePrefixProblem("p", "k".repeat(18)));
        assert.equal(issuerUrlProblem("https://westeurope.oic.prod-aks.azure.com/tenant/guid/"), undefined);
        assert.match(issuerUrlProblem("http://issuer.example/")!, /not an https:\/\/ URL/);
        assert.match(oneOfProblem("Gold", ["Free", "Standard"])!, /"Gold" is not allowed: use one of "Free", "Standard"/);
        assert.equal(regionProblem("chinanorth3", "AzureChinaCloud"), undefined);
        assert.match(regionProblem("westeurope", "AzureChinaCloud")!, /is a region of AzureCloud, not of AzureChinaCloud/);
        assert.match(federatedNamespaceProblem("kube-system")!, /excluded from admission webhooks/);
        assert.equal(federatedNamespaceProblem("kube-public"), undefined);
    });

    it("tags: at most 50 with the reserved ones, names up to 512 without <>%&\\?/, values up to 256", () => {
        fc.assert(fc.property(fc.constantFrom(..."<>%&\\?/"), fc.string({ maxLength: 20 }), (c, rest) =>
            tagProblems({ [`a${c}${rest}`]: "v" }).some(([k, p]) => k === `a${c}${rest}` && /Azure refuses/.test(p))));
        const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, "v"]));
        assert.deepEqual(tagProblems(fifty), []);
        assert.equal(tagProblems(fifty, ["stack"]).length, 1);
        assert.deepEqual(tagProblems({ ["k".repeat(512)]: "v".repeat(256) }), []);
        assert.equal(tagProblems({ ["k".repeat(513)]: "v".repeat(257) }).length, 2);
    });
});
