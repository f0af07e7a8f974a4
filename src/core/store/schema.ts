// The schema: migrations applied in order, and the refusal of a database newer than this version knows.
import type { Database } from 'sql.js';
import { migrations } from './migrations';

export class DatabaseNewerError extends Error {
  override name = 'DatabaseNewerError';
}

export function currentVersion(db: Database): number {
  const hasTable = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").length > 0;
  if (!hasTable) return 0;
  return Number(db.exec('SELECT COALESCE(MAX(version), 0) FROM schema_version')[0]?.values[0]?.[0] ?? 0);
}

/** Applies the migrations the database has not seen, each in its own transaction. Returns whether any ran. */
export function migrate(db: Database): boolean {
  db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const from = currentVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > latest) {
    throw new DatabaseNewerError(`The database has schema version ${from}, newer than this version of Singularity knows (${latest}). Update the extension.`);
  }
  const todo = migrations.filter((m) => m.version > from);
  for (const m of todo) {
    db.run('BEGIN');
    try {
      db.exec(m.sql);
      db.run('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      db.run('COMMIT');
    } catch (err) {
      db.run('ROLLBACK');
      throw err;
    }
  }
  return todo.length > 0;
}
