// Reading CSV in tests, with csv-parse: a standard RFC 4180 reader (CRLF rows, a leading BOM
// skipped) checks what the product writes, so the test does not trust a reader of our own.
import { parse } from 'csv-parse/sync';

export function parseCsv(text: string): string[][] {
  return parse(text, { bom: true, record_delimiter: '\r\n', relax_column_count: true });
}
