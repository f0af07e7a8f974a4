import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/core/nodes/semaphore';

/** Lets already-resolved promise callbacks run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

describe('Semaphore', () => {
  it('grants up to the limit at once', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    expect(s.active).toBe(2);
    expect(s.waiting).toBe(0);
  });

  it('queues requests beyond the limit until a slot is released', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    let granted = false;
    const next = s.acquire().then((r) => {
      granted = true;
      return r;
    });
    await flush();
    expect(granted).toBe(false);
    expect(s.waiting).toBe(1);
    release();
    await next;
    expect(granted).toBe(true);
    expect(s.active).toBe(1);
    expect(s.waiting).toBe(0);
  });

  it('serves waiters first come, first served', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const order: string[] = [];
    const a = s.acquire().then((r) => (order.push('a'), r));
    const b = s.acquire().then((r) => (order.push('b'), r));
    const c = s.acquire().then((r) => (order.push('c'), r));
    release();
    (await a)();
    (await b)();
    await c;
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('counts a release only once, however often it is called', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    await s.acquire();
    r1();
    r1();
    expect(s.active).toBe(1);
  });

  it('rejects a waiter whose signal aborts with an AbortError and removes it from the queue', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const ctrl = new AbortController();
    const waiting = s.acquire(ctrl.signal);
    expect(s.waiting).toBe(1);
    ctrl.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.waiting).toBe(0);
    release();
    expect(s.active).toBe(0);
  });

  it('skips an aborted waiter and serves the next one', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const ctrl = new AbortController();
    const gone = s.acquire(ctrl.signal).catch(() => 'aborted');
    const next = s.acquire();
    ctrl.abort();
    expect(await gone).toBe('aborted');
    release();
    await next;
    expect(s.active).toBe(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const s = new Semaphore(1);
    await expect(s.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.active).toBe(0);
  });

  it('ignores an abort after the slot was granted', async () => {
    const s = new Semaphore(1);
    const ctrl = new AbortController();
    const release = await s.acquire(ctrl.signal);
    ctrl.abort();
    expect(s.active).toBe(1);
    release();
    expect(s.active).toBe(0);
  });

  it('wakes waiters when the limit is raised', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const a = s.acquire();
    const b = s.acquire();
    s.setLimit(3);
    await Promise.all([a, b]);
    expect(s.active).toBe(3);
    expect(s.waiting).toBe(0);
  });

  it('after the limit is lowered, lets running requests finish and holds new ones', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    s.setLimit(1);
    let granted = false;
    const next = s.acquire().then((r) => ((granted = true), r));
    r1();
    await flush();
    expect(granted).toBe(false);
    r2();
    await next;
    expect(s.active).toBe(1);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(1).setLimit(-1)).toThrow(RangeError);
  });
});
