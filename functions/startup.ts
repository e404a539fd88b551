// Runs first when the app loads: settings are validated and adapters built before any function
// registers, so a missing or malformed setting stops the app with a message naming it.
import { app } from '@azure/functions';
import { getServices } from '../shared/composition.js';
import { captureUnexpected } from '../shared/observability/sentry.js';

getServices();

// Activities and orchestrators that fail are retried or fail their workflow; either way the error
// is also reported (scrubbed) so nobody has to notice a Failed instance by chance. HTTP handlers
// report their own unexpected errors (shared/http/endpoint.ts) and never throw.
app.hook.postInvocation(async (context) => {
  if (context.error) await captureUnexpected(context.error, { function: context.invocationContext.functionName });
});
