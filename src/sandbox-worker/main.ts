/**
 * A piscina worker of the sandbox process: one {@link Sandbox} (one isolate) per thread.
 * It takes a slot in the main thread's watchdog buffer and asks the main thread for file
 * sizes on a broadcast channel.
 *
 * Piscina starts, owns and ends the threads; each thread runs one long-lived piscina task,
 * `serve`, that takes batches from the resolver on a socket of its own (../protocol/batch-channel.ts)
 * and answers on it, with no hop through the main thread. Between batches it sleeps in its
 * event loop: the socket wakes it directly. (Polling the socket for 0.5 ms after a small batch,
 * as the thread once polled its MessagePort, measured no better at p50 and worse at p99 on the
 * busy 2-core machine: the polling thread took the core the caller needed; docs/performance.md.)
 */
import type { Buffer } from 'node:buffer';
import { Socket } from 'node:net';
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { FileSizes } from './file-sizes.js';
import { wallClockMs } from '../protocol/handshake.js';
import { loadIsolatedVm } from './load-ivm.js';
import { Sandbox } from './isolate-host.js';
import {
  HEARTBEAT_STOPPING,
  heartbeatViews,
  type BatchMeta,
  type FromServe,
  type FromWorker,
  type ServeTask,
  type WorkerData,
} from '../protocol/messages.js';
import { decodeBatchFrame, encodeAnswerFrame, encodeUpFrame, FRAME, FrameReader, type FromThread, type ToThread } from '../protocol/batch-channel.js';

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
 * isolate made, or importing ./sandbox.js would have thrown), on its channel to the resolver
 * and on `port` to the main thread, then answers the batches its channel brings until piscina
 * ends the thread. It never settles.
 */
export function serve(task: ServeTask): Promise<never> {
  const { port, fd } = task;
  const channel = new Socket({ fd, readable: true, writable: true });
  // The resolver gone: the main thread hears it on IPC and ends the process.
  channel.on('error', () => {});
  const reader = new FrameReader();
  const onFrame = (kind: number, body: Buffer): void => {
    if (kind === FRAME.batch) answer(channel, decodeBatchFrame(body));
  };
  channel.on('data', (chunk: Buffer) => reader.push(chunk, onFrame));
  channel.write(encodeUpFrame());
  const up: FromServe = {
    t: 'up',
    specifier: loadIsolatedVm().loaded!.specifier,
    phases: { threadModulesLoaded: moduleLoadedMs, threadIsolateReady: isolateReadyMs },
    slot,
    progress: sandbox.resultBuffer,
  };
  port.postMessage(up);
  return new Promise<never>(() => {});
}

/** Runs one batch and writes its answer. */
function answer(channel: Socket, batch: ToThread): void {
  let reply: Exclude<FromThread, { t: 'up' }>;
  try {
    const meta = JSON.parse(batch.task.meta) as BatchMeta;
    if (slot < batches.length) Atomics.store(batches, slot, batch.id);
    reply = { t: 'done', id: batch.id, result: sandbox.runBatch(meta, batch.task.payload, batch.seed) };
  } catch (error) {
    reply = { t: 'failed', id: batch.id, message: String((error as Error)?.message ?? error).slice(0, 300) };
  }
  // The process is going down and has reported (or is reporting) what ran: an answer now
  // would land work that report counts as lost.
  if (Atomics.load(slots, HEARTBEAT_STOPPING) === 0) channel.write(encodeAnswerFrame(reply));
}
