// The function app's entry point (package.json `main`): every module that registers functions.
import './startup.js';
import './health.js';
import './well-known.js';
import './openapi.js';
import './tenants.js';
import './users.js';
import './audit.js';
import './audit-anchors.js';
import './records.js';
import './termination.js';
import './exports.js';
import '../workflows/index.js';
import './breaches.js';
import './breach-notices.js';
import './breach-clock-heartbeat.js';
import './dsars.js';
import './ops.js';
