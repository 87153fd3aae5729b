/**
 * The certificate that seals completed documents. Production gives a PKCS#12 (SIGN_SEAL_P12, base64,
 * with SIGN_SEAL_P12_PASSWORD), read once at start; a developer machine gets a self-signed dev certificate generated at
 * first start into `<state dir>/keys/sign-seal.pem` (git-ignored, mode 0600) and read back by every
 * later process (platform config `createOnce`: processes starting together agree on one certificate).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import forge from 'node-forge';
import { createOnce, localStateDir } from '@imagy/platform/config';

export interface SealIdentity {
  /** The signing key (node crypto: RSA signing in native code). */
  key: crypto.KeyObject;
  /** The same key as node-forge holds it (forge builds the CMS; the sealer lends it node's RSA). */
  forgeKey: forge.pki.rsa.PrivateKey;
  /** The certificate embedded in every signature. */
  certificate: forge.pki.Certificate;
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

function identityOf(keyPem: string, certificate: forge.pki.Certificate): SealIdentity {
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  const cn = certificate.subject.getField('CN');
  return { key: crypto.createPrivateKey(keyPem), forgeKey: forge.pki.privateKeyFromPem(keyPem), certificate, commonName: typeof cn?.value === 'string' ? cn.value : 'Imagy', fingerprint: crypto.createHash('sha256').update(der).digest('hex') };
}

/** Key and certificate of a PKCS#12 (the certificate whose public key matches the key). */
function fromP12(p12: Buffer, passphrase: string): SealIdentity {
  const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary'))), passphrase);
  const keyBag = (parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [])[0]
    ?? (parsed.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? [])[0];
  const key = keyBag?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new Error('the seal PKCS#12 holds no private key');
  const certs = (parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []).map((b) => b.cert).filter((c): c is forge.pki.Certificate => !!c);
  const certificate = certs.find((c) => {
    const pub = c.publicKey as forge.pki.rsa.PublicKey;
    return pub.n.compareTo(key.n) === 0 && pub.e.compareTo(key.e) === 0;
  });
  if (!certificate) throw new Error('the seal PKCS#12 holds no certificate of its key');
  return identityOf(forge.pki.privateKeyToPem(key), certificate);
}

/** The seal from the environment (production) or the dev certificate of the state folder. */
export function loadSealIdentity(dir = path.join(localStateDir(), 'keys')): SealIdentity {
  const given = process.env.SIGN_SEAL_P12;
  if (given) return fromP12(Buffer.from(given, 'base64'), process.env.SIGN_SEAL_P12_PASSWORD ?? '');
  const pem = createOnce(path.join(dir, 'sign-seal.pem'), devPem);
  const keyPem = pem.slice(0, pem.indexOf('-----BEGIN CERTIFICATE-----'));
  return identityOf(keyPem, forge.pki.certificateFromPem(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----'))));
}
