/**
 * Splits a CWL field's string into literal text and `$(...)` / `${...}` expressions, as the
 * spec asks: "account for nesting of parenthesis or braces and that strings that may contain
 * parenthesis or braces when scanning for expressions".
 *
 * The end of an expression is found with acorn's tokenizer, not by counting characters: a
 * `)` or `}` inside a string, a template, a regular expression or a comment is part of a
 * token and never closes the expression (cwltool's scanner counts quotes but not comments,
 * templates or regexes). Whatever this finds is parsed again, alone, before anything runs
 * (src/cwl/javascript.ts), so a mistake here can only refuse a document, never hide code.
 */
import { tokTypes } from 'acorn';
import { tokenizeScript } from '../definition/parser.js';

/** A piece of a field's string. */
export type Piece =
  | { kind: 'text'; text: string }
  /** `paren`: `$(code)`, an expression; `brace`: `${code}`, a function body. */
  | { kind: 'expression'; form: 'paren' | 'brace'; code: string };

/** Why a string could not be scanned (the caller names the field and the tool). */
export class ScanError extends Error {}

/**
 * Escapes, as the tool's version reads them: v1.0 and v1.1 drop a backslash and keep the
 * next character; v1.2 turns `\$(` and `\${` into literal text, `\\` into `\`, and keeps
 * any other backslash (cwl-utils' `escaping_behavior` 1 and 2).
 */
export type EscapeRule = 'v1.0' | 'v1.2';

/**
 * The pieces of `value` (already trimmed by the caller): literal text and expressions, in
 * order. Adjacent text is merged.
 */
export function scanField(value: string, escapes: EscapeRule): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    const char = value[i]!;
    if (char === '\\' && i + 1 < value.length) {
      if (escapes === 'v1.0') {
        text += value[i + 1];
        i += 2;
      } else if (value[i + 1] === '$' && (value[i + 2] === '(' || value[i + 2] === '{')) {
        text += value.slice(i + 1, i + 3);
        i += 3;
      } else if (value[i + 1] === '\\') {
        text += '\\';
        i += 2;
      } else {
        text += value.slice(i, i + 2);
        i += 2;
      }
      continue;
    }
    if (char === '$' && (value[i + 1] === '(' || value[i + 1] === '{')) {
      const form = value[i + 1] === '(' ? 'paren' : 'brace';
      const end = closingIndex(value, i + 2, form);
      if (text !== '') pieces.push({ kind: 'text', text });
      text = '';
      pieces.push({ kind: 'expression', form, code: value.slice(i + 2, end) });
      i = end + 1;
      continue;
    }
    text += char;
    i++;
  }
  if (text !== '') pieces.push({ kind: 'text', text });
  return pieces;
}

/** True when `value` holds `$(` or `${` (cwl-utils' `needs_parsing`). */
export function mayHoldExpressions(value: string): boolean {
  return value.includes('$(') || value.includes('${');
}

/** Index of the `)` or `}` that closes the expression whose code starts at `from`. */
function closingIndex(value: string, from: number, form: 'paren' | 'brace'): number {
  const code = value.slice(from);
  let depth = 1;
  try {
    for (const token of tokenizeScript(code, { ecmaVersion: 'latest', allowHashBang: false })) {
      const type = token.type;
      if (form === 'paren') {
        if (type === tokTypes.parenL) depth++;
        else if (type === tokTypes.parenR && --depth === 0) return from + token.start;
      } else if (type === tokTypes.braceL || type === tokTypes.dollarBraceL) {
        depth++;
      } else if (type === tokTypes.braceR && --depth === 0) {
        return from + token.start;
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/ \(\d+:\d+\)$/, '') : String(error);
    throw new ScanError(`its ${form === 'paren' ? '$(' : '${'} expression at character ${from - 2} is not valid JavaScript (${reason})`);
  }
  throw new ScanError(`its ${form === 'paren' ? '$(' : '${'} expression at character ${from - 2} is never closed (no matching ${form === 'paren' ? "')'" : "'}'"})`);
}
