/**
 * A piscina worker of the sandbox process: one {@link Sandbox} (one isolate) per thread.
 * It takes a slot in the main thread's watchdog buffer and asks the main thread for file
 * sizes on a broadcast channel.
 *
 * Piscina starts, owns and ends the threads; each thread runs one long-lived piscina task,
 * `serve`, that takes batches from a MessagePort of its own. After answering a batch it keeps
 * polling that port for SERVE_SPIN_MS before it blocks on an Atomics word the main thread
 * bumps with every batch: a caller that sends its next batch within that time does not pay a
 * thread wake-up (the largest part of a lone resolve's latency on a busy machine).
 */
import { BroadcastChannel, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { FileSizes } from './file-sizes.js';
import { wallClockMs } from '../protocol/handshake.js';
import { loadIsolatedVm } from './load-ivm.js';
import { Sandbox } from './isolate-host.js';
import {
  heartbeatViews,
  SERVE_SIGNAL,
  SERVE_SPIN_AFTER_JOBS,
  SERVE_SPIN_MS,
  type BatchMeta,
  type FromServe,
  type FromWorker,
  type ServeTask,
  type ToServe,
  type WorkerData,
} from '../protocol/messages.js';

// Imports are evaluated before this line: isolated-vm is loaded by now.
const moduleLoadedMs = wallClockMs();
const { settings, heartbeat, channelName, capacity } = workerData as WorkerData;

// Workers only post on this channel (size requests, catastrophic errors); the main thread listens.
const toMain = new BroadcastChannel(channelName);
toMain.unref();

const { slots, deadlines, batches } = heartbeatViews(heartbeat);
const slot = Atomics.add(slots, 0, 1);

const sandbox = new Sandbox({
  timeoutMs: settings.timeoutMs,
  memoryLimitMiB: settings.memoryLimitMiB,
  capacity,
  sizes: new FileSizes(settings.sizeMode, toMain),
  onCall: (deadlineMs) => {
    if (slot < deadlines.length) deadlines[slot] = deadlineMs;
  },
  onCatastrophicError: (message) => {
    const report: FromWorker = { t: 'catastrophic', message: String(message).slice(0, 200), slot };
    toMain.postMessage(report);
  },
});

sandbox.warmUp();
const isolateReadyMs = wallClockMs();

/**
 * The thread's one piscina task: says it is up (isolated-vm loaded in this thread and its
 * isolate made, or importing ./sandbox.js would have thrown), then answers batches from `port`
 * until piscina ends the thread. It never returns.
 */
export function serve(task: ServeTask): never {
  const { port, signal } = task;
  const up: FromServe = {
    t: 'up',
    specifier: loadIsolatedVm().loaded!.specifier,
    phases: { threadModulesLoaded: moduleLoadedMs, threadIsolateReady: isolateReadyMs },
    slot,
    progress: sandbox.resultBuffer,
  };
  port.postMessage(up);
  for (;;) {
    // Read the word before the port: a batch posted after this read has bumped it, so the
    // wait below returns at once instead of sleeping past it.
    const posted = Atomics.load(signal, SERVE_SIGNAL.posted);
    const answered = drain(port);
    if (answered > 0 && answered <= SERVE_SPIN_AFTER_JOBS) {
      // A caller awaiting one resolve at a time sends its next soon: poll a little before
      // sleeping (a bumped word is cheap to see, a sleeping thread slow to wake). Not after
      // larger batches: their callers pipeline, and on a small machine a polling thread
      // takes the core the user's process needs to make the next batch.
      const until = performance.now() + SERVE_SPIN_MS;
      while (Atomics.load(signal, SERVE_SIGNAL.posted) === posted && performance.now() < until);
      continue;
    }
    if (answered > 0) continue;
    Atomics.wait(signal, SERVE_SIGNAL.posted, posted);
  }
}

/** Answers every batch waiting on the port; returns the jobs of the last one (0: none). */
function drain(port: MessagePort): number {
  let jobs = 0;
  for (;;) {
    const message = receiveMessageOnPort(port)?.message as ToServe | undefined;
    if (message === undefined) return jobs;
    let reply: FromServe;
    try {
      const meta = JSON.parse(message.task.meta) as BatchMeta;
      jobs = meta.jobs;
      if (slot < batches.length) Atomics.store(batches, slot, message.id);
      reply = { t: 'done', id: message.id, result: sandbox.runBatch(meta, message.task.payload, message.seed) };
    } catch (error) {
      reply = { t: 'failed', id: message.id, message: String((error as Error)?.message ?? error).slice(0, 300) };
    }
    port.postMessage(reply);
  }
}
