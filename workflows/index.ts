// Every long-lived flow of the app, registered with its activities.
import './reliability/activities.js';
import './termination/activities.js';
import './termination/orchestrator.js';
import './exports/activities.js';
import './exports/orchestrator.js';
import './breaches/activities.js';
import './breaches/orchestrator.js';
import './dsars/activities.js';
import './dsars/orchestrator.js';
import './sub-processors/activities.js';
import './sub-processors/orchestrator.js';
import './evidence-packs/activities.js';
import './evidence-packs/orchestrator.js';
import './support-access/activities.js';
import './support-access/orchestrator.js';
