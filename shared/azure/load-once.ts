// The Azure SDKs and Sentry are imported on first use, not when the app loads: together they were
// most of a cold start (every new Flex Consumption instance pays it), and a request that needs no
// blob storage or e-mail never pays for them. Types still come from static `import type`.

/** Runs `load` once, on the first call, and hands every caller the same promise (a failed load is retried next time). */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (!loaded) {
      loaded = load();
      loaded.catch(() => {
        loaded = undefined;
      });
    }
    return loaded;
  };
}
