/**
 * The sandbox process: started by a resolver with `--no-node-snapshot`, it runs a piscina
 * pool whose workers each own an isolate. Some hostile functions abort or wedge any process
 * that runs isolated-vm, so this process is disposable: it reports what it sees (a wedged
 * thread, a catastrophic error, too much memory) and kills itself; the resolver restarts it.
 * It also dies with its parent: losing the IPC channel means the resolver is gone.
 *
 * Its first message is the start handshake (./handshake.ts): `ready` once isolated-vm has
 * loaded and every worker thread has created its isolate, or `unavailable` with the cause
 * and the fix when isolated-vm cannot load for this Node.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { wallClockMs, type PingReply, type StartPhases } from './handshake.js';
import type { StartReport } from './handshake.js';
import { loadIsolatedVm } from './load-ivm.js';
import {
  HEARTBEAT_BYTES,
  heartbeatViews,
  MAX_EVALUATIONS_PER_BATCH,
  ORPHAN_CHECK_INTERVAL_MS,
  SIZE_REPLY,
  WATCHDOG_INTERVAL_MS,
  wedgeGraceMs,
  type CrashReason,
  type FromSandbox,
  type FromWorker,
  type SandboxSettings,
  type ToSandbox,
  type WorkerData,
} from './protocol.js';

const dieNow = (): never => process.kill(process.pid, 'SIGKILL') as never;
process.on('disconnect', dieNow);
// A parent that died while this process was still starting left no 'disconnect' to hear, and
// worker threads would keep an orphan alive: check the channel now and then.
if (!process.connected) dieNow();
setInterval(() => {
  if (!process.connected) dieNow();
}, ORPHAN_CHECK_INTERVAL_MS).unref();

const send = (message: FromSandbox | StartReport, then?: () => void): void => {
  if (!process.connected) dieNow();
  process.send!(message, undefined, undefined, then);
};

let pool: Piscina | undefined;
let crashed = false;
let ready = false;

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
const { deadlines } = heartbeatViews(heartbeat);
const channelName = `taskres-sandbox-${process.pid}`;
const fromWorkers = new BroadcastChannel(channelName);
fromWorkers.unref();
const sizeReplies = new Map<number, { buffer: SharedArrayBuffer; count: number; askedAtMs: number }>();
let nextSizeRequest = 0;

/** Reports why this process is about to die, then dies: the resolver restarts a new one. */
function crash(reason: CrashReason, detail: string): void {
  if (crashed) return;
  crashed = true;
  send({ t: 'crash', reason, detail }, dieNow);
  setTimeout(dieNow, 200).unref();
}

fromWorkers.onmessage = (event) => {
  const message = (event as unknown as { data: FromWorker }).data;
  if (message.t === 'catastrophic') {
    crash('memory', `isolated-vm reported a catastrophic error: ${message.message}`);
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
    filename: new URL('./sandbox-worker.js', import.meta.url).href,
    minThreads: given.threads,
    maxThreads: given.threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    recordTiming: false,
    workerData: { settings: given, heartbeat, channelName, capacity: MAX_EVALUATIONS_PER_BATCH } satisfies WorkerData,
  });
  pool = started;
  started.on('error', (error: unknown) => {
    crash('exited', `a sandbox thread ${ready ? 'failed' : 'could not start'}: ${describe(error)}`);
  });
  // One ping per thread: each answers once its module has loaded isolated-vm and made its isolate.
  const pings = Array.from({ length: given.threads }, () => started.run(undefined, { name: 'ping' }) as Promise<PingReply>);
  Promise.all(pings).then(
    (replies) => {
      if (crashed) return;
      ready = true;
      const { specifier, version, location } = isolatedVm.loaded!;
      // The slowest thread's steps: the process is ready when its last thread is.
      for (const reply of replies) for (const [name, at] of Object.entries(reply.phases)) phases[name] = Math.max(phases[name] ?? 0, at);
      phases.readySent = wallClockMs();
      send({ t: 'ready', isolatedVm: { specifier, version, location }, startMs: Math.round(performance.now()), phases });
    },
    // A thread that cannot start is a failed start: the resolver retries a few times, then gives up.
    (error: unknown) => crash('exited', `a sandbox thread could not start: ${describe(error)}`),
  );
  const graceMs = wedgeGraceMs(given.timeoutMs);
  const memoryCapBytes = given.processMemoryLimitMiB * 1024 * 1024;
  setInterval(() => {
    const now = Date.now();
    for (const deadline of deadlines) {
      if (deadline > 0 && now > deadline + graceMs) {
        crash('wedged', `a sandbox thread stayed inside one evaluation ${Math.round(now - deadline + given.timeoutMs)} ms`);
        return;
      }
    }
    // The worker stops waiting at its deadline; forget requests a provider never answered.
    for (const [id, request] of sizeReplies) if (now - request.askedAtMs > graceMs * 2) sizeReplies.delete(id);
    const rss = process.memoryUsage.rss();
    if (rss > memoryCapBytes) crash('memory', `the sandbox process reached ${Math.round(rss / 1048576)} MiB, over its ${given.processMemoryLimitMiB} MiB cap`);
  }, WATCHDOG_INTERVAL_MS).unref();
}

function describe(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 300);
}

process.on('message', (message: ToSandbox) => {
  switch (message.t) {
    case 'init':
      phases.initReceived = wallClockMs();
      if (!crashed) start(message.settings);
      return;
    case 'batch':
      if (!pool) return;
      pool.run(message.task).then(
        (result) => send({ t: 'done', id: message.id, result }),
        (error: unknown) => send({ t: 'failed', id: message.id, message: String((error as Error)?.message ?? error).slice(0, 300) }),
      );
      return;
    case 'size-reply':
      answerSize(message.id, message.sizes, message.error);
      return;
    case 'close':
      void (pool?.destroy() ?? Promise.resolve()).finally(() => {
        fromWorkers.close();
        process.exit(0);
      });
      return;
  }
});
