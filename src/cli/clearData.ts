// singularity clear-data --db FILE --yes
//
// Deletes every row recorded in the database (the extension's "Singularity: Clear All Data"): requests,
// conversations, training rows, examples, embeddings, the daily aggregates. The schema stays; a missing
// file is an error, never created. Prints a JSON line of the rows deleted per table to stderr.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Store } from '../core/store/db';
import { clearAllData } from '../core/store/clearData';
import { UsageError } from './router';
import { stderrLogger } from './runtime';

export async function runClearData(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, yes: { type: 'boolean' } } });
  if (!values.db) throw new UsageError('--db FILE is required: the database to clear.');
  if (!values.yes) throw new UsageError(`This deletes every request, conversation and learned example in ${values.db}. Add --yes to confirm.`);
  if (!existsSync(values.db)) throw new Error(`No database at ${values.db}: nothing to clear.`);
  const { store, warnings } = await Store.open({ file: values.db, log: stderrLogger(false) });
  for (const w of warnings) process.stderr.write(`${w}\n`);
  try {
    const deleted = await clearAllData(store);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    process.stdout.write(`Deleted ${total} rows from ${values.db}.\n`);
    process.stderr.write(`${JSON.stringify({ deleted })}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
