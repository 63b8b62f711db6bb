/**
 * taskres/cwl against its fixtures (test/cwl/*.yml: the CWL conformance tests tagged
 * `resource`, the mixed-version ones, and the rules of the spec's text), one at a time and
 * all together in one batch, plus what the contract says about inputs, batches and messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, isTaskresError, type Resolver } from '../dist/index.js';
import { cwlToResources, resolveCwl, resolveCwlMany, type CwlOutcome } from '../dist/cwl.js';
import { loadCwlFixtures, type CwlFixture } from './helpers/cwl-fixtures.js';
import { expectRejection } from './helpers/expect-error.js';

const fixtures = loadCwlFixtures();
let resolver: Resolver;

beforeAll(() => {
  resolver = createResolver({ threads: 2, timeoutMs: 500 });
});
afterAll(async () => {
  await resolver.close();
});

function check(fixture: CwlFixture, outcome: CwlOutcome): void {
  const where = `${fixture.file} ${fixture.id}`;
  if (fixture.expect) {
    expect(outcome.status, `${where}: ${outcome.status === 'rejected' ? outcome.reason.message : ''}`).toBe('fulfilled');
    expect(outcome.status === 'fulfilled' && outcome.value, where).toEqual(fixture.expect);
    return;
  }
  expect(outcome.status, `${where}: ${JSON.stringify(outcome.status === 'fulfilled' && outcome.value)}`).toBe('rejected');
  const reason = (outcome as { reason: Error & { code: string } }).reason;
  expect(isTaskresError(reason), where).toBe(true);
  expect(reason.code, `${where}: ${reason.message}`).toBe(fixture.error!.code);
  for (const part of fixture.error!.includes) expect(reason.message, where).toContain(part);
}

describe('fixtures', () => {
  it('has fixtures from the conformance tests and the spec', () => {
    expect(fixtures.filter((f) => f.file === 'conformance.yml').length).toBeGreaterThanOrEqual(10);
    expect(fixtures.filter((f) => f.file === 'spec.yml').length).toBeGreaterThanOrEqual(40);
    expect(new Set(fixtures.map((f) => f.id)).size).toBe(fixtures.length);
  });

  for (const fixture of fixtures) {
    it(`${fixture.file}: ${fixture.id}`, async () => {
      const outcome = await resolveCwl(resolver, fixture.tool, fixture.job).then(
        (value): CwlOutcome => ({ status: 'fulfilled', value }),
        (reason): CwlOutcome => ({ status: 'rejected', reason }),
      );
      check(fixture, outcome);
    });
  }

  it('gives the same outcomes all in one batch, three times over', async () => {
    const items = [...fixtures, ...fixtures, ...fixtures].map((f) => ({ tool: f.tool, job: f.job }));
    const outcomes = await resolveCwlMany(resolver, items);
    outcomes.forEach((outcome, index) => check(fixtures[index % fixtures.length]!, outcome));
  });
});

describe('inputs and isolation', () => {
  const counting = {
    class: 'CommandLineTool',
    cwlVersion: 'v1.2',
    id: 'counting',
    inputs: { n: 'int', reads: 'File' },
    outputs: [],
    requirements: {
      InlineJavascriptRequirement: { expressionLib: ['var calls = 0; function next() { calls += 1; return calls; }'] },
      ResourceRequirement: {
        coresMin: '$(next() + inputs.n)',
        ramMin: '${ inputs.reads.size = 1; inputs.extra = 5; return next() * 100; }',
        tmpdirMin: '$(inputs.reads.size + (inputs.extra || 0))',
      },
    },
  };

  it('starts every job with fresh lib variables and a fresh copy of its inputs, shared by its fields in order, in every job of a batch', async () => {
    const jobs = Array.from({ length: 300 }, (_, n) => ({ n, reads: { class: 'File', location: `r${n}`, size: 1000 + n } }));
    const outcomes = await resolveCwlMany(resolver, jobs.map((job) => ({ tool: counting, job })));
    outcomes.forEach((outcome, n) => {
      // ramMin runs after coresMin (calls is 2) and tmpdirMin sees what ramMin did to inputs.
      expect(outcome).toEqual({ status: 'fulfilled', value: { cores: 1 + n, ram: 200, tmpdirSize: 6, outdirSize: 1024 } });
    });
  });

  it('never changes the caller tool or job', async () => {
    const tool = structuredClone(counting);
    const job = { n: 2, reads: { class: 'File', location: 'r', size: 7 } };
    const before = JSON.stringify([tool, job]);
    await resolveCwl(resolver, tool, job);
    expect(JSON.stringify([tool, job])).toBe(before);
  });

  it('refuses a job that is not JSON data', async () => {
    await expectRejection(resolveCwl(resolver, counting, { n: () => 1 }), 'TASKRES_INVALID_ARGS', /job.*n/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expectRejection(resolveCwl(resolver, counting, { n: 1, reads: cycle }), 'TASKRES_INVALID_ARGS', /cycle/);
    await expectRejection(resolveCwl(resolver, counting, { n: new Date() }), 'TASKRES_INVALID_ARGS', /class instance/);
  });

  it('names the tool by the name given, else its id', async () => {
    const broken = { ...counting, requirements: { ResourceRequirement: { coresMin: -1 } } };
    await expectRejection(resolveCwl(resolver, broken, {}), 'TASKRES_CWL_INVALID', /CWL tool "counting" has coresMin -1/);
    await expectRejection(resolveCwl(resolver, broken, {}, { name: 'tools/align.cwl' }), 'TASKRES_CWL_INVALID', /CWL tool "tools\/align.cwl"/);
  });

  it('needs no sandbox for a tool without JavaScript', async () => {
    const noJs = createResolver({ threads: 1 });
    try {
      const tool = { class: 'CommandLineTool', cwlVersion: 'v1.2', inputs: [], outputs: [], requirements: { ResourceRequirement: { coresMin: '$(inputs.n)' } } };
      expect(await resolveCwl(noJs, tool, { n: 3 })).toEqual({ cores: 3, ram: 256, tmpdirSize: 1024, outdirSize: 1024 });
    } finally {
      await noJs.close();
    }
  });

  it('rejects a first argument that is not a resolver, and calls after close', async () => {
    await expectRejection(resolveCwl({} as Resolver, counting, {}), 'TASKRES_INVALID_ARGS', /createResolver/);
    const closed = createResolver({ threads: 1 });
    await closed.close();
    await expectRejection(resolveCwl(closed, counting, { n: 1, reads: { class: 'File', size: 1 } }), 'TASKRES_CLOSED');
  });
});

describe('the taskres/cwl entry', () => {
  it('works from CommonJS, with a resolver made by either build', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/cwl.cjs') as typeof import('../dist/cwl.js');
    const cjsCore = require('../dist/index.cjs') as typeof import('../dist/index.js');
    const tool = { class: 'CommandLineTool', cwlVersion: 'v1.2', inputs: [], outputs: [], requirements: { InlineJavascriptRequirement: {}, ResourceRequirement: { coresMin: '$(inputs.n * 2)' } } };
    expect(await cjs.resolveCwl(resolver, tool, { n: 2 })).toEqual({ cores: 4, ram: 256, tmpdirSize: 1024, outdirSize: 1024 });
    const other = cjsCore.createResolver({ threads: 1 });
    try {
      expect(await resolveCwl(other, tool, { n: 3 })).toEqual({ cores: 6, ram: 256, tmpdirSize: 1024, outdirSize: 1024 });
      await expectRejection(cjs.resolveCwl(other, tool, { n: -1 }), 'TASKRES_CWL_INVALID');
    } finally {
      await other.close();
    }
  });
});

describe('cwlToResources', () => {
  it('converts to taskres units, rounding up', () => {
    expect(cwlToResources({ cores: 2, ram: 256, tmpdirSize: 1024, outdirSize: 1024 })).toEqual({ cpu: 2, memory: 1, storage: 2, gpu: 0 });
    expect(cwlToResources({ cores: 3, ram: 5000, tmpdirSize: 1, outdirSize: 1024, cudaDeviceCount: 2 })).toEqual({ cpu: 3, memory: 5, storage: 2, gpu: 2 });
  });
});
