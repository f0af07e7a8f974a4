import { randomUUID } from 'node:crypto';

/** Row ids are UUIDs, not autoincrement, so rows from two windows merge without collisions. */
export const newId = (): string => randomUUID();
