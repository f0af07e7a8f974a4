import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescedRefresh } from '../../src/core/metrics/refresh';

const INTERVAL = 1000;

let runs: number;
let refresh: CoalescedRefresh;
beforeEach(() => {
  vi.useFakeTimers();
  runs = 0;
  refresh = new CoalescedRefresh(async () => void runs++, INTERVAL, () => Date.now());
});
afterEach(() => {
  refresh.dispose();
  vi.useRealTimers();
});

/** N change events, one every `everyMs`, then the time for the last recompute. */
async function burst(n: number, everyMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    refresh.changed();
    await vi.advanceTimersByTimeAsync(everyMs);
  }
  await vi.advanceTimersByTimeAsync(INTERVAL);
}

describe('CoalescedRefresh', () => {
  it('recomputes a burst of 200 requests over 10 s at most once a second (plus the first and the last)', async () => {
    await burst(200, 50);
    expect(runs).toBeGreaterThanOrEqual(10);
    expect(runs).toBeLessThanOrEqual(12);
  });

  it('recomputes at once for the first change after a quiet spell', async () => {
    refresh.changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
  });

  it('does not recompute while hidden, and catches up once when shown again', async () => {
    refresh.setVisible(false);
    await burst(50, 50);
    expect(runs).toBe(0);
    refresh.setVisible(true);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(runs).toBe(1);
  });

  it('recomputes now when asked (a period chosen), and never two at a time', async () => {
    let release: () => void = () => undefined;
    let running = 0;
    let most = 0;
    const slow = new CoalescedRefresh(
      () =>
        new Promise<void>((resolve) => {
          running++;
          most = Math.max(most, running);
          release = () => {
            running--;
            resolve();
          };
        }),
      INTERVAL,
      () => Date.now(),
    );
    slow.now();
    slow.now();
    slow.changed();
    expect(most).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(most).toBe(1);
    expect(running).toBe(1); // the change that came during the first run, after it
    release();
    slow.dispose();
  });
});
