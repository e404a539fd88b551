// The app chunk of the production bundle: every module that registers functions, with
// `@azure/functions` replaced by recorded-registrations.ts, so loading it records the handlers
// instead of registering them. lazy-entry.ts loads it once it has registered everything.
import '../../functions/index.js';

export { recorded } from './recorded-registrations.js';
