/**
 * A sandbox worker thread: one {@link Sandbox} (one isolate) per thread, fed batches by the
 * process's {@link ThreadPool} on a port of its own. It takes a slot in the main thread's
 * watchdog buffer and asks the main thread for file sizes on a broadcast channel.
 */
import { BroadcastChannel, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { FileSizes } from './file-sizes.js';
import { wallClockMs } from './handshake.js';
import { loadIsolatedVm } from './load-ivm.js';
import { Sandbox } from './sandbox.js';
import { SPIN_MS, type FromThread, type ThreadData, type ToThread } from './thread-pool.js';
import { heartbeatViews, type BatchMeta, type FromWorker } from './protocol.js';

// Imports are evaluated before this line: isolated-vm is loaded by now (./sandbox.js throws otherwise).
const moduleLoadedMs = wallClockMs();
const { settings, heartbeat, channelName, capacity, port } = workerData as ThreadData;

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

function run(message: ToThread): void {
  let reply: FromThread;
  try {
    reply = { t: 'done', id: message.id, result: sandbox.runBatch(JSON.parse(message.task.meta) as BatchMeta, message.task.payload) };
  } catch (error) {
    reply = { t: 'failed', id: message.id, message: String((error as Error)?.message ?? error).slice(0, 300) };
  }
  port.postMessage(reply);
}

function handle(first: ToThread): void {
  let message: ToThread | undefined = first;
  while (message) {
    run(message);
    message = undefined;
    // Stay awake a moment for the next batch: a caller awaiting one resolution at a time
    // sends it as soon as this answer arrives, and a sleeping thread takes a while to wake.
    const until = performance.now() + SPIN_MS;
    while (performance.now() < until) {
      const next = receiveMessageOnPort(port);
      if (next) {
        message = next.message as ToThread;
        break;
      }
    }
  }
}

port.on('message', handle);
port.postMessage({
  t: 'up',
  specifier: loadIsolatedVm().loaded!.specifier,
  phases: { threadModulesLoaded: moduleLoadedMs, threadIsolateReady: wallClockMs() },
} satisfies FromThread);
