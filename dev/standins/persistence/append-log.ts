// An append-only log of JSON entries, one a line, for a stand-in that must come back after a kill
// with every change it acknowledged. Entries are buffered while a request is handled and written by
// `flush()` in one write() before the answer goes out: a process killed (SIGKILL) after the write has
// the whole group on disk (the kernel keeps it, even without fsync), one killed before has none of it,
// so a group (a transactional batch, say) is never half there. A torn last line is ignored on load.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class AppendLog<Entry> {
  #pending: string[] = [];

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Every entry written so far, oldest first (a last line cut short by a kill is dropped). */
  load(): Entry[] {
    if (!existsSync(this.file)) return [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    const entries: Entry[] = [];
    lines.forEach((line, i) => {
      if (line === '') return;
      try {
        entries.push(JSON.parse(line) as Entry);
      } catch (error) {
        const isLast = lines.slice(i + 1).every((rest) => rest === '');
        if (!isLast) throw new Error(`${this.file}: line ${i + 1} is not JSON (${(error as Error).message})`);
      }
    });
    return entries;
  }

  /** Buffers an entry; it is on disk after the next `flush()`. */
  append(entry: Entry): void {
    this.#pending.push(`${JSON.stringify(entry)}\n`);
  }

  /** Writes every buffered entry in one append. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    appendFileSync(this.file, text);
  }

  /** Replaces the whole log with `entries` (temp file + rename: the old log or the new one, never a mix). */
  rewrite(entries: readonly Entry[]): void {
    this.#pending = [];
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(temp, this.file);
  }
}
