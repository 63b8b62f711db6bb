/**
 * One resolveMany call while its items wait: no object per item. The items' encoded arguments
 * are columns of the call (each item's files, flat, followed by its parameters' JSON, in lists
 * of about FILE_CHUNK_SLOTS slots, with the item's list and bounds in Int32Arrays; retry plans,
 * contexts and hint facts only for items that have them), and consecutive items that share a
 * task, its checked statics, an AbortSignal and a ranking group (a request scope's, else the
 * signal) form a segment, which the queue holds as ranges (./job-range.ts). Outcomes are
 * written straight into the call's outcome array.
 *
 * Alive per waiting item: its JSON string (shared between consecutive items with the same,
 * see encode-args.ts), three typed-array slots and its files' and JSON's slots in a list.
 *
 * Lists of a few thousand slots, not one per call: measured on Node 20, appending to one array
 * that grows to 600,000 slots cost ~0.9 µs per item of six slots, appending to lists of 4,096
 * ~0.15 µs, and writing 100,000 slots of a `new Array(100000)` ~36 ns per slot against ~9 ns.
 */
import { TaskresError } from '../core/errors.js';
import type { Resources } from '../core/units.js';
import type { TaskDefinition } from '../definition/task.js';
import { encodedCharsOf, type BatchEncoder, type JobOutcomes } from '../protocol/batch-codec.js';
import { unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';
import type { EncodedArgs } from './encode-args.js';
import { JobRange, type RangeSource } from './job-range.js';
import type { ResolveOutcome } from './resolver.js';
import type { RetryPlan } from './retry.js';
import type { Job } from './supervisor.js';

/** Slots of a list of files and JSON (see ManyCall.lists). */
type Slots = (string | number | undefined)[];

/** A list is full at this many slots (an item's files never span two). */
const FILE_CHUNK_SLOTS = 4096;

/** Where the arguments of a failed item are read from, for its error's hints only. */
export interface ArgsSource {
  argsOf(item: number): EncodedArgs;
}

/** What a call needs of its resolver. */
export interface ItemResolver {
  /** The outcome of an item whose functions ran (never throws). */
  outcomeOf(definition: TaskDefinition, statics: Resources, outcomes: JobOutcomes, plan: RetryPlan | undefined, args: ArgsSource, item: number): ResolveOutcome;
  /** An item was aborted: the supervisor may have less to wait for. */
  noticeAbort(): void;
}

/** One resolveMany call: its outcomes in input order, resolved when the last settles, and its waiting items. */
export class ManyCall implements ArgsSource {
  readonly outcomes: ResolveOutcome[];
  private remaining: number;
  /**
   * Waiting items' files, flat (see FileList), each item's followed by its parameters' JSON:
   * item i's files are lists[listOf[i]][filesFrom[i]..filesTo[i]), its JSON the next slot.
   * Items are encoded straight into the last list (see SandboxedResolver.startItem).
   */
  private readonly lists: Slots[] = [[]];
  private readonly listOf: Int32Array;
  private readonly filesFrom: Int32Array;
  private readonly filesTo: Int32Array;
  /** Per item, only once an item has one. */
  private stringParams: (readonly string[] | undefined)[] | undefined;
  contexts: (string | undefined)[] | undefined;
  plans: (RetryPlan | undefined)[] | undefined;
  /** The segment items are being added to. */
  private open: ManySegment | undefined;

  constructor(
    count: number,
    private readonly resolve: (outcomes: ResolveOutcome[]) => void,
    readonly resolver: ItemResolver,
  ) {
    this.outcomes = new Array<ResolveOutcome>(count);
    this.remaining = count;
    this.listOf = new Int32Array(count);
    this.filesFrom = new Int32Array(count);
    this.filesTo = new Int32Array(count);
  }

  /** True once item `item` has its outcome. */
  settled(item: number): boolean {
    return this.outcomes[item] !== undefined;
  }

  fulfill(item: number, value: Resources): void {
    this.put(item, { status: 'fulfilled', value });
  }

  reject(item: number, reason: TaskresError): void {
    this.put(item, { status: 'rejected', reason });
  }

  /** Settles item `item` with `outcome`, unless it has one. */
  put(item: number, outcome: ResolveOutcome): void {
    if (this.outcomes[item] !== undefined) return;
    this.outcomes[item] = outcome;
    if (--this.remaining === 0) this.resolve(this.outcomes);
  }

  /** The list the next item's files are appended to (started anew when the last is full). */
  filesTarget(): Slots {
    let list = this.lists[this.lists.length - 1]!;
    if (list.length >= FILE_CHUNK_SLOTS) {
      list = [];
      this.lists.push(list);
    }
    return list;
  }

  /**
   * Adds item `item` (items are added in increasing order, their files already appended to
   * the list `filesTarget` gave, from `filesFrom`) as waiting for the sandbox; returns
   * the segment that ends when it cannot take this item, to be queued (`finish` returns the last).
   */
  add(
    item: number,
    definition: TaskDefinition,
    statics: Resources,
    encoded: EncodedArgs,
    filesFrom: number,
    plan: RetryPlan | undefined,
    contextJson: string | undefined,
    signal: AbortSignal | undefined,
    group: object | undefined,
  ): JobRange | undefined {
    const list = this.lists[this.lists.length - 1]!;
    this.listOf[item] = this.lists.length - 1;
    this.filesFrom[item] = filesFrom;
    this.filesTo[item] = list.length;
    list.push(encoded.paramsJson);
    if (encoded.stringParams) (this.stringParams ??= [])[item] = encoded.stringParams;
    if (contextJson !== undefined) (this.contexts ??= [])[item] = contextJson;
    if (plan) (this.plans ??= [])[item] = plan;
    const open = this.open;
    if (open && open.to === item && open.definition === definition && open.statics === statics && open.signal === signal && open.group === group) {
      open.to++;
      open.pending++;
      return undefined;
    }
    this.open = new ManySegment(this, definition, statics, signal, group, item);
    return open?.range();
  }

  /** The last segment, to be queued; undefined when no item waits. */
  finish(): JobRange | undefined {
    const open = this.open;
    this.open = undefined;
    return open?.range();
  }

  charsOf(item: number): number {
    const list = this.lists[this.listOf[item]!]!;
    const to = this.filesTo[item]!;
    return encodedCharsOf(list, this.filesFrom[item]!, to, list[to] as string, this.contexts?.[item]);
  }

  encodeInto(encoder: BatchEncoder, segment: ManySegment, item: number): void {
    const list = this.lists[this.listOf[item]!]!;
    const to = this.filesTo[item]!;
    encoder.add(segment.dynamics, list, this.filesFrom[item]!, to, list[to] as string, this.contexts?.[item]);
  }

  argsOf(item: number): EncodedArgs {
    const list = this.lists[this.listOf[item]!]!;
    const to = this.filesTo[item]!;
    const files = list.slice(this.filesFrom[item]!, to);
    const stringParams = this.stringParams?.[item];
    const paramsJson = list[to] as string;
    return stringParams ? { files, paramsJson, stringParams } : { files, paramsJson };
  }
}

/** Consecutive items of a call that share a task, its checked statics, an AbortSignal and a ranking group. */
class ManySegment implements RangeSource, AbortWatcher {
  readonly dynamics: TaskDefinition['dynamics'];
  /** Items not settled yet. */
  pending = 1;
  to: number;

  constructor(
    private readonly call: ManyCall,
    readonly definition: TaskDefinition,
    readonly statics: Resources,
    readonly signal: AbortSignal | undefined,
    /** See groupOf in ./abort-watch.ts: a request scope's group, else the signal. */
    readonly group: object | undefined,
    readonly from: number,
  ) {
    this.dynamics = definition.dynamics;
    this.to = from + 1;
    // Whatever state its items are in, an abort settles them now; the supervisor drops them later.
    if (signal) watchAbort(signal, this);
  }

  /** The whole segment, for the queue. */
  range(): JobRange {
    return new JobRange(this, this.from, this.to, 0);
  }

  cancelled(): boolean {
    return this.pending === 0 || this.signal?.aborted === true;
  }

  charsOf(item: number): number {
    return this.call.charsOf(item);
  }

  encodeInto(encoder: BatchEncoder, item: number): void {
    this.call.encodeInto(encoder, this, item);
  }

  settle(item: number, outcomes: JobOutcomes): void {
    const { call } = this;
    if (call.settled(item)) return;
    call.put(item, call.resolver.outcomeOf(this.definition, this.statics, outcomes, call.plans?.[item], call, item));
    this.itemDone();
  }

  fail(item: number, error: TaskresError): void {
    if (this.call.settled(item)) return;
    this.call.reject(item, error);
    this.itemDone();
  }

  job(item: number, arrival: number): Job {
    return new ManyItemJob(this, this.call, item, arrival);
  }

  aborted(): void {
    const error = new TaskresError('TASKRES_ABORTED', 'Aborted through its signal before its functions had answered; anything they still return is dropped.');
    for (let item = this.from; item < this.to; item++) this.fail(item, error);
    this.call.resolver.noticeAbort();
  }

  private itemDone(): void {
    if (--this.pending === 0 && this.signal) unwatchAbort(this.signal, this);
  }
}

/** An item of a segment as a job of its own (see job-range.ts). */
class ManyItemJob implements Job {
  readonly dynamics: TaskDefinition['dynamics'];
  readonly args: EncodedArgs;
  readonly contextJson: string | undefined;
  readonly group: object | undefined;

  constructor(
    private readonly segment: ManySegment,
    private readonly call: ManyCall,
    private readonly item: number,
    public arrival: number,
  ) {
    this.dynamics = segment.dynamics;
    this.args = call.argsOf(item);
    this.contextJson = call.contexts?.[item];
    this.group = segment.group;
  }

  settle(outcomes: JobOutcomes): void {
    this.segment.settle(this.item, outcomes);
  }

  fail(error: TaskresError): void {
    this.segment.fail(this.item, error);
  }

  cancelled(): boolean {
    return this.call.settled(this.item) || this.segment.cancelled();
  }
}
