import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../core/ports/budgetStore';
import { LedgerError, type FileLedgerOptions, type LedgerOp, type LedgerOpResult } from './fileLedger';

interface Pending {
	readonly op: LedgerOp;
	readonly resolve: (v: unknown) => void;
	readonly reject: (e: Error) => void;
}

/** Where the bundled worker lives: next to the bundle that uses it (dist/). */
export function ledgerWorkerFile(dir = __dirname): string | undefined {
	const file = join(dir, 'ledgerWorker.js');
	return existsSync(file) ? file : undefined;
}

/**
 * The file ledger (same folder, same records, same cross-process lock) behind a worker thread, so
 * its synchronous file locking and fsyncs never block the caller's event loop. Operations issued
 * while the worker is busy are sent together as one group commit: N concurrent reservations cost
 * one lock and one fsync, not N.
 */
export class WorkerLedgerStore implements BudgetStore {
	private readonly worker: Worker;
	private queue: Pending[] = [];
	private readonly sent = new Map<number, Pending[]>();
	private seq = 0;
	private busy = false;
	private failure: Error | undefined;

	constructor(dir: string, workerFile: string, options: FileLedgerOptions = {}) {
		this.worker = new Worker(workerFile, { workerData: { dir, options } });
		this.worker.on('message', (m: { id: number; results: LedgerOpResult[] }) => this.answered(m.id, m.results));
		const fail = (e: Error) => {
			this.failure = new LedgerError('closed', `the spend ledger worker stopped (${e.message}); the budget cannot be checked`);
			for (const group of this.sent.values()) for (const p of group) p.reject(this.failure);
			this.sent.clear();
			for (const p of this.queue.splice(0)) p.reject(this.failure);
		};
		this.worker.on('error', fail);
		this.worker.on('exit', code => fail(new Error(`exit code ${code}`)));
		this.worker.unref();
	}

	private submit<T>(op: LedgerOp): Promise<T> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise<T>((resolve, reject) => {
			this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
			// Operations of the same tick go together.
			if (!this.busy) queueMicrotask(() => this.flush());
		});
	}

	private flush(): void {
		if (this.busy || this.queue.length === 0) return;
		const group = this.queue.splice(0);
		const id = ++this.seq;
		this.sent.set(id, group);
		this.busy = true;
		this.worker.ref();
		this.worker.postMessage({ id, ops: group.map(p => p.op) });
	}

	private answered(id: number, results: readonly LedgerOpResult[]): void {
		const group = this.sent.get(id) ?? [];
		this.sent.delete(id);
		group.forEach((p, i) => {
			const r = results[i];
			if (!r) p.reject(new Error('the spend ledger worker gave no answer'));
			else if ('error' in r) p.reject(r.reason ? new LedgerError(r.reason as LedgerError['reason'], r.error) : new Error(r.error));
			else p.resolve(r.ok);
		});
		this.busy = false;
		if (this.queue.length) this.flush();
		else this.worker.unref();
	}

	reserve(request: ReserveRequest): Promise<ReserveOutcome> {
		return this.submit({ op: 'reserve', request });
	}
	settle(id: string, nano: number, at: number): Promise<FinishOutcome> {
		return this.submit({ op: 'settle', id, nano, at });
	}
	release(id: string, at: number): Promise<FinishOutcome> {
		return this.submit({ op: 'release', id, at });
	}
	totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return this.submit({ op: 'totals', runId, day, at });
	}

	/** Lets pending operations finish, then stops the worker. */
	async close(): Promise<void> {
		while (this.busy || this.queue.length) await new Promise(r => setTimeout(r, 5));
		this.worker.postMessage({ close: true });
		await new Promise<void>(resolve => {
			this.worker.once('exit', () => resolve());
			setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000).unref();
		});
	}
}
