/**
 * acorn, made linear in the size of its input for the sources taskres reads.
 *
 * Stock acorn does work per identifier that grows with nesting depth (it finds the enclosing
 * function by walking its scope stack) and work per declaration that grows with the names
 * already declared in a scope (arrays searched with `indexOf`): a 64 KiB source could hold it
 * for seconds. Here the enclosing function and `this` scopes are remembered when a scope is
 * entered, scope name lists answer `indexOf` from a set, and nesting deeper than
 * {@link MAX_NESTING} brackets stops the parse, which bounds what is left.
 */
import { Parser, tokTypes, type Node, type Options, type Token, type TokenType } from 'acorn';

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
      validateRegExpPattern(state: { source: string; start: number }): void {
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
