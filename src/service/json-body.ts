/**
 * Parses request bodies as JSON and refuses keys that could reach an object's prototype
 * ("__proto__", and "constructor" holding "prototype"), as Fastify's own parser does, but
 * says which it was: Fastify answers both a refused key and malformed text with one
 * "not valid JSON" error, which sends the caller looking for a syntax error that is not there.
 *
 * The text is searched first (as secure-json-parse does): only a body that spells one of the
 * keys, possibly with \u escapes, is walked, iteratively (bodies can nest 30,000 levels).
 */
import { problem } from './problems.js';
import { ProblemError } from './validate.js';

const PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/** Which forbidden key `value` holds anywhere, or undefined. */
function forbiddenKey(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Object.hasOwn(node, '__proto__')) return '"__proto__"';
    const constructor = Object.hasOwn(node, 'constructor') ? (node as { constructor: unknown }).constructor : undefined;
    if (typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype')) return '"constructor" with "prototype"';
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return undefined;
}

/** The body of a request as JSON; throws a 400 ProblemError naming what is wrong. */
export function parseJsonBody(text: string, instance: string): unknown {
  if (text.length === 0) throw new ProblemError(problem('TASKRES_INVALID_ARGS', 'The body is empty; send a JSON object (see /v1/openapi.json).', instance));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProblemError(problem('TASKRES_INVALID_ARGS', 'The body is not valid JSON; send one JSON object (see /v1/openapi.json).', instance));
  }
  // Plain substring searches first (fast): the patterns can only match text that has one of these.
  const mayHold = text.includes('proto') || text.includes('constructor') || text.includes('\\u00');
  if (mayHold && (PROTO.test(text) || CONSTRUCTOR.test(text))) {
    const key = forbiddenKey(value);
    if (key) {
      throw new ProblemError(
        problem('TASKRES_INVALID_ARGS', `The body holds a ${key} key, which this server refuses (it could change what objects inherit); rename that field.`, instance),
      );
    }
  }
  return value;
}
