/**
 * One isolate with a hardened, frozen context, reused across evaluations, and the loop that
 * runs a batch through it in timed slices.
 *
 * A slice evaluates functions one after another until ~SLICE_MS have passed, in one
 * `applySync` with the isolate's timeout. When a slice is stopped (timeout, memory limit,
 * deadline of a size lookup), the evaluation that began the slice had its whole budget, so it
 * is the culprit; otherwise the slice is re-run one evaluation per call, so that each one is
 * judged on its own budget and innocent neighbours get their real results. A stopped
 * isolate is disposed: leftover microtasks must never run on a later call.
 */
import ivm from 'isolated-vm';
import { EVAL_STATUS, PRELUDE_SOURCE, PROGRESS_EVALUATING } from './prelude.js';
import type { FileSizes } from './file-sizes.js';
import type { BatchMeta, BatchResult, EvaluationErrorCode } from './protocol.js';

/** How long one slice may keep starting evaluations. */
const SLICE_MS = 2;
/** Batches up to this size are parsed in the isolate within their first call. */
const MAX_PAYLOAD_CHARS_LOADED_IN_CALL = 64 * 1024;
/** Time allowed to parse a large batch inside the isolate. */
const LARGE_LOAD_TIMEOUT_MS = 5000;
/** Distinct functions an isolate keeps compiled before it is replaced. */
const MAX_FUNCTIONS_PER_ISOLATE = 2000;

/** Settings of a sandbox. */
export interface SandboxOptions {
  timeoutMs: number;
  memoryLimitMiB: number;
  /** Evaluations one batch may hold. */
  capacity: number;
  sizes: FileSizes;
  /** Called with the wall-clock deadline of each call, and 0 when it ends (for the watchdog). */
  onCall: (deadlineMs: number) => void;
  /** Called when isolated-vm reports a catastrophic error (the thread may never return). */
  onCatastrophicError: (message: string) => void;
}

interface Live {
  isolate: ivm.Isolate;
  context: ivm.Context;
  register: ivm.Reference<(...args: unknown[]) => void>;
  run: ivm.Reference<(start: number, sliceMs: number, payload?: string, fnIds?: string) => number | string>;
  fnIds: Map<string, number>;
  loaded?: BatchMeta;
}

type Failure = 'timeout' | 'memory' | 'other';

/** An isolate that runs batches of resource functions. */
export class Sandbox {
  private live: Live | undefined;
  private readonly shared: SharedArrayBuffer;
  private readonly progress: Int32Array;
  private readonly status: Uint8Array;
  private readonly values: Float64Array;
  private deadlineMs = 0;
  private readonly sizeFailures = new Map<number, string>();
  private stoppedAtDeadline = false;

  constructor(private readonly options: SandboxOptions) {
    const statusBytes = Math.ceil(options.capacity / 8) * 8;
    this.shared = new SharedArrayBuffer(8 + statusBytes + 8 * options.capacity);
    this.progress = new Int32Array(this.shared, 0, 2);
    this.status = new Uint8Array(this.shared, 8, options.capacity);
    this.values = new Float64Array(this.shared, 8 + statusBytes, options.capacity);
  }

  /** Evaluates every function of a batch; each evaluation settles on its own. */
  runBatch(meta: BatchMeta, payload: string): BatchResult {
    const { count } = meta;
    if (count > this.options.capacity) throw new Error(`batch of ${count} evaluations exceeds capacity ${this.options.capacity}`);
    this.options.sizes.begin(payload);
    this.sizeFailures.clear();
    const values = new Float64Array(count);
    const errors = new Map<number, [EvaluationErrorCode, string]>();
    let next = 0;
    let oneByOneUntil = 0;
    // Evaluations already judged while re-running their neighbours one by one.
    const judged = new Set<number>();
    while (next < count) {
      if (judged.has(next)) {
        next++;
        continue;
      }
      const start = next;
      const oneByOne = start < oneByOneUntil;
      // A shared call starts evaluations only during its first SLICE_MS, so with this budget
      // each one it starts has at least timeoutMs of its own.
      const budgetMs = this.options.timeoutMs + (oneByOne ? 0 : SLICE_MS + 1);
      this.status.fill(EVAL_STATUS.pending, start, count);
      Atomics.store(this.progress, 0, -1);
      Atomics.store(this.progress, 1, 0);
      try {
        const { live, load } = this.prepare(meta, payload);
        this.deadlineMs = Date.now() + budgetMs;
        this.options.onCall(this.deadlineMs);
        const out = live.run.applySync(undefined, [start, oneByOne ? 0 : SLICE_MS, ...load], { timeout: budgetMs });
        next = this.collect(start, out, values, errors);
      } catch (error) {
        const failure = this.classify(error);
        const reached = Atomics.load(this.progress, 0);
        const wasEvaluating = Atomics.load(this.progress, 1) === PROGRESS_EVALUATING;
        this.discard();
        if (reached < 0) {
          // Loading the batch failed before any evaluation began: nobody's fault but the batch's.
          const outcome: [EvaluationErrorCode, string] =
            failure === 'memory'
              ? ['TASKRES_MEMORY_LIMIT', 'its arguments alone did not fit in memoryLimitMiB']
              : ['TASKRES_FUNCTION_THREW', `the sandbox could not load its arguments (${failure})`];
          for (let i = start; i < count; i++) errors.set(i, outcome);
          next = count;
        } else if (oneByOne || (reached === start && wasEvaluating) || (reached === start + 1 && !wasEvaluating)) {
          // The call held only this evaluation (and its microtasks), with at least timeoutMs.
          errors.set(start, failureOutcome(failure, error));
          next = start + 1;
        } else if (failure === 'timeout' && wasEvaluating) {
          // It had its full time: the culprit. Those before it finished; re-run them alone
          // only to recover their messages, which the stopped call took with it.
          errors.set(reached, failureOutcome(failure, error));
          judged.add(reached);
          oneByOneUntil = reached;
          next = start;
        } else {
          // Memory, or microtasks after the slice: anyone in the call may be at fault.
          oneByOneUntil = Math.min(count, wasEvaluating ? reached + 1 : reached);
          next = start;
        }
      } finally {
        this.options.onCall(0);
      }
    }
    // A failed lookup fails the evaluation that asked, whatever the function did with the throw.
    for (const [i, message] of this.sizeFailures) errors.set(i, ['TASKRES_FILE_SIZE', message]);
    return { values, errors: [...errors].map(([i, [code, detail]]) => [i, code, detail]) };
  }

  /** Creates the isolate now rather than on the first batch (a faster first result). */
  warmUp(): void {
    this.live ??= this.create();
  }

  /** Frees the isolate. */
  dispose(): void {
    this.discard();
  }

  private collect(start: number, out: number | string, values: Float64Array, errors: Map<number, [EvaluationErrorCode, string]>): number {
    let next: number;
    if (typeof out === 'number') next = out;
    else {
      const [end, messages] = JSON.parse(out) as [number, (number | string)[]];
      next = end;
      for (let k = 0; k < messages.length; k += 2) {
        const i = messages[k] as number;
        const code = this.status[i] === EVAL_STATUS.threw ? 'TASKRES_FUNCTION_THREW' : 'TASKRES_INVALID_VALUE';
        errors.set(i, [code, String(messages[k + 1])]);
      }
    }
    for (let i = start; i < next; i++) {
      if (this.status[i] === EVAL_STATUS.number) values[i] = this.values[i]!;
    }
    return next;
  }

  private classify(error: unknown): Failure {
    const message = error instanceof Error ? error.message : String(error);
    if (this.stoppedAtDeadline || /timed out/i.test(message)) return 'timeout';
    if (/memory limit/i.test(message)) return 'memory';
    return 'other';
  }

  /** The live isolate, with the batch's functions registered, and the load arguments if the batch is new to it. */
  private prepare(meta: BatchMeta, payload: string): { live: Live; load: [] | [string, string] } {
    let live = this.live;
    if (live && live.fnIds.size + meta.sources.length > MAX_FUNCTIONS_PER_ISOLATE) this.discard();
    live = this.live ?? this.create();
    if (live.loaded === meta) return { live, load: [] };
    const fnIds = meta.sources.map((entry) => {
      let id = live.fnIds.get(entry.source);
      if (id === undefined) {
        id = live.fnIds.size;
        const fn = this.compile(live, entry.source);
        live.register.applySync(undefined, [id, fn.derefInto(), entry.style, JSON.stringify(entry.names), entry.rest]);
        fn.release();
        live.fnIds.set(entry.source, id);
      }
      return id;
    });
    live.loaded = meta;
    // A small batch loads within its first call; a large one separately, so that parsing it
    // never counts against the first evaluation's time.
    if (payload.length <= MAX_PAYLOAD_CHARS_LOADED_IN_CALL) return { live, load: [payload, JSON.stringify(fnIds)] };
    Atomics.store(this.progress, 0, -1);
    live.run.applySync(undefined, [0, -1, payload, JSON.stringify(fnIds)], { timeout: Math.max(LARGE_LOAD_TIMEOUT_MS, this.options.timeoutMs) });
    return { live, load: [] };
  }

  /**
   * Compiles a function source. Sources passed the definition-time parse; should V8 still
   * refuse one, it becomes a function that throws why, so only its own evaluations fail.
   */
  private compile(live: Live, source: string): ivm.Reference<unknown> {
    try {
      const fn = live.context.evalSync(`(${source}\n)`, { reference: true, timeout: this.options.timeoutMs }) as ivm.Reference<unknown>;
      if (fn.typeof === 'function') return fn;
      fn.release();
      throw new Error('the source did not evaluate to a function');
    } catch (error) {
      const message = `could not compile the function: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200);
      return live.context.evalSync(`(() => { throw new SyntaxError(${JSON.stringify(message)}); })`, { reference: true }) as ivm.Reference<unknown>;
    }
  }

  private create(): Live {
    const isolate = new ivm.Isolate({
      memoryLimit: this.options.memoryLimitMiB,
      onCatastrophicError: (message: string) => this.options.onCatastrophicError(message),
    });
    const context = isolate.createContextSync();
    const hostFileSize = new ivm.Callback((index: number) => this.fileSize(index));
    const setup = context.evalSync(PRELUDE_SOURCE, { reference: true }) as ivm.Reference<(...args: unknown[]) => unknown>;
    const api = setup.applySync(undefined, [hostFileSize, new ivm.ExternalCopy(this.shared).copyInto({ release: true }), this.options.capacity], {
      result: { reference: true },
    }) as unknown as ivm.Reference<unknown[]>;
    const live: Live = {
      isolate,
      context,
      register: api.getSync(0, { reference: true }) as Live['register'],
      run: api.getSync(1, { reference: true }) as Live['run'],
      fnIds: new Map(),
    };
    setup.release();
    api.release();
    this.live = live;
    return live;
  }

  /** Host side of `size()`: bytes, or -1 when the lookup failed (the job gets the error). */
  private fileSize(index: number): number {
    const answer = this.options.sizes.lookup(index, this.deadlineMs);
    if ('bytes' in answer) return answer.bytes;
    if ('error' in answer) this.sizeFailures.set(Atomics.load(this.progress, 0), answer.error);
    if ('timeout' in answer || Date.now() > this.deadlineMs) {
      // isolated-vm's timeout does not count time spent in host callbacks: stop it here.
      this.stoppedAtDeadline = true;
      this.live?.isolate.dispose();
    }
    return -1;
  }

  private discard(): void {
    const live = this.live;
    this.live = undefined;
    this.stoppedAtDeadline = false;
    if (live && !live.isolate.isDisposed) live.isolate.dispose();
  }
}

function failureOutcome(failure: Failure, error: unknown): [EvaluationErrorCode, string] {
  if (failure === 'timeout') return ['TASKRES_TIMEOUT', ''];
  if (failure === 'memory') return ['TASKRES_MEMORY_LIMIT', ''];
  const message = error instanceof Error ? error.message : String(error);
  return ['TASKRES_FUNCTION_THREW', `the sandbox stopped the function: ${message.slice(0, 160)}`];
}
