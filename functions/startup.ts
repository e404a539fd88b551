// Runs first when the app loads: settings are validated and adapters built before any function
// registers, so a missing or malformed setting stops the app with a message naming it.
import { getServices } from '../shared/composition.js';

getServices();
