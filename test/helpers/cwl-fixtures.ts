/**
 * The CWL fixtures of test/cwl/*.yml: each a tool, a job and the values or the error
 * expected. Tools in spec.yml give only what matters; the rest is filled in here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One fixture. */
export interface CwlFixture {
  id: string;
  from: string;
  file: string;
  tool: Record<string, unknown>;
  job: Record<string, unknown>;
  expect?: Record<string, number>;
  error?: { code: string; includes: string[] };
}

const DIRECTORY = join(import.meta.dirname, '..', 'cwl');

/** Every fixture, in file order. */
export function loadCwlFixtures(): CwlFixture[] {
  const out: CwlFixture[] = [];
  for (const file of readdirSync(DIRECTORY).filter((name) => name.endsWith('.yml')).sort()) {
    for (const raw of parse(readFileSync(join(DIRECTORY, file), 'utf8')) as CwlFixture[]) {
      const tool = { class: 'CommandLineTool', cwlVersion: 'v1.2', inputs: [], outputs: [], ...raw.tool };
      out.push({ ...raw, file, tool, job: raw.job ?? {} });
    }
  }
  return out;
}

/** A CWL tool whose coresMin is `expression`, with InlineJavascriptRequirement (so it runs in the sandbox), one int input `p`. */
export function coresTool(id: string, expression: string): Record<string, unknown> {
  return {
    class: 'CommandLineTool',
    cwlVersion: 'v1.2',
    id,
    requirements: { InlineJavascriptRequirement: {}, ResourceRequirement: { coresMin: expression } },
    inputs: { p: 'int' },
    outputs: {},
    baseCommand: 'true',
  };
}
