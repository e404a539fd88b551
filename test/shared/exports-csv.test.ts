// CSV for exports: RFC 4180 quoting, the byte-order mark, formula-injection neutralisation (and
// what happens to genuine numbers), cells from nested values, and reading it back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvHeader, csvLines, flattenObject, toCsv, UTF8_BOM } from '../../shared/exports/csv.js';
import { stringify } from 'csv-stringify/sync';
import { parseCsv } from '../support/csv.js';
import { DataColumns, OTHER_DATA_COLUMN, type RecordRow } from '../../shared/exports/tenant-rows.js';
import { CsvEncoder } from '../../shared/exports/writers.js';
import type { RecordView } from '../../shared/records/record.js';

const line = (...cells: (string | number | null)[]): string => csvLines([cells]);

describe('CSV per RFC 4180', () => {
  test('a header row, then one CRLF-terminated line per row; text in double quotes, numbers bare', () => {
    assert.equal(toCsv(['name', 'hours'], [['Ada', 8], ['Grace', 7.5]]), '"name","hours"\r\n"Ada",8\r\n"Grace",7.5\r\n');
  });

  test('commas, double quotes and line breaks stay inside one quoted field; quotes are doubled', () => {
    assert.equal(line('a,b'), '"a,b"\r\n');
    assert.equal(line('say "hi"'), '"say ""hi"""\r\n');
    assert.equal(line('two\r\nlines'), '"two\r\nlines"\r\n');
    assert.equal(line('lf\nonly'), '"lf\nonly"\r\n');
    assert.equal(line('cr\ronly'), '"cr\ronly"\r\n');
    assert.deepEqual(parseCsv(line('a,b', 'say "hi"', 'two\r\nlines', 'lf\nonly')), [['a,b', 'say "hi"', 'two\r\nlines', 'lf\nonly']]);
  });

  test('an empty string is a quoted empty field and a missing value an empty field', () => {
    assert.equal(line('', null, 'x'), '"",,"x"\r\n');
  });

  test('no byte-order mark unless asked for; with it, the file starts with EF BB BF', () => {
    const without = Buffer.from(csvHeader(['a']), 'utf8');
    assert.equal(without.toString('utf8'), '"a"\r\n');
    const withBom = Buffer.from(csvHeader(['a'], { bom: true }), 'utf8');
    assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(withBom.subarray(3).toString('utf8'), '"a"\r\n');
    assert.deepEqual(parseCsv(csvHeader(['a'], { bom: true }) + line('é')), [['a'], ['é']]);
  });

  test('non-ASCII text is written as UTF-8', () => {
    const bytes = Buffer.from(line('Zoë Ó Súilleabháin 株式会社'), 'utf8');
    assert.equal(bytes.toString('utf8'), '"Zoë Ó Súilleabháin 株式会社"\r\n');
  });
});

describe('formula-injection neutralisation', () => {
  const payloads = [
    '=HYPERLINK("http://evil","click")',
    '+SUM(1+1)',
    "-2+3+cmd|' /C calc'!A0",
    '@SUM(1+1)',
    '\t=1+2',
    '\r=1+2',
    // full-width forms some spreadsheets fold to their ASCII twins
    '＝1+2',
    '＋1',
    '－1',
    '＠SUM(A1)',
  ];

  for (const payload of payloads) {
    test(`text starting with ${JSON.stringify(payload[0])} is prefixed with a single quote`, () => {
      const [[cell]] = parseCsv(line(payload)) as [[string]];
      assert.equal(cell, `'${payload}`);
    });
  }

  test('the OWASP example keeps the quote, the doubled quotes and the semicolon inside one quoted cell', () => {
    assert.equal(line('=1+2";=1+2'), '"\'=1+2"";=1+2"\r\n');
  });

  test('a negative number is data and stays a bare number; text that starts with a minus is neutralised, even "-5"', () => {
    assert.equal(line(-5, -0.25, -1e21, 0, 42), '-5,-0.25,-1e+21,0,42\r\n');
    assert.equal(line('-5'), '"\'-5"\r\n');
    assert.equal(line('-5+cmd|\' /C calc\'!A0'), '"\'-5+cmd|\' /C calc\'!A0"\r\n');
  });

  test('a JSON number from customer data keeps its type through csvCell, so -5 is still written bare', () => {
    assert.equal(csvCell(-5), -5);
    assert.equal(csvLines([[csvCell(-5), csvCell('-5')]]), '-5,"\'-5"\r\n');
  });

  test('text with a trigger character later in the cell is left alone', () => {
    assert.equal(line('a=b', 'x-y', 'me@example.test', '1+1'), '"a=b","x-y","me@example.test","1+1"\r\n');
  });

  test('header cells are neutralised too (module columns are named by customer data)', () => {
    assert.equal(csvHeader(['recordId', 'data.=cmd']), '"recordId","data.=cmd"\r\n', 'prefixed column names never start with a trigger');
    assert.equal(csvHeader(['=cmd', '@x']), '"\'=cmd","\'@x"\r\n');
  });
});

describe('cells from nested values', () => {
  test('booleans, dates, lists and objects become text; null and undefined empty cells', () => {
    assert.equal(csvCell(true), 'true');
    assert.equal(csvCell(false), 'false');
    assert.equal(csvCell(null), null);
    assert.equal(csvCell(undefined), null);
    assert.equal(csvCell(new Date('2026-02-05T10:00:00Z')), '2026-02-05T10:00:00.000Z');
    assert.equal(csvCell(['a', 1]), '["a",1]');
    assert.equal(csvCell({ a: 1 }), '{"a":1}');
  });

  test('nested objects flatten to dotted paths; lists and empty objects are single cells; dots in keys are escaped', () => {
    const flat = flattenObject({ site: { name: 'North', floor: 2 }, tags: ['x'], none: {}, 'a.b': 1, a: { b: 2 } });
    assert.deepEqual([...flat.entries()], [
      ['site.name', 'North'],
      ['site.floor', 2],
      ['tags', ['x']],
      ['none', {}],
      ['a\\.b', 1],
      ['a.b', 2],
    ]);
  });

  test('a formula in a nested value is neutralised in its flattened column; inside a JSON text cell it is not at the start', () => {
    const flat = flattenObject({ location: { site: '=HYPERLINK("http://evil")' }, list: ['=cmd'] });
    const text = csvLines([[...flat.values()].map(csvCell)]);
    assert.deepEqual(parseCsv(text), [["'=HYPERLINK(\"http://evil\")", '["=cmd"]']]);
  });
});

describe('module record columns', () => {
  const row = (recordId: string, data: Record<string, unknown>): RecordRow => {
    const view: RecordView = {
      recordId,
      module: 'shift-logs',
      status: 'active',
      peopleUserIds: [],
      data,
      original: data,
      corrections: [],
      createdAt: 'c',
      updatedAt: 'u',
    };
    return { view, flat: flattenObject(data) };
  };

  test('data columns in first-seen order, between the record columns and original/corrections', () => {
    const columns = new DataColumns();
    columns.add(row('r1', { shift: 'night', hours: 8 }).flat);
    columns.add(row('r2', { hours: 6, site: { name: 'N' } }).flat);
    const headers = columns.columns().map((c) => c.header);
    assert.deepEqual(headers, [
      'recordId', 'module', 'status', 'erasure', 'subjectUserId', 'peopleUserIds', 'createdAt', 'updatedAt',
      'data.shift', 'data.hours', 'data.site.name', OTHER_DATA_COLUMN, 'original', 'corrections',
    ]);
  });

  test('fields beyond the column limit, or first seen after the columns were fixed, land as JSON in the other-fields column', () => {
    const columns = new DataColumns(2);
    columns.add(row('r1', { a: 1, b: 2, c: 3 }).flat);
    assert.equal(columns.overflowed, true);
    const encoder = new CsvEncoder(columns.columns());
    const [header, data] = parseCsv(encoder.start() + encoder.encode([row('r1', { a: 1, b: 2, c: 3, d: '=x' })]));
    const at = (name: string): string => data![header!.indexOf(name)]!;
    assert.equal(at('data.a'), '1');
    assert.equal(at('data.b'), '2');
    assert.deepEqual(JSON.parse(at(OTHER_DATA_COLUMN)) as unknown, { c: 3, d: '=x' });
  });
});

describe('reading CSV back', () => {
  test('what toCsv writes, parseCsv reads, cell for cell (formula quotes included)', () => {
    const rows = [['plain', 'with,comma', 'with "quotes"', 'multi\r\nline', '=evil', ''], ['é', 'x', 'y', 'z', '@a', 'b']];
    const parsed = parseCsv(toCsv(['a', 'b', 'c', 'd', 'e', 'f'], rows, { bom: true }));
    assert.deepEqual(parsed, [
      ['a', 'b', 'c', 'd', 'e', 'f'],
      ['plain', 'with,comma', 'with "quotes"', 'multi\r\nline', "'=evil", ''],
      ['é', 'x', 'y', 'z', "'@a", 'b'],
    ]);
  });

  test('an unterminated quoted field is an error, not a silent truncation', () => {
    assert.throws(() => parseCsv('"abc'), /Quote Not Closed/);
  });

  test('a file starting with the BOM reads the same as one without', () => {
    assert.deepEqual(parseCsv(`${UTF8_BOM}"a"\r\n`), parseCsv('"a"\r\n'));
  });
});

describe('the fast path writes what csv-stringify writes', () => {
  // The options shared/exports/csv.ts gives csv-stringify; csvLines must agree with it byte for byte.
  const reference = (rows: (string | number | null)[][]): string =>
    stringify(rows, {
      delimiter: ',',
      quote: '"',
      escape: '"',
      record_delimiter: 'windows',
      quote_record_delimiter: true,
      quoted_string: true,
      escape_formulas: true,
      header: false,
      eof: true,
    });
  const edgeCells: (string | number | null)[] = [
    null, '', ' ', 'plain', 'a,b', 'say "hi"', '"', '""', 'line\nbreak', 'cr\rlf\r\n', '-5', '=1+1', '+x', '@x', '\tx', '\rx', '＝x', '＋x', '－x', '＠x', 'x=1',
    "'quoted", 'é ü 漢字 🙂', 0, -0, 5, -5, 1.5, -1e-7, 1e21, Number.MAX_SAFE_INTEGER, '{"a":"b"}', '[1,2]',
  ];

  test('for every edge-case cell, alone and in rows with others', () => {
    for (const cell of edgeCells) assert.equal(csvLines([[cell]]), reference([[cell]]), JSON.stringify(cell));
    const rows = edgeCells.map((cell, i) => [cell, edgeCells[(i * 7) % edgeCells.length]!, i]);
    assert.equal(csvLines(rows), reference(rows));
  });

  test('for random rows of random text and numbers', () => {
    const alphabet = ['a', 'Z', ',', '"', '\n', '\r', ' ', '-', '=', '+', '@', '\t', '＝', 'é', "'", '1', '.'];
    let seed = 17;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const cell = (): string | number | null => {
      const kind = random(4);
      if (kind === 0) return null;
      if (kind === 1) return (random(2000) - 1000) / (random(3) + 1);
      return Array.from({ length: random(6) }, () => alphabet[random(alphabet.length)]).join('');
    };
    const rows = Array.from({ length: 2000 }, () => Array.from({ length: random(5) + 1 }, cell));
    assert.equal(csvLines(rows), reference(rows));
  });
});
