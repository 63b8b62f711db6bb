/**
 * Answers `size()` for the files of a batch, in the worker, synchronously: the isolate is
 * waiting. Local files are stat'ed right here; a user's provider lives in the user's process
 * and is asked through the sandbox process's main thread while this thread waits on an
 * Atomics-guarded reply buffer, never past the evaluation's deadline. Every answer is cached
 * per file of a job, so each distinct file is looked up at most once per resolve.
 */
import { statSync } from 'node:fs';
import { localPathOf } from '../definition/task-file.js';
import { quote } from '../errors.js';
import { SIZE_REPLY, sizeReplyBytes, type BatchPayload, type FromWorker, type SizeMode } from './protocol.js';

/** The answer for one file: bytes, or a failure. */
export type SizeAnswer = { bytes: number } | { error: string } | { timeout: true };

/** Looks up file sizes for one batch at a time. */
export class FileSizes {
  private payload = '';
  // Parsed from the payload on the first lookup only: most batches read no size.
  private files: { path: string; job: number }[] | undefined;
  private cache = new Float64Array(0);
  private readonly failures = new Map<number, string>();

  constructor(
    private readonly mode: SizeMode,
    private readonly port: { postMessage(message: FromWorker): void } | undefined,
  ) {}

  /** Starts a batch: forgets the previous one's answers. */
  begin(payload: string): void {
    this.payload = payload;
    this.files = undefined;
    this.failures.clear();
  }

  /** The size of file `index` of the batch; waits no later than `deadlineMs` (epoch ms). */
  lookup(index: number, deadlineMs: number): SizeAnswer {
    if (!this.files) {
      this.files = (JSON.parse(this.payload) as BatchPayload).jobs.flatMap(([, files], job) => files.map(([path]) => ({ path, job })));
      this.cache = new Float64Array(this.files.length).fill(-1);
    }
    const file = this.files[index];
    if (!file) return { error: 'no such file' };
    const cached = this.cache[index]!;
    if (cached >= 0) return { bytes: cached };
    const { job } = file;
    if (this.failures.has(job)) return { error: this.failures.get(job)! };
    const answer = this.mode === 'local' ? this.stat(index, file.path) : this.ask(index, job, deadlineMs);
    if ('error' in answer) this.failures.set(job, answer.error);
    return answer;
  }

  private stat(index: number, path: string): SizeAnswer {
    const local = localPathOf(path);
    if (local === undefined) {
      return { error: `cannot read the size of ${quote(path, 100)}: the default fileSize provider reads local paths and file: URLs only; give createResolver a fileSize provider for other URLs` };
    }
    try {
      const bytes = statSync(local).size;
      this.cache[index] = bytes;
      return { bytes };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { error: `cannot stat ${quote(local, 100)} (${code})` };
    }
  }

  private ask(index: number, job: number, deadlineMs: number): SizeAnswer {
    const files = this.files!;
    // The batch form looks up every unanswered file of the job in one call.
    const wanted = this.mode === 'host-batch' ? files.flatMap((file, i) => (file.job === job && this.cache[i]! < 0 ? [i] : [])) : [index];
    const reply = new SharedArrayBuffer(sizeReplyBytes(wanted.length));
    const header = new Int32Array(reply, 0, 4);
    const message: FromWorker = { t: 'size', paths: wanted.map((i) => files[i]!.path), reply };
    this.port!.postMessage(message);
    const waitMs = deadlineMs - Date.now();
    if (waitMs <= 0 || Atomics.wait(header, SIZE_REPLY.state, 0, waitMs) === 'timed-out') return { timeout: true };
    if (Atomics.load(header, SIZE_REPLY.kind) !== 0) {
      const bytes = new Uint8Array(reply, SIZE_REPLY.sizesOffset + 8 * wanted.length, Atomics.load(header, SIZE_REPLY.messageBytes));
      return { error: new TextDecoder().decode(bytes.slice()) };
    }
    const sizes = new Float64Array(reply, SIZE_REPLY.sizesOffset, wanted.length);
    wanted.forEach((fileIndex, k) => {
      this.cache[fileIndex] = sizes[k]!;
    });
    return { bytes: this.cache[index]! };
  }
}
