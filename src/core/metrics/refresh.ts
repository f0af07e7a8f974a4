// When an open dashboard recomputes. A batch records a request every few hundred milliseconds and a
// recompute of a period over a year of history costs tens of milliseconds of the host's thread, so following
// every request kept the host busy for the whole batch (issue 20). Changes are coalesced instead: the first
// change after a quiet spell recomputes at once, later ones at most once per interval, never two at a time,
// and none while the dashboard is hidden (it catches up when shown again).

export class CoalescedRefresh {
  private visible = true;
  private stale = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private last = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    /** The recompute; it reports its own errors (a rejection is not this scheduler's to handle). */
    private readonly run: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Something the dashboard shows changed. */
  changed(): void {
    this.stale = true;
    this.schedule();
  }

  /** The user asked for it (the page loaded, a period was chosen): recompute now, or right after the running one. */
  now(): void {
    this.stale = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) void this.fire();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.stale) this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.disposed || !this.visible || this.running || this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.clock());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fire();
    }, wait);
  }

  private async fire(): Promise<void> {
    if (this.disposed || !this.visible || !this.stale) return;
    this.stale = false;
    this.running = true;
    this.last = this.clock();
    try {
      await this.run();
    } finally {
      this.running = false;
      if (this.stale) this.schedule();
    }
  }
}
