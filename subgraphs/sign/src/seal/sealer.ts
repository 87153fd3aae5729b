/**
 * PAdES-style sealing: a PKCS#7 detached signature (adbe.pkcs7.detached) over the whole PDF but the
 * signature's own contents, made with the installation's seal (certificate.ts) through @signpdf.
 * Any standard verifier (pdfsig, Acrobat) checks it; a changed byte breaks it.
 */
import crypto from 'node:crypto';
import type { PDFDocument } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { P12Signer } from '@signpdf/signer-p12';
import signpdf from '@signpdf/signpdf';
import type { SealIdentity } from './certificate';

export const sha256Hex = (bytes: Buffer | Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

export class Sealer {
  constructor(readonly identity: SealIdentity) {}

  async seal(doc: PDFDocument, reason: string, signingTime: Date): Promise<Buffer> {
    pdflibAddPlaceholder({
      pdfDoc: doc, reason, contactInfo: 'Imagy', name: this.identity.commonName, location: 'Imagy sign', signingTime, signatureLength: 8192, appName: 'Imagy sign',
    });
    const prepared = Buffer.from(await doc.save({ useObjectStreams: false }));
    return signpdf.sign(prepared, new P12Signer(this.identity.p12, { passphrase: this.identity.passphrase }), signingTime);
  }
}
