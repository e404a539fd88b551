// `npm run attack [-- --url http://127.0.0.1:7071] [--state-dir .local] [--only id,id]`: replays every
// attack of the security review against a running local host (`npm start`) and prints a table.
// Exits 1 when any attack was not held.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AttackTarget } from './target.js';
import { formatTable, replayAll } from './replay.js';

const projectRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env['HOST_URL'] ?? 'http://127.0.0.1:7071' },
    'state-dir': { type: 'string', default: join(projectRoot, '.local') },
    only: { type: 'string' },
  },
});
const only = values.only?.split(',').map((s) => s.trim());
const target = await AttackTarget.open(values.url, resolve(values['state-dir']));
const rows = await replayAll(target, only ? (a) => only.includes(a.id) : undefined);
process.stdout.write(`${formatTable(rows)}\n`);
process.exit(rows.every((r) => r.held) ? 0 : 1);
