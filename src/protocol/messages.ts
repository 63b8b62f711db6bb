/**
 * Messages between the resolver (user's process), the sandbox process and its workers.
 * Batches travel as the two strings of the batch codec (./batch-codec.ts), encoded once in the
 * user's process. Piscina and IPC drop custom error classes, so outcomes carry the failure
 * value of ./failure.ts: error codes as plain data.
 */
import type { ParameterBinding } from '../definition/analyze-source.js';
import type { BatchFailure, EvaluationErrorCode } from './failure.js';
import type { EncodedBatch } from './batch-codec.js';

export type { BatchFailure, EvaluationErrorCode, EvaluationFailure } from './failure.js';
export type { BatchMeta } from './batch-codec.js';

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

/** A batch as sent to a worker: the two strings of the batch codec. */
export type BatchTask = EncodedBatch;

/**
 * The long-lived piscina task each sandbox thread runs (see ../sandbox-worker/main.ts): batches
 * come on the socket at `fd` (./batch-channel.ts), which the thread owns; `port` carries its
 * `up` report to the main thread.
 */
export interface ServeTask {
  port: import('node:worker_threads').MessagePort;
  /** The thread's end of its batch channel: channelFd(thread index). Claimed once (see ../sandbox-process/main.ts). */
  fd: number;
}

/** From a thread's serve task to the main thread (its batches' answers go on its channel). */
export type FromServe =
  /**
   * `slot`: the thread's slot in the heartbeat buffer; `progress`: the buffer its isolate shares
   * with it (RESULT_BUFFER), whose progress words name the evaluation running, so that the
   * watchdog can say who was running when a deadline passed.
   */
  { t: 'up'; specifier: string; phases: Record<string, number>; slot: number; progress: SharedArrayBuffer };

/**
 * Outcomes of a batch: a number per evaluation, unless `failures` holds one for its index.
 * `retryAlone`: the batch could not even be loaded (its arguments together did not fit);
 * no evaluation ran, and the resolver re-runs each job alone so only a culprit fails.
 */
export interface BatchResult {
  values: Float64Array;
  failures: BatchFailure[];
  retryAlone?: boolean;
  /**
   * Set when the batch stopped early, at a job boundary, after a costly failure: only the
   * first `completed` evaluations have outcomes; the resolver queues the remaining jobs again.
   */
  completed?: number;
}

/** What each sandbox worker thread is started with. */
export interface WorkerData {
  settings: SandboxSettings;
  /** See HEARTBEAT_BYTES. */
  heartbeat: SharedArrayBuffer;
  /** BroadcastChannel name for size requests and catastrophic errors. */
  channelName: string;
  /** Evaluations one batch may hold. */
  capacity: number;
}

/**
 * The buffer an isolate shares with its worker thread. Int32 progress words first:
 * [0] the evaluation running (or the next one once the slice is over), [1] a PROGRESS_* state;
 * then a Uint8 status per evaluation (EVAL_STATUS), then a Float64 value per evaluation.
 */
export const RESULT_BUFFER = {
  progressBytes: 8,
  statusOffset: 8,
  statusBytes: (capacity: number): number => Math.ceil(capacity / 8) * 8,
  valuesOffset: (capacity: number): number => 8 + Math.ceil(capacity / 8) * 8,
  bytes: (capacity: number): number => 8 + Math.ceil(capacity / 8) * 8 + 8 * capacity,
} as const;

/**
 * Status of one evaluation in the result buffer. `memory` and `timeout` are for functions
 * that could not even be compiled (the rest of the batch still runs).
 */
export const EVAL_STATUS = { pending: 0, number: 1, threw: 2, invalid: 3, memory: 4, timeout: 5 } as const;

/** The error code of each failed EVAL_STATUS. */
export const STATUS_CODES: Readonly<Record<number, EvaluationErrorCode>> = {
  [EVAL_STATUS.threw]: 'TASKRES_FUNCTION_THREW',
  [EVAL_STATUS.invalid]: 'TASKRES_INVALID_VALUE',
  [EVAL_STATUS.memory]: 'TASKRES_MEMORY_LIMIT',
  [EVAL_STATUS.timeout]: 'TASKRES_TIMEOUT',
};

/**
 * What the host answers the runner's step after an evaluation (besides the next job's text):
 * go on, or end the slice now (a memory verdict, or a next job too large to load in the slice).
 */
export const STEP_REPLY = { continue: 0, stop: 1 } as const;

/** progress[1]: an evaluation is running. */
export const PROGRESS_EVALUATING = 1;
/** progress[1]: the slice is over (its leftover microtasks may run). */
export const PROGRESS_SLICE_OVER = 2;

/**
 * Why the sandbox process was lost: `memory` is an isolate's (memoryLimitMiB), `process-memory`
 * the process's resident memory over processMemoryLimitMiB.
 */
export type CrashReason = 'wedged' | 'memory' | 'process-memory' | 'exited';

/**
 * What the sandbox process saw on one thread as it went down: batch `batch` was in a call
 * whose progress words named `evaluation` (-1: none yet, loading), `evaluating` (else the
 * slice was over: its leftover microtasks ran), and whether this call is the one that
 * stopped the process. Observed facts, read from shared memory, for the resolver's blame (../resolver/blame.ts).
 */
export interface ObservedCall {
  batch: number;
  evaluation: number;
  evaluating: boolean;
  /** This call is why the process stops: it stayed past its deadline, or its isolate failed. */
  stopped: boolean;
}

/**
 * The sandbox process's settings as its one command-line argument: there at its first line,
 * so its first thread starts while its main module is still being evaluated (an `init`
 * message waited for its event loop: 2–10 ms). Nothing in them is secret.
 */
export function settingsArgument(settings: SandboxSettings): string {
  return JSON.stringify(settings);
}

/**
 * Messages from the resolver to the sandbox process. A `batch` goes on a thread's channel
 * (./batch-channel.ts), never over IPC; `more-threads` tells the main thread that the threads
 * after the first are needed now (see OTHER_THREADS_AFTER_READY_MS there).
 */
export type ToSandbox =
  | { t: 'batch'; id: number; task: BatchTask }
  | { t: 'more-threads' }
  | { t: 'size-reply'; id: number; sizes?: number[]; error?: string }
  | { t: 'close' };

/** Messages from the sandbox process to the resolver (`done` and `failed` come on the threads' channels). */
export type FromSandbox =
  | { t: 'done'; id: number; result: BatchResult }
  | { t: 'failed'; id: number; message: string }
  | { t: 'size'; id: number; paths: string[] }
  /**
   * `starting`: a thread could not start (no function ran into this): judged as a failed start.
   * `observed`: every call in progress as the process went down (see ObservedCall).
   */
  | { t: 'crash'; reason: CrashReason; detail: string; starting?: true; observed?: ObservedCall[] };

/**
 * What the host callback behind `size()` answers: bytes, or one of these (never a throw:
 * host stack text must not cross into the isolate).
 */
export const SIZE_REFUSED = { failed: -1, notAllowed: -2 } as const;

/** Messages from a worker to the sandbox process's main thread. */
export type FromWorker =
  | { t: 'size'; paths: string[]; reply: SharedArrayBuffer }
  /** `slot`: the reporting thread's heartbeat slot (its call is the one that failed). */
  | { t: 'catastrophic'; message: string; slot: number };

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

/** Slots of the heartbeat buffer: one per worker thread. */
export const MAX_WORKER_SLOTS = 256;

/**
 * Bytes of the heartbeat buffer: a slot counter, then one Float64 deadline per worker, then one
 * Int32 batch id per worker (the batch its current call belongs to).
 */
export const HEARTBEAT_BYTES = 8 + 8 * MAX_WORKER_SLOTS + 4 * MAX_WORKER_SLOTS;

/** Index of the word in the heartbeat's first two (`slots`) that is 1 once the process is going down. */
export const HEARTBEAT_STOPPING = 1;

/**
 * Views of the heartbeat buffer: `slots[0]` hands out worker slots; `slots[HEARTBEAT_STOPPING]`
 * is set before the process reports what it observed as it goes down, and a thread that reads
 * it set sends no more answers (the report is the last word on what ran); `deadlines[slot]` is 0
 * between calls; `batches[slot]` is the id of the batch the worker is running, set before its
 * first call, so that the watchdog can name it.
 */
export function heartbeatViews(heartbeat: SharedArrayBuffer): { slots: Int32Array; deadlines: Float64Array; batches: Int32Array } {
  return {
    slots: new Int32Array(heartbeat, 0, 2),
    deadlines: new Float64Array(heartbeat, 8, MAX_WORKER_SLOTS),
    batches: new Int32Array(heartbeat, 8 + 8 * MAX_WORKER_SLOTS, MAX_WORKER_SLOTS),
  };
}

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
