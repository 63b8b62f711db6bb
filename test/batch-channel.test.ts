import { describe, expect, it } from 'vitest';
import {
  decodeBatchFrame,
  decodeThreadFrame,
  encodeAnswerFrame,
  encodeBatchFrame,
  encodeUpFrame,
  FRAME,
  FrameReader,
  type FromThread,
} from '../src/protocol/batch-channel.js';

/** Every frame the reader yields from `chunks`, copied out of the reader's views. */
function readAll(chunks: Buffer[]): { kind: number; body: Buffer }[] {
  const reader = new FrameReader();
  const frames: { kind: number; body: Buffer }[] = [];
  for (const chunk of chunks) reader.push(chunk, (kind, body) => frames.push({ kind, body: Buffer.from(body) }));
  return frames;
}

/** `bytes` cut into pieces of `size` bytes (the last may be shorter). */
function cut(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

describe('batch channel frames', () => {
  const batch = { id: 7, seed: 2 ** 31 - 1, task: { meta: '{"jobs":2,"sources":[]}', payload: 'plan\u0002["/a","a"]\u0002[[0],{"n":"é→😀"}]' } };
  const done: FromThread = {
    t: 'done',
    id: 4_000_000_000,
    result: { values: new Float64Array([1.5, -0, Number.MAX_VALUE, 0]), failures: [{ index: 3, code: 'TASKRES_FUNCTION_THREW', detail: 'x ✗', hint: { threw: 'TypeError' } }], completed: 4 },
  };

  it('carries a batch, its non-ASCII text and its seed unchanged', () => {
    const [frame] = readAll([encodeBatchFrame(batch)]);
    expect(frame!.kind).toBe(FRAME.batch);
    expect(decodeBatchFrame(frame!.body)).toEqual(batch);
  });

  it('carries answers: values bit for bit, failures and flags; none of them when absent', () => {
    const frames = readAll([encodeUpFrame(), encodeAnswerFrame(done), encodeAnswerFrame({ t: 'done', id: 1, result: { values: new Float64Array([2]), failures: [] } }), encodeAnswerFrame({ t: 'failed', id: 2, message: 'boom ✗' })]);
    const decoded = frames.map(({ kind, body }) => decodeThreadFrame(kind, body));
    expect(decoded[0]).toEqual({ t: 'up' });
    expect(decoded[1]).toEqual(done);
    expect(Object.is((decoded[1] as { result: { values: Float64Array } }).result.values[1], -0)).toBe(true);
    expect(decoded[2]).toEqual({ t: 'done', id: 1, result: { values: new Float64Array([2]), failures: [] } });
    expect(decoded[3]).toEqual({ t: 'failed', id: 2, message: 'boom ✗' });
  });

  it('a retryAlone answer keeps its flag', () => {
    const [frame] = readAll([encodeAnswerFrame({ t: 'done', id: 3, result: { values: new Float64Array(2), failures: [], retryAlone: true } })]);
    expect(decodeThreadFrame(frame!.kind, frame!.body)).toEqual({ t: 'done', id: 3, result: { values: new Float64Array(2), failures: [], retryAlone: true } });
  });

  it('finds the same frames however the stream is cut: byte by byte, across frames, a large batch in 64 KiB reads', () => {
    const large = { ...batch, task: { meta: batch.task.meta, payload: 'x'.repeat(300_000) } };
    const stream = Buffer.concat([encodeBatchFrame(batch), encodeBatchFrame(large), encodeAnswerFrame(done), encodeBatchFrame(batch)]);
    const whole = readAll([stream]);
    expect(whole.map((frame) => frame.kind)).toEqual([FRAME.batch, FRAME.batch, FRAME.done, FRAME.batch]);
    expect(decodeBatchFrame(whole[1]!.body)).toEqual(large);
    for (const size of [1, 3, 4, 5, 4097, 65536]) {
      const frames = readAll(cut(stream, size));
      expect(frames.map((frame) => frame.body.equals(whole[frames.indexOf(frame)]!.body))).toEqual([true, true, true, true]);
    }
  });

  it('ignores a frame kind a thread does not send', () => {
    const [frame] = readAll([encodeBatchFrame(batch)]);
    expect(decodeThreadFrame(frame!.kind, frame!.body)).toBeUndefined();
  });
});
