// The text of a PDF, as a reader's software extracts it (pdf.js, the engine of Firefox's viewer):
// what a test compares with the facts the document must state.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Every page's text in reading order, items joined by spaces and lines by newlines. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const document = await getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : '')).join(''));
  }
  await document.destroy();
  return pages.join('\n');
}

/** Whether the text states `fact`, however its lines were wrapped (whitespace is ignored on both sides). */
export function states(text: string, fact: string): boolean {
  return text.replace(/\s+/g, '').includes(fact.replace(/\s+/g, ''));
}
