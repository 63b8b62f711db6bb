/**
 * The sandbox refuses a V8 it was not tested with, unless the operator accepts that exact
 * major.minor; the suite itself runs on tested lines only.
 */
import { describe, expect, it } from 'vitest';
import { ACCEPT_V8_ENV, TESTED_V8, judgeV8, runningV8Problem, v8MajorMinor } from '../src/sandbox-worker/v8-gate.js';

describe('the V8 gate', () => {
  it.each(TESTED_V8.map((tested) => [tested.v8, tested.node]))('V8 %s (Node %s) runs without acceptance', (v8, node) => {
    expect(judgeV8(`${v8}.233.17-node.53`, node, undefined)).toBeUndefined();
  });

  it('the Node running this suite is on a tested V8 line', () => {
    expect(TESTED_V8.map((tested) => tested.v8)).toContain(v8MajorMinor(process.versions.v8));
    expect(runningV8Problem()).toBeUndefined();
  });

  it('refuses an untested V8, naming it, the tested ones and the way to accept it', () => {
    const problem = judgeV8('13.7.152.1-node.9', '25.0.0', undefined);
    expect(problem?.cause).toMatch(/runs V8 13\.7\.152\.1-node\.9/);
    expect(problem?.cause).toMatch(/11\.3 \(Node 20\.20\.2\), 12\.4 \(Node 22\.21\.1\), 13\.6 \(Node 24\.21\.0\)/);
    expect(problem?.fix).toContain(`${ACCEPT_V8_ENV}=13.7`);
    expect(problem?.fix).toContain('docs/security.md');
  });

  it.each([
    ['the exact major.minor', '13.7', true],
    ['a list that names it', '12.9, 13.7', true],
    ['another version', '13.8', false],
    ['a major only', '13', false],
    ['a blanket value', '1', false],
    ['an empty value', '', false],
  ])('accepts an untested V8 only for %s', (_, accepted, runs) => {
    const problem = judgeV8('13.7.152.1-node.9', '25.0.0', accepted);
    expect(problem === undefined).toBe(runs);
    if (!runs && accepted !== '') expect(problem?.cause).toContain(`does not name 13.7`);
  });
});
