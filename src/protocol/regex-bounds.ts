/**
 * What a regular expression may cost to parse and compile. V8 parses and compiles a pattern in
 * native memory that memoryLimitMiB does not count, and without checking for interrupts, so
 * neither the isolate's limit nor its timeout stops it. A contract between two realms, hence
 * in protocol/: the definition check (src/definition/syntax.ts) holds regex literals to it
 * before this process's V8 parses them, and the isolate's prelude (src/isolate/prelude.ts)
 * holds every pattern built at run time to it.
 *
 * Measured (attack round 5, Node 20/22/24, V8 parsing the text of a function): the cost is not
 * in the pattern's length but in what one escape expands to. A Unicode property escape builds
 * the property's character set (`\p{L}`: ~16 KB and 0.8 ms to parse and again to compile; 64
 * KiB of them took 10 s and 200 MB); a property of strings (`v` flag, `\p{RGI_Emoji}`, 13
 * characters) builds ~0.9 MB: 1,000 of them took 10-23 s and 940 MB in `defineTask`, in the
 * user's process. Everything else parses and compiles within ~1 s and ~60 MB at 64 KiB.
 */

/**
 * The longest regular-expression pattern a function may build at run time (`new RegExp(text)`,
 * `'s'.match(text)`...): 9 MB of alternation took 1.7 GB and aborted the process (attack round
 * 4b); a literal is bounded by the source limit (64 KiB).
 */
export const MAX_PATTERN_CHARS = 65_536;

/**
 * The most Unicode property escapes (`\p{…}`, `\P{…}`) one pattern may hold, and the regex
 * literals of one function together: 16 parse and compile in ~30 ms and a few MB at worst.
 */
export const MAX_PROPERTY_ESCAPES = 16;

/**
 * The regular-expression flags that were reviewed (ES2023). `v` (ES2024, `unicodeSets`) is not
 * among them: its properties of strings and set operations are what amplifies most (above).
 */
export const REVIEWED_REGEX_FLAGS = 'dgimsuy';

/**
 * How many property escapes a pattern may hold: every `\p{` and `\P{`, counted whatever the
 * flags and even after an escaped backslash (an over-count only refuses sooner). The prelude
 * counts the same way in the isolate.
 */
export function propertyEscapeCount(pattern: string): number {
  let count = 0;
  for (let at = pattern.indexOf('{'); at >= 0; at = pattern.indexOf('{', at + 1)) {
    if (at >= 2 && pattern[at - 2] === '\\' && (pattern[at - 1] === 'p' || pattern[at - 1] === 'P')) count++;
  }
  return count;
}
