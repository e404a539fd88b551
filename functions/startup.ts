// Runs first when the app loads: settings are validated and adapters built before any function
// registers, so a missing or malformed setting stops the app with a message naming it.
import { app } from '@azure/functions';
import { getServices } from '../shared/composition.js';
import { captureUnexpected } from '../shared/observability/sentry.js';

getServices();

// Request bodies reach handlers as streams: without this the Functions host buffers a whole body
// before the app can refuse it, so the body limit (REQUEST_BODY_LIMIT_BYTES) would not bound memory.
app.setup({ enableHttpStream: true });

// Activities and orchestrators that fail are retried or fail their workflow; either way the error
// is also reported (scrubbed) so nobody has to notice a Failed instance by chance. HTTP handlers
// report their own unexpected errors (shared/http/endpoint.ts) and never throw.
app.hook.postInvocation(async (context) => {
  if (context.error) await captureUnexpected(context.error, { function: context.invocationContext.functionName });
});
