// Text that is safe to store, show and export: no control characters (tabs and line breaks only
// where a field may span lines), no bidirectional overrides that disguise what is shown, no byte
// order marks, no unpaired surrogates (which break every UTF-8 consumer downstream), and, for
// names, at least one visible character. Ids are checked by pattern before they reach the store.
import { z } from 'zod';

const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const MULTI_LINE_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const VISIBLE = /[^\p{Z}\p{Cc}\p{Cf}\s]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with `value` as text, or undefined when nothing is. */
export function textProblem(value: string, options: { multiline?: boolean } = {}): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogate code units';
  if ((options.multiline ? MULTI_LINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN).test(value)) {
    return options.multiline
      ? 'must not contain control characters or bidirectional overrides'
      : 'must not contain control characters, line breaks or bidirectional overrides';
  }
  return undefined;
}

/** Trimmed text of 1 to `max` characters. */
export function plainText(max: number, options: { multiline?: boolean; required?: string } = {}): z.ZodString {
  return z
    .string()
    .trim()
    .min(1, options.required ?? 'is required')
    .max(max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, options);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** A person's or organisation's name: plain text with at least one visible character. */
export function displayName(max: number): z.ZodString {
  return plainText(max).superRefine((value, ctx) => {
    if (!VISIBLE.test(value)) ctx.addIssue({ code: 'custom', message: 'must contain a visible character' });
  });
}

/** Every string in a JSON value (keys included) is well-formed text; line breaks are allowed. */
export function jsonTextProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 64) return 'nests too deeply';
  if (typeof value === 'string') return textProblem(value, { multiline: true });
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonTextProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key) ?? jsonTextProblem(item, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

export const TENANT_ID_PATTERN = /^t-(uks|eu)-[a-z2-7]{20}$/;
export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, 'must be a tenant id (t-uks-… or t-eu-…)');
export const userIdSchema = z.string().regex(/^u-[0-9a-f]{20}$/, 'must be a user id (u-…)');
export const recordIdSchema = z.string().regex(/^r-[0-9a-z]{1,40}$/, 'must be a record id (r-…)');
