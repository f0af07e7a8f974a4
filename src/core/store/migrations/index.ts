import { sql as initial } from './001_initial';
import { sql as metricsIndexes } from './002_metrics_indexes';
import { sql as router } from './003_router';
import { sql as learning } from './004_learning';
import { sql as context } from './005_context';
import { sql as messageImages } from './006_message_images';
import { sql as promptEmbeddings } from './007_prompt_embeddings';
import { sql as exampleWorkspace } from './008_example_workspace';
import { sql as dashboardIndexes } from './009_dashboard_indexes';
import { sql as dailyAggregates } from './010_daily_aggregates';
import { sql as storeState } from './011_store_state';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema change, in order. Append only: a released migration is never edited. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'metrics_indexes', sql: metricsIndexes },
  { version: 3, name: 'router', sql: router },
  { version: 4, name: 'learning', sql: learning },
  { version: 5, name: 'context', sql: context },
  { version: 6, name: 'message_images', sql: messageImages },
  { version: 7, name: 'prompt_embeddings', sql: promptEmbeddings },
  { version: 8, name: 'example_workspace', sql: exampleWorkspace },
  { version: 9, name: 'dashboard_indexes', sql: dashboardIndexes },
  { version: 10, name: 'daily_aggregates', sql: dailyAggregates },
  { version: 11, name: 'store_state', sql: storeState },
];
