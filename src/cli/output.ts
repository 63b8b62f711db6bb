/**
 * The one way the CLI writes to the terminal. Text the CLI did not write itself (error
 * messages, spec and task names, option keys, file paths, thrown values) can carry control
 * characters: an ANSI/OSC sequence or a carriage return could erase the real error and draw
 * a fake green ✓. So every interpolated value is escaped into visible form, output is only
 * built from {@link Safe} pieces that this module makes, and the writers scrub once more.
 */
import Table from 'cli-table3';
import { clipCounted, describeThrown as describeThrownText, escapeChar, escapeControls } from '../core/text.js';

/** What the writers let through from the CLI's own text: its line breaks and its SGR colours. */
const OWN_OR_UNSAFE = /\n|\u001b\[[0-9;]*m|[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The longest piece of one interpolated value the CLI prints. */
export const MAX_SHOWN_CHARS = 2000;

/**
 * `text` with every control character written as a visible escape (`\x1b`, `\r`, `\u202e`).
 * Newlines are escaped too: a line break inside a message is not the CLI's to print.
 */
export function escapeText(text: string): string {
  return escapeControls(text);
}

let wrap: (text: string) => Safe;

/** Text that is safe to print: made only by this module, from the CLI's own words and escaped values. */
export class Safe {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  static {
    wrap = (text) => new Safe(text);
  }

  /** The printable text. */
  toString(): string {
    return this.#text;
  }
}

/** Any value as printable text: escaped and clipped; never throws, whatever the value is. */
export function show(value: unknown, max = MAX_SHOWN_CHARS): string {
  if (value instanceof Safe) return value.toString();
  let text: string;
  try {
    text = typeof value === 'string' ? value : String(value);
  } catch {
    text = '(a value that cannot be printed)';
  }
  return escapeText(clipCounted(text, max));
}

/**
 * A line of CLI output: the template's literal parts are the CLI's own words, every `${value}`
 * is escaped with {@link show} (a {@link Safe} value is kept as it is).
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += show(value) + (strings[i + 1] ?? '');
  });
  return wrap(text);
}

/** Several pieces joined with `separator` (the CLI's own text, e.g. `', '` or `'\n'`). */
export function joinSafe(pieces: readonly Safe[], separator: string): Safe {
  return wrap(pieces.map(String).join(separator));
}

/**
 * The second line of defence: whatever reaches a writer keeps only the CLI's own newlines
 * and colours; any other control character is escaped.
 */
function scrub(text: string): string {
  return text.replace(OWN_OR_UNSAFE, (match) => (match === '\n' || match.length > 1 ? match : escapeChar(match)));
}

/**
 * JSON for stdout: the characters JSON.stringify leaves raw (DEL, C1, bidi and line separators)
 * written as `\uXXXX`, so the value parses the same. Its line breaks are its own layout: inside
 * strings, JSON.stringify has escaped every C0 control already.
 */
export function json(value: unknown): Safe {
  return wrap(escapeRawJson(JSON.stringify(value, null, 2)));
}

/** JSON on one line (a JSON Lines record), escaped like {@link json}. */
export function jsonLine(value: unknown): Safe {
  return wrap(escapeRawJson(JSON.stringify(value)));
}

/** The characters JSON.stringify leaves raw but a terminal acts on, as `\uXXXX`. */
function escapeRawJson(text: string): string {
  return text.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A table cell: a value, an array of values shown one per line, or a value spanning several
 * columns.
 */
export type Cell = unknown;

/** One spanning cell. */
export function span(colSpan: number, content: unknown): { colSpan: number; content: string } {
  const cell = { colSpan, content: showCell(content) };
  spans.add(cell);
  return cell;
}

function showCell(value: unknown): string {
  return Array.isArray(value) ? value.map((line) => show(line)).join('\n') : show(value);
}

/** A table with every cell escaped. */
export function table(head: readonly string[], rows: readonly Cell[][]): Safe {
  const grid = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) grid.push(row.map((cell) => (isSpan(cell) ? cell : showCell(cell))));
  return wrap(grid.toString());
}

const spans = new WeakSet<object>();

function isSpan(cell: unknown): cell is { colSpan: number; content: string } {
  return typeof cell === 'object' && cell !== null && spans.has(cell);
}

/** Writes lines to stdout. */
export function out(...lines: Safe[]): void {
  process.stdout.write(`${scrub(lines.map(String).join('\n'))}\n`);
}

/**
 * Writes lines to stdout, then waits until a slow reader (a pipe) has taken them, so a command
 * that prints many lines holds only what the reader has not taken yet.
 */
export async function outPaced(...lines: Safe[]): Promise<void> {
  out(...lines);
  if (process.stdout.writableNeedDrain) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/** Writes lines to stderr. */
export function err(...lines: Safe[]): void {
  process.stderr.write(`${scrub(lines.map(String).join('\n'))}\n`);
}

/** A thrown value as one printable line (see core/text.ts's describeThrown), escaped. */
export function describeThrown(thrown: unknown, max = 500): string {
  return escapeText(describeThrownText(thrown, max));
}

// A closed pipe (`taskres check x.json | head -1`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
