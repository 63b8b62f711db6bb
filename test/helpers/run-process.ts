import { execFile } from 'node:child_process';

/** What a finished program did. */
export interface ProcessResult {
  /** Exit code, or null when it was killed (its timeout passed). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end without blocking the test's event loop. A `spawnSync` of tsc or
 * npm that takes a minute on a loaded machine blocks vitest's worker too, and vitest then
 * fails the whole run with "Timeout calling onTaskUpdate" although every test passed.
 */
export function runProcess(file: string, args: readonly string[], options: { cwd?: string; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as (Error & { code?: unknown }) | null)?.code;
      resolve({ status: error === null ? 0 : typeof code === 'number' ? code : null, stdout, stderr });
    });
    // As spawnSync does: the program reads an empty stdin, never waits on one left open.
    child.stdin?.end();
  });
}
