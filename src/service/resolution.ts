/**
 * From validated request bodies to outcomes: find the task, read the files of the args, and
 * call the resolver. The retry context (`attempt`, `previous`) reaches the resolver here and
 * only here (see {@link retryContext}).
 */
import type { ResolveRequest, Resolver, Resources, RetryContext, Task } from 'taskres';
import { problem, problemFromError, type Problem } from './problems.js';
import type { RequestFiles } from './files-root.js';
import type { ResolveBodyInput } from './schemas.js';
import { UnknownTaskError, type TaskCatalog } from './tasks.js';

/** A clamp warning as the API reports it. */
export interface ApiWarning {
  code: string;
  taskName: string;
  resource: string;
  value: number;
  limit: number;
}

/** One answered item. */
export type ItemOutcome = { status: 'fulfilled'; resources: Resources; warnings: ApiWarning[] } | { status: 'rejected'; error: Problem };

/**
 * The resolver's third argument for an item (contract: Retries), or undefined for a plain first
 * attempt: the one place `attempt`/`previous` are passed on. The resolver validates the
 * context (e.g. `previous` without `attempt` is its TASKRES_INVALID_ARGS).
 */
export function retryContext(item: ResolveBodyInput): RetryContext | undefined {
  if (item.attempt === undefined && item.previous === undefined) return undefined;
  return { attempt: item.attempt as number, ...(item.previous === undefined ? {} : { previous: item.previous }) };
}

/** Turns request items into outcomes with one resolver. */
export class Resolution {
  constructor(
    private readonly resolver: Resolver,
    private readonly catalog: TaskCatalog,
    private readonly files: RequestFiles,
  ) {}

  /** Resolves one item; rejects with a Problem-ready error (TaskresError or UnknownTaskError). */
  async one(item: ResolveBodyInput): Promise<Resources> {
    const { task, args } = await this.prepare(item);
    return this.resolver.resolve(task, args as never, retryContext(item));
  }

  /** Resolves many in one resolveMany call (batched); outcomes in input order. */
  async many(items: readonly ResolveBodyInput[], instance: string): Promise<ItemOutcome[]> {
    const outcomes = new Array<ItemOutcome>(items.length);
    const requests: ResolveRequest[] = [];
    const positions: number[] = [];
    // One item after another: each measures at most a few files at once, so a request holds
    // a bounded number of descriptors however many files it names.
    for (let i = 0; i < items.length; i++) {
      try {
        requests.push({ ...(await this.prepare(items[i]!)), ...retryContext(items[i]!) });
        positions.push(i);
      } catch (error) {
        outcomes[i] = { status: 'rejected', error: this.problem(error, instance) };
      }
    }
    const settled = requests.length === 0 ? [] : await this.resolver.resolveMany(requests);
    settled.forEach((outcome, k) => {
      outcomes[positions[k]!] =
        outcome.status === 'fulfilled' ? { status: 'fulfilled', resources: outcome.value, warnings: [] } : { status: 'rejected', error: this.problem(outcome.reason, instance) };
    });
    return outcomes;
  }

  /** The problem for an item's failure. */
  problem(error: unknown, instance: string): Problem {
    if (error instanceof UnknownTaskError) return problem('TASKRES_NOT_FOUND', error.message, instance);
    return problemFromError(error, instance);
  }

  private async prepare(item: ResolveBodyInput): Promise<{ task: Task; args: unknown }> {
    const task = this.catalog.get(item.task);
    return { task, args: await this.files.revive(item.args) };
  }
}
