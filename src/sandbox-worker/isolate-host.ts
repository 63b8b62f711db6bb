/**
 * One isolate with a hardened, frozen context, reused across evaluations, and the loop that
 * runs a batch through it in timed slices.
 *
 * A slice evaluates functions one after another until ~SLICE_MS have passed, in one
 * `applySync` with the isolate's timeout. When a slice is stopped (timeout, memory limit,
 * deadline of a size lookup), `judgeStoppedCall` decides who is blamed; innocent neighbours
 * are re-run one per call, each judged on its own budget. A stopped isolate is disposed:
 * leftover microtasks must never run on a later call.
 *
 * Every call into the isolate (setup, compile, register, load, run) has an isolate timeout
 * and a wall-clock deadline published to the watchdog before it starts, so no call can hang
 * a thread unnoticed.
 */
import ivm from './ivm.js';
import { PRELUDE_SOURCE } from '../isolate/prelude.js';
import type { FileSizes } from './file-sizes.js';
import {
  EVAL_STATUS,
  PROGRESS_EVALUATING,
  RESULT_BUFFER,
  SIZE_REFUSED,
  STATUS_CODES,
  STEP_REPLY,
  type BatchResult,
} from '../protocol/messages.js';
import { BatchReader, type BatchMeta } from '../protocol/batch-codec.js';
import { THROWN_CLASSES, type BatchFailure, type EvaluationFailure } from '../protocol/failure.js';
import { judgeEvaluationMemory, MIN_JUDGED_MS, type MemoryVerdict } from './memory-verdict.js';
import { judgeStoppedCall, stoppedCallFailure, type CallFailure, type StoppedCallVerdict } from '../protocol/verdicts.js';

/** How long one slice may keep starting evaluations. */
const SLICE_MS = 2;
/** Jobs up to this size are parsed in the isolate within a slice; larger ones in a call of their own. */
const MAX_JOB_CHARS_IN_CALL = 64 * 1024;
/** Time allowed for work that is ours, not the user's: setting up an isolate, parsing a large batch. */
const SETUP_TIMEOUT_MS = 5000;
/** Distinct functions an isolate keeps compiled before it is replaced. */
const MAX_FUNCTIONS_PER_ISOLATE = 2000;
/** Sources remembered as uncompilable (so they do not take down an isolate again). */
const MAX_FAILED_SOURCES = 1000;

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

type RunResult = number | string;

interface Live {
  isolate: ivm.Isolate;
  context: ivm.Context;
  register: ivm.Reference<(id: number, fn: unknown, source: string, style: string, names: string, rest: boolean) => void>;
  registerFailed: ivm.Reference<(id: number, status: number, message: string) => void>;
  run: ivm.Reference<(start: number, sliceMs: number, stopAt: number, plan?: string, fnIds?: string, seed?: number, job?: number, jobText?: string) => RunResult>;
  fnIds: Map<string, number>;
  /** Characters of source compiled into this isolate. */
  sourceChars: number;
  loaded?: BatchMeta;
  /** The job whose values the runner holds (-1: none). */
  currentJob: number;
  /** Heap before this isolate's first evaluation, in bytes. */
  floorBytes?: number;
  /** Evaluations this isolate has finished. */
  evaluated: number;
  /**
   * The memory this isolate's evaluations may use, in bytes: memoryLimitMiB plus what V8 sets
   * aside beside the old generation (its young generation), read when the isolate is new. It is
   * the bound isolated-vm enforces on live memory (heap and ArrayBuffers) and its allocator on
   * every ArrayBuffer, so the verdict on what an evaluation allocated uses the same one.
   */
  limitBytes: number;
}

/** What loads a batch's plan within a call: [plan text, function ids (JSON), seed], or nothing. */
type LoadArgs = [] | [string, string, number];

/** A source that could not be compiled without failing the isolate: its evaluations get this. */
interface FailedSource {
  status: number;
  message: string;
}

/** An isolate that runs batches of resource functions. */
export class Sandbox {
  private live: Live | undefined;
  private readonly shared: SharedArrayBuffer;
  private readonly progress: Int32Array;
  private readonly status: Uint8Array;
  private readonly values: Float64Array;
  private deadlineMs = 0;
  /** Per evaluation of the current batch: why its size lookup failed. */
  private readonly sizeFailures = new Map<number, string>();
  /** The current batch. */
  private reader: BatchReader | undefined;
  /** Memory verdicts other than `within` reached by the runner's steps during the current call. */
  private readonly memoryVerdicts = new Map<number, Exclude<MemoryVerdict, 'within'>>();
  /**
   * The heap at the last reading of the live isolate, in the runner's steps or after a call
   * (-1: none since the isolate was made, a verdict, or something of ours was loaded into it).
   */
  private heapBeforeBytes = -1;
  /** True when the runner's steps read the heap during the current call (see grewAfterSlice). */
  private readInCall = false;
  /** True when evaluations ran since that reading without one of their own (too short to judge). */
  private baselineStale = false;
  /** When the runner's last step was (performance.now()). */
  private lastStepMs = 0;
  private readonly limitBytes: number;
  private readonly failedSources = new Map<string, FailedSource>();
  private stoppedAtDeadline = false;
  /** A sixteenth of the heap for compiled sources (their text, bytecode and closures take several times their size). */
  private readonly maxSourceCharsPerIsolate: number;

  constructor(private readonly options: SandboxOptions) {
    this.limitBytes = options.memoryLimitMiB * 1024 * 1024;
    this.maxSourceCharsPerIsolate = this.limitBytes / 16;
    this.shared = new SharedArrayBuffer(RESULT_BUFFER.bytes(options.capacity));
    this.progress = new Int32Array(this.shared, 0, 2);
    this.status = new Uint8Array(this.shared, RESULT_BUFFER.statusOffset, options.capacity);
    this.values = new Float64Array(this.shared, RESULT_BUFFER.valuesOffset(options.capacity), options.capacity);
  }

  /** The buffer shared with the isolate (RESULT_BUFFER): the watchdog reads its progress words. */
  get resultBuffer(): SharedArrayBuffer {
    return this.shared;
  }

  /**
   * Evaluates every function of a batch; each evaluation settles on its own. `seed`: a random
   * integer in [0, 2^31) from a cryptographic source, reseeding Math.random per evaluation.
   */
  runBatch(meta: BatchMeta, payload: string, seed: number): BatchResult {
    const { count } = meta;
    if (count > this.options.capacity) throw new Error(`batch of ${count} evaluations exceeds capacity ${this.options.capacity}`);
    const reader = new BatchReader(payload);
    this.reader = reader;
    this.options.sizes.begin(meta, reader);
    this.sizeFailures.clear();
    const values = new Float64Array(count);
    const failures = new Map<number, BatchFailure>();
    let next = 0;
    let oneByOneUntil = 0;
    // An evaluation whose memory verdict was unsure: it runs again alone, first in a fresh isolate.
    let freshFor = -1;
    // Evaluations already judged while re-running their neighbours one by one.
    const judged = new Set<number>();
    // After a costly stop (a timeout or the memory limit), the batch ends at the next job
    // boundary and hands back the rest: results already known are not held hostage by
    // further hostile neighbours (each costs up to timeoutMs and an isolate rebuild).
    let stopAt = count;
    while (next < stopAt) {
      if (judged.has(next)) {
        next++;
        continue;
      }
      const start = next;
      const oneByOne = start < oneByOneUntil || start === freshFor;
      if (start === freshFor) this.discard();
      // A shared call starts evaluations only during its first SLICE_MS, so with this budget
      // each one it starts has at least timeoutMs of its own.
      const budgetMs = this.options.timeoutMs + (oneByOne ? 0 : SLICE_MS + 1);
      this.status.fill(EVAL_STATUS.pending, start, count);
      this.memoryVerdicts.clear();
      // The reading taken after the previous call stays the baseline (see step): the slice's
      // first evaluation is then judged as one whose baseline is not its own.
      if (this.heapBeforeBytes >= 0) this.baselineStale = true;
      this.readInCall = false;
      Atomics.store(this.progress, 0, -1);
      Atomics.store(this.progress, 1, 0);
      try {
        const { live, load } = this.prepare(meta, reader, seed);
        const job = reader.evaluations().jobs[start]!;
        let loadNow = load;
        if (live.currentJob !== job && reader.jobChars(job) > MAX_JOB_CHARS_IN_CALL) {
          if (!this.preload(live, load, job, start, failures)) {
            next = reader.jobBoundaryAtOrAfter(start + 1);
            continue;
          }
          loadNow = [];
        }
        const out = this.timed(budgetMs, () => live.run.applySync(undefined, [start, oneByOne ? 0 : SLICE_MS, stopAt, ...loadNow], { timeout: budgetMs }));
        const end = this.collect(start, out, values, failures);
        if (start === freshFor) freshFor = -1;
        next = end;
        for (const [i, verdict] of this.memoryVerdicts) {
          // The runner ended the slice right after i; the isolate holds what i built.
          this.discard();
          if (verdict === 'over') {
            failures.set(i, { index: i, code: 'TASKRES_MEMORY_LIMIT', detail: '' });
            stopAt = Math.min(stopAt, reader.jobBoundaryAtOrAfter(end));
          } else {
            failures.delete(i);
            freshFor = i;
            next = i;
          }
        }
        const ownBaseline = this.readInCall;
        if (this.memoryVerdicts.size === 0 && this.grewAfterSlice(live)) {
          // Work left to run after the slice (microtasks) allocated more than the limit: anyone
          // in the call may have queued it; each runs again alone, its microtasks in its own call.
          // A call that held one evaluation (a CWL job's covers all its slots) is the culprit, but
          // only when the growth was measured from this call's own reading: without one, the
          // growth since the previous call's is not only this call's, so even a single evaluation
          // runs again, in a fresh isolate, and is judged there.
          this.discard();
          for (let i = start; i < end; i++) failures.delete(i);
          const decided = (oneByOne || end - start === 1) && ownBaseline;
          if (decided) failures.set(start, { index: start, code: 'TASKRES_MEMORY_LIMIT', detail: '' });
          else oneByOneUntil = end;
          next = decided ? end : start;
          stopAt = Math.min(stopAt, reader.jobBoundaryAtOrAfter(end));
        }
      } catch (error) {
        const failure = this.classify(error);
        const verdict = judgeStoppedCall(
          { start, oneByOne, reached: Atomics.load(this.progress, 0), progressState: Atomics.load(this.progress, 1), failure, jobs: meta.jobs },
          count,
        );
        this.discard();
        if (start === freshFor) freshFor = -1;
        const outcome = stoppedCallFailure(failure, error instanceof Error ? error.message : String(error));
        switch (verdict.kind) {
          case 'load-failed': {
            if (verdict.retryAlone) return { values, failures: [], retryAlone: true };
            const loadOutcome = loadFailure(failure);
            for (let i = start; i < count; i++) failures.set(i, { index: i, ...loadOutcome });
            next = count;
            break;
          }
          case 'culprit':
            failures.set(verdict.index, { index: verdict.index, ...outcome });
            next = verdict.next;
            break;
          case 'culprit-then-rerun':
            failures.set(verdict.index, { index: verdict.index, ...outcome });
            judged.add(verdict.index);
            oneByOneUntil = verdict.rerunUntil;
            next = start;
            break;
          case 'rerun':
            oneByOneUntil = verdict.rerunUntil;
            next = start;
            break;
        }
        if (failure !== 'other' && verdict.kind !== 'load-failed') stopAt = Math.min(stopAt, this.endOfJobs(verdict));
      }
    }
    // A failed lookup fails the evaluation that asked, whatever the function did with the throw.
    for (const [i, detail] of this.sizeFailures) if (i < stopAt) failures.set(i, { index: i, code: 'TASKRES_FILE_SIZE', detail });
    const result: BatchResult = { values, failures: [...failures.values()].filter((failure) => failure.index < stopAt) };
    if (stopAt < count) result.completed = stopAt;
    return result;
  }

  /**
   * Makes a large job current in a call of its own, so that parsing it never counts against an
   * evaluation's time. False when it could not be loaded: its evaluations then have failures.
   */
  private preload(live: Live, load: LoadArgs, job: number, start: number, failures: Map<number, BatchFailure>): boolean {
    const text = this.reader!.jobText(job);
    const loadMs = Math.max(SETUP_TIMEOUT_MS, this.options.timeoutMs);
    try {
      const plan = load.length > 0 ? load : [undefined, undefined, undefined];
      this.timed(loadMs, () => live.run.applySync(undefined, [start, -2, 0, ...plan, job, text], { timeout: loadMs }));
      live.currentJob = job;
      // The job's values are ours, not its first evaluation's: the next slice reads its own baseline.
      this.heapBeforeBytes = -1;
      return true;
    } catch (error) {
      const outcome = loadFailure(this.classify(error));
      this.discard();
      const end = this.reader!.jobBoundaryAtOrAfter(start + 1);
      for (let i = start; i < end; i++) failures.set(i, { index: i, ...outcome });
      return false;
    }
  }

  /** The first job boundary after every evaluation a verdict judged or will re-run. */
  private endOfJobs(verdict: Exclude<StoppedCallVerdict, { kind: 'load-failed' }>): number {
    const last = verdict.kind === 'rerun' ? verdict.rerunUntil : verdict.index + 1;
    return this.reader!.jobBoundaryAtOrAfter(last);
  }

  /** Creates the isolate now rather than on the first batch (a faster first result). */
  warmUp(): void {
    this.live ??= this.create();
  }

  /** Frees the isolate. */
  dispose(): void {
    this.discard();
  }

  /** Runs one call into the isolate with its wall-clock deadline published to the watchdog. */
  private timed<T>(budgetMs: number, call: () => T): T {
    this.deadlineMs = Date.now() + budgetMs;
    this.options.onCall(this.deadlineMs);
    try {
      return call();
    } finally {
      this.options.onCall(0);
    }
  }

  private collect(start: number, out: RunResult, values: Float64Array, failures: Map<number, BatchFailure>): number {
    let next: number;
    if (typeof out === 'number') next = out;
    else {
      // [end, [index, detail, thrown class (1 + THROWN_CLASSES index, 0: none), ...]]
      const [end, messages] = JSON.parse(out) as [number, (number | string)[]];
      next = end;
      for (let k = 0; k + 2 < messages.length; k += 3) {
        const index = messages[k] as number;
        const failure: BatchFailure = { index, code: STATUS_CODES[this.status[index]!] ?? 'TASKRES_FUNCTION_THREW', detail: String(messages[k + 1]) };
        const threw = THROWN_CLASSES[(messages[k + 2] as number) - 1];
        if (threw !== undefined) failure.hint = { threw };
        failures.set(index, failure);
      }
    }
    for (let i = start; i < next; i++) {
      if (this.status[i] === EVAL_STATUS.number) values[i] = this.values[i]!;
    }
    return next;
  }

  /**
   * True when the heap grew by more than memoryLimitMiB after the runner's last step, that is
   * after the slice (microtasks left behind). Read outside the call, so a collection may have
   * run first: a transient there can be missed, never an innocent charged.
   */
  private grewAfterSlice(live: Live): boolean {
    if (live.isolate.isDisposed || this.heapBeforeBytes < 0) return false;
    const used = memoryBytes(live);
    const grew = used - this.heapBeforeBytes > live.limitBytes;
    // The next slice starts from this reading instead of taking one of its own (one reading
    // per call saved); its first verdicts then count as judged from an older baseline.
    this.heapBeforeBytes = used;
    this.baselineStale = true;
    return grew;
  }

  /**
   * The runner's step, called inside the timed call at the start of a slice (`finished` -1)
   * and the moment each evaluation returns or throws: reads the heap (at a slice start only
   * when no reading since the previous call exists), judges the evaluation
   * that finished (see ./memory-verdict.ts), and answers with the text of job `nextJob` when
   * the runner asks for one. It never throws (host stack text must not cross into the isolate).
   */
  private step(finished: unknown, nextJob: unknown): string | number {
    try {
      const live = this.live;
      if (!live || live.isolate.isDisposed) return STEP_REPLY.stop;
      const stepMs = performance.now();
      const evaluated = typeof finished === 'number' && finished >= 0;
      const tooShort = evaluated && stepMs - this.lastStepMs < MIN_JUDGED_MS && this.heapBeforeBytes >= 0;
      this.lastStepMs = stepMs;
      if (tooShort) {
        live.evaluated++;
        this.baselineStale = true;
      } else if (!evaluated && this.heapBeforeBytes >= 0) {
        // A slice start with the reading taken after the previous call as its baseline (see
        // grewAfterSlice): nothing of an evaluation ran since, only the batch's plan.
      } else {
        this.readInCall = true;
        const used = memoryBytes(live);
        if (evaluated) {
          const verdict = judgeEvaluationMemory({
            beforeBytes: this.heapBeforeBytes,
            afterBytes: used,
            floorBytes: live.floorBytes ?? used,
            limitBytes: live.limitBytes,
            firstInIsolate: live.evaluated === 0,
            baselineOwn: !this.baselineStale,
          });
          live.evaluated++;
          if (verdict !== 'within') {
            this.memoryVerdicts.set(finished, verdict);
            this.heapBeforeBytes = -1;
            return STEP_REPLY.stop;
          }
        } else {
          live.floorBytes ??= used;
        }
        this.heapBeforeBytes = used;
        this.baselineStale = false;
      }
      if (typeof nextJob !== 'number' || nextJob < 0) return STEP_REPLY.continue;
      const reader = this.reader;
      if (!reader || nextJob >= reader.jobCount) return STEP_REPLY.stop;
      // A large job is loaded in a call of its own (see preload). The text is never longer
      // than jobChars, so a job refused here is one runBatch preloads: built once, not twice.
      const text = reader.jobText(nextJob);
      if (text.length > MAX_JOB_CHARS_IN_CALL) return STEP_REPLY.stop;
      live.currentJob = nextJob;
      return text;
    } catch {
      return STEP_REPLY.stop;
    }
  }

  /**
   * Why a call failed, from isolated-vm's own messages only (matched whole: a compile error
   * quotes the user's source, which may say "timed out" or "memory limit").
   */
  private classify(error: unknown): CallFailure {
    if (this.stoppedAtDeadline) return 'timeout';
    if (!(error instanceof Error) || error.name === 'SyntaxError') return 'other';
    if (error.message === 'Script execution timed out.') return 'timeout';
    if (error.message.startsWith('Isolate was disposed during execution due to memory limit')) return 'memory';
    return 'other';
  }

  /**
   * The live isolate with the batch's functions registered, and the load arguments (its plan)
   * if the batch is new to it. A source whose compilation takes the isolate down is
   * remembered as failed and the isolate replaced, so only that source's evaluations fail.
   */
  private prepare(meta: BatchMeta, reader: BatchReader, seed: number): { live: Live; load: LoadArgs } {
    for (;;) {
      if (this.live?.loaded === meta) return { live: this.live, load: [] };
      // Compiled functions stay in the isolate's heap: bound them by count and by size, so
      // that what earlier jobs left cannot crowd out a later job's memory.
      const fresh = meta.sources.filter((entry) => !this.live?.fnIds.has(entry.source));
      const freshChars = fresh.reduce((sum, entry) => sum + entry.source.length, 0);
      if (this.live && (this.live.fnIds.size + fresh.length > MAX_FUNCTIONS_PER_ISOLATE || this.live.sourceChars + freshChars > this.maxSourceCharsPerIsolate)) this.discard();
      const live = this.live ?? this.create();
      const fnIds = this.registerAll(live, meta);
      if (!fnIds) continue;
      live.loaded = meta;
      live.currentJob = -1;
      // The plan is small (a few numbers per job): it loads within the first call.
      return { live, load: [reader.planText, JSON.stringify(fnIds), seed] };
    }
  }

  /** Registers the batch's sources in `live`; `undefined` when a compile took the isolate down. */
  private registerAll(live: Live, meta: BatchMeta): number[] | undefined {
    const fnIds: number[] = [];
    for (const entry of meta.sources) {
      let id = live.fnIds.get(entry.source);
      if (id === undefined) {
        const newId = live.fnIds.size;
        id = newId;
        const remembered = this.failedSources.get(entry.source);
        const failed = remembered ?? this.compileAndRegister(live, newId, entry);
        // What compiling allocated is ours: the next slice reads its own baseline.
        this.heapBeforeBytes = -1;
        if (failed) {
          // A compile stopped for memory or time may leave the isolate unusable: replace it,
          // and from now on register the source as failed without compiling it again.
          if (!remembered && (failed.status !== EVAL_STATUS.threw || live.isolate.isDisposed)) {
            this.rememberFailed(entry.source, failed);
            this.discard();
            return undefined;
          }
          const { status, message } = failed;
          this.timed(SETUP_TIMEOUT_MS, () => live.registerFailed.applySync(undefined, [newId, status, message], { timeout: SETUP_TIMEOUT_MS }));
        }
        live.fnIds.set(entry.source, id);
        live.sourceChars += entry.source.length;
      }
      fnIds.push(id);
    }
    return fnIds;
  }

  /**
   * Compiles and registers one source, each step timed. Sources were checked and printed
   * from their checked syntax tree at definition; the isolate also checks that the engine's
   * text of the compiled function is exactly that source. Returns why it failed, if it did.
   */
  private compileAndRegister(live: Live, id: number, entry: BatchMeta['sources'][number]): FailedSource | undefined {
    const timeoutMs = Math.max(this.options.timeoutMs, 50);
    let fn: ivm.Reference<unknown> | undefined;
    try {
      fn = this.timed(timeoutMs, () => live.context.evalSync(`(${entry.source}\n)`, { reference: true, timeout: timeoutMs }) as ivm.Reference<unknown>);
      const compiled = fn;
      this.timed(timeoutMs, () =>
        live.register.applySync(undefined, [id, compiled.derefInto(), entry.source, entry.style, JSON.stringify(entry.names), entry.rest], { timeout: timeoutMs }),
      );
      return undefined;
    } catch (error) {
      const failure = this.classify(error);
      if (failure === 'memory') return { status: EVAL_STATUS.memory, message: 'compiling the function used more memory than memoryLimitMiB (is its source very large?)' };
      if (failure === 'timeout') return { status: EVAL_STATUS.timeout, message: 'compiling the function took longer than timeoutMs' };
      const message = error instanceof Error ? error.message : String(error);
      return { status: EVAL_STATUS.threw, message: `could not compile the function: ${message.slice(0, 160)}` };
    } finally {
      if (fn && !live.isolate.isDisposed) fn.release();
    }
  }

  private rememberFailed(source: string, failed: FailedSource): void {
    if (this.failedSources.size >= MAX_FAILED_SOURCES) this.failedSources.clear();
    this.failedSources.set(source, failed);
  }

  private create(): Live {
    const isolate = new ivm.Isolate({
      memoryLimit: this.options.memoryLimitMiB,
      onCatastrophicError: (message: string) => this.options.onCatastrophicError(message),
    });
    try {
      const context = isolate.createContextSync();
      const hostFileSize = new ivm.Callback((evaluation: unknown, index: unknown) => this.fileSize(evaluation, index));
      const api = this.timed(SETUP_TIMEOUT_MS, () => {
        const setup = context.evalSync(PRELUDE_SOURCE, { reference: true, timeout: SETUP_TIMEOUT_MS }) as ivm.Reference<(...args: unknown[]) => unknown>;
        const shared = new ivm.ExternalCopy(this.shared).copyInto({ release: true });
        return setup.applySync(undefined, [hostFileSize, shared, this.options.capacity], { result: { reference: true }, timeout: SETUP_TIMEOUT_MS }) as unknown as ivm.Reference<unknown[]>;
      });
      const live: Live = {
        isolate,
        context,
        register: api.getSync(0, { reference: true }) as Live['register'],
        registerFailed: api.getSync(1, { reference: true }) as Live['registerFailed'],
        run: api.getSync(2, { reference: true }) as Live['run'],
        fnIds: new Map(),
        sourceChars: 0,
        currentJob: -1,
        evaluated: 0,
        limitBytes: Math.max(this.limitBytes, isolate.getHeapStatisticsSync().heap_size_limit),
      };
      const connect = api.getSync(3, { reference: true }) as ivm.Reference<(step: unknown) => void>;
      const step = new ivm.Callback((finished: unknown, nextJob: unknown) => this.step(finished, nextJob));
      this.timed(SETUP_TIMEOUT_MS, () => connect.applySync(undefined, [step], { timeout: SETUP_TIMEOUT_MS }));
      connect.release();
      api.release();
      this.live = live;
      return live;
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  /**
   * Host side of `size()`: bytes, or a SIZE_REFUSED code. It never throws (a host error's
   * stack text would cross into the isolate). Only the evaluation running may ask, and only
   * about files its function received; a failure is charged to that evaluation alone.
   */
  private fileSize(evaluation: unknown, index: unknown): number {
    try {
      const running = Atomics.load(this.progress, 0);
      if (Atomics.load(this.progress, 1) !== PROGRESS_EVALUATING || evaluation !== running || typeof index !== 'number') return SIZE_REFUSED.notAllowed;
      const answer = this.options.sizes.lookup(running, index, this.deadlineMs);
      if ('bytes' in answer) return answer.bytes;
      if ('refused' in answer) return SIZE_REFUSED.notAllowed;
      if ('error' in answer && !this.sizeFailures.has(running)) this.sizeFailures.set(running, answer.error);
      if ('timeout' in answer || Date.now() > this.deadlineMs) {
        // isolated-vm's timeout does not count time spent in host callbacks: stop it here.
        this.stoppedAtDeadline = true;
        this.live?.isolate.dispose();
      }
      return SIZE_REFUSED.failed;
    } catch {
      return SIZE_REFUSED.failed;
    }
  }

  private discard(): void {
    const live = this.live;
    this.live = undefined;
    this.heapBeforeBytes = -1;
    this.stoppedAtDeadline = false;
    if (live && !live.isolate.isDisposed) live.isolate.dispose();
  }
}

/** The failure of the evaluations of a job whose values could not be loaded. */
function loadFailure(failure: CallFailure): EvaluationFailure {
  return failure === 'memory'
    ? { code: 'TASKRES_MEMORY_LIMIT', detail: 'its arguments alone did not fit in memoryLimitMiB' }
    : { code: 'TASKRES_FUNCTION_THREW', detail: `the sandbox could not load its arguments (${failure})` };
}

/**
 * What counts against an isolate's limit, as isolated-vm counts it: its heap and the
 * ArrayBuffers it holds outside the heap.
 */
function memoryBytes(live: Live): number {
  const heap = live.isolate.getHeapStatisticsSync();
  return heap.used_heap_size + heap.externally_allocated_size;
}
