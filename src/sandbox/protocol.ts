/**
 * Messages between the resolver (user's process), the sandbox process and its workers.
 * Batches travel as two strings, encoded once in the user's process: `meta` for the worker
 * host and `payload` for the isolate, which parses it itself. Piscina and IPC drop custom
 * error classes, so outcomes carry error codes as plain data.
 */
import type { ParameterBinding } from '../definition/analyze-source.js';
import type { TaskresErrorCode } from '../errors.js';

/** How `size()` is answered. */
export type SizeMode = 'local' | 'host-single' | 'host-batch';

/** Settings of the sandbox process, fixed for its life. */
export interface SandboxSettings {
  threads: number;
  timeoutMs: number;
  memoryLimitMiB: number;
  /** The sandbox process is killed when its resident memory passes this. */
  processMemoryLimitMiB: number;
  sizeMode: SizeMode;
}

/** A function source as the worker registers it. */
export interface SourceEntry extends ParameterBinding {
  source: string;
}

/** What the worker host needs of a batch. */
export interface BatchMeta {
  sources: SourceEntry[];
  /** Evaluations in the batch. */
  count: number;
}

/**
 * The batch as the isolate parses it (and the worker host, lazily, for file sizes):
 * `jobs[j]` is [source indexes, files as [path, name], parameters]. Files are numbered
 * across the batch in job order; evaluations run job by job, each job's sources in order.
 */
export interface BatchPayload {
  jobs: [number[], [string, string][], Record<string, unknown>][];
}

/** A batch as sent to a worker. */
export interface BatchTask {
  meta: string;
  payload: string;
}

/** Error codes an evaluation can end with inside the sandbox. */
export type EvaluationErrorCode = Extract<
  TaskresErrorCode,
  'TASKRES_FUNCTION_THREW' | 'TASKRES_INVALID_VALUE' | 'TASKRES_TIMEOUT' | 'TASKRES_MEMORY_LIMIT' | 'TASKRES_FILE_SIZE'
>;

/** Outcomes of a batch: a number per evaluation, unless `errors` holds [index, code, detail]. */
export interface BatchResult {
  values: Float64Array;
  errors: [number, EvaluationErrorCode, string][];
}

/** Why the sandbox process was lost. */
export type CrashReason = 'wedged' | 'memory' | 'exited';

/** Messages from the resolver to the sandbox process. */
export type ToSandbox =
  | { t: 'init'; settings: SandboxSettings }
  | { t: 'batch'; id: number; task: BatchTask }
  | { t: 'size-reply'; id: number; sizes?: number[]; error?: string }
  | { t: 'close' };

/** Messages from the sandbox process to the resolver. */
export type FromSandbox =
  | { t: 'done'; id: number; result: BatchResult }
  | { t: 'failed'; id: number; message: string }
  | { t: 'size'; id: number; paths: string[] }
  | { t: 'crash'; reason: CrashReason; detail: string };

/** Messages from a worker to the sandbox process's main thread. */
export type FromWorker =
  | { t: 'size'; paths: string[]; reply: SharedArrayBuffer }
  | { t: 'catastrophic'; message: string };

/** Layout of the reply buffer of a size request. */
export const SIZE_REPLY = {
  /** Int32 index: 0 while pending, 1 when answered. */
  state: 0,
  /** Int32 index: 0 sizes, 1 error (message bytes follow the sizes). */
  kind: 1,
  /** Int32 index: byte length of the error message. */
  messageBytes: 2,
  /** Byte offset of the Float64 sizes. */
  sizesOffset: 16,
  /** Bytes reserved for an error message. */
  maxMessageBytes: 400,
} as const;

/** Bytes a size reply for `count` paths needs. */
export function sizeReplyBytes(count: number): number {
  return SIZE_REPLY.sizesOffset + 8 * count + SIZE_REPLY.maxMessageBytes;
}

/** Slots of the heartbeat buffer: one per worker, holding the wall-clock deadline of its call. */
export const MAX_WORKER_SLOTS = 256;

/** Bytes of the heartbeat buffer: a slot counter, then one Float64 deadline per worker. */
export const HEARTBEAT_BYTES = 8 + 8 * MAX_WORKER_SLOTS;

/** The most evaluations one batch may hold (sizes the shared result buffer of each worker). */
export const MAX_EVALUATIONS_PER_BATCH = 4096;

/** How often the sandbox process checks that its parent is still there. */
export const ORPHAN_CHECK_INTERVAL_MS = 500;

/** How often the sandbox process checks its workers' deadlines and its own memory. */
export const WATCHDOG_INTERVAL_MS = 25;

/**
 * Grace after a call's deadline before its thread counts as wedged: the deadline covers
 * host callbacks, then the isolate may still use up to `timeoutMs` of JavaScript time,
 * and disposing a large isolate takes a moment.
 */
export function wedgeGraceMs(timeoutMs: number): number {
  return timeoutMs + 1000;
}
