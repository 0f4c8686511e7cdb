import * as ipaddr from "ipaddr.js";

/**
 * IPv4 address and CIDR rules, parsed by ipaddr.js rather than matched by a regex (a /33 prefix or an
 * octet of 300 is refused). Each rule returns the end of a sentence (`"x" is ...`) or undefined.
 */

/** Whether `text` is a dotted four-part decimal IPv4 address (ipaddr.js alone also accepts "10" or hex forms). */
export function isIpv4Address(text: string): boolean {
    return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Whether `text` is an IPv4 CIDR such as `203.0.113.0/24`, with a prefix of 0–32. */
export function isIpv4Cidr(text: string): boolean {
    const slash = text.indexOf("/");
    if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1)) || !isIpv4Address(text.slice(0, slash))) return false;
    try {
        ipaddr.IPv4.parseCIDR(text);
        return true;
    } catch {
        return false;
    }
}

/** The problem with `value` as an IPv4 CIDR, if any. */
export function ipv4CidrProblem(value: unknown): string | undefined {
    if (typeof value === "string" && isIpv4Cidr(value)) return undefined;
    return `${JSON.stringify(value)} is not an IPv4 CIDR: use an address and a prefix of 0-32, such as 203.0.113.0/24`;
}

/** The problem with `value` as an IPv4 address or CIDR, if any. */
export function ipv4AddressOrCidrProblem(value: unknown): string | undefined {
    if (typeof value === "string" && (isIpv4Address(value) || isIpv4Cidr(value))) return undefined;
    return `${JSON.stringify(value)} is not an IPv4 address or CIDR, such as 203.0.113.7 or 203.0.113.0/24`;
}

/**
 * The problem with `value` as a Key Vault firewall IP rule, if any. Key Vault's firewall takes public IPv4
 * addresses and ranges only: RFC 1918 private ranges are refused (learn.microsoft.com/azure/key-vault/general/network-security).
 */
export function vaultIpRuleProblem(value: unknown): string | undefined {
    const problem = ipv4AddressOrCidrProblem(value);
    if (problem) return problem;
    const address = ipaddr.IPv4.parse((value as string).split("/")[0]);
    if (address.range() === "private") {
        return `${JSON.stringify(value)} is a private (RFC 1918) range, which the Key Vault firewall does not accept: it only sees public addresses`;
    }
    return undefined;
}
