// The files of the production build's lazy start (lazy-entry.ts), beside its entry module.

/** The registrations the build recorded from the app chunk, which the entry replays. */
export const MANIFEST_FILE = 'registrations.json';

/** The app chunk: every module, handler and schema, loaded after the registrations. */
export const APP_CHUNK = 'app.js';
