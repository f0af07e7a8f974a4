import { sql as initial } from './001_initial';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema change, in order. Append only: a released migration is never edited. */
export const migrations: readonly Migration[] = [{ version: 1, name: 'initial', sql: initial }];
