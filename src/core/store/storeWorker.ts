// The store's worker thread: it owns the sql.js database of a file, so queries, saves and integrity checks
// never run on the editor's thread. Started by db.ts through workerThread.ts (dist/storeWorker.js when bundled).
import { parentPort } from 'node:worker_threads';
import { serveStore, type StoreRequest } from './serve';

const port = parentPort!;
port.on('message', serveStore((message) => port.postMessage(message)) as (request: StoreRequest) => void);
