// CSV as people open it in a spreadsheet: RFC 4180 (CRLF, double quotes doubled, a header row),
// UTF-8 with an optional byte-order mark, and protection against formula injection. Pure: no I/O.
//
// Formula injection (OWASP "CSV Injection"): a cell whose text starts with `=`, `+`, `-`, `@`, tab
// or carriage return (or the full-width `＝ ＋ － ＠`) is prefixed with a single quote, so a
// spreadsheet shows it as text instead of evaluating it. The decision is taken on the value's
// type, not on how it looks:
//  - a JSON number is data, written as a number: -5 stays -5 (a number's text is only digits,
//    sign, point and exponent, so it cannot carry a formula);
//  - text is text: "-5+cmd|' /C calc'!A0" becomes "'-5+cmd|' /C calc'!A0", and so does the text
//    "-5" (it becomes "'-5"): a string that merely looks like a number is still a string, and
//    the quote only marks it as the text it is.
// Every string cell is also wrapped in double quotes, so a cell holding `;=cmd` cannot become a
// formula cell in a locale whose spreadsheet splits on semicolons. The header row goes through the
// same rules (module records take column names from customer data).
import { stringify, type Options } from 'csv-stringify/sync';

/** What a CSV cell holds once a row is projected: text, a number, or nothing (an empty cell). */
export type CsvCell = string | number | null;

export interface CsvFormat {
  /** Start the file with a UTF-8 byte-order mark, so Excel on Windows reads it as UTF-8. */
  bom?: boolean;
}

const OPTIONS: Options = {
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: 'windows',
  // RFC 4180: a field with CR or LF is quoted (csv-stringify turns this off when a delimiter is given).
  quote_record_delimiter: true,
  quoted_string: true,
  escape_formulas: true,
  header: false,
  eof: true,
};

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';
export const UTF8_BOM = '\ufeff';

/** The header line (with the BOM first if asked for). */
export function csvHeader(headers: readonly string[], format: CsvFormat = {}): string {
  return stringify([headers.slice()], { ...OPTIONS, bom: format.bom === true });
}

/**
 * Whether csv-stringify's `escape_formulas` neutralises this text: it starts with `=`, `+`, `-`,
 * `@`, tab, carriage return or their full-width forms. A character-code test, not a regular
 * expression: it runs once per text cell of every export.
 */
function startsLikeFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d || c === 0xff1d || c === 0xff0b || c === 0xff0d || c === 0xff20;
}

/**
 * A cell as csv-stringify writes it with OPTIONS, for the cells that need no formula
 * neutralisation: empty for nothing, a number as JavaScript prints it, text in double quotes with
 * its quotes doubled. `undefined` for a cell that needs more, which csv-stringify then writes.
 * Exports are millions of cells and csv-stringify's general path costs several times a plain join
 * per cell (bench/export.bench.ts); test/shared/exports-csv.test.ts checks this path writes exactly
 * what csv-stringify writes.
 */
function plainCell(cell: CsvCell): string | undefined {
  if (cell === null) return '';
  if (typeof cell === 'number') return `${cell}`;
  if (startsLikeFormula(cell)) return undefined;
  return `"${cell.includes('"') ? cell.replaceAll('"', '""') : cell}"`;
}

/** One data line for an already-projected row, ending with CRLF. */
export function csvLine(row: readonly CsvCell[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const cell = plainCell(row[i]!);
    // A cell to neutralise: csv-stringify writes the whole row (it is rare in real exports).
    if (cell === undefined) return stringify([row as CsvCell[]], OPTIONS);
    line += i === 0 ? cell : `,${cell}`;
  }
  return `${line}\r\n`;
}

/** Data lines for a batch of already-projected rows, each ending with CRLF. */
export function csvLines(rows: readonly (readonly CsvCell[])[]): string {
  let text = '';
  for (const row of rows) text += csvLine(row);
  return text;
}

/** A whole CSV document in memory: for small tables (the manifest's summary, tests). */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[], format: CsvFormat = {}): string {
  return csvHeader(headers, format) + csvLines(rows);
}

/**
 * Turns any JSON-ish value into a cell: numbers stay numbers; booleans become `true`/`false`;
 * dates ISO 8601; arrays and objects their JSON text (which starts with `[` or `{`, so a formula
 * inside it is never at the start of the cell); null and undefined an empty cell.
 */
export function csvCell(value: unknown): CsvCell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value) ?? null;
  }
}

/**
 * Flattens nested plain objects into dotted paths (`{ a: { b: 1 } }` → `a.b`), so each leaf gets
 * a column and its text is checked for formulas like any other cell. Arrays and empty objects are
 * leaves (their JSON text). A `.` or `\` inside a key is escaped with `\`, so paths never collide.
 */
export function flattenObject(value: Record<string, unknown>, into: Map<string, unknown> = new Map(), prefix = ''): Map<string, unknown> {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix + key.replace(/[\\.]/g, (c) => `\\${c}`);
    if (isPlainObject(child) && Object.keys(child).length > 0) flattenObject(child, into, `${path}.`);
    else into.set(path, child);
  }
  return into;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
