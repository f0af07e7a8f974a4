// Long work on the extension host's thread, in slices: every extension in the host waits while one of ours
// runs, so work that can take longer than a frame lets the event loop run between its steps.

/** Work runs about this long before it lets the event loop run. */
export const SLICE_MS = 10;

/** What long work awaits between its steps: it yields (setImmediate) once `sliceMs` have passed since it last did. */
export type Pause = () => Promise<void>;

export function slicer(sliceMs = SLICE_MS, now: () => number = () => performance.now()): Pause {
  let since = now();
  return async () => {
    if (now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = now();
  };
}
