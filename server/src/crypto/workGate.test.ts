import { describe, expect, it } from 'vitest';
import { GateBusyError, WorkGate } from './workGate.ts';

/** A job that runs until released, recording how many jobs run at once. */
function jobs() {
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const started: number[] = [];
  return {
    job: (id: number) => () =>
      new Promise<number>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(id);
        releases.push(() => {
          running -= 1;
          resolve(id);
        });
      }),
    releaseAll: () => {
      for (const r of releases.splice(0)) r();
    },
    get peak() {
      return peak;
    },
    started,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('WorkGate', () => {
  it('runs at most `concurrency` jobs at once and the rest in arrival order', async () => {
    const gate = new WorkGate(2, 10_000);
    const j = jobs();
    const results = [1, 2, 3, 4, 5].map((id) => gate.run(j.job(id)));
    await tick();
    expect(j.started).toEqual([1, 2]);
    while (j.started.length < 5) {
      j.releaseAll();
      await tick();
    }
    j.releaseAll();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(j.started).toEqual([1, 2, 3, 4, 5]);
    expect(j.peak).toBe(2);
  });

  it('fails a job that waited longer than maxWaitMs without running it, and frees its place', async () => {
    const gate = new WorkGate(1, 30);
    const j = jobs();
    const first = gate.run(j.job(1));
    const late = gate.run(j.job(2)).catch((err: unknown) => err);
    expect(await late).toBeInstanceOf(GateBusyError);
    expect(j.started).toEqual([1]);
    j.releaseAll();
    expect(await first).toBe(1);
    // The slot is free again: the next job starts at once.
    const next = gate.run(j.job(3));
    await tick();
    expect(j.started).toEqual([1, 3]);
    j.releaseAll();
    expect(await next).toBe(3);
  });

  it('releases the slot when a job throws', async () => {
    const gate = new WorkGate(1, 1_000);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(() => Promise.resolve('ok'))).toBe('ok');
  });
});
