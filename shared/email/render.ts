// Turns a structured notice (title, paragraphs, facts, one optional link) into the subject, plain
// text and HTML of an email. Every interpolated value is HTML-escaped; the plain text says the same
// things in the same order, so a reader of either part gets the same notice.

export interface EmailFact {
  label: string;
  value: string;
}

export interface EmailLink {
  label: string;
  /** An absolute http(s) URL; anything else (javascript:, data:, relative) is refused. */
  url: string;
}

export interface StructuredEmail {
  subject: string;
  title: string;
  paragraphs: readonly string[];
  facts?: readonly EmailFact[];
  link?: EmailLink;
  /** Language of the content, for the HTML `lang` attribute. */
  lang?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

export function renderEmail(email: StructuredEmail): RenderedEmail {
  // A subject is one header line: line breaks in a value must not split it.
  const subject = oneLine(email.subject);
  const title = oneLine(email.title);
  const paragraphs = email.paragraphs.map(normaliseNewlines);
  const facts = (email.facts ?? []).map((f) => ({ label: oneLine(f.label), value: normaliseNewlines(f.value) }));
  const link = email.link === undefined ? undefined : { label: oneLine(email.link.label), url: checkedUrl(email.link.url) };
  const lang = email.lang === undefined ? 'en' : checkedLang(email.lang);

  const text = [
    title,
    ...paragraphs,
    ...(facts.length === 0 ? [] : [facts.map((f) => `${f.label}: ${f.value}`).join('\n')]),
    ...(link === undefined ? [] : [`${link.label}: ${link.url}`]),
  ].join('\n\n');

  const multiline = (value: string): string => value.split('\n').map(escapeHtml).join('<br>');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    ...paragraphs.map((p) => `<p>${multiline(p)}</p>`),
    ...(facts.length === 0
      ? []
      : [
          '<table role="presentation">',
          ...facts.map((f) => `<tr><th scope="row" align="left">${escapeHtml(f.label)}</th><td>${multiline(f.value)}</td></tr>`),
          '</table>',
        ]),
    ...(link === undefined ? [] : [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`]),
    '</body>',
    '</html>',
  ].join('\n');

  return { subject, text: `${text}\n`, html: `${html}\n` };
}

function normaliseNewlines(value: string): string {
  return value.replace(/\r\n?/g, '\n').trim();
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('email link must be an absolute URL');
  }
  // Only web links: a javascript: or data: link in a notice is a bug (or an injection), never intended.
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('email link must be an http(s) URL');
  return parsed.href;
}

function checkedLang(lang: string): string {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang)) throw new TypeError('lang must be a BCP 47 language tag');
  return lang;
}
