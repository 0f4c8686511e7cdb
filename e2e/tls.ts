import { generateKeyPair, randomBytes } from "crypto";
import { promisify } from "util";
import * as forge from "node-forge";

/** A throwaway certificate authority and one server certificate it signed, all PEM. */
export interface Certificates {
    /** The CA certificate: what the child processes trust (NODE_EXTRA_CA_CERTS). */
    readonly caCert: string;
    /** The server's certificate, for every emulated host name (subjectAltName). */
    readonly cert: string;
    readonly key: string;
}

/** An RSA 2048 key pair as PEM (SPKI public, PKCS#8 private). */
export interface RsaKeyPem {
    readonly publicPem: string;
    readonly privatePem: string;
}

/**
 * A fresh RSA 2048 key pair, made by Node's native code off the main thread (node-forge's pure-JS generation
 * takes seconds), so callers can start it early and do other work meanwhile.
 */
export async function rsaKeyPair(): Promise<RsaKeyPem> {
    const { publicKey, privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
    return { publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(), privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

function forgeKeys(pem: RsaKeyPem): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privatePem: string } {
    return {
        publicKey: forge.pki.publicKeyFromPem(pem.publicPem) as forge.pki.rsa.PublicKey,
        privateKey: forge.pki.privateKeyFromPem(pem.privatePem) as forge.pki.rsa.PrivateKey,
        privatePem: pem.privatePem,
    };
}

function serial(): string {
    // Positive (leading bit clear), as X.509 requires.
    const bytes = randomBytes(16);
    bytes[0] &= 0x7f;
    return bytes.toString("hex");
}

/**
 * A CA valid for a day and a server certificate for `hostNames` signed by it. Made fresh for each run and never
 * written anywhere but the run's temporary directory: trusting it trusts nothing else.
 */
export async function makeCertificates(hostNames: readonly string[], keys?: Promise<readonly [RsaKeyPem, RsaKeyPem]>): Promise<Certificates> {
    const now = new Date();
    const later = new Date(now.getTime() + 24 * 3600 * 1000);
    const before = new Date(now.getTime() - 3600 * 1000);

    const [ca, leaf] = (await (keys ?? Promise.all([rsaKeyPair(), rsaKeyPair()]))).map(forgeKeys);
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.publicKey;
    caCert.serialNumber = serial();
    caCert.validity.notBefore = before;
    caCert.validity.notAfter = later;
    const caName = [{ name: "commonName", value: "aks-workload-identity e2e throwaway CA" }];
    caCert.setSubject(caName);
    caCert.setIssuer(caName);
    caCert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    caCert.sign(ca.privateKey, forge.md.sha256.create());

    const cert = forge.pki.createCertificate();
    cert.publicKey = leaf.publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = before;
    cert.validity.notAfter = later;
    cert.setSubject([{ name: "commonName", value: hostNames[0] }]);
    cert.setIssuer(caName);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: hostNames.map((value) => ({ type: 2, value })) },
        { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(ca.privateKey, forge.md.sha256.create());

    return { caCert: forge.pki.certificateToPem(caCert), cert: forge.pki.certificateToPem(cert), key: leaf.privatePem };
}
