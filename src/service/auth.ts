/**
 * The optional bearer token. Both the expected and the given token are hashed first, so the
 * comparison is of equal-length digests (timingSafeEqual requires it) and takes the same time
 * whatever the given token's length or content.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServeOptionsError } from './options.js';

/** Reads the token file: its content without surrounding whitespace; a {@link ServeOptionsError} (a usage error) when it is unreadable or short. */
export function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServeOptionsError(`cannot read --token-file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const token = text.trim();
  if (token.length < 16) throw new ServeOptionsError(`--token-file ${path} must hold a token of at least 16 characters (e.g. from: openssl rand -hex 32)`);
  return token;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** A check of `Authorization` headers against `token`. */
export function bearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const given = authorization !== undefined && /^Bearer +/i.test(authorization) ? authorization.replace(/^Bearer +/i, '').trim() : '';
    return timingSafeEqual(digest(given), expected) && given.length > 0;
  };
}
