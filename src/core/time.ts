// Units of time shared by the dashboard's windows (metrics/window.ts) and retention (store/retention.ts).

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Start of the UTC day that holds `t`: the unit of the daily aggregates (always 24 h, unlike a local day). */
export const dayStart = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;
