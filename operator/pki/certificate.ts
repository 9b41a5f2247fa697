/**
 * Issues X.509 certificates with ECDSA P-256 keys (Node's crypto makes keys and signatures but has no
 * certificate builder): a self-signed CA, and the server and client certificates it signs. Just what the
 * operator's TLS between components needs — no CSRs, no revocation.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, context, objectId, octetString, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der.ts';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** What a leaf certificate may be used for (extended key usage). */
export type Usage = 'server' | 'client';

export interface CertificatePem {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  /** DNS names (wildcards allowed) and IPv4 addresses (subjectAltName). */
  hosts?: string[];
  /** Leaf certificates only; default server. */
  usages?: Usage[];
  notBefore: Date;
  notAfter: Date;
}

const name = (commonName: string) => sequence(set(sequence(objectId(OID.commonName), utf8String(commonName))));

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectId(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** KeyUsage bits as a minimal BIT STRING (bit 0 is the most significant bit of the first byte). */
function keyUsage(bits: number[]): Buffer {
  const byte = bits.reduce((acc, b) => acc | (0x80 >> b), 0);
  const unused = Math.min(...bits.map((b) => 7 - b));
  return bitString(Buffer.from([byte]), unused);
}

const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

function subjectAltName(hosts: string[]): Buffer {
  return sequence(
    ...hosts.map((h) => {
      const family = isIP(h);
      if (family === 4) return context(7, Buffer.from(h.split('.').map(Number)), false);
      if (family === 6) throw new Error(`IPv6 subjectAltName ${h} is not supported`);
      return context(2, Buffer.from(h, 'ascii'), false);
    }),
  );
}

const keyId = (publicKey: KeyObject) => createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();

/** The PEM certificate for `subjectKey` (a private key: self-signed when there is no issuer). */
function build(req: CertificateRequest, subjectKey: KeyObject, issuer: { name: string; key: KeyObject; keyId: Buffer } | undefined): string {
  const publicKey = createPublicKey(subjectKey);
  const isCa = !issuer;
  const ski = keyId(publicKey);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const extensions = [
    extension(OID.basicConstraints, true, sequence(...(isCa ? [boolean(true)] : []))),
    extension(OID.keyUsage, true, keyUsage(isCa ? [KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature])),
    extension(OID.subjectKeyId, false, octetString(ski)),
    ...(issuer ? [extension(OID.authorityKeyId, false, sequence(context(0, issuer.keyId, false)))] : []),
    ...(isCa ? [] : [extension(OID.extKeyUsage, false, sequence(...(req.usages ?? ['server']).map((u) => objectId(u === 'server' ? OID.serverAuth : OID.clientAuth))))]),
    ...(req.hosts?.length ? [extension(OID.subjectAltName, false, subjectAltName(req.hosts))] : []),
  ];
  const algorithm = sequence(objectId(OID.ecdsaWithSha256));
  const tbs = sequence(
    context(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name(issuer?.name ?? req.commonName),
    sequence(time(req.notBefore), time(req.notAfter)),
    name(req.commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    context(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, issuer?.key ?? subjectKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A self-signed CA certificate and its key. */
export function issueCa(req: CertificateRequest): CertificatePem {
  const key = newKey();
  return { certPem: build(req, key, undefined), keyPem: pem(key) };
}

/** A leaf certificate (server by default, for `req.hosts`), signed by the CA. */
export function issueLeaf(req: CertificateRequest, ca: CertificatePem): CertificatePem {
  const caCert = new X509Certificate(ca.certPem);
  const caName = /(?:^|\n)CN=([^\n]*)/.exec(caCert.subject)?.[1];
  if (caName === undefined) throw new Error(`CA certificate has no common name (subject ${caCert.subject})`);
  const key = newKey();
  return { certPem: build(req, key, { name: caName, key: createPrivateKey(ca.keyPem), keyId: keyId(caCert.publicKey) }), keyPem: pem(key) };
}
