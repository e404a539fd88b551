// Runs first when the app loads: settings are validated before any function registers, so a
// missing or malformed setting stops the app with a message naming it.
import { loadConfig } from '../shared/config.js';

export const config = loadConfig();
