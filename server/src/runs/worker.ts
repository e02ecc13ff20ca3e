import crypto from 'node:crypto';
import os from 'node:os';
import { listCancelRequested, purgeFinishedRuns, RUNS_QUEUE } from '../db/repos/runs.ts';
import { type ExecutionOutcome, executeRun, type RunEngine } from './executor.ts';
import { LeaseQueue } from './queue.ts';
import { armUnscheduled, enqueueDueSchedules } from './scheduler.ts';

/**
 * The run worker (docs/runs.md): claims runs from the queue up to its concurrency, executes them
 * (`executor.ts`) while keeping their leases alive, notices cancel requests, runs the scheduler
 * and purges runs past their retention. `patchbay serve` and `patchbay worker` start one; several
 * processes may run one each on one database.
 *
 * Shutdown (`stop`) claims nothing more, lets the runs in hand finish within a grace period, then
 * stops the rest, which go back to the queue at once (the same attempt, due now) for another
 * worker; only a worker killed outright leaves leases to run out. `heartbeat()` is what `/readyz`
 * reports.
 */

/** Options of a {@link RunWorker}. */
export interface RunWorkerOptions {
  /** Who holds the leases (default host:pid:random). */
  readonly owner?: string;
  /** Runs executed at once (default 8). */
  readonly concurrency?: number;
  /** Longest wait between two looks at the queue when nothing wakes the worker (default 1 s). */
  readonly pollMs?: number;
  /** How often cancel requests of the runs in hand are read (default 250 ms: a running run stops within a second). */
  readonly cancelPollMs?: number;
  /** How often the scheduler runs; null: this worker does not schedule (default 500 ms; an idle worker wakes for it). */
  readonly scheduleEveryMs?: number | null;
  /** Days finished runs are kept (`PATCHBAY_RUN_RETENTION_DAYS`, default 30); null: never purged here. */
  readonly retentionDays?: number | null;
  /** How often runs past their retention are purged (default 1 h), in batches. */
  readonly purgeEveryMs?: number;
  /** The queue's lease and per-configuration cap. */
  readonly leaseMs?: number;
  readonly groupCap?: number;
}

/** What `/readyz` reads. */
export interface WorkerHeartbeat {
  readonly owner: string;
  readonly state: 'new' | 'running' | 'stopping' | 'stopped';
  /** When the loop last went round (ms), null before it did. */
  readonly lastBeatAt: number | null;
  /** Whether the loop went round within three poll intervals. */
  readonly alive: boolean;
  readonly running: number;
  /** The last error the loop met (it carries on), or null. */
  readonly lastError: string | null;
  readonly executed: Readonly<Record<ExecutionOutcome, number>>;
}

const PURGE_BATCH = 500;
const ARM_EVERY_MS = 60_000;
/** How often the scheduler looks for due slots by default: half the 2 s a slot may start late. */
const SCHEDULE_EVERY_MS = 500;
/** How long a busy worker waits for more of its runs to end before it claims again. */
const CLAIM_GATHER_MS = 5;

/** A worker over one database; see the module comment. */
export class RunWorker {
  readonly owner: string;
  readonly queue: LeaseQueue;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private state: WorkerHeartbeat['state'] = 'new';
  private lastBeatAt: number | null = null;
  private lastError: string | null = null;
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  private cancelTimer: NodeJS.Timeout | null = null;
  private lastSchedule = 0;
  private lastArm = 0;
  private lastPurge = 0;
  private readonly executed: Record<ExecutionOutcome, number> = { success: 0, error: 0, retry: 0, canceled: 0, released: 0, lost: 0 };

  constructor(
    private readonly engine: Omit<RunEngine, 'queue'>,
    private readonly opts: RunWorkerOptions = {},
  ) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.pollMs = Math.max(10, opts.pollMs ?? 1000);
    this.queue = new LeaseQueue(engine.app.db, RUNS_QUEUE, {
      clock: engine.clock,
      ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
      ...(opts.groupCap === undefined ? {} : { groupCap: opts.groupCap }),
    });
  }

  /** Starts claiming and executing. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.loop = this.run();
    this.cancelTimer = setInterval(() => {
      this.pollCancels().catch((err: unknown) => this.noteError(err));
    }, this.opts.cancelPollMs ?? 250);
    this.cancelTimer.unref();
  }

  /**
   * Stops: claims nothing more, waits up to `graceMs` for the runs in hand, then stops the rest,
   * which go back to the queue. Resolves when every lease this worker held is settled or released.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.state === 'stopped' || this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.wake.abort();
    await this.loop;
    const all = () => Promise.all([...this.active.values()].map((a) => a.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const a of this.active.values()) a.controller.abort('shutdown');
    await all();
    if (this.cancelTimer) clearInterval(this.cancelTimer);
    this.state = 'stopped';
  }

  /** Stops a run this worker executes at once (a cancel request made in this process); false when it has no such run. */
  cancelLocal(runId: string): boolean {
    const a = this.active.get(runId);
    if (!a) return false;
    a.controller.abort('cancel');
    return true;
  }

  /** What `/readyz` reports. */
  heartbeat(): WorkerHeartbeat {
    const now = Date.now();
    return {
      owner: this.owner,
      state: this.state,
      lastBeatAt: this.lastBeatAt,
      alive: this.state === 'running' && this.lastBeatAt !== null && now - this.lastBeatAt < 3 * this.pollMs + 5_000,
      running: this.active.size,
      lastError: this.lastError,
      executed: { ...this.executed },
    };
  }

  private noteError(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.engine.log.error('run worker: error', { error: this.lastError });
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      this.lastBeatAt = Date.now();
      // a run that ends from here on wakes the wait below
      if (this.wake.signal.aborted) this.wake = new AbortController();
      let more = false;
      try {
        await this.housekeeping();
        // Woken by a run ending while most slots are busy: let a few more end first, so one claim
        // (one commit, a disk flush on SQLite) fills several slots instead of one each time.
        if (this.active.size > 0 && this.concurrency - this.active.size < Math.ceil(this.concurrency / 2)) {
          await new Promise((resolve) => setTimeout(resolve, CLAIM_GATHER_MS));
        }
        const free = this.concurrency - this.active.size;
        if (free > 0) {
          const leases = await this.queue.claim(this.owner, free);
          for (const lease of leases) this.execute(lease);
          // it took all it asked for: more may be waiting, look again at once if a slot is free
          more = leases.length === free && this.active.size < this.concurrency;
        }
      } catch (err) {
        this.noteError(err);
      }
      if (this.state !== 'running') break;
      // idle: until the next poll or the scheduler's next pass, whichever is sooner
      if (!more) await this.queue.waitForWork(Math.min(this.pollMs, this.untilNextSchedule()), this.wake.signal);
    }
  }

  /** How often the scheduler runs (null: not in this worker). */
  private get scheduleEvery(): number | null {
    return this.opts.scheduleEveryMs === undefined ? SCHEDULE_EVERY_MS : this.opts.scheduleEveryMs;
  }

  private untilNextSchedule(): number {
    const every = this.scheduleEvery;
    return every === null ? Number.POSITIVE_INFINITY : Math.max(0, this.lastSchedule + every - Date.now());
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    const every = this.scheduleEvery;
    if (every !== null && now - this.lastSchedule >= every) {
      this.lastSchedule = now;
      // scheduled integrations without a slot (older data) get one: at start, then once a minute
      if (now - this.lastArm >= ARM_EVERY_MS) {
        this.lastArm = now;
        await armUnscheduled(this.engine.app.db, this.engine.clock, this.engine.log);
      }
      await enqueueDueSchedules(this.engine.app.db, this.engine.clock, this.engine.log);
    }
    const days = this.opts.retentionDays === undefined ? 30 : this.opts.retentionDays;
    if (days !== null && now - this.lastPurge >= (this.opts.purgeEveryMs ?? 3_600_000)) {
      this.lastPurge = now;
      const before = new Date(this.engine.clock.now() - days * 86_400_000).toISOString();
      for (let i = 0; i < 20; i += 1) {
        if ((await purgeFinishedRuns(this.engine.app.db, before, PURGE_BATCH)) < PURGE_BATCH) break;
      }
    }
  }

  private execute(lease: Parameters<typeof executeRun>[1]): void {
    const controller = new AbortController();
    const stopKeeping = this.queue.keep(
      lease,
      () => controller.abort('lease_lost'),
      (err) => this.noteError(err),
    );
    const done = executeRun({ ...this.engine, queue: this.queue }, lease, controller.signal)
      .then(
        (outcome) => {
          this.executed[outcome] += 1;
        },
        (err: unknown) => this.noteError(err),
      )
      .finally(() => {
        stopKeeping();
        this.active.delete(lease.id);
        this.wake.abort();
      });
    this.active.set(lease.id, { controller, done });
  }

  private async pollCancels(): Promise<void> {
    if (this.active.size === 0) return;
    for (const id of await listCancelRequested(this.engine.app.db, [...this.active.keys()])) this.cancelLocal(id);
  }
}
