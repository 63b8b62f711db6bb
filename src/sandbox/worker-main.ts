/**
 * A piscina worker of the sandbox process: one {@link Sandbox} (one isolate) per thread.
 * It takes a slot in the main thread's watchdog buffer and asks the main thread for file
 * sizes on a broadcast channel.
 */
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { FileSizes } from './file-sizes.js';
import { wallClockMs, type PingReply } from './handshake.js';
import { loadIsolatedVm } from './load-ivm.js';
import { Sandbox } from './sandbox.js';
import { heartbeatViews, type BatchMeta, type BatchResult, type BatchTask, type FromWorker, type WorkerData } from './protocol.js';

// Imports are evaluated before this line: isolated-vm is loaded by now.
const moduleLoadedMs = wallClockMs();
const { settings, heartbeat, channelName, capacity } = workerData as WorkerData;

// Workers only post on this channel (size requests, catastrophic errors); the main thread listens.
const toMain = new BroadcastChannel(channelName);
toMain.unref();

const { slots, deadlines } = heartbeatViews(heartbeat);
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
    const report: FromWorker = { t: 'catastrophic', message: String(message).slice(0, 200) };
    toMain.postMessage(report);
  },
});

sandbox.warmUp();
const isolateReadyMs = wallClockMs();

/**
 * The start ping: answered once this module has loaded, so isolated-vm loaded in this
 * thread and its first isolate was created (importing ./sandbox.js throws otherwise).
 */
export function ping(): PingReply {
  return { specifier: loadIsolatedVm().loaded!.specifier, phases: { threadModulesLoaded: moduleLoadedMs, threadIsolateReady: isolateReadyMs } };
}

/** Runs one batch (piscina task). */
export default function runBatch(task: BatchTask): BatchResult {
  return sandbox.runBatch(JSON.parse(task.meta) as BatchMeta, task.payload);
}
