// The subset of .funcignore (gitignore) syntax this project uses, read strictly: a pattern this
// reader does not understand is an error, never silently ignored. Supported: comments, blank lines,
// `name` and `*.ext` globs (`*` and `?`) matched against any path segment, a trailing `/` for
// directories only, and a leading `/` to anchor at the package root.
export interface IgnoreRule {
  pattern: string;
  anchored: boolean;
  directoryOnly: boolean;
  regex: RegExp;
}

export function parseIgnoreRules(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      if (/^!|\*\*|\[|\\/.test(pattern)) throw new Error(`.funcignore: '${pattern}' uses syntax this reader does not support (negation, **, classes, escapes)`);
      const anchored = pattern.startsWith('/');
      const directoryOnly = pattern.endsWith('/');
      const body = pattern.replace(/^\//, '').replace(/\/$/, '');
      if (body === '' || body.includes('/')) throw new Error(`.funcignore: '${pattern}' must name one file or folder (no inner /)`);
      const glob = body.replace(/[.+^${}()|]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
      return { pattern, anchored, directoryOnly, regex: new RegExp(`^${glob}$`) };
    });
}

/** Whether a path (relative, `/`-separated) is excluded: itself or any folder above it matches a rule. */
export function isIgnored(rules: readonly IgnoreRule[], path: string, isDirectory: boolean): boolean {
  const segments = path.split('/');
  return segments.some((segment, i) => {
    const segmentIsDirectory = i < segments.length - 1 || isDirectory;
    return rules.some((rule) => (!rule.directoryOnly || segmentIsDirectory) && (!rule.anchored || i === 0) && rule.regex.test(segment));
  });
}
