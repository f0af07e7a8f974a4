import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleEnd } from '../../src/core/idleEnd';

describe('IdleEnd', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ends the resource once it has been unused for its idle time', async () => {
    const end = vi.fn();
    const idle = new IdleEnd(60_000, end);
    await idle.use(async () => 'read');
    vi.advanceTimersByTime(59_999);
    expect(end).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(end).toHaveBeenCalledOnce();
  });

  it('does not end it while a use runs, and starts the clock again when the last use ends', async () => {
    const end = vi.fn();
    const idle = new IdleEnd(1000, end);
    let finish!: () => void;
    const long = idle.use(() => new Promise<void>((resolve) => (finish = resolve)));
    await idle.use(async () => undefined);
    vi.advanceTimersByTime(5000);
    expect(end).not.toHaveBeenCalled();
    finish();
    await long;
    vi.advanceTimersByTime(1000);
    expect(end).toHaveBeenCalledOnce();
  });

  it('is not ended after cancel', async () => {
    const end = vi.fn();
    const idle = new IdleEnd(1000, end);
    await idle.use(async () => undefined);
    idle.cancel();
    vi.advanceTimersByTime(5000);
    expect(end).not.toHaveBeenCalled();
  });
});
