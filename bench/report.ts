// What every year-of-use bench records with its figures: when, on what machine, under what load (timings
// mean little on a busy machine, so the load averages go with them).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** "2 cores, Node v20.x, load 1.0 0.8 0.5", for the line above a printed table. */
export function machineLine(): string {
  return `${cpus().length} cores, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

/** Writes bench/results/NAME.json: the figures with the date, cores, Node version and load averages. */
export function writeResults(name: string, figures: Record<string, unknown>): void {
  mkdirSync('bench/results', { recursive: true });
  const machine = { benchmark: name, date: new Date().toISOString(), cores: cpus().length, node: process.version, loadavg: loadavg() };
  writeFileSync(`bench/results/${name}.json`, `${JSON.stringify({ ...machine, ...figures }, null, 2)}\n`);
}
