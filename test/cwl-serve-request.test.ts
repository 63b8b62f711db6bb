/**
 * The CWL routes honour their request like the resolve routes (issue 18 §5 and §2): each
 * evaluation goes through the request's scope (src/service/resolution.ts RequestWork), so it
 * follows the request's signal (client gone, request timeout, the budget of costly failures)
 * and ranks in its caller's group after a sandbox stop. Before, CWL items got no signal: a
 * client that went away left its items running, 1,000 endless items held both threads for
 * 150 s, and a caller whose CWL items wedged the sandbox did not rank after anyone.
 * The real server, real sandboxes, real clients.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serve, untilReady, type Served } from './helpers/server.js';
import { coresTool } from './helpers/cwl-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-cwl-request-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// The third token sends the endless items: the first one's wedges put stops on its record, and
// at --sandbox-stop-limit its requests are refused with 429 (test/serve-stop-record.test.ts).
const tokens = ['attacker-token-0123456789abcdef', 'bystander-token-0123456789abcdef', 'endless-token-0123456789abcdef'];
const as = (token: string) => ({ authorization: `Bearer ${token}` });

// A built-in that the isolate's timeout cannot interrupt: the watchdog kills the process.
const wedge = coresTool('wedge', "$(Array.prototype.indexOf.call({ length: 9007199254740991 }, 'never') + inputs.p)");
const endless = coresTool('endless', '${ for (;;) {} }');
const quick = coresTool('quick', '$(inputs.p + 1)');

/** A gauge or counter line of /metrics, as a number (0 when absent). */
async function metric(url: string, line: RegExp): Promise<number> {
  const match = line.exec(await (await fetch(`${url}/metrics`)).text());
  return match ? Number(match[1]) : 0;
}

/** Resolves once the metric reaches `value` (checked after each turn of the event loop). */
async function until(url: string, line: RegExp, satisfied: (value: number) => boolean): Promise<void> {
  while (!satisfied(await metric(url, line))) await new Promise((resolve) => setImmediate(resolve));
}

const QUEUE_DEPTH = /^taskres_queue_depth (\d+)$/m;

describe('CWL items beside another caller, with short timeouts (--timeout-ms 200, 2 threads)', () => {
  // The ranking itself (a caller's CWL jobs rank in its group after a stop it caused) is shown
  // in test/request-scope.test.ts, by the order of settlement; here, what a bystander sees.
  const TIMEOUT_MS = 200;
  let server: Served;
  beforeAll(async () => {
    writeFileSync(join(scratch, 'tokens'), `${tokens.join('\n')}\n`);
    // A request timeout of 15 s: the attacker's requests end by then (each wedge costs a restart).
    server = await serve('--token-file', join(scratch, 'tokens'), '--timeout-ms', String(TIMEOUT_MS), '--threads', '2', '--request-timeout-ms', '15000');
    await untilReady(server.url);
  }, 60_000);
  afterAll(() => server?.stop());

  it("a bystander's CWL resolve is answered well within the request timeout beside 40 wedging CWL items", async () => {
    const attacks = Array.from({ length: 5 }, (_, k) =>
      post(`${server.url}/v1/cwl/resolve-many`, { items: Array.from({ length: 8 }, (_, i) => ({ tool: wedge, job: { p: k * 100 + i } })) }, as(tokens[0]!)),
    );
    await until(server.url, QUEUE_DEPTH, (depth) => depth === 40);
    const began = Date.now();
    const answer = await post(`${server.url}/v1/cwl/resolve`, { tool: quick, job: { p: 4 } }, as(tokens[1]!));
    const waitedMs = Date.now() - began;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.values.cores).toBe(5);
    // One stop and one restart (the watchdog, ~2 × 200 ms + 1 s, and a process start of 1-3 s
    // on a busy machine), as for the resolve routes (test/serve-wedge-bystander.test.ts); a
    // 503 would have come at the request timeout, 15 s.
    expect(waitedMs).toBeLessThan(15_000);
    // Each wedge costs a restart and each request stops after max(4, 2 × threads) costly
    // failures; requests still waiting at the request timeout are 503. No item has a value.
    for (const attack of await Promise.all(attacks)) {
      if (attack.status !== 200) expect(attack.status).toBe(503);
      else expect(attack.body.outcomes.filter((o: any) => o.status === 'fulfilled')).toEqual([]);
    }
  }, 120_000);

  it('1,000 endless CWL items in one request: the rest is not run after a few time out, and a request sent meanwhile is answered within seconds', async () => {
    // Before: the 1,000 evaluations of 200 ms each held both threads for 100 s.
    const hostile = post(`${server.url}/v1/cwl/resolve-many`, { items: Array.from({ length: 1000 }, (_, p) => ({ tool: endless, job: { p } })) }, as(tokens[2]!));
    await until(server.url, QUEUE_DEPTH, (depth) => depth === 1000);
    const began = performance.now();
    const other = await post(`${server.url}/v1/cwl/resolve`, { tool: quick, job: { p: 2 } }, as(tokens[1]!));
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.values.cores).toBe(3);
    expect(performance.now() - began).toBeLessThan(15 * TIMEOUT_MS + 3000);
    const answered = await hostile;
    expect(answered.status).toBe(200);
    const codes: string[] = answered.body.outcomes.map((o: any) => o.error?.code);
    const timeouts = codes.filter((code) => code === 'TASKRES_TIMEOUT').length;
    expect(timeouts).toBeGreaterThanOrEqual(4);
    expect(timeouts).toBeLessThan(100);
    expect(codes.filter((code) => code === 'TASKRES_ABORTED').length).toBe(1000 - timeouts);
    const aborted = answered.body.outcomes.find((o: any) => o.error.code === 'TASKRES_ABORTED').error;
    expect(aborted).toMatchObject({ status: 429, title: 'Not run' });
    expect(aborted.detail).toMatch(/ran out of time or memory, so its remaining items were not run/);
  }, 120_000);
});

describe('a CWL client that goes away (--timeout-ms 10000)', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve('--timeout-ms', '10000', '--threads', '2');
    await untilReady(server.url);
  }, 60_000);
  afterAll(() => server?.stop(), 60_000);

  it('has its items settled at once, not run on: the admitted count drops and every item is TASKRES_ABORTED', async () => {
    const body = JSON.stringify({ items: Array.from({ length: 40 }, (_, p) => ({ tool: endless, job: { p } })) });
    const url = new URL(`${server.url}/v1/cwl/resolve-many`);
    const client = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.on('error', () => {});
    client.end(body);
    await until(server.url, QUEUE_DEPTH, (depth) => depth === 40);
    const began = performance.now();
    client.destroy();
    await closed;
    await until(server.url, QUEUE_DEPTH, (depth) => depth === 0);
    // Before: the 40 evaluations of 10 s each ran on (about 200 s on 2 threads) with the
    // request still admitted. Now the abort settles them when the connection closes.
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(await metric(server.url, /^taskres_evaluations_total\{outcome="TASKRES_ABORTED"\} (\d+)$/m)).toBe(40);
  }, 60_000);
});
