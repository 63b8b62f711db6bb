/**
 * Text about untrusted values, written once: how an error message quotes what a caller sent
 * (bounded, escaped), how zod's issues (data: a code, a path, a message) become one sentence,
 * how anything thrown is described without running its code, and "did you mean". Every module
 * that words a message uses these, so a limit or an escape is fixed in one place.
 *
 * Pure functions of strings; no imports at run time (zod's issue type only), so the sandbox
 * worker may use them without pulling zod into its bundle.
 */
import type { z } from 'zod';

/** The longest piece of untrusted text an error message may quote. */
export const MAX_QUOTED_CHARS = 200;

/**
 * Quotes untrusted text for an error message: at most {@link MAX_QUOTED_CHARS} characters,
 * control characters escaped, and the original length said when it was cut.
 */
export function quote(text: string, maxChars = MAX_QUOTED_CHARS): string {
  const cut = text.length > maxChars ? text.slice(0, maxChars) : text;
  const escaped = JSON.stringify(cut);
  return text.length > maxChars ? `${escaped}… (${text.length} chars)` : escaped;
}

/** `text` cut to at most `maxChars` characters, the last one an ellipsis when it was cut. */
export function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** `text` cut to `maxChars` characters, saying how many were left out. */
export function clipCounted(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}

/**
 * Characters a terminal or a log viewer acts on rather than shows: C0 controls, DEL, C1
 * controls (U+009B is a one-byte CSI on some terminals), and the Unicode bidi and line
 * controls that reorder or break what is displayed.
 */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One control character as a visible escape (`\n`, `\x1b`, `\u202e`). */
export function escapeChar(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character written as a visible escape, newlines included. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL_CHARS, escapeChar);
}

/** Describes any value briefly for an error message, without running code of the value. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value, 40)}`;
    case 'number':
      return String(value);
    case 'bigint':
      return `the bigint ${String(value).slice(0, 40)}n`;
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return `the boolean ${value}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      return Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * A thrown value as one line (`Name: message`), whatever was thrown: an object whose getters
 * throw, `Object.create(null)`, a string, a symbol. Never a stack trace; at most `maxChars`
 * characters of it, cut as {@link clipCounted} does. Not escaped: the caller escapes for its medium.
 */
export function describeThrown(thrown: unknown, maxChars = 500): string {
  try {
    if (typeof thrown === 'object' && thrown !== null) {
      const { name, message } = thrown as { name?: unknown; message?: unknown };
      if (typeof message === 'string') return clipCounted(`${typeof name === 'string' && name ? `${name}: ` : ''}${message}`, maxChars);
      return clipCounted(`a value that is not an Error (${Object.prototype.toString.call(thrown)})`, maxChars);
    }
    return clipCounted(typeof thrown === 'string' ? thrown : `${typeof thrown} ${String(thrown)}`, maxChars);
  } catch {
    return '(a thrown value that cannot be printed)';
  }
}

/** At most five keys, each cut to 40 characters and quoted, and how many more there were. */
export function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((key) => `'${key.slice(0, 40)}'`).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

/** A zod issue: data, as zod reports it. */
export type Issue = z.core.$ZodIssue;

/** How {@link formatIssues} words a list of issues. */
export interface IssueFormat {
  /** What an empty path stands for (`spec`, `options`, `body`). */
  root: string;
  /** Path segments before the issue's own (e.g. `['retry']`). */
  prefix?: readonly PropertyKey[];
  /** `a[0].b` (zod's `toDotPath`) instead of `a.0.b`. */
  brackets?: boolean;
  /** Issues worded at most (the rest are counted: `; and 3 more`). Default: all. */
  maxIssues?: number;
  /** Longest path and message quoted. Default: no limit (for messages taskres wrote). */
  maxPathChars?: number;
  maxMessageChars?: number;
  /** A caller's own wording of an issue (given its path as text); undefined for the default. */
  describe?: (issue: Issue, at: string) => string | undefined;
}

/** An issue's path as text: `root` when empty, else the segments joined (each key cut to 40 characters when `brackets`). */
export function issuePath(path: readonly PropertyKey[], format: Pick<IssueFormat, 'root' | 'prefix' | 'brackets' | 'maxPathChars'>): string {
  const full = [...(format.prefix ?? []), ...path];
  if (full.length === 0) return format.root;
  const text = format.brackets
    ? full.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key).slice(0, 40)}`)).join('')
    : full.map(String).join('.');
  return format.maxPathChars === undefined ? text : clip(text, format.maxPathChars);
}

/**
 * zod's issues as one sentence: `path: message` per issue, joined with `; `. An unknown-keys
 * issue lists at most five keys (zod's own message lists every one, and a caller's object may
 * have a million).
 */
export function formatIssues(issues: readonly Issue[], format: IssueFormat): string {
  const shown = format.maxIssues === undefined ? issues : issues.slice(0, format.maxIssues);
  const text = shown.map((issue) => {
    const at = issuePath(issue.path, format);
    const own = format.describe?.(issue, at);
    if (own !== undefined) return own;
    if (issue.code === 'unrecognized_keys') return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${listKeys(issue.keys)}`;
    return `${at}: ${format.maxMessageChars === undefined ? issue.message : issue.message.slice(0, format.maxMessageChars)}`;
  });
  return text.join('; ') + (issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '');
}

/** Suggests the closest valid name for a misspelt option ("did you mean ...?"). */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const prefix = candidates.find((c) => c.toLowerCase().startsWith(input.toLowerCase()) || input.toLowerCase().startsWith(c.toLowerCase()));
  if (prefix) return prefix;
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
