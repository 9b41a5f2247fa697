/**
 * A throw-away certificate authority for one environment, made with the openssl CLI (Node has no API
 * to create X.509 certificates). Keys are ECDSA P-256: fast to make, accepted by every component.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertFiles {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertFiles;
  /** Issues a leaf certificate signed by the CA. */
  issue(name: string, opts: IssueOptions): Promise<CertFiles>;
  /** A bare key pair (e.g. the service-account token signer): private and public PEM files. */
  keyPair(name: string): Promise<{ key: string; pub: string }>;
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  /** Subject alternative names such as `IP:127.0.0.1` or `DNS:localhost`; implies a server certificate. */
  sans?: string[];
  client?: boolean;
}

async function newKey(openssl: string, path: string): Promise<void> {
  await run(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

export async function createPki(openssl: string, dir: string): Promise<Pki> {
  const ca: CertFiles = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await newKey(openssl, ca.key);
  await run(openssl, ['req', '-x509', '-new', '-key', ca.key, '-subj', '/CN=kelemetry-test-ca', '-days', '3650', '-out', ca.cert]);

  async function issue(name: string, opts: IssueOptions): Promise<CertFiles> {
    const files: CertFiles = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    const subject = `/CN=${opts.commonName}` + (opts.organizations ?? []).map((o) => `/O=${o}`).join('');
    const usages = [opts.sans ? 'serverAuth' : '', opts.client ? 'clientAuth' : ''].filter(Boolean).join(',');
    writeFileSync(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usages}`,
        ...(opts.sans ? [`subjectAltName=${opts.sans.join(',')}`] : []),
      ].join('\n'),
    );
    await newKey(openssl, files.key);
    await run(openssl, ['req', '-new', '-key', files.key, '-subj', subject, '-out', csr]);
    await run(openssl, [
      'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
      '-days', '365', '-extfile', ext, '-out', files.cert,
    ]);
    return files;
  }

  async function keyPair(name: string): Promise<{ key: string; pub: string }> {
    const key = join(dir, `${name}.key`);
    const pub = join(dir, `${name}.pub`);
    await newKey(openssl, key);
    await run(openssl, ['pkey', '-in', key, '-pubout', '-out', pub]);
    return { key, pub };
  }

  return { dir, ca, issue, keyPair };
}

/** Reads the PEM files of a certificate for Node's TLS options. */
export function readCert(files: CertFiles, ca: CertFiles): { cert: Buffer; key: Buffer; ca: Buffer } {
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(ca.cert) };
}
