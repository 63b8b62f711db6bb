/**
 * How large an answer may grow next to its request (issue 18 §5): an answer must not be an
 * amplified copy of what a caller sent. Three mechanisms, each for what the others cannot do:
 *
 * - problem text is budgeted per answer ({@link detailBudgetChars}): past the budget, an
 *   outcome that repeats an earlier item's problem says only which item, and any other detail
 *   is cut to {@link SHORT_DETAIL_CHARS} (`/v1/check` lists problems within the same budget and
 *   counts the rest);
 * - what is left is the fixed part of each outcome (the problem object's `type`, `title`,
 *   `instance`...: about 230 bytes, which the response shapes require), which is larger than the
 *   smallest item a caller can send (`{"tool":{}}`, 11 bytes): so an answer larger than
 *   {@link ANSWER_RATIO} times its request, and at least {@link COMPRESS_MIN_BYTES}, is sent
 *   gzip-compressed to a client that accepts gzip (those outcomes repeat, and compress 20-100x);
 * - the request's size is what its JSON parser saw ({@link noteRequestChars}).
 */
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clip } from '../core/text.js';
import type { Problem } from './problems.js';

/** An answer larger than this multiple of its request is compressed when the client accepts gzip. */
export const ANSWER_RATIO = 4;
/** Answers smaller than this are never compressed (compressing costs more than it saves). */
export const COMPRESS_MIN_BYTES = 16 * 1024;
/** Characters of problem text any answer may hold whatever the request's size (then twice the request's). */
export const MIN_PROBLEM_CHARS = 16 * 1024;
/** Longest detail of a problem past the answer's budget (one that does not repeat an earlier item's). */
export const SHORT_DETAIL_CHARS = 100;
/** What an outcome's problem object costs besides its detail (type, title, status, code, instance). */
const PROBLEM_OVERHEAD_CHARS = 230;

/** Characters of problem text an answer to a request of `requestChars` may hold. */
export function detailBudgetChars(requestChars: number): number {
  return Math.max(MIN_PROBLEM_CHARS, 2 * requestChars);
}

const requestChars = new WeakMap<FastifyRequest, number>();

/** Records the size of a request's body (called by its JSON parser). */
export function noteRequestChars(request: FastifyRequest, chars: number): void {
  requestChars.set(request, chars);
}

/** The size of a request's body, as its parser saw it (else its declared length, else 0). */
export function requestCharsOf(request: FastifyRequest): number {
  return requestChars.get(request) ?? (Number(request.headers['content-length'] ?? 0) || 0);
}

/**
 * `outcomes`, with each problem past the answer's budget ({@link detailBudgetChars}) made short:
 * one that repeats an earlier item's (same code and detail) says "As for item N.", any other
 * has its detail cut to {@link SHORT_DETAIL_CHARS}. Fulfilled outcomes are left as they are.
 */
export function boundOutcomes<O extends { status: string; error?: Problem }>(outcomes: O[], requestChars: number): O[] {
  const budget = detailBudgetChars(requestChars);
  let chars = 0;
  const firstWith = new Map<string, number>();
  return outcomes.map((outcome, i) => {
    const error = outcome.error;
    if (outcome.status !== 'rejected' || error === undefined) return outcome;
    const key = `${error.code} ${error.detail}`;
    const first = firstWith.get(key);
    if (first === undefined) firstWith.set(key, i);
    chars += error.detail.length + PROBLEM_OVERHEAD_CHARS;
    if (chars <= budget) return outcome;
    const detail = first === undefined ? clip(error.detail, SHORT_DETAIL_CHARS) : `As for item ${first}.`;
    return { ...outcome, error: { ...error, detail } };
  });
}

/** True when an Accept-Encoding header value accepts gzip (named, or `*`, with a q above 0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  let named: boolean | undefined;
  let any: boolean | undefined;
  for (const part of text.slice(0, 1000).split(',')) {
    const [coding = '', ...params] = part.split(';').map((each) => each.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') named = accepted;
    else if (coding === '*') any = accepted;
  }
  return named ?? any ?? false;
}

const gzipAsync = promisify(gzip);

/**
 * Compresses (off the event loop, in libuv's pool) every answer larger than {@link ANSWER_RATIO}
 * times its request and at least {@link COMPRESS_MIN_BYTES}, for clients that accept gzip.
 * Ordinary answers (a few times their request) are sent as they are, at no cost.
 */
export function registerAnswerCompression(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || payload.length < COMPRESS_MIN_BYTES) return payload;
    if (payload.length <= ANSWER_RATIO * requestCharsOf(request) || reply.hasHeader('content-encoding')) return payload;
    if (!acceptsGzip(request.headers['accept-encoding'])) return payload;
    const compressed = await gzipAsync(payload, { level: constants.Z_BEST_SPEED });
    reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').removeHeader('content-length');
    return compressed;
  });
}
