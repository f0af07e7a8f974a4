// "Clear All Data": every row the extension recorded (requests, conversations and their text, training rows,
// predictions, feedback, gate verdicts, examples, embeddings, router events, the daily aggregates). Settings
// and secrets live in the editor, not here, so they stay; the schema stays too. Every table but the schema's
// and the store's own is emptied, so a table a later migration adds is cleared without a change here.

import type { Store } from './db';

/** The tables that hold recorded data: all of them but the schema version, the store's own state and SQLite's. */
export async function dataTables(store: Store): Promise<string[]> {
  const rows = await store.query<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_version', 'store_state') ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/** Deletes every recorded row and saves; returns how many rows each table held. */
export async function clearAllData(store: Store): Promise<Record<string, number>> {
  const tables = await dataTables(store);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    counts[table] = Number((await store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`))[0]?.n ?? 0);
  }
  // A DELETE without WHERE is SQLite's truncation: one statement per table, whatever its size.
  for (const table of tables) store.write(`DELETE FROM "${table}"`);
  // Saved whole: a save appends to the journal, and the base file would still hold every deleted row.
  await store.saveWhole();
  return counts;
}
