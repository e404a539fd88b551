// Stands in for zod's `locales/index.js` in the production bundle (bundle-app.ts). `z.locales`
// re-exports all of zod's 50-odd error-message locales, so every one was bundled and compiled at
// start-up; the app uses English only, which zod registers itself (classic/schemas.js imports
// `locales/en.js` directly), so `z.locales` holds just `en` here.
export { default as en } from 'zod/v4/locales/en.js';
