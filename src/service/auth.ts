/**
 * The optional bearer tokens, and who a caller is. A token file holds one token per line; each
 * token is a caller (a tenant), and what the server shares between requests (the inline-spec
 * cache, the sandbox's threads) is shared per caller (see ./fair-share.ts and ./tasks.ts).
 *
 * Both the expected and the given token are hashed first, so each comparison is of
 * equal-length digests (timingSafeEqual requires it), and every token is compared, so the
 * time taken does not depend on the given token's length, content or which token it matches.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServeOptionsError } from './options.js';
import { whyUnreadable } from '../loading/errors.js';

/** Reads the token file: one token per non-empty line, without surrounding whitespace, each at least 16 characters; a {@link ServeOptionsError} (a usage error) when it is unreadable or a token is short. */
export function readTokens(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServeOptionsError(`cannot read --token-file ${path}: ${whyUnreadable(path, error)}`);
  }
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (tokens.length === 0 || tokens.some((token) => token.length < 16)) {
    throw new ServeOptionsError(`--token-file ${path} must hold tokens of at least 16 characters, one per line (e.g. from: openssl rand -hex 32)`);
  }
  return tokens;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * A check of `Authorization` headers against `tokens`: the caller's identity (`token-1` for
 * the first line, and so on) when the header carries one of them, else undefined.
 */
export function bearerCheck(tokens: readonly string[]): (authorization: string | undefined) => string | undefined {
  const expected = tokens.map(digest);
  return (authorization) => {
    const given = authorization !== undefined && /^Bearer +/i.test(authorization) ? authorization.replace(/^Bearer +/i, '').trim() : '';
    const presented = digest(given);
    let found = -1;
    // Every digest is compared, whichever matches.
    expected.forEach((digestOfToken, i) => {
      if (timingSafeEqual(presented, digestOfToken) && found < 0) found = i;
    });
    return found >= 0 && given.length > 0 ? `token-${found + 1}` : undefined;
  };
}
