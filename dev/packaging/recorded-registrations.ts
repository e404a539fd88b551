// Stands in for `@azure/functions` inside the app chunk of the production bundle (bundle-app.ts):
// every export is the real one except `app`, whose registration calls are recorded instead of
// being passed to the Functions worker. The package's entry (lazy-entry.ts) registers with the
// worker from a manifest of these records written at build time, so a cold start compiles and
// runs only the registrations before the worker can report them; the app chunk, with every
// handler, loads after that and hands over the handlers recorded here. durable-functions'
// `df.app.*` go through this too, since it calls `app.generic` of the `@azure/functions` it imports.
import * as functions from '@azure/functions';

export * from '@azure/functions';

/** One registration call, as data: the manifest holds these in the order the app made them. */
export type Registration =
  | { kind: 'function'; method: string; name: string; options: Record<string, unknown> }
  | { kind: 'setup'; options: Record<string, unknown> }
  | { kind: 'hook'; hook: string; index: number };

type Handler = (...args: unknown[]) => unknown;

/** What the app registered when its chunk loaded: the calls as data, and the handlers by function name and hook index. */
export const recorded = {
  registrations: [] as Registration[],
  handlers: new Map<string, Handler>(),
  hooks: [] as Handler[],
};

/** The path of a value the manifest (JSON) would lose: a function, or anything else JSON does not keep as it is. */
function unreplayable(value: unknown, path: string): string | undefined {
  const plain = value === undefined || value === null || ['string', 'boolean'].includes(typeof value) || (typeof value === 'number' && Number.isFinite(value));
  if (plain) return undefined;
  if (Array.isArray(value)) return value.map((item, i) => unreplayable(item, `${path}[${i}]`)).find((found) => found !== undefined);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).map(([key, item]) => unreplayable(item, `${path}.${key}`)).find((found) => found !== undefined);
  }
  return path;
}

function recordFunction(method: string) {
  return (name: string, optionsOrHandler: Handler | Record<string, unknown>): void => {
    const { handler, ...options } = typeof optionsOrHandler === 'function' ? { handler: optionsOrHandler } : optionsOrHandler;
    if (recorded.handlers.has(name)) throw new Error(`A function can only be registered once. The function "${name}" has already been registered.`);
    const lost = unreplayable(options, 'options');
    if (lost) throw new Error(`The registration of "${name}" cannot be replayed from a manifest: ${lost} is not plain data`);
    recorded.registrations.push({ kind: 'function', method, name, options });
    recorded.handlers.set(name, handler as Handler);
  };
}

const hook = Object.fromEntries(
  Object.keys(functions.app.hook).map((name) => [
    name,
    (handler: Handler) => {
      recorded.registrations.push({ kind: 'hook', hook: name, index: recorded.hooks.length });
      recorded.hooks.push(handler);
      return { dispose: () => undefined };
    },
  ]),
);

export const app = Object.fromEntries(
  Object.entries(functions.app).map(([key, value]) => [
    key,
    key === 'hook'
      ? hook
      : key === 'setup'
        ? (options: Record<string, unknown>) => recorded.registrations.push({ kind: 'setup', options })
        : typeof value === 'function'
          ? recordFunction(key)
          : value,
  ]),
) as unknown as typeof functions.app;
