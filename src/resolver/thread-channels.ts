/**
 * The resolver's ends of the sandbox threads' batch channels (../protocol/batch-channel.ts):
 * batches go straight to a worker thread of the sandbox process and its answers straight back,
 * with no hop through the sandbox's main thread. Here the thread is chosen: the least busy
 * that is up, at most BATCHES_PER_THREAD each (one running, the next waiting in its socket, so
 * a thread that finishes a batch starts the next without a round trip through this process).
 * Batches no thread has room for wait here, oldest first.
 *
 * Transport only: what a batch holds, its deadline and what its answer settles are the
 * supervisor's. A channel that breaks is not judged here: its thread's end ends the sandbox
 * process, which the supervisor hears as an exit.
 */
import type { Socket } from 'node:net';
import { decodeThreadFrame, encodeBatchFrame, FrameReader, type ToThread } from '../protocol/batch-channel.js';
import type { BatchTask, FromSandbox } from '../protocol/messages.js';

/**
 * Each batch's seed for the isolate's Math.random, from node:crypto. Loaded once a sandbox
 * process is forked, while it boots (importing it costs 10-20 ms, not to be spent on
 * importing taskres); a batch that came sooner would load it then.
 */
let randomInt: ((max: number) => number) | undefined;
const drawSeed = (): number => (randomInt ??= process.getBuiltinModule('node:crypto').randomInt)(2 ** 31);

/** Batches a thread may hold: the one it runs and the next, waiting in its socket. */
const BATCHES_PER_THREAD = 2;

/** What the channels tell their owner. */
export interface ThreadChannelEvents {
  /** A thread answered a batch. */
  answer(message: Extract<FromSandbox, { t: 'done' | 'failed' }>): void;
  /**
   * The threads after the first are needed now (the first has answered a batch, or more
   * batches came than it runs at once); told once.
   */
  moreThreads(): void;
}

interface Channel {
  socket: Socket;
  reader: FrameReader;
  /** True once its thread has said it serves. */
  up: boolean;
  /** Batches written to it and not yet answered. */
  holding: number;
}

/** The batch channels of one sandbox process, one per thread, in thread order. */
export class ThreadChannels {
  private readonly channels: Channel[];
  private readonly waiting: ToThread[] = [];
  private moreThreadsTold = false;

  /** `guard` runs each event's handling: whatever it throws goes to the owner, never to Node's event loop. */
  constructor(
    sockets: readonly Socket[],
    private readonly events: ThreadChannelEvents,
    guard: (handler: () => void) => void,
  ) {
    this.channels = sockets.map((socket) => {
      const channel: Channel = { socket, reader: new FrameReader(), up: false, holding: 0 };
      const onFrame = (kind: number, body: Buffer): void => guard(() => this.onFrame(channel, kind, body));
      socket.on('data', (chunk: Buffer) => channel.reader.push(chunk, onFrame));
      // A broken channel means a dying process: its exit is what the supervisor judges.
      socket.on('error', () => {});
      return channel;
    });
    if (!randomInt) setImmediate(drawSeed);
  }

  /** Sends a batch to a thread, now or once one has room. */
  send(id: number, task: BatchTask): void {
    this.waiting.push({ id, task, seed: drawSeed() });
    this.dispatch();
  }

  /** Whether the channels keep the user's process alive: only while there is work. */
  keepAlive(busy: boolean): void {
    for (const { socket } of this.channels) {
      if (busy) socket.ref();
      else socket.unref();
    }
  }

  private onFrame(channel: Channel, kind: number, body: Buffer): void {
    const message = decodeThreadFrame(kind, body);
    if (!message) return;
    if (message.t === 'up') {
      channel.up = true;
      this.dispatch();
      return;
    }
    channel.holding--;
    this.tellMoreThreads();
    this.dispatch();
    this.events.answer(message);
  }

  /** Hands waiting batches to the least busy threads that are up and have room. */
  private dispatch(): void {
    if (this.waiting.length > 1 || (this.waiting.length > 0 && this.channels.some((channel) => channel.holding > 0))) this.tellMoreThreads();
    while (this.waiting.length > 0) {
      let best: Channel | undefined;
      for (const channel of this.channels) if (channel.up && channel.holding < BATCHES_PER_THREAD && (!best || channel.holding < best.holding)) best = channel;
      if (!best) return;
      best.holding++;
      best.socket.write(encodeBatchFrame(this.waiting.shift()!));
    }
  }

  private tellMoreThreads(): void {
    if (this.moreThreadsTold) return;
    this.moreThreadsTold = true;
    this.events.moreThreads();
  }
}
