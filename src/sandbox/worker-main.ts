/**
 * A piscina worker of the sandbox process: one {@link Sandbox} (one isolate) per thread.
 * It registers itself with the main thread for size lookups and the watchdog.
 */
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { FileSizes } from './file-sizes.js';
import { Sandbox } from './sandbox.js';
import { type BatchMeta, type BatchResult, type BatchTask, type FromWorker, type SandboxSettings } from './protocol.js';

interface WorkerData {
  settings: SandboxSettings;
  heartbeat: SharedArrayBuffer;
  channelName: string;
  capacity: number;
}

const { settings, heartbeat, channelName, capacity } = workerData as WorkerData;

// Workers only post on this channel (size requests, catastrophic errors); the main thread listens.
const toMain = new BroadcastChannel(channelName);
toMain.unref();
const port = { postMessage: (message: FromWorker) => toMain.postMessage(message) };

const slots = new Int32Array(heartbeat, 0, 2);
const slot = Atomics.add(slots, 0, 1);
const deadlines = new Float64Array(heartbeat, 8);

const sandbox = new Sandbox({
  timeoutMs: settings.timeoutMs,
  memoryLimitMiB: settings.memoryLimitMiB,
  capacity,
  sizes: new FileSizes(settings.sizeMode, port),
  onCall: (deadlineMs) => {
    if (slot < deadlines.length) deadlines[slot] = deadlineMs;
  },
  onCatastrophicError: (message) => {
    const report: FromWorker = { t: 'catastrophic', message: String(message).slice(0, 200) };
    port.postMessage(report);
  },
});

sandbox.warmUp();

/** Runs one batch (piscina task). */
export default function runBatch(task: BatchTask): BatchResult {
  return sandbox.runBatch(JSON.parse(task.meta) as BatchMeta, task.payload);
}
