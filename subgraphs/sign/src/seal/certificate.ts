/**
 * The certificate that seals completed documents. Production gives a PKCS#12 (SIGN_SEAL_P12, base64,
 * with SIGN_SEAL_P12_PASSWORD); a developer machine gets a self-signed dev certificate generated at
 * first start into `<state dir>/keys/sign-seal.pem` (git-ignored, mode 0600) and read back by every
 * later process. Written to a temporary file and linked into place, like platform's installationSecret,
 * so processes starting together agree on one certificate.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { localStateDir } from '@imagy/platform/config';

export interface SealIdentity {
  /** PKCS#12 (DER) holding the key and certificate. */
  p12: Buffer;
  passphrase: string;
  /** Subject common name, shown in the signature and the certificate page. */
  commonName: string;
  /** SHA-256 (hex) of the certificate's DER. */
  fingerprint: string;
}

const DEV_COMMON_NAME = 'Imagy development seal (not trusted)';

function devPem(): string {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const attrs = [{ name: 'commonName', value: DEV_COMMON_NAME }, { name: 'organizationName', value: 'Imagy' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return `${keyPem}${forge.pki.certificateToPem(cert)}`;
}

function loadOrCreateDevPem(dir: string): string {
  const target = path.join(dir, 'sign-seal.pem');
  if (!fs.existsSync(target)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temporary, devPem(), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  return fs.readFileSync(target, 'utf8');
}

function describe(p12: Buffer, passphrase: string): SealIdentity {
  const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary'))), passphrase);
  const bags = parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const cert = bags[0]?.cert;
  if (!cert) throw new Error('the seal PKCS#12 holds no certificate');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const cn = cert.subject.getField('CN');
  return { p12, passphrase, commonName: typeof cn?.value === 'string' ? cn.value : 'Imagy', fingerprint: crypto.createHash('sha256').update(der).digest('hex') };
}

/** The seal from the environment (production) or the dev certificate of the state folder. */
export function loadSealIdentity(dir = path.join(localStateDir(), 'keys')): SealIdentity {
  const given = process.env.SIGN_SEAL_P12;
  if (given) return describe(Buffer.from(given, 'base64'), process.env.SIGN_SEAL_P12_PASSWORD ?? '');
  const pem = loadOrCreateDevPem(dir);
  const key = forge.pki.privateKeyFromPem(pem);
  const cert = forge.pki.certificateFromPem(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
  // A fresh in-memory passphrase: the PKCS#12 never leaves this process.
  const passphrase = crypto.randomBytes(18).toString('base64url');
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: '3des' });
  return describe(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'), passphrase);
}
