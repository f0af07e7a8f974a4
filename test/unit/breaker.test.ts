import { describe, expect, it } from 'vitest';
import { CLOSED, DEFAULT_BREAKER_POLICY, allows, cooldownFor, describe as describeState, failed, succeeded, trial, type BreakerPolicy, type BreakerState } from '../../src/core/nodes/breaker';

const policy: BreakerPolicy = { failureThreshold: 3, cooldownMs: 30_000, maxCooldownMs: 300_000 };
const T0 = 1_000_000;

function failTimes(n: number, state: BreakerState = CLOSED, now = T0): BreakerState {
  for (let i = 0; i < n; i++) state = failed(state, now, policy);
  return state;
}

describe('breaker', () => {
  it('defaults to 3 failures, 30 s cooldown, at most 5 min', () => {
    expect(DEFAULT_BREAKER_POLICY).toEqual({ failureThreshold: 3, cooldownMs: 30_000, maxCooldownMs: 300_000 });
  });

  it('starts closed and lets requests through', () => {
    expect(CLOSED).toEqual({ kind: 'closed', consecutiveFailures: 0 });
    expect(allows(CLOSED, T0)).toBe(true);
  });

  it('counts failures below the threshold and stays closed', () => {
    const s = failTimes(2);
    expect(s).toEqual({ kind: 'closed', consecutiveFailures: 2 });
    expect(allows(s, T0)).toBe(true);
  });

  it('opens for the cooldown at the threshold', () => {
    expect(failTimes(3)).toEqual({ kind: 'open', until: T0 + 30_000, opens: 1 });
  });

  it('a success resets the count, so only consecutive failures open it', () => {
    const s = failTimes(2, succeeded(failTimes(2)));
    expect(s).toEqual({ kind: 'closed', consecutiveFailures: 2 });
  });

  it('refuses requests while cooling down', () => {
    const open = failTimes(3);
    expect(allows(open, T0 + 29_999)).toBe(false);
  });

  it('allows one trial once the cooldown is over', () => {
    const open = failTimes(3);
    expect(allows(open, T0 + 30_000)).toBe(true);
    const half = trial(open, T0 + 30_000);
    expect(half).toEqual({ kind: 'halfOpen', opens: 1 });
    expect(allows(half, T0 + 30_000)).toBe(false);
  });

  it('does not start a trial before the cooldown is over, nor from closed', () => {
    const open = failTimes(3);
    expect(trial(open, T0 + 1)).toBe(open);
    expect(trial(CLOSED, T0)).toBe(CLOSED);
  });

  it('closes when the trial succeeds', () => {
    expect(succeeded(trial(failTimes(3), T0 + 30_000))).toEqual(CLOSED);
  });

  it('opens again with a doubled cooldown when the trial fails', () => {
    const t1 = T0 + 30_000;
    const reopened = failed(trial(failTimes(3), t1), t1, policy);
    expect(reopened).toEqual({ kind: 'open', until: t1 + 60_000, opens: 2 });
  });

  it('doubles up to the maximum cooldown and stays there', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => cooldownFor(n, policy))).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
    let s = failTimes(3);
    let now = T0;
    for (let i = 0; i < 6; i++) {
      now = (s as { until: number }).until;
      s = failed(trial(s, now), now, policy);
    }
    expect(s).toEqual({ kind: 'open', until: now + 300_000, opens: 7 });
  });

  it('ignores a failure reported while already open (a request that was in flight when it opened)', () => {
    const open = failTimes(3);
    expect(failed(open, T0 + 5_000, policy)).toBe(open);
  });

  it('treats a threshold below 1 as 1', () => {
    expect(failed(CLOSED, T0, { ...policy, failureThreshold: 0 }).kind).toBe('open');
  });

  describe('describe', () => {
    it('says healthy or counts recent failures while closed', () => {
      expect(describeState(CLOSED, T0)).toBe('healthy');
      expect(describeState(failTimes(1), T0)).toBe('1 recent failure');
      expect(describeState(failTimes(2), T0)).toBe('2 recent failures');
    });

    it('tells how long the cooldown still runs, rounded up to seconds', () => {
      expect(describeState(failTimes(3), T0 + 5_500)).toBe('cooling down for 25 s after repeated failures');
    });

    it('mentions earlier cooldowns when the node keeps failing', () => {
      const t1 = T0 + 30_000;
      const reopened = failed(trial(failTimes(3), t1), t1, policy);
      expect(describeState(reopened, t1)).toBe('cooling down for 60 s; still failing after 1 cooldown');
    });

    it('names the states between cooldown and verdict', () => {
      const open = failTimes(3);
      expect(describeState(open, T0 + 30_000)).toBe('cooldown over, waiting for a trial request');
      expect(describeState(trial(open, T0 + 30_000), T0 + 30_000)).toBe('trying again after cooldown');
    });
  });
});
