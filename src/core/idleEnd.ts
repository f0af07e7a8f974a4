// A worker that holds its memory for good (OCR's tesseract, the sentence encoder) ends after a quiet spell and
// starts again on the next use: one clock per resource, started when its last use ends.

export class IdleEnd {
  private timer: NodeJS.Timeout | undefined;
  private busy = 0;

  constructor(
    private readonly idleMs: number,
    private readonly end: () => void,
  ) {}

  /** Runs one use of the resource: it is not ended while any use runs; the idle clock starts when the last ends. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.cancel();
    this.busy++;
    try {
      return await work();
    } finally {
      if (--this.busy === 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.end();
        }, this.idleMs);
        this.timer.unref?.();
      }
    }
  }

  /** Stops the clock (the resource is being disposed of, or used again). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
