// Stands in for `axios` inside durable-functions in the production bundle (bundle-app.ts).
// durable-functions requires axios as it loads, but uses it only when a durable client calls the
// host: `axios.create(config)` in the DurableClient constructor, then the instance's `get`, `post`
// and `delete`. Evaluating axios (with form-data, mime-db and its fetch feature checks, which load
// Node's undici) was about a tenth of a cold start; here it is imported on the client's first call.
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import { loadOnce } from '../../shared/azure/load-once.js';

type Forwarded = Pick<AxiosInstance, 'get' | 'post' | 'delete'>;

const loadAxios = loadOnce(async () => (await import('axios')).default);

/** An instance with the methods DurableClient calls, each creating the real instance (once) on first use. */
function create(config: CreateAxiosDefaults): Forwarded {
  const instance = loadOnce(async () => (await loadAxios()).create(config));
  return {
    get: async (...args: Parameters<AxiosInstance['get']>) => (await instance()).get(...args),
    post: async (...args: Parameters<AxiosInstance['post']>) => (await instance()).post(...args),
    delete: async (...args: Parameters<AxiosInstance['delete']>) => (await instance()).delete(...args),
  } as Forwarded;
}

export default { create };
