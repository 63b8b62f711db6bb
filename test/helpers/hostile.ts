/**
 * The hostile corpus's oracle: every hostile resource function carries one expected outcome,
 * written `// expect: ...` in its leading comments (our own files) or in the table of
 * `shared-hostile-expectations.ts` (the files of ../shared/hostile, which we do not edit).
 *
 * Forms, one per file:
 * - `value N`: the evaluation fulfils with exactly N (an ordinary number);
 * - `CODE` or `CODE | CODE`: the evaluation rejects with that TaskresError code (several codes
 *   only where the outcome genuinely depends on timing, e.g. memory limit versus timeout);
 * - `definition CODE`: `defineTask` itself throws a TaskresError with that code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { TaskresErrorCode } from '../../dist/index.js';

/** What one hostile file must produce. */
export type Expectation =
  | { kind: 'value'; value: number }
  | { kind: 'codes'; codes: TaskresErrorCode[] }
  | { kind: 'definition'; code: TaskresErrorCode };

/** What happened to one evaluation (or to the definition). */
export type Outcome = { value: number } | { code: TaskresErrorCode; message: string } | { definition: TaskresErrorCode; message: string };

/** One file of a corpus. */
export interface HostileFile {
  name: string;
  source: string;
}

const CODE = /^TASKRES_[A-Z_]+$/;

/** Parses the text after `// expect:`; throws on anything malformed. */
export function parseExpectationText(text: string): Expectation {
  const trimmed = text.trim();
  const value = /^value (-?\d+)$/.exec(trimmed);
  if (value) return { kind: 'value', value: Number(value[1]) };
  const definition = /^definition (\S+)$/.exec(trimmed);
  if (definition) {
    if (!CODE.test(definition[1]!)) throw new Error(`not an error code: ${definition[1]}`);
    return { kind: 'definition', code: definition[1] as TaskresErrorCode };
  }
  const codes = trimmed.split('|').map((part) => part.trim());
  if (codes.length > 0 && codes.every((code) => CODE.test(code))) return { kind: 'codes', codes: codes as TaskresErrorCode[] };
  throw new Error(`malformed expectation "${trimmed}": write "value N", "TASKRES_X", "TASKRES_X | TASKRES_Y" or "definition TASKRES_X"`);
}

/**
 * Reads the one `// expect:` line among a file's leading `//` comments. Returns undefined when
 * there is none; throws when there are several or the line is malformed.
 */
export function readExpectation(source: string): Expectation | undefined {
  const header: string[] = [];
  for (const line of source.split('\n')) {
    if (!line.startsWith('//')) break;
    header.push(line);
  }
  const lines = header.filter((line) => line.startsWith('// expect:'));
  if (lines.length > 1) throw new Error(`${lines.length} expectation lines; write exactly one`);
  return lines.length === 0 ? undefined : parseExpectationText(lines[0]!.slice('// expect:'.length));
}

/** Reads every `.js` file of a folder, sorted by name. */
export function readCorpus(dir: URL): HostileFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .sort()
    .map((name) => ({ name, source: readFileSync(new URL(name, dir), 'utf8') }));
}

/** Writes an expectation back in its textual form (for messages and the docs). */
export function formatExpectation(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'value':
      return `value ${expectation.value}`;
    case 'codes':
      return expectation.codes.join(' | ');
    case 'definition':
      return `definition ${expectation.code}`;
  }
}

/** Writes an outcome in the same textual form as expectations. */
export function formatOutcome(outcome: Outcome): string {
  if ('value' in outcome) return `value ${Object.is(outcome.value, -0) ? '-0' : outcome.value}`;
  if ('definition' in outcome) return `definition ${outcome.definition} (${outcome.message.slice(0, 160)})`;
  return `${outcome.code} (${outcome.message.slice(0, 160)})`;
}

/** True when the outcome is exactly what the expectation allows. */
export function matches(expectation: Expectation, outcome: Outcome): boolean {
  switch (expectation.kind) {
    case 'value':
      // Object.is: -0 is not 0.
      return 'value' in outcome && Object.is(outcome.value, expectation.value);
    case 'codes':
      return 'code' in outcome && expectation.codes.includes(outcome.code);
    case 'definition':
      return 'definition' in outcome && outcome.definition === expectation.code;
  }
}
