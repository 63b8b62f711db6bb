/**
 * Answers `size()` for the files of a batch, in the worker, synchronously: the isolate is
 * waiting. Local files are stat'ed right here; a user's provider lives in the user's process
 * and is asked through the sandbox process's main thread while this thread waits on an
 * Atomics-guarded reply buffer, never past the evaluation's deadline.
 *
 * Every lookup names the evaluation asking and the file's index among its job's files, and
 * is checked against the batch: the file must lie in a parameter that evaluation's function
 * named. Answers (sizes and failures) are cached per file of a job, so each distinct file is
 * looked up at most once per resolve, and nothing one job asked decides another job's outcome.
 */
import { statSync } from 'node:fs';
import { localPathOf } from '../definition/task-file.js';
import { quote } from '../core/text.js';
import { SIZE_REPLY, sizeReplyBytes, type FromWorker, type SizeMode } from '../protocol/messages.js';
import type { BatchMeta, BatchReader } from '../protocol/batch-codec.js';

/** The answer for one file: bytes, a failure, no answer by the deadline, or a refused lookup. */
export type SizeAnswer = { bytes: number } | { error: string } | { timeout: true } | { refused: string };

interface JobFiles {
  paths: string[];
  /** Per file: bytes once known, else -1. */
  sizes: Float64Array;
  /** Per file: why its lookup failed. */
  failures: Map<number, string>;
  params: Record<string, unknown>;
}

/** Looks up file sizes for one batch at a time. */
export class FileSizes {
  private meta: BatchMeta | undefined;
  private reader: BatchReader | undefined;
  // Decoded on a job's first lookup only: most batches read no size.
  private readonly jobs = new Map<number, JobFiles>();
  /** Per evaluation: the job file index of every file its function may read, by top-level parameter. */
  private readonly readable = new Map<number, Map<number, string>>();

  constructor(
    private readonly mode: SizeMode,
    private readonly port: { postMessage(message: FromWorker): void } | undefined,
  ) {}

  /** Starts a batch: forgets the previous one's answers. */
  begin(meta: BatchMeta, reader: BatchReader): void {
    this.meta = meta;
    this.reader = reader;
    this.jobs.clear();
    this.readable.clear();
  }

  /**
   * The size of file `index` of the job of `evaluation`; waits no later than `deadlineMs`
   * (epoch ms). The caller has checked that `evaluation` is the one running.
   */
  lookup(evaluation: number, index: number, deadlineMs: number): SizeAnswer {
    const { jobs: evaluationJobs } = this.reader!.evaluations();
    const jobIndex = Number.isInteger(evaluation) ? evaluationJobs[evaluation] : undefined;
    if (jobIndex === undefined) return { refused: 'no such evaluation' };
    const job = this.job(jobIndex);
    const readable = this.readableFiles(evaluation, job);
    const param = Number.isInteger(index) ? readable.get(index) : undefined;
    if (param === undefined) return { refused: 'the file is not in a parameter this function named' };
    const known = job.sizes[index]!;
    if (known >= 0) return { bytes: known };
    const failure = job.failures.get(index);
    if (failure !== undefined) return { error: failure };
    if (this.mode === 'local') return this.stat(job, index);
    // The batch form looks up every unanswered file of the same parameter in one call.
    const wanted = this.mode === 'host-batch' ? [...readable].flatMap(([i, p]) => (p === param && job.sizes[i]! < 0 && !job.failures.has(i) ? [i] : [])).sort((a, b) => a - b) : [index];
    return this.ask(job, index, wanted, deadlineMs);
  }

  /** Job `j`'s files and parameters, decoded on first use. */
  private job(j: number): JobFiles {
    let job = this.jobs.get(j);
    if (job) return job;
    // Answers stay per job (each job's own list, in its marker order).
    const [files, params] = this.reader!.job(j);
    // Sizes the caller gave are known from the start: never part of a provider's batch.
    const sizes = new Float64Array(files.length).fill(-1);
    files.forEach(([, , size], i) => {
      if (size !== undefined) sizes[i] = size;
    });
    job = { paths: files.map(([path]) => path), sizes, failures: new Map(), params };
    this.jobs.set(j, job);
    return job;
  }

  /** The files the function of `evaluation` received, each with the parameter it came in. */
  private readableFiles(evaluation: number, job: JobFiles): Map<number, string> {
    let files = this.readable.get(evaluation);
    if (files) return files;
    files = new Map();
    const source = this.meta!.sources[this.reader!.evaluations().sources[evaluation]!]!;
    const names = source.rest ? Object.keys(job.params) : source.names;
    for (const name of names) if (Object.hasOwn(job.params, name)) collectMarkers(job.params[name], name, files);
    this.readable.set(evaluation, files);
    return files;
  }

  private stat(job: JobFiles, index: number): SizeAnswer {
    const path = job.paths[index]!;
    const local = localPathOf(path);
    if (local === undefined) {
      return this.fail(job, index, `cannot read the size of ${quote(path, 100)}: the default size provider reads local paths and file: URLs only`);
    }
    try {
      const bytes = statSync(local).size;
      job.sizes[index] = bytes;
      return { bytes };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return this.fail(job, index, `cannot stat ${quote(local, 100)} (${code})`);
    }
  }

  private fail(job: JobFiles, index: number, error: string): SizeAnswer {
    job.failures.set(index, error);
    return { error };
  }

  private ask(job: JobFiles, index: number, wanted: number[], deadlineMs: number): SizeAnswer {
    const reply = new SharedArrayBuffer(sizeReplyBytes(wanted.length));
    const header = new Int32Array(reply, 0, 4);
    const message: FromWorker = { t: 'size', paths: wanted.map((i) => job.paths[i]!), reply };
    this.port!.postMessage(message);
    const waitMs = deadlineMs - Date.now();
    if (waitMs <= 0 || Atomics.wait(header, SIZE_REPLY.state, 0, waitMs) === 'timed-out') return { timeout: true };
    if (Atomics.load(header, SIZE_REPLY.kind) !== 0) {
      const bytes = new Uint8Array(reply, SIZE_REPLY.sizesOffset + 8 * wanted.length, Atomics.load(header, SIZE_REPLY.messageBytes));
      // The provider failed for the file asked about; the others of the call stay unknown.
      return this.fail(job, index, new TextDecoder().decode(bytes.slice()));
    }
    const sizes = new Float64Array(reply, SIZE_REPLY.sizesOffset, wanted.length);
    wanted.forEach((fileIndex, k) => {
      job.sizes[fileIndex] = sizes[k]!;
    });
    return { bytes: job.sizes[index]! };
  }
}

/** Adds every file marker inside `value` to `files`, tagged with the parameter `param`. */
function collectMarkers(value: unknown, param: string, files: Map<number, string>): void {
  // Iterative: parameters may nest as deep as the resolver allows.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
      continue;
    }
    const marker = (item as { $file?: unknown }).$file;
    if (typeof marker === 'number') files.set(marker, param);
    else for (const key of Object.keys(item)) stack.push((item as Record<string, unknown>)[key]);
  }
}
