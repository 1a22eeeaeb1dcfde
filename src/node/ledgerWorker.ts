/**
 * The spend ledger on a thread of its own (bundled to dist/ledgerWorker.js). The file ledger does
 * blocking file work — a read of what other processes appended, an append and an fsync per
 * operation, under a process lock — which is right for one call at a time and wrong on the event
 * loop of a process streaming many calls at once (the agent gateway). Here it runs the operations
 * the main thread batches (`workerLedgerStore.ts`) as one group commit each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileLedgerStore, LedgerError, type FileLedgerOptions, type LedgerOp, type LedgerOpResult } from './fileLedger';

const { dir, options } = workerData as { dir: string; options?: FileLedgerOptions };
const store = new FileLedgerStore(dir, options);

parentPort?.on('message', (m: { readonly id: number; readonly ops: readonly LedgerOp[] } | { readonly close: true }) => {
	if ('close' in m) {
		store.close();
		parentPort?.close();
		return;
	}
	store.runGroup(m.ops).then(
		results => parentPort?.postMessage({ id: m.id, results }),
		// The group as a whole failed (the lock, an fsync): none of it is acknowledged.
		(e: unknown) => {
			const failed: LedgerOpResult = { error: e instanceof Error ? e.message : String(e), ...(LedgerError.is(e) && { reason: e.reason }) };
			parentPort?.postMessage({ id: m.id, results: m.ops.map(() => failed) });
		},
	);
});
