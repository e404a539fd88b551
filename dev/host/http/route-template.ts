// Functions HTTP route templates (`tenants/{tenantId}/users/{userId?}`, `{id:int}`, `{*rest}`),
// matched the way ASP.NET routing in the Functions host does: literal segments win over parameters.

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraint?: string;
}

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** Higher is more specific; used to order candidate routes. */
  precedence: number;
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] = trimmed === '' ? [] : trimmed.split('/').map(parseSegment);
  const precedence = segments.reduce(
    (score, s, index) => score + (s.literal !== undefined ? 3 : s.constraint ? 2 : s.catchAll ? 0 : 1) * 10 ** (10 - index),
    0,
  );
  return { template: trimmed, segments, precedence };
}

function parseSegment(raw: string): Segment {
  const match = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+(?:\([^)]*\))?))?(\?)?\}$/.exec(raw);
  if (!match) {
    if (raw.includes('{') || raw.includes('}')) throw new Error(`Unsupported route segment "${raw}"`);
    return { literal: raw.toLowerCase() };
  }
  const [, star, name, constraint, optional] = match;
  return { param: name!, catchAll: star === '*', optional: optional === '?', ...(constraint ? { constraint } : {}) };
}

/** Returns the route values when `path` (without the route prefix, no leading slash) matches. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const parts = path === '' ? [] : path.split('/');
  const params: Record<string, string> = {};
  let i = 0;
  for (const segment of route.segments) {
    if (segment.catchAll) {
      params[segment.param!] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined || part === '') {
      if (segment.optional) continue;
      return undefined;
    }
    if (segment.literal !== undefined) {
      if (safeDecode(part).toLowerCase() !== segment.literal) return undefined;
    } else {
      const value = safeDecode(part);
      if (segment.constraint && !satisfies(segment.constraint, value)) return undefined;
      params[segment.param!] = value;
    }
    i++;
  }
  return i === parts.length ? params : undefined;
}

function satisfies(constraint: string, value: string): boolean {
  switch (constraint) {
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'guid':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    case 'alpha':
      return /^[A-Za-z]+$/.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    default:
      return true;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
