// Which deployment this process runs: a hash of the deployed code (every file of the app's compiled
// folders, names and contents). Every scaled-out instance of one deployment computes the same value
// and the next deployment of changed code a different one, with nothing to set or bump by hand.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The folders of the compiled app that make up a deployment (dev/ and test/ are not deployed). */
export const DEPLOYED_FOLDERS = ['functions', 'shared', 'workflows'] as const;

export function deploymentIdentity(appRoot: string, folders: readonly string[] = DEPLOYED_FOLDERS): string {
  const hash = createHash('sha256');
  const files = folders.flatMap((folder) => filesUnder(join(appRoot, folder))).sort();
  for (const file of files) {
    hash.update(relative(appRoot, file).split(sep).join('/')).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return `code-${hash.digest('hex').slice(0, 32)}`;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() && !entry.name.endsWith('.map') ? [path] : [];
  });
}
