/**
 * The sandbox process: started by a resolver with `--no-node-snapshot` and its settings as
 * its one argument (settingsArgument), it runs a piscina pool whose workers each own an
 * isolate. Some hostile functions abort or wedge any process that runs isolated-vm, so this
 * process is disposable: it reports what it sees (a wedged thread, a catastrophic error, too
 * much memory) and kills itself; the resolver restarts it. It also dies with its parent:
 * losing the IPC channel means the resolver is gone.
 *
 * Its first message is the start handshake (./handshake.ts): `ready` once isolated-vm has
 * loaded here and the first worker thread has created its isolate (batches go to the threads
 * that are up while the others still start), then `threads-up` once every thread is; or
 * `unavailable` with the cause and the fix when isolated-vm cannot load for this Node.
 *
 * Each piscina thread runs one long-lived task that serves batches from the resolver on a
 * socket of its own (../protocol/batch-channel.ts; ../sandbox-worker/main.ts): batches and
 * their answers never pass through this thread, and the resolver picks the thread. This
 * thread keeps the handshake, the watchdog, the memory cap, crash reports and size requests.
 * A thread's socket is claimed once: a thread that ends, ends this process (the resolver
 * restarts it), so piscina never starts a thread in its place that would look for it.
 */
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { wallClockMs, type StartPhases } from '../protocol/handshake.js';
import type { StartReport } from '../protocol/handshake.js';
import { SANDBOX_WORKER_ENTRY } from '../sandbox-worker/entry.js';
import { loadIsolatedVm } from '../sandbox-worker/load-ivm.js';
import {
  HEARTBEAT_BYTES,
  HEARTBEAT_STOPPING,
  heartbeatViews,
  MAX_EVALUATIONS_PER_BATCH,
  ORPHAN_CHECK_INTERVAL_MS,
  PROGRESS_EVALUATING,
  SIZE_REPLY,
  WATCHDOG_INTERVAL_MS,
  wedgeGraceMs,
  type CrashReason,
  type FromSandbox,
  type FromServe,
  type FromWorker,
  type ObservedCall,
  type SandboxSettings,
  type ServeTask,
  type ToSandbox,
  type WorkerData,
} from '../protocol/messages.js';
import { channelFd } from '../protocol/batch-channel.js';

/**
 * The threads after the first start when the resolver says they are needed (the first has
 * answered a batch, or more batches came than it runs at once: ../resolver/thread-channels.ts),
 * or this long after ready, whichever is first: a thread's start (~100 ms of CPU without
 * Node's snapshot) would otherwise share the machine with the first batch, the one a cold
 * start waits for.
 */
const OTHER_THREADS_AFTER_READY_MS = 250;

const dieNow = (): never => process.kill(process.pid, 'SIGKILL') as never;
process.on('disconnect', dieNow);
// A parent that died while this process was still starting left no 'disconnect' to hear, and
// worker threads would keep an orphan alive: check the channel now and then.
if (!process.connected) dieNow();
setInterval(() => {
  if (!process.connected) dieNow();
}, ORPHAN_CHECK_INTERVAL_MS).unref();

// The resolver's settings, fixed for this process's life: a process started without them
// throws here, before any thread, and the resolver counts a failed start.
const settings = JSON.parse(process.argv[2]!) as SandboxSettings;

const send = (message: FromSandbox | StartReport, then?: () => void): void => {
  if (!process.connected) dieNow();
  process.send!(message, undefined, undefined, then);
};

let pool: Piscina | undefined;
let crashed = false;
let ready = false;
let othersStarted = false;
let allUp = false;

/** A piscina thread running its serve task. */
interface Thread {
  up: boolean;
  /** Starts its serve task (once); piscina adds a thread for it. */
  serve?: () => void;
}
const threads: Thread[] = [];

// Loading isolated-vm here first tells a missing or mismatched build apart, with its cause,
// before any worker thread tries; such a process can never run, so it says so and exits.
const phases: StartPhases = {
  processStarted: performance.timeOrigin,
  nodeBootstrapped: performance.timeOrigin + performance.nodeTiming.bootstrapComplete,
  modulesLoaded: wallClockMs(),
};
const isolatedVm = loadIsolatedVm();
phases.isolatedVmLoaded = wallClockMs();
if (!isolatedVm.module) {
  crashed = true;
  send({ t: 'unavailable', problem: isolatedVm.problem! }, () => process.exit(1));
  setTimeout(dieNow, 200).unref();
}
const heartbeat = new SharedArrayBuffer(HEARTBEAT_BYTES);
const { slots: slotWords, deadlines, batches } = heartbeatViews(heartbeat);
// No batch yet (batch ids start at 0).
batches.fill(-1);
/** Each thread's progress words (RESULT_BUFFER), by heartbeat slot, from its `up` message. */
const progressBySlot = new Map<number, Int32Array>();
const channelName = `taskres-sandbox-${process.pid}`;
const fromWorkers = new BroadcastChannel(channelName);
fromWorkers.unref();
const sizeReplies = new Map<number, { buffer: SharedArrayBuffer; count: number; askedAtMs: number }>();
let nextSizeRequest = 0;

/**
 * Reports why this process is about to die, then dies: the resolver restarts a new one.
 * `starting`: a thread could not start, so no function is to blame (see FromSandbox).
 * `observed`: the calls in progress, read from shared memory now, before dying: the resolver
 * charges the stop to what they name and re-runs everything else (see ../resolver/blame.ts);
 * without it, the resolver knows only which batches were in flight.
 */
function crash(reason: CrashReason, detail: string, starting = false, observed?: ObservedCall[]): void {
  if (crashed) return;
  crashed = true;
  stopAnswers();
  send(starting ? { t: 'crash', reason, detail, starting } : observed ? { t: 'crash', reason, detail, observed } : { t: 'crash', reason, detail }, dieNow);
  setTimeout(dieNow, 200).unref();
}

/**
 * Tells the threads to send no more answers: the resolver judges what was in flight by the
 * report sent next (threads answer on their own channels, which this thread cannot hold back).
 */
function stopAnswers(): void {
  Atomics.store(slotWords, HEARTBEAT_STOPPING, 1);
}

/**
 * Every call in progress on a thread that is up, as its shared words say now. A call is
 * `stopped` when `isStopper(slot, deadline)` says it is why the process stops.
 */
function observeCalls(isStopper: (slot: number, deadlineMs: number) => boolean): ObservedCall[] {
  stopAnswers();
  const observed: ObservedCall[] = [];
  for (const [slot, progress] of progressBySlot) {
    const deadlineMs = deadlines[slot]!;
    if (deadlineMs <= 0) continue;
    observed.push({
      batch: Atomics.load(batches, slot),
      evaluation: Atomics.load(progress, 0),
      evaluating: Atomics.load(progress, 1) === PROGRESS_EVALUATING,
      stopped: isStopper(slot, deadlineMs),
    });
  }
  return observed;
}

fromWorkers.onmessage = (event) => {
  const message = (event as unknown as { data: FromWorker }).data;
  if (message.t === 'catastrophic') {
    crash('memory', `isolated-vm reported a catastrophic error: ${message.message}`, false, observeCalls((slot) => slot === message.slot));
    return;
  }
  const id = nextSizeRequest++;
  sizeReplies.set(id, { buffer: message.reply, count: message.paths.length, askedAtMs: Date.now() });
  send({ t: 'size', id, paths: message.paths });
};

function answerSize(id: number, sizes: number[] | undefined, error: string | undefined): void {
  const request = sizeReplies.get(id);
  if (!request) return;
  sizeReplies.delete(id);
  const header = new Int32Array(request.buffer, 0, 4);
  if (sizes && sizes.length === request.count) {
    new Float64Array(request.buffer, SIZE_REPLY.sizesOffset, request.count).set(sizes);
    Atomics.store(header, SIZE_REPLY.kind, 0);
  } else {
    const bytes = new TextEncoder().encode((error ?? 'the fileSize provider gave no answer').slice(0, 300));
    const room = new Uint8Array(request.buffer, SIZE_REPLY.sizesOffset + 8 * request.count, SIZE_REPLY.maxMessageBytes);
    const length = Math.min(bytes.length, room.length);
    room.set(bytes.subarray(0, length));
    Atomics.store(header, SIZE_REPLY.messageBytes, length);
    Atomics.store(header, SIZE_REPLY.kind, 1);
  }
  Atomics.store(header, SIZE_REPLY.state, 1);
  Atomics.notify(header, SIZE_REPLY.state);
}

function start(given: SandboxSettings): void {
  phases.poolStarting = wallClockMs();
  const started = new Piscina({
    filename: new URL(`./${SANDBOX_WORKER_ENTRY.name}.js`, import.meta.url).href,
    name: 'serve',
    // One thread at first: it boots faster alone on a small machine, and the process is ready
    // once it is up. Then one serve task per further thread, each making piscina add one.
    minThreads: 1,
    maxThreads: given.threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    recordTiming: false,
    workerData: { settings: given, heartbeat, channelName, capacity: MAX_EVALUATIONS_PER_BATCH } satisfies WorkerData,
  });
  pool = started;
  started.on('error', (error: unknown) => {
    crash('exited', `a sandbox thread ${allUp ? 'failed' : 'could not start'}: ${describe(error)}`, !allUp);
  });
  for (let i = 0; i < given.threads; i++) {
    const { port1, port2 } = new MessageChannel();
    const thread: Thread = { up: false };
    threads.push(thread);
    port1.on('message', (message: FromServe) => onServe(thread, message));
    // The thread's end of the channel the resolver gave this process at fork, for this index.
    const task: ServeTask = { port: port2, fd: channelFd(i) };
    // Piscina owns the thread; the task ends only with it (a thread that died, or could not start).
    thread.serve = () =>
      void started.run(task, { name: 'serve', transferList: [port2] }).then(
        () => crash('exited', 'a sandbox thread stopped serving'),
        (error: unknown) => crash('exited', `a sandbox thread ${thread.up ? 'failed' : 'could not start'}: ${describe(error)}`, !thread.up),
      );
  }
  threads[0]!.serve!();
  const graceMs = wedgeGraceMs(given.timeoutMs);
  const memoryCapBytes = given.processMemoryLimitMiB * 1024 * 1024;
  setInterval(() => {
    const now = Date.now();
    for (const deadline of deadlines) {
      if (deadline > 0 && now > deadline + graceMs) {
        // Charged to every call past its deadline (each has had its whole budget), no other.
        crash('wedged', `a sandbox thread stayed inside one evaluation ${Math.round(now - deadline + given.timeoutMs)} ms`, false, observeCalls((_, deadlineMs) => now > deadlineMs));
        return;
      }
    }
    // The worker stops waiting at its deadline; forget requests a provider never answered.
    for (const [id, request] of sizeReplies) if (now - request.askedAtMs > graceMs * 2) sizeReplies.delete(id);
    const rss = process.memoryUsage.rss();
    if (rss > memoryCapBytes) {
      // The whole process's memory: no one call is observed causing it.
      crash('process-memory', `the sandbox process reached ${Math.round(rss / 1048576)} MiB, over its processMemoryLimitMiB of ${given.processMemoryLimitMiB} MiB`, false, observeCalls(() => false));
    }
  }, WATCHDOG_INTERVAL_MS).unref();
}

function onServe(thread: Thread, message: FromServe): void {
  if (crashed) return;
  switch (message.t) {
    case 'up': {
      // The resolver hears it on the thread's channel too, and sends it batches from then on.
      thread.up = true;
      progressBySlot.set(message.slot, new Int32Array(message.progress, 0, 2));
      const { specifier, version, location } = isolatedVm.loaded!;
      if (!ready) {
        // The first thread up serves at once; the others join as they come up, started after
        // its first batch (see OTHER_THREADS_AFTER_READY_MS).
        ready = true;
        Object.assign(phases, message.phases);
        phases.readySent = wallClockMs();
        send({ t: 'ready', isolatedVm: { specifier: message.specifier ?? specifier, version, location }, startMs: Math.round(performance.now()), phases });
        setTimeout(startOthers, OTHER_THREADS_AFTER_READY_MS);
      }
      if (!allUp && threads.every((each) => each.up)) {
        allUp = true;
        send({ t: 'threads-up', phases: { ...message.phases, allThreadsUp: wallClockMs() } });
      }
      return;
    }
  }
}

/**
 * Starts the threads after the first, once (see OTHER_THREADS_AFTER_READY_MS). Starting a
 * thread takes this thread 5-10 ms (piscina's new Worker): done after the answer it follows.
 */
function startOthers(): void {
  if (othersStarted || crashed) return;
  othersStarted = true;
  for (const thread of threads) if (thread !== threads[0]) thread.serve!();
}

function describe(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 300);
}

process.on('message', (message: ToSandbox) => {
  switch (message.t) {
    case 'more-threads':
      startOthers();
      return;
    case 'size-reply':
      answerSize(message.id, message.sizes, message.error);
      return;
    case 'close':
      crashed = true;
      void (pool?.destroy() ?? Promise.resolve()).finally(() => {
        fromWorkers.close();
        process.exit(0);
      });
      return;
  }
});

// The first thread starts now, while this module is still being evaluated: no message to wait
// for, and its boot (Node's, without the snapshot) begins as early as this process can begin it.
// isolated-vm was checked above, before any thread exists.
if (!crashed) start(settings);
