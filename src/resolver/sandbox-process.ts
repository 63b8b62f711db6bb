/**
 * One sandbox process, seen from the user's process: start it, send it messages, kill it, and
 * hear what it says and when it ends (an interface in the manner of tinypool's worker handle).
 * Batches go on the threads' own channels (./thread-channels.ts), given to the process at fork
 * as extra stdio; everything else on IPC. Nothing here decides anything: the supervisor does.
 * Every sandbox process is killed when the user's process exits, and an idle one does not
 * keep the user's process alive.
 *
 * The events are delivered through `guard`: whatever a handler throws is handed back to the
 * supervisor there instead of escaping into Node's event loop, where it would kill the user's
 * process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { StartReport } from '../protocol/handshake.js';
import { settingsArgument, type FromSandbox, type SandboxSettings, type ToSandbox } from '../protocol/messages.js';
import { ISOLATED_VM_NODE_FLAGS } from '../sandbox-worker/load-ivm.js';
import { CLOSE_KILL_AFTER_MS } from './deadlines.js';
import { ThreadChannels } from './thread-channels.js';
import { CHANNEL_FIRST_FD } from '../protocol/batch-channel.js';

/** Flags every sandbox process gets: isolated-vm requires `--no-node-snapshot` on Node 20+. */
export const SANDBOX_NODE_FLAGS: readonly string[] = ISOLATED_VM_NODE_FLAGS;

const STDERR_TAIL_CHARS = 2000;

/** What a sandbox process tells its owner. */
export interface SandboxProcessEvents {
  message(message: FromSandbox | StartReport): void;
  /** It ended: `how` is the signal or `code N`; `said`, the last line it wrote to stderr (`: line`, or empty). */
  exit(how: string, said: string): void;
  /** A handler above threw: the owner settles what it was handling (never rethrows). */
  handlerThrew(thrown: unknown): void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A running sandbox process. */
export class SandboxProcess {
  private stderrTail = '';
  private exited = false;
  private channels: ThreadChannels | undefined;

  private constructor(private readonly child: ChildProcess) {}

  /** Forks the sandbox process from `entry` (see ./sandbox-entry.ts) with its settings. */
  static start(entry: string, settings: SandboxSettings, events: SandboxProcessEvents): SandboxProcess {
    const child = fork(entry, [settingsArgument(settings)], {
      execArgv: [...SANDBOX_NODE_FLAGS],
      // Date and Number formatting must not tell a function the host's time zone or locale.
      env: { ...process.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
      serialization: 'advanced',
      // Then one socket per thread, at fd channelFd(thread) in the child: its batch channel.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', ...Array.from({ length: settings.threads }, () => 'pipe' as const)],
    });
    const handle = new SandboxProcess(child);
    live.add(child);
    installExitHook();
    const guard = (handler: () => void): void => {
      try {
        handler();
      } catch (thrown) {
        try {
          events.handlerThrew(thrown);
        } catch {
          // The owner's last resort threw too: nothing more can be done without killing the user's process.
        }
      }
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      handle.stderrTail = (handle.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (message: FromSandbox | StartReport) => guard(() => events.message(message)));
    handle.channels = new ThreadChannels(
      child.stdio.slice(CHANNEL_FIRST_FD) as Socket[],
      {
        answer: (message) => events.message(message),
        moreThreads: () => handle.send({ t: 'more-threads' }),
      },
      guard,
    );
    // 'close' comes after the IPC channel has delivered everything, including why it died.
    child.on('close', (code, signal) => {
      handle.exited = true;
      live.delete(child);
      guard(() => events.exit(signal ?? `code ${code}`, lastLine(handle.stderrTail)));
    });
    child.on('error', () => child.kill('SIGKILL'));
    return handle;
  }

  /** True until the process has ended. */
  get alive(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a message (a batch on a thread's channel); false when the channel is gone (the process is dying). */
  send(message: ToSandbox): boolean {
    if (!this.child.connected) return false;
    if (message.t === 'batch') {
      this.channels!.send(message.id, message.task);
      return true;
    }
    try {
      this.child.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Kills it at once; its end is heard as `exit`. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Asks it to close, and kills it if it has not ended within CLOSE_KILL_AFTER_MS. */
  close(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    // An idle child is unref'd; close() waits for its exit, so it must keep the process alive
    // until then (else a close right after createResolver, before the child listens, ends the
    // process with close unsettled, exit 13, once the kill timer has fired).
    this.child.ref();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.kill(), CLOSE_KILL_AFTER_MS);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (!this.send({ t: 'close' })) this.kill();
    });
  }

  /** Whether it keeps the user's process alive: only while it has work. */
  keepAlive(busy: boolean): void {
    const channel = (this.child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    const stderr = this.child.stderr as unknown as { ref?(): void; unref?(): void } | null;
    this.channels?.keepAlive(busy);
    if (busy) {
      this.child.ref();
      channel?.ref();
      stderr?.ref?.();
    } else {
      this.child.unref();
      channel?.unref();
      stderr?.unref?.();
    }
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 160)}` : '';
}

/** Kills every sandbox process when the user's process exits without closing its resolvers. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
