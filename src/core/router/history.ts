// How each route has done lately per task type: the "recent success rate and latency" features.
// Smoothed like the balancer's node speeds, for the same reason: recent requests say most.

import type { Route } from '../types';
import { Ewma } from '../nodes/ewma';
import type { RouteHistory, TaskType } from './features';

export class RouteHistoryTracker {
  private readonly stats = new Map<string, { success: Ewma; latency: Ewma }>();

  observe(task: TaskType, route: Route, ok: boolean, latencyMs: number | undefined): void {
    const key = `${task}:${route}`;
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = { success: new Ewma(0.1), latency: new Ewma(0.2) }));
    s.success.update(ok ? 1 : 0);
    if (ok && latencyMs !== undefined && Number.isFinite(latencyMs)) s.latency.update(latencyMs);
  }

  snapshot(task: TaskType): RouteHistory {
    const out: RouteHistory = {};
    for (const route of ['local', 'lan', 'cloud'] as const) {
      const s = this.stats.get(`${task}:${route}`);
      if (s?.success.value !== undefined) out[route] = { successRate: s.success.value, latencyMs: s.latency.value ?? -1 };
    }
    return out;
  }
}
