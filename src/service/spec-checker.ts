/**
 * Checks untrusted specs off the event loop, with a deadline. Definition parses every
 * function with acorn; a request's spec is at most --body-limit-bytes, but a spec written to
 * be slow to check must not hold the thread that answers `/healthz`, `/readyz` and every
 * other caller. Specs are checked in a worker thread (piscina, at most two, started on first
 * use); a check still running at the deadline is given up and its thread terminated, and the
 * spec is refused with TASKRES_INVALID_SPEC.
 *
 * A spec that passes is then defined on the server's thread (the resolver needs the Task
 * object, which cannot cross threads): that costs about what the check cost, which the
 * deadline bounds, and the inline-spec cache (./tasks.ts) makes it once per caller and spec.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Piscina } from 'piscina';
import { TaskresError, type TaskresErrorCode } from 'taskres';
import type { SpecJob, SpecJobResult } from './spec-job.js';
import { SPEC_WORKER_ENTRY } from './spec-worker-entry.js';

/** The worker's file: dist/service-spec-worker.js, beside the library the server runs (found the same way from src/ in tests). */
function workerFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('taskres')), `${SPEC_WORKER_ENTRY.name}.js`);
}

/** Runs spec jobs in worker threads; see the module comment. */
export class SpecChecker {
  private pool: Piscina | undefined;

  /** @param deadlineMs how long one job may take (--spec-check-timeout-ms). */
  constructor(private readonly deadlineMs: number) {}

  /** Runs `job`; rejects with TASKRES_INVALID_SPEC when it is not done within the deadline. */
  async run<J extends SpecJob>(job: J): Promise<Extract<SpecJobResult, { kind: J['kind'] }>> {
    this.pool ??= new Piscina({ filename: workerFile(), minThreads: 0, maxThreads: 2, idleTimeout: 60_000 });
    const signal = AbortSignal.timeout(this.deadlineMs);
    try {
      return (await this.pool.run(job, { signal })) as Extract<SpecJobResult, { kind: J['kind'] }>;
    } catch (error) {
      if (signal.aborted) {
        throw new TaskresError(
          'TASKRES_INVALID_SPEC',
          `Checking this spec took longer than ${this.deadlineMs} ms (--spec-check-timeout-ms), so it was refused; a spec is a name, params and a few short resource functions: send a smaller one.`,
        );
      }
      throw error;
    }
  }

  /** Checks an inline spec (as JSON text): resolves when it defines, rejects with its TaskresError when not. */
  async define(specJson: string): Promise<void> {
    const result = await this.run({ kind: 'define', specJson });
    if (!result.ok) {
      const { code, message, taskName, resource } = result.error;
      throw new TaskresError(code as TaskresErrorCode, message, { ...(taskName === undefined ? {} : { taskName }), ...(resource === undefined ? {} : { resource: resource as never }) });
    }
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
