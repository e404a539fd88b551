// `npm run bench`: runs every compiled *.bench.js next to this file (or those matching the
// arguments) and prints what each reports. Benchmarks report ratios against a baseline measured
// in the same run, never absolute timings to compare across machines.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type BenchResult = Record<string, number | string>;

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)))
  .sort();

let failed = false;
for (const file of files) {
  const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { run: () => Promise<BenchResult> };
  process.stdout.write(`\n== ${file.replace(/\.bench\.js$/, '')}\n`);
  try {
    const result = await module.run();
    for (const [name, value] of Object.entries(result)) {
      process.stdout.write(`  ${name.padEnd(60)} ${typeof value === 'number' ? formatNumber(value) : value}\n`);
    }
  } catch (error) {
    failed = true;
    process.stdout.write(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-GB');
  return value >= 100 ? value.toFixed(0) : value.toPrecision(4);
}
