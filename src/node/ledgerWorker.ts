/**
 * The spend ledger on a thread of its own (bundled to dist/ledgerWorker.js). The file ledger is
 * synchronous by design — a lock file, a read of what other processes appended, an append and an
 * fsync per operation — which is right for one call at a time and wrong on the event loop of a
 * process streaming many calls at once (the agent gateway). Here it runs the operations the main
 * thread batches (`workerLedgerStore.ts`) as one group commit each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileLedgerStore, type FileLedgerOptions, type LedgerOp } from './fileLedger';

const { dir, options } = workerData as { dir: string; options?: FileLedgerOptions };
const store = new FileLedgerStore(dir, options);

parentPort?.on('message', (m: { readonly id: number; readonly ops: readonly LedgerOp[] } | { readonly close: true }) => {
	if ('close' in m) {
		store.close();
		parentPort?.close();
		return;
	}
	parentPort?.postMessage({ id: m.id, results: store.runGroup(m.ops) });
});
