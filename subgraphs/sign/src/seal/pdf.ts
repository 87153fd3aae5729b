/**
 * PDF work with pdf-lib: checking an upload is a readable PDF, rendering a contract's text into one,
 * and appending the pages that carry evidence (a copy's signature stamp, the certificate of completion).
 */
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

const MAGIC = Buffer.from('%PDF-');
const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;

/** The parsed document, or null for anything that is not an unencrypted PDF with at least one page. */
export async function readPdf(bytes: Buffer): Promise<PDFDocument | null> {
  if (bytes.length < 64 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  try {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
    return doc.getPageCount() > 0 ? doc : null;
  } catch {
    return null;
  }
}

/** Text the standard font can draw: anything outside its character set becomes "?". */
function drawable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  return [...text].map((c) => (supported.has(c.codePointAt(0)!) ? c : c === '\t' ? '    ' : '?')).join('');
}

function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= width) { line = candidate; continue; }
      if (line) lines.push(line);
      // A single word wider than the line is cut where it overflows.
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** Writes lines top-down from page to page; returns the pages it added. */
function writeLines(doc: PDFDocument, font: PDFFont, bold: PDFFont, blocks: Array<{ text: string; size: number; bold?: boolean }>): PDFPage[] {
  const pages: PDFPage[] = [];
  let page = doc.addPage(A4);
  pages.push(page);
  let y = A4[1] - MARGIN;
  for (const block of blocks) {
    const f = block.bold ? bold : font;
    for (const line of wrap(f, block.size, drawable(f, block.text), A4[0] - 2 * MARGIN)) {
      if (y < MARGIN + block.size) {
        page = doc.addPage(A4);
        pages.push(page);
        y = A4[1] - MARGIN;
      }
      page.drawText(line, { x: MARGIN, y: y - block.size, size: block.size, font: f });
      y -= block.size * 1.4;
    }
    y -= block.size * 0.6;
  }
  return pages;
}

/** A contract's text as a PDF: the title, then the body's paragraphs (lending.contract.issued). */
export async function renderTextPdf(title: string, body: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setProducer('Imagy sign');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  writeLines(doc, font, bold, [{ text: title, size: 16, bold: true }, { text: body, size: 11 }]);
  return Buffer.from(await doc.save());
}

/** Appends pages of evidence (heading + lines) to a PDF and returns the document for sealing or saving. */
export async function appendEvidence(bytes: Buffer, heading: string, lines: string[]): Promise<PDFDocument> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  writeLines(doc, font, bold, [{ text: heading, size: 15, bold: true }, ...lines.map((text) => ({ text, size: 9 }))]);
  return doc;
}
