/**
 * How work joins a ranking group (src/resolver/scheduler.ts: after a sandbox stop charged to a
 * group, its waiting work goes after every other group's and never shares a batch with it).
 * The group used to be read from a registered symbol on the caller's AbortSignal
 * (`Symbol.for('taskres.internal.jobGroup')`), which anyone making a signal could set. Now the
 * only door is the resolver's internal request scope (OPEN_REQUEST_SCOPE in
 * src/resolver/sandbox-jobs.ts, what the service opens per request); a signal's own properties
 * are never read. Real resolver, real wedge, real restart.
 *
 * The order shows the rule: one thread, one batch of [wedger, W, V] (V last to arrive). The
 * wedger stops the process before W and V are reached; both are queued again, latest first, so
 * V runs in one batch with W and settles first, unless V ranks in the wedger's group, which
 * puts it after W in a batch of its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask, type Resolver } from '../dist/index.js';
import { resolveCwl } from '../dist/cwl.js';
import { OPEN_REQUEST_SCOPE, type RequestScopeTarget } from '../src/resolver/sandbox-jobs.js';
import { coresTool } from './helpers/cwl-fixtures.js';

const wedge = defineTask({ name: 'wedge', params: ['p'], resources: { cpu: `({ p }) => Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never') + 2`, memory: 1 } });
const innocent = defineTask({ name: 'innocent', params: ['p'], resources: { cpu: '({ p }) => p', memory: 1 } });

const resolvers: Resolver[] = [];
const scope = (resolver: Resolver, group: object) => (resolver as unknown as RequestScopeTarget)[OPEN_REQUEST_SCOPE](new AbortController().signal, group);
afterAll(() => Promise.all(resolvers.map((resolver) => resolver.close())));

/** Submits [wedger, W, V] in one turn; returns the order in which W and V settle, and the wedger's code. */
async function settleOrder(resolveWedger: (resolver: Resolver) => Promise<unknown>, resolveV: (resolver: Resolver) => Promise<unknown>): Promise<{ order: string[]; wedger: string }> {
  const resolver = createResolver({ threads: 1, timeoutMs: 200 });
  resolvers.push(resolver);
  // The process is up before the batch goes, so the three travel in one batch.
  await resolver.resolve(innocent, { p: 1 });
  const order: string[] = [];
  const wedger = resolveWedger(resolver).then(
    () => 'fulfilled',
    (error: { code?: string }) => error.code ?? 'raw',
  );
  const w = resolver.resolve(innocent, { p: 2 }).then(() => order.push('W'));
  const v = resolveV(resolver).then(() => order.push('V'));
  await Promise.all([w, v]);
  expect(resolver.sandboxStarts).toBe(2);
  return { order, wedger: await wedger };
}

describe('ranking groups after a stop', () => {
  it('ignore a group symbol a caller sets on its signals', async () => {
    const forged = {};
    const labelled = () => {
      const controller = new AbortController();
      Object.defineProperty(controller.signal, Symbol.for('taskres.internal.jobGroup'), { value: forged });
      return controller.signal;
    };
    // Before: V's label put it in the wedger's group, charged with the stop: order [W, V].
    const { order, wedger } = await settleOrder(
      (resolver) => resolver.resolve(wedge, { p: 0 }, { signal: labelled() }),
      (resolver) => resolver.resolve(innocent, { p: 3 }, { signal: labelled() }),
    );
    expect(wedger).toBe('TASKRES_TIMEOUT');
    expect(order).toEqual(['V', 'W']);
  }, 60_000);

  it('are joined through request scopes of one group (the service: one group per caller)', async () => {
    const caller = {};
    const { order, wedger } = await settleOrder(
      (resolver) => scope(resolver, caller).resolve(wedge, { p: 0 }),
      (resolver) => scope(resolver, caller).resolve(innocent, { p: 3 }),
    );
    expect(wedger).toBe('TASKRES_TIMEOUT');
    expect(order).toEqual(['W', 'V']);
  }, 60_000);

  it("are joined by a scope's resolveMany: its ranges, and their items once run alone, carry the group", async () => {
    const caller = {};
    const { order, wedger } = await settleOrder(
      (resolver) =>
        scope(resolver, caller)
          .resolveMany([{ task: wedge, args: { p: 0 } }])
          .then(([outcome]) => (outcome!.status === 'rejected' ? Promise.reject(outcome!.reason) : outcome!.value)),
      (resolver) => scope(resolver, caller).resolveMany([{ task: innocent, args: { p: 3 } }]),
    );
    expect(wedger).toBe('TASKRES_TIMEOUT');
    expect(order).toEqual(['W', 'V']);
  }, 60_000);

  it('take in the CWL jobs given to a scope (what the CWL routes do)', async () => {
    const caller = {};
    const { order, wedger } = await settleOrder(
      (resolver) => resolveCwl(scope(resolver, caller), coresTool('wedge', "$(Array.prototype.indexOf.call({ length: 9007199254740991 }, 'never') + inputs.p)"), { p: 0 }),
      (resolver) => resolveCwl(scope(resolver, caller), coresTool('quick', '$(inputs.p + 1)'), { p: 3 }),
    );
    expect(wedger).toBe('TASKRES_TIMEOUT');
    expect(order).toEqual(['W', 'V']);
  }, 60_000);

  it("refuse a call in a scope that brings a signal of its own, and scope.close()", async () => {
    const resolver = createResolver({ threads: 1 });
    resolvers.push(resolver);
    const scoped = scope(resolver, {});
    await expect(scoped.resolve(innocent, { p: 1 }, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'TASKRES_INVALID_ARGS' });
    await expect(scoped.close()).rejects.toMatchObject({ code: 'TASKRES_INVALID_ARGS' });
    expect(await scoped.resolve(innocent, { p: 4 })).toMatchObject({ cpu: 4 });
    // In resolveMany only the item that brings a signal is refused; the others run in the scope.
    const outcomes = await scoped.resolveMany([
      { task: innocent, args: { p: 5 } },
      { task: innocent, args: { p: 6 }, signal: new AbortController().signal },
      { task: innocent, args: { p: 7 } },
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.cpu : o.reason.code))).toEqual([5, 'TASKRES_INVALID_ARGS', 7]);
  }, 60_000);

  it("settle a scope's resolveMany items with TASKRES_ABORTED when its signal aborts", async () => {
    const resolver = createResolver({ threads: 1, timeoutMs: 200 });
    resolvers.push(resolver);
    const controller = new AbortController();
    const scoped = (resolver as unknown as RequestScopeTarget)[OPEN_REQUEST_SCOPE](controller.signal, {});
    const pending = scoped.resolveMany([
      { task: wedge, args: { p: 0 } },
      { task: innocent, args: { p: 1 } },
    ]);
    controller.abort();
    const outcomes = await pending;
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason.code : 'fulfilled'))).toEqual(['TASKRES_ABORTED', 'TASKRES_ABORTED']);
    // Aborted before the call: not run.
    const late = await scoped.resolveMany([{ task: innocent, args: { p: 2 } }]);
    expect(late[0]).toMatchObject({ status: 'rejected', reason: { code: 'TASKRES_ABORTED' } });
  }, 60_000);
});
