import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Config } from '../config.js';
import { day, type LetterContent, signatureLine, stateName, TEST_MARK } from './lmn.views.js';

type LetterPaper = Config['letterPaper'];

// DejaVu Sans, embedded (subset) in every letter: any name prints, and no viewer substitutes a font.
const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

/**
 * Issue 10 item 3 — the Letter of Medical Necessity as a PDF (pdfkit): the patient, the diagnoses
 * with their ICD-10-CM codes, each covered item with its use and duration, the certification, the
 * clinician with NPI, licence and practice address, the electronic signature line, and the
 * verification code as text and as a QR code. A test letter carries its mark at top and bottom.
 */
export async function letterPdf(content: LetterContent, paper: LetterPaper): Promise<Buffer> {
  // Loaded on the first letter, not at start-up.
  const [{ default: PDFDocument }, { default: QRCode }] = await Promise.all([
    import('pdfkit'),
    import('qrcode'),
  ]);
  const { regular, bold } = loadFonts();
  const qr = content.verification
    ? await QRCode.toBuffer(content.verification.url, { type: 'png', margin: 1, width: 180 })
    : undefined;
  const doc = new PDFDocument({
    size: paper,
    margin: 56,
    info: { Title: 'Letter of Medical Necessity', Author: content.clinician.name, Creator: 'Qualify' },
  });
  doc.registerFont('body', regular);
  doc.registerFont('bold', bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const testMark = () => {
    if (!content.test) return;
    doc.font('bold').fontSize(14).fillColor('#b91c1c').text(TEST_MARK, { align: 'center' });
    doc.fillColor('black').moveDown(0.5);
  };
  const heading = (text: string) => doc.moveDown(0.6).font('bold').fontSize(12).text(text).moveDown(0.2);
  const line = (label: string, value: string) =>
    doc.font('bold').fontSize(10).text(`${label}: `, { continued: true }).font('body').text(value);

  testMark();
  doc.font('bold').fontSize(18).text('Letter of Medical Necessity');
  doc.moveDown(0.5);
  line('Patient', content.patientName);
  line('Date of birth', content.dateOfBirth ?? '—');
  line("Patient's state", stateName(content.state));
  line('Issue date', day(content.issuedAt));
  line('Valid until', day(content.expiresAt));

  heading('Diagnoses');
  for (const d of content.diagnoses)
    doc
      .font('body')
      .fontSize(10)
      .text(`• ${d.name}${d.code ? ` — ICD-10-CM ${d.code}` : ''}`);

  heading('Covered items');
  for (const item of content.items) {
    doc
      .font('bold')
      .fontSize(10)
      .text(`• ${item.name ?? item.sku} (${item.sku})${item.quantity > 1 ? ` × ${item.quantity}` : ''}`);
    doc.font('body').text(`  Recommended use: ${item.use}`).text(`  Duration: ${item.duration}`);
  }

  heading('Certification');
  doc.font('body').fontSize(10).text(content.statement);

  heading('Clinician');
  const { clinician } = content;
  doc.font('body').fontSize(10).text(`${clinician.name}, ${clinician.credentials}`);
  doc.text(`NPI ${clinician.npi}`);
  doc.text(`${stateName(content.state)} licence ${clinician.license ?? '—'}`);
  if (clinician.address) doc.text(clinician.address);
  doc.moveDown(0.5).font('bold').text(signatureLine(content));
  doc.font('body').fontSize(8).text('Signed electronically under the E-SIGN Act (15 U.S.C. § 7001).');

  if (content.verification) {
    heading('Verification');
    const top = doc.y;
    doc.font('body').fontSize(10).text(`Verification code: ${content.verification.code}`);
    doc.text(`Verify at: ${content.verification.url}`);
    if (qr) doc.image(qr, doc.page.width - 56 - 90, top, { width: 90 });
    doc.y = Math.max(doc.y, top + 95);
  }
  doc.moveDown(0.5);
  testMark();
  doc.end();
  return done;
}
