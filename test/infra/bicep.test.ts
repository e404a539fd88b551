// The infrastructure's promises, checked on infra/ with a real Bicep parser because the Bicep CLI
// cannot run here: syntax, names, API versions and enum values; residency, backups, keys and
// retention as the privacy notice states them; identity instead of keys; telemetry, alerts and
// hardening. Each check is in test/infra/checks/; test/infra/bicep-breakage.test.ts shows they fail.
import { test } from 'node:test';
import { Infra } from './infra.js';
import { INFRA_CHECKS } from './checks/index.js';

const infra = await Infra.load('infra');

for (const check of INFRA_CHECKS) test(check.name, () => check.run(infra));
