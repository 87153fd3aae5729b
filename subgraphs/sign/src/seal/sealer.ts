/**
 * PAdES-style sealing: a PKCS#7 detached signature (adbe.pkcs7.detached) over the whole PDF but the
 * signature's own contents, made with the installation's seal (certificate.ts): @signpdf places the
 * signature dictionary and fills it, node-forge builds the CMS SignedData (content type, signing time
 * and message digest as signed attributes, in the order EU validators expect), and node's crypto
 * does the RSA signature (native, many times faster than forge's). Any standard verifier (pdfsig,
 * Acrobat) checks it; a changed byte breaks it.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import type { PDFDocument } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import signpdf from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import type { SealIdentity } from './certificate';

export const sha256Hex = (bytes: Buffer | Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 section 9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

class SealSigner extends Signer {
  constructor(private readonly identity: SealIdentity) { super(); }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdfBuffer.toString('binary'));
    p7.addCertificate(this.identity.certificate);
    // forge asks the key to sign the digest of the signed attributes: PKCS#1 v1.5 over its DigestInfo, done by node's crypto.
    const key = this.identity.key;
    const signingKey: forge.pki.rsa.PrivateKey = {
      ...this.identity.forgeKey,
      sign: (md: forge.md.MessageDigest | forge.Bytes) => crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(typeof md === 'string' ? md : md.digest().getBytes(), 'binary')])).toString('binary'),
    };
    p7.addSigner({
      key: signingKey,
      certificate: this.identity.certificate,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
        { type: forge.pki.oids.signingTime!, value: (signingTime ?? new Date()).toISOString() },
        { type: forge.pki.oids.messageDigest! },
      ],
    });
    p7.sign({ detached: true });
    return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }
}

export class Sealer {
  private readonly signer: SealSigner;

  constructor(readonly identity: SealIdentity) {
    this.signer = new SealSigner(identity);
  }

  async seal(doc: PDFDocument, reason: string, signingTime: Date): Promise<Buffer> {
    pdflibAddPlaceholder({
      pdfDoc: doc, reason, contactInfo: 'Imagy', name: this.identity.commonName, location: 'Imagy sign', signingTime, signatureLength: 8192, appName: 'Imagy sign',
    });
    const prepared = Buffer.from(await doc.save({ useObjectStreams: false }));
    return signpdf.sign(prepared, this.signer, signingTime);
  }
}
