// Stands in for `validator` inside durable-functions in the production bundle (bundle-app.ts):
// durable-functions calls only its `isURL`, and the whole library (some hundred validators) was
// bundled and evaluated at start-up for it.
import isURLModule from 'validator/lib/isURL.js';

// validator's modules are CommonJS compiled from ES modules: the function is their `default` export.
export const isURL = isURLModule.default;
