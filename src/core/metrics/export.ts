// Exports the request rows of a period (the same window as the dashboard, see window.ts) as CSV or JSON.
// Columns are the requests table's own (snake_case, epoch-ms created_at, tokens_estimated 0/1), oldest
// first. The table holds no secret (no API key, no prompt or answer text); `error` is the message the
// user saw.
//
// The rows leave SQLite as one JSON string (json_group_array): sql.js hands rows to JS at several µs
// each, so 50k rows fetched one by one take over a second, while one string is a single value.

import type { Store } from '../store/db';
import type { ExportFormat, Period } from '../../shared/dashboard';
import { periodWindow, windowCondition } from './window';

export const EXPORT_COLUMNS = [
  'id', 'created_at', 'conversation_id', 'source', 'category', 'task', 'route', 'node', 'model', 'strategy', 'reason',
  'prompt_tokens', 'completion_tokens', 'tokens_estimated', 'ttft_ms', 'total_ms', 'attempts', 'outcome', 'error',
] as const;

export interface ExportOptions {
  period: Period;
  now: number;
  format: ExportFormat;
}

/** The requests of the period, oldest first: CSV (RFC 4180: header row, CRLF line ends) or a JSON array of objects. */
export async function exportRequests(store: Store, options: ExportOptions): Promise<{ text: string; rows: number }> {
  const w = await periodWindow(options.period, options.now, store);
  const cols = EXPORT_COLUMNS.join(', ');
  // JSON: objects built by SQLite. CSV: SQLite packs the rows as JSON arrays (its cheapest bulk output),
  // quoting is done here (string work in SQLite under WebAssembly is slower than in V8).
  const value =
    options.format === 'json'
      ? `json_group_array(json_object(${EXPORT_COLUMNS.map((c) => `'${c}', ${c}`).join(', ')}))`
      : `json_group_array(json_array(${cols}))`;
  // Oldest first without a sort: the created_at index is walked in order (ties in insertion order) and
  // json_group_array appends rows as they come. An aggregate ORDER BY sorted them again, a third of the time.
  const row = (await store.query<{ text: string | null; rows: number }>(
    `SELECT ${value} AS text, COUNT(*) AS rows FROM requests INDEXED BY requests_created WHERE ${windowCondition(w)}`,
  ))[0];
  const rows = Number(row?.rows ?? 0);
  if (options.format === 'json') return { text: rows === 0 ? '[]' : String(row?.text), rows };
  const lines = [EXPORT_COLUMNS.join(',')];
  if (rows > 0) {
    for (const values of JSON.parse(String(row?.text)) as (string | number | null)[][]) lines.push(values.map(csvField).join(','));
  }
  return { text: `${lines.join('\r\n')}\r\n`, rows };
}

/** RFC 4180: a field with a comma, a double quote, CR or LF is quoted, its quotes doubled; null is empty. */
export function csvField(value: string | number | null | undefined): string {
  if (value == null) return '';
  if (typeof value === 'number') return String(value);
  // A text cell starting with = + - @ (or tab/CR) is a formula to spreadsheets; the error and reason
  // columns can hold text that came from a server, so it is neutralised with a leading apostrophe.
  const s = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
