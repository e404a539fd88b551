// Rendering a structured notice into subject, text and HTML: values are escaped, text mirrors HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderEmail, type StructuredEmail } from '../../shared/email/render.js';

function structured(overrides: Partial<StructuredEmail> = {}): StructuredEmail {
  return {
    subject: 'Your data export is ready',
    title: 'Your data export is ready',
    paragraphs: ['We have prepared the export you asked for.', 'The link works for 72 hours.'],
    facts: [
      { label: 'Request', value: 'DSAR-2031-0042' },
      { label: 'Due by', value: '4 March 2031' },
    ],
    link: { label: 'Download the export', url: 'https://privacy.example/exports/abc?sig=1&exp=2' },
    ...overrides,
  };
}

test('render escapes <script> and every other interpolated value in the HTML', () => {
  const hostile = '<script>alert("x")</script> & \'quoted\'';
  const { html } = renderEmail(
    structured({
      subject: hostile,
      title: hostile,
      paragraphs: [hostile],
      facts: [{ label: hostile, value: hostile }],
      link: { label: hostile, url: 'https://privacy.example/?q="><script>alert(1)</script>' },
    }),
  );
  assert.ok(!html.includes('<script'), 'no script element survives');
  assert.ok(!html.includes('alert("x")'), 'quotes are escaped too');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;'));
  assert.ok(!/href="[^"]*"[^>]*"/.test(html.replace(/href="[^"]*">/, '')), 'the link cannot break out of its attribute');
});

test('the plain text says what the HTML says, in the same order, unescaped', () => {
  const { subject, text, html } = renderEmail(structured());
  assert.equal(subject, 'Your data export is ready');
  assert.equal(
    text,
    [
      'Your data export is ready',
      '',
      'We have prepared the export you asked for.',
      '',
      'The link works for 72 hours.',
      '',
      'Request: DSAR-2031-0042',
      'Due by: 4 March 2031',
      '',
      'Download the export: https://privacy.example/exports/abc?sig=1&exp=2',
      '',
    ].join('\n'),
  );
  const order = ['<h1>Your data export is ready</h1>', '<p>We have prepared', '<p>The link works', '>Request</th><td>DSAR-2031-0042</td>', '>Due by</th><td>4 March 2031</td>', '<a href="https://privacy.example/exports/abc?sig=1&amp;exp=2">Download the export</a>'];
  const positions = order.map((fragment) => html.indexOf(fragment));
  assert.ok(positions.every((p) => p >= 0), `every part is in the HTML: ${JSON.stringify(positions)}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'in the same order as the text');
});

test('facts and link are optional', () => {
  const { text, html } = renderEmail(structured({ facts: [], link: undefined }));
  assert.equal(text, 'Your data export is ready\n\nWe have prepared the export you asked for.\n\nThe link works for 72 hours.\n');
  assert.ok(!html.includes('<table'));
  assert.ok(!html.includes('<a '));
});

test('line breaks cannot split the subject, and break lines in paragraphs', () => {
  const { subject, html, text } = renderEmail(structured({ subject: 'Breach\r\nBcc: someone', paragraphs: ['first line\nsecond <line>'] }));
  assert.equal(subject, 'Breach Bcc: someone');
  assert.ok(html.includes('<p>first line<br>second &lt;line&gt;</p>'));
  assert.ok(text.includes('first line\nsecond <line>'));
});

test('only http(s) links are accepted, and the error does not quote the link', () => {
  for (const url of ['javascript:alert(1)', 'data:text/html,<b>x</b>', '/relative/path']) {
    assert.throws(
      () => renderEmail(structured({ link: { label: 'Open', url } })),
      (error: unknown) => error instanceof TypeError && !error.message.includes(url),
    );
  }
});

test('escapeHtml covers the five characters that matter in content and attributes', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
