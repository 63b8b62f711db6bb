/**
 * acorn, made linear in the size of its input for the sources taskres reads.
 *
 * Stock acorn does work per identifier that grows with nesting depth (it finds the enclosing
 * function by walking its scope stack) and work per declaration that grows with the names
 * already declared in a scope (arrays searched with `indexOf`): a 64 KiB source could hold it
 * for seconds. Here the enclosing function and `this` scopes are remembered when a scope is
 * entered, scope name lists answer `indexOf` from a set, and nesting deeper than
 * {@link MAX_NESTING} brackets stops the parse, which bounds what is left.
 *
 * acorn also builds a `RegExp` in this process for every regex literal it reads (the literal's
 * `value`), so V8 parses the pattern here, natively and without interrupts: a 13 KB function of
 * `\p{RGI_Emoji}` under the `v` flag took 10 s and 940 MB of the user's process in `defineTask`
 * (attack round 5). Flags outside the reviewed ones and property escapes past their bound
 * (protocol/regex-bounds.ts) stop the parse before acorn builds it.
 */
import { Parser, tokTypes, type Node, type Options, type Token, type TokenType } from 'acorn';
import { MAX_PROPERTY_ESCAPES, REVIEWED_REGEX_FLAGS, propertyEscapeCount } from '../protocol/regex-bounds.js';

// The same bound for a whole CWL tool (src/cwl/compile.ts), whose folder reaches protocol/ only through this one.
export { MAX_PROPERTY_ESCAPES, propertyEscapeCount };

/** Deepest nesting of `(`, `[`, `{` and `${` that a resource function source may have. */
export const MAX_NESTING = 256;

/** Thrown when the source nests deeper than {@link MAX_NESTING}, or the parser ran out of stack. */
export class NestedTooDeeply extends Error {}

// acorn's scope internals are not in its types; only their names and shapes are relied on
// (acorn is pinned to an exact version).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Internals = any;

/** A scope's list of names whose `indexOf` costs the same however long the list is. */
class NameList extends Array<string> {
  readonly #names = new Set<string>();
  override push(...names: string[]): number {
    for (const name of names) this.#names.add(name);
    return super.push(...names);
  }
  override indexOf(name: string, fromIndex?: number): number {
    return this.#names.has(name) ? super.indexOf(name, fromIndex) : -1;
  }
}

const stock = Parser.prototype as Internals;

/**
 * Bound on named groups squared times group nesting, summed over a source's regular
 * expression literals: acorn's duplicate-name check costs about that much (measured: 248
 * groups 64 deep took 1.4 s). Real patterns are far below it (10 named groups 3 deep: 400).
 */
export const MAX_NAMED_GROUP_WORK = 250_000;

/** Named groups `(?<name>` in a pattern's text, and how deep its groups nest. */
function namedGroupWork(pattern: string): number {
  let named = 0;
  let depth = 0;
  let deepest = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === '(') {
      deepest = Math.max(deepest, ++depth);
      if (pattern.startsWith('?<', i + 1) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') named++;
    }
  }
  return named * named * (deepest + 1);
}

// A scope's flags are fixed when it is created and the scopes below it do not change while it
// is on the stack, so the enclosing function and `this` scope can be found once, on entry.
const LinearParser = Parser.extend(
  (Base) =>
    class extends (Base as Internals) {
      enterScope(flags: number): void {
        super.enterScope(flags);
        const scope = this.currentScope();
        scope.var = new NameList();
        scope.lexical = new NameList();
        scope.functions = new NameList();
        // No class fields: acorn's constructor enters the top scope before they would exist.
        (this.taskresVarScopes ??= []).push(stock.currentVarScope.call(this));
        (this.taskresThisScopes ??= []).push(stock.currentThisScope.call(this));
      }
      exitScope(): void {
        super.exitScope();
        this.taskresVarScopes.pop();
        this.taskresThisScopes.pop();
      }
      // acorn checks each named group against every earlier one (walking the nesting for
      // duplicates allowed in alternatives): quadratic. Far more groups than any real
      // pattern needs are refused before that check runs.
      validateRegExpFlags(state: { flags: string; start: number }): void {
        for (const flag of state.flags) {
          if (!REVIEWED_REGEX_FLAGS.includes(flag)) {
            this.raise(state.start, `Regular expression flag \`${flag.slice(0, 8)}\` is not allowed (the taskres sandbox admits only the ES2023 flags ${REVIEWED_REGEX_FLAGS})`);
          }
        }
        super.validateRegExpFlags(state);
      }
      validateRegExpPattern(state: { source: string; start: number }): void {
        this.taskresPropertyEscapes = (this.taskresPropertyEscapes ?? 0) + propertyEscapeCount(state.source);
        if (this.taskresPropertyEscapes > MAX_PROPERTY_ESCAPES) {
          this.raise(state.start, `Regular expressions hold more than ${MAX_PROPERTY_ESCAPES} Unicode property escapes (\\p{…}) in all (each builds a large character set when the engine parses it)`);
        }
        // Summed over the whole source: many patterns each under the bound add up.
        this.taskresRegexWork = (this.taskresRegexWork ?? 0) + namedGroupWork(state.source);
        if (this.taskresRegexWork > MAX_NAMED_GROUP_WORK) {
          this.raise(state.start, 'Regular expression has too many named groups for its nesting (keep named groups few, or nest them less)');
        }
        super.validateRegExpPattern(state);
      }
      currentVarScope(): unknown {
        return this.taskresVarScopes[this.taskresVarScopes.length - 1];
      }
      currentThisScope(): unknown {
        return this.taskresThisScopes[this.taskresThisScopes.length - 1];
      }
    } as unknown as typeof Parser,
);

const OPENING = new Set<TokenType>([tokTypes.parenL, tokTypes.bracketL, tokTypes.braceL, tokTypes.dollarBraceL]);
const CLOSING = new Set<TokenType>([tokTypes.parenR, tokTypes.bracketR, tokTypes.braceR]);

/**
 * acorn's tokenizer with the regex bounds of {@link parseScript} (flags, property escapes,
 * named groups), for code that only needs tokens (a CWL expression's extent).
 */
export function tokenizeScript(text: string, options: Omit<Options, 'onToken'>): Iterable<Token> {
  return LinearParser.tokenizer(text, options);
}

/**
 * Parses a script like acorn's `parse`, in time linear in `text`'s length. Throws
 * {@link NestedTooDeeply} past {@link MAX_NESTING} levels or on a stack overflow, and acorn's
 * `SyntaxError` for invalid input.
 */
export function parseScript(text: string, options: Omit<Options, 'onToken'>): Node {
  let depth = 0;
  const onToken = (token: Token): void => {
    if (OPENING.has(token.type)) {
      depth += 1;
      if (depth > MAX_NESTING) throw new NestedTooDeeply();
    } else if (CLOSING.has(token.type)) {
      depth -= 1;
    }
  };
  try {
    return LinearParser.parse(text, { ...options, onToken });
  } catch (error) {
    // acorn reports running out of stack as a SyntaxError with this message.
    if (error instanceof RangeError || (error instanceof SyntaxError && error.message.startsWith('Not enough stack space'))) {
      throw new NestedTooDeeply();
    }
    throw error;
  }
}
