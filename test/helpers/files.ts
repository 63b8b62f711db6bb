import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp dir with sparse files of the given sizes (bytes); removed by `cleanup`. */
export function makeFiles(sizes: Record<string, number>): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'taskres-test-'));
  for (const [name, bytes] of Object.entries(sizes)) {
    const path = join(dir, name);
    writeFileSync(path, '');
    truncateSync(path, bytes);
  }
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const GiB = 1024 ** 3;
