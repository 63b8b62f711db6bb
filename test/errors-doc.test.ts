/**
 * docs/errors.md and the one error registry (src/core/errors.ts) say the same thing, after
 * fastify's test/internals/errors.test.js: every code has exactly one section, with the registry's HTTP status first in bold, marked *Service* exactly when the
 * service alone uses it; and the problem objects the service sends take their status, title
 * and `type` link from that entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ERRORS_DOC, ERROR_CODES, errorDocUrl, isServiceCode, type ErrorCode } from '../src/core/errors.js';
import { problem } from '../src/service/problems.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const codes = Object.keys(ERRORS) as ErrorCode[];

/** The `## CODE` sections of the page, in order, each with its text up to the next heading. */
function sections(): { code: string; text: string }[] {
  const parts = doc.split(/^## /m).slice(1);
  return parts.map((part) => {
    const newline = part.indexOf('\n');
    return { code: part.slice(0, newline).trim(), text: part.slice(newline + 1).trim() };
  });
}

describe('docs/errors.md and the error registry', () => {
  it('has one section per code of the registry, and no other', () => {
    const found = sections().map((section) => section.code);
    expect(new Set(found).size, 'a code with two sections').toBe(found.length);
    expect([...found].sort()).toEqual([...codes].sort());
  });

  it('opens each section with the HTTP status of the registry, and marks the service-only codes', () => {
    for (const { code, text } of sections()) {
      const entry = ERRORS[code as ErrorCode];
      const service = text.startsWith('*Service*, ');
      expect(service, `${code}: *Service* marker`).toBe(isServiceCode(code as ErrorCode));
      const status = /^(?:\*Service\*, )?\*\*(\d{3})\b/.exec(text)?.[1];
      expect(status, `${code}: first bold status`).toBe(String(entry.status));
    }
  });

  it('lists every library code in ERROR_CODES and no service code', () => {
    expect(Object.keys(ERROR_CODES)).toEqual(codes.filter((code) => !isServiceCode(code)));
    for (const [code, summary] of Object.entries(ERROR_CODES)) expect(summary).toBe(ERRORS[code as ErrorCode].summary);
  });

  it('links each code to its own section, by the anchor GitHub gives the heading', () => {
    for (const code of codes) {
      expect(errorDocUrl(code)).toBe(`${ERRORS_DOC}#${code.toLowerCase()}`);
      expect(doc).toContain(`\n## ${code}\n`);
    }
  });

  it('gives every problem object the status, title and link of its registry entry', () => {
    for (const code of codes) {
      const found = problem(code, 'detail', 'request-1');
      expect(found).toMatchObject({ code, status: ERRORS[code].status, title: ERRORS[code].title, type: errorDocUrl(code) });
      expect(found.title).not.toBe('Error');
    }
  });
});
