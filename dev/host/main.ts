// The local host for any v4 Functions app: `node dist/dev/host/main.js --app <module> [options]`
// (see dev/host/command-line.ts and dev/README.md).
import { parseArgs } from 'node:util';
import { CommandLineError, HOST_OPTIONS, hostCommandLine, runHostProcess, stderrLog } from './command-line.js';

try {
  const { values } = parseArgs({ options: HOST_OPTIONS });
  await runHostProcess(hostCommandLine(values));
} catch (error) {
  if (!(error instanceof CommandLineError) && !(error instanceof TypeError)) throw error;
  stderrLog('error', error.message);
  process.exit(2);
}
