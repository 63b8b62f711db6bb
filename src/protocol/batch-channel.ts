/**
 * The batch channel: how batches and their answers travel between the resolver (user's
 * process) and each worker thread of the sandbox process, with no hop through the sandbox's
 * main thread. Each thread owns one end of a socket pair the resolver creates at fork (extra
 * stdio, fd `channelFd(thread)` in the sandbox process) and reads and writes it itself; the
 * main thread keeps the IPC channel for the handshake, crash reports and size requests.
 *
 * Why not IPC relayed over a MessagePort (the design before): every batch was decoded by the
 * main thread, cloned into a port and woken on, and its answer the same way back; the socket
 * spares that hop and one copy (docs/performance.md, "The relay hop").
 *
 * A frame is a 4-byte little-endian length of what follows, one kind byte (FRAME), then the
 * kind's fields, integers little-endian:
 * - `batch` (resolver → thread): id u32, seed u32, meta's byte length u32, meta (UTF-8), payload (UTF-8, the rest);
 * - `up` (thread → resolver): no fields; the thread serves from now on;
 * - `done` (thread → resolver): id u32, evaluations u32, extras' byte length u32, extras (UTF-8
 *   JSON of DoneExtras, absent when empty), then one float64 per evaluation;
 * - `failed` (thread → resolver): id u32, message (UTF-8, the rest).
 * Pure: no I/O; the encoders return whole frames and FrameReader splits a byte stream into them.
 */
import { Buffer } from 'node:buffer';
import type { BatchTask, BatchFailure, BatchResult } from './messages.js';

/** Stdio index (and so fd in the sandbox process) of thread 0's socket: after stdin, stdout, stderr and IPC. */
export const CHANNEL_FIRST_FD = 4;

/** The fd of thread `thread`'s socket in the sandbox process. */
export function channelFd(thread: number): number {
  return CHANNEL_FIRST_FD + thread;
}

/** Frame kinds. */
export const FRAME = { batch: 1, up: 2, done: 3, failed: 4 } as const;

/** A batch for a thread: its id, its two strings and its seed for the isolate's Math.random. */
export interface ToThread {
  id: number;
  task: BatchTask;
  /** A random integer in [0, 2^31) from a cryptographic source (see ../isolate/prelude.ts). */
  seed: number;
}

/** What a thread answers on its channel. */
export type FromThread = { t: 'up' } | { t: 'done'; id: number; result: BatchResult } | { t: 'failed'; id: number; message: string };

/** The parts of a BatchResult besides its values, as JSON: omitted when there are none. */
interface DoneExtras {
  f?: BatchFailure[];
  r?: true;
  c?: number;
}

const HEADER = 5;

function frame(kind: number, bodyBytes: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + bodyBytes);
  out.writeUInt32LE(1 + bodyBytes, 0);
  out[4] = kind;
  return out;
}

/** The frame of a batch. */
export function encodeBatchFrame(batch: ToThread): Buffer {
  const { meta, payload } = batch.task;
  const metaBytes = Buffer.byteLength(meta);
  const out = frame(FRAME.batch, 12 + metaBytes + Buffer.byteLength(payload));
  out.writeUInt32LE(batch.id, HEADER);
  out.writeUInt32LE(batch.seed, HEADER + 4);
  out.writeUInt32LE(metaBytes, HEADER + 8);
  out.write(meta, HEADER + 12);
  out.write(payload, HEADER + 12 + metaBytes);
  return out;
}

/** Reads a batch frame's body (as FrameReader hands it). */
export function decodeBatchFrame(body: Buffer): ToThread {
  const metaBytes = body.readUInt32LE(8);
  return {
    id: body.readUInt32LE(0),
    seed: body.readUInt32LE(4),
    task: { meta: body.toString('utf8', 12, 12 + metaBytes), payload: body.toString('utf8', 12 + metaBytes) },
  };
}

/** The frame a thread sends once it serves. */
export function encodeUpFrame(): Buffer {
  return frame(FRAME.up, 0);
}

/** The frame of a thread's answer. */
export function encodeAnswerFrame(answer: Exclude<FromThread, { t: 'up' }>): Buffer {
  if (answer.t === 'failed') {
    const out = frame(FRAME.failed, 4 + Buffer.byteLength(answer.message));
    out.writeUInt32LE(answer.id, HEADER);
    out.write(answer.message, HEADER + 4);
    return out;
  }
  const { values, failures, retryAlone, completed } = answer.result;
  const extras: DoneExtras = {};
  if (failures.length > 0) extras.f = failures;
  if (retryAlone) extras.r = true;
  if (completed !== undefined) extras.c = completed;
  const extrasText = failures.length > 0 || retryAlone || completed !== undefined ? JSON.stringify(extras) : '';
  const extrasBytes = Buffer.byteLength(extrasText);
  const out = frame(FRAME.done, 12 + extrasBytes + 8 * values.length);
  out.writeUInt32LE(answer.id, HEADER);
  out.writeUInt32LE(values.length, HEADER + 4);
  out.writeUInt32LE(extrasBytes, HEADER + 8);
  if (extrasBytes > 0) out.write(extrasText, HEADER + 12);
  out.set(new Uint8Array(values.buffer, values.byteOffset, 8 * values.length), HEADER + 12 + extrasBytes);
  return out;
}

/** Reads a thread's frame (`kind` and body as FrameReader hands them); undefined for a kind it does not send. */
export function decodeThreadFrame(kind: number, body: Buffer): FromThread | undefined {
  switch (kind) {
    case FRAME.up:
      return { t: 'up' };
    case FRAME.failed:
      return { t: 'failed', id: body.readUInt32LE(0), message: body.toString('utf8', 4) };
    case FRAME.done: {
      const count = body.readUInt32LE(4);
      const extrasBytes = body.readUInt32LE(8);
      const extras = extrasBytes > 0 ? (JSON.parse(body.toString('utf8', 12, 12 + extrasBytes)) as DoneExtras) : {};
      // Copied into an array of its own: the body's bytes need not be 8-byte aligned.
      const values = new Float64Array(count);
      new Uint8Array(values.buffer).set(body.subarray(12 + extrasBytes, 12 + extrasBytes + 8 * count));
      const result: BatchResult = { values, failures: extras.f ?? [] };
      if (extras.r) result.retryAlone = true;
      if (extras.c !== undefined) result.completed = extras.c;
      return { t: 'done', id: body.readUInt32LE(0), result };
    }
    default:
      return undefined;
  }
}

/**
 * Splits a byte stream into frames. A frame's body is a view of the bytes read: it is valid
 * only during the `onFrame` call. Bytes of an unfinished frame are kept as chunks and joined
 * once the frame is whole, so a large batch read in many chunks is copied once.
 */
export class FrameReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes the kept parts must reach before a frame can be read from them. */
  private needed = 0;

  /** Takes the next chunk of the stream; calls `onFrame` (which must not throw) for each frame it completes, in order. */
  push(chunk: Buffer, onFrame: (kind: number, body: Buffer) => void): void {
    let bytes = chunk;
    if (this.parts.length > 0) {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      if (this.partBytes < this.needed) return;
      bytes = Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
    }
    let at = 0;
    while (bytes.length - at >= 4) {
      const length = bytes.readUInt32LE(at);
      if (bytes.length - at - 4 < length) break;
      onFrame(bytes[at + 4]!, bytes.subarray(at + HEADER, at + 4 + length));
      at += 4 + length;
    }
    if (at < bytes.length) {
      const rest = bytes.subarray(at);
      this.parts = [rest];
      this.partBytes = rest.length;
      this.needed = rest.length >= 4 ? 4 + rest.readUInt32LE(0) : 4;
    }
  }
}
