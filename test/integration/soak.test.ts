// Soak at a small size (issue "Reliability"): the harness of bench/soak.ts (bench/soakRun.ts) with 200
// requests and the same fault mix, against loopback fixtures. Nothing may be lost: every request ends
// (answer, clean error or cancellation), every one has its row in the requests table, every error
// carries a message, and no promise rejection goes unhandled.
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soakRun';

describe('soak (200 requests, seeded faults, one node killed at 40%)', () => {
  it('loses no request', { timeout: 30_000 }, async () => {
    // A request still running 8 s after it started (deadlines are 3 s) counts as never ending.
    const r = await runSoak({ requests: 200, seed: 20261124, stuckAfterMs: 8_000 });

    expect(r.problems).toEqual([]);
    expect(r.lost).toBe(0);
    expect(r.unhandledRejections).toBe(0);
    expect(r.total.attempted).toBe(200);
    expect(r.total.ok + r.total.cleanErrors + r.total.cancelled).toBe(r.total.attempted);
    expect(r.total.errorsWithoutMessage).toBe(0);
    // Every chat id has its row, with the outcome the caller saw; batch rows match runBatch's attempts.
    expect(r.rows.missingChatIds).toBe(0);
    expect(r.rows.outcomeMismatches).toBe(0);
    expect(r.rows.duplicateIds).toBe(0);
    expect(r.rows.chat).toBe(r.chat.attempted);
    expect(r.rows.batch).toBe(r.batch.askCalls);
    expect(r.proxy.attempted).toBe(30);
    expect(r.rows.proxy).toBeGreaterThanOrEqual(r.proxy.attempted - r.proxy.abandoned);
    expect(r.rows.total).toBe(r.rows.expected);
    // The faults really happened.
    expect(Object.values(r.faultsInjected).every((n) => n > 0)).toBe(true);
    expect(r.killedNode).toBe('node0');
  });
});
