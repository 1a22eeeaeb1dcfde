import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { LedgerRecord, LedgerSink } from '../core/budget/budgetLedger';
import { BudgetBook, isLedgerRecord, RecordingBudgetStore } from '../core/budget/budgetLedger';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../core/budget/budgetStore';

export interface FileLedgerOptions {
	/** A lock older than this is taken to belong to a dead process. @default 10 000 ms */
	readonly staleLockMs?: number;
	/** Give up acquiring the lock after this long. @default 5 000 ms */
	readonly lockTimeoutMs?: number;
	/** fsync after every append (the crash-safety guarantee). Only benchmarks turn it off. @default true */
	readonly fsync?: boolean;
}

export interface LedgerLoadReport {
	readonly records: number;
	/** Lines that were not valid records (a torn last line after a crash, or damage). Skipped, never trusted. */
	readonly skippedLines: number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
	Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * The spend ledger as an append-only JSONL file, one {@link LedgerRecord} per line, fsynced before a
 * reservation or settlement is acknowledged. Replaying the file rebuilds the budget state, so a
 * restart — or a kill -9 in the middle of a write — loses nothing that was acknowledged: a torn last
 * line is skipped on load (and terminated before the next append).
 *
 * Several processes (VS Code windows sharing the global storage folder, the CLI) may use one file:
 * each operation takes an exclusive lock file, first reads what the others appended, then checks and
 * appends — the same check-and-record atomicity the in-memory and Redis stores give.
 */
export class FileLedgerStore implements BudgetStore {
	private readonly inner: RecordingBudgetStore;
	private readonly fd: number;
	private offset = 0;
	private pending = '';
	private skipped = 0;
	private loaded = 0;
	private readonly lockPath: string;
	private readonly opts: Required<FileLedgerOptions>;
	private closed = false;

	constructor(
		readonly path: string,
		options: FileLedgerOptions = {},
	) {
		this.opts = { staleLockMs: options.staleLockMs ?? 10_000, lockTimeoutMs: options.lockTimeoutMs ?? 5_000, fsync: options.fsync ?? true };
		mkdirSync(dirname(path), { recursive: true });
		this.fd = openSync(path, 'a+');
		this.lockPath = path + '.lock';
		const sink: LedgerSink = { append: records => this.append(records) };
		this.inner = new RecordingBudgetStore(sink, new BudgetBook());
		this.withLock(() => this.catchUp());
	}

	/** What loading found (records applied, lines skipped). */
	loadReport(): LedgerLoadReport {
		return { records: this.loaded, skippedLines: this.skipped };
	}

	get book(): BudgetBook {
		return this.inner.book;
	}

	private withLock<T>(fn: () => T): T {
		if (this.closed) throw new Error(`ledger ${this.path} is closed`);
		const start = Date.now();
		let lockFd: number | undefined;
		while (lockFd === undefined) {
			try {
				lockFd = openSync(this.lockPath, 'wx');
			} catch (e) {
				if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
				try {
					if (this.lockIsStale()) unlinkSync(this.lockPath);
				} catch {
					// the holder released it meanwhile
				}
				if (Date.now() - start > this.opts.lockTimeoutMs) throw new Error(`ledger ${this.path}: lock held for more than ${this.opts.lockTimeoutMs} ms by another process`);
				sleepSync(1);
			}
		}
		try {
			writeSync(lockFd, `${process.pid}@${hostname()}`);
			return fn();
		} finally {
			closeSync(lockFd);
			try {
				unlinkSync(this.lockPath);
			} catch {
				// already removed as stale by another process; nothing to do
			}
		}
	}

	/** A lock is stale when its holder is a dead process on this host, or it is older than `staleLockMs`. */
	private lockIsStale(): boolean {
		const st = statSync(this.lockPath);
		if (Date.now() - st.mtimeMs > this.opts.staleLockMs) return true;
		const m = /^(\d+)@(.*)$/.exec(readFileSync(this.lockPath, 'utf8'));
		if (!m || m[2] !== hostname()) return false;
		try {
			process.kill(Number(m[1]), 0);
			return false;
		} catch (e) {
			return (e as NodeJS.ErrnoException).code === 'ESRCH';
		}
	}

	/** Applies every complete line appended (by anyone) since the last read. Call under the lock. */
	private catchUp(): void {
		const size = fstatSync(this.fd).size;
		if (size > this.offset) {
			const buf = Buffer.alloc(size - this.offset);
			let read = 0;
			while (read < buf.length) {
				const n = readSync(this.fd, buf, read, buf.length - read, this.offset + read);
				if (n === 0) break;
				read += n;
			}
			this.offset += read;
			const text = this.pending + buf.subarray(0, read).toString('utf8');
			const lines = text.split('\n');
			this.pending = lines.pop() ?? '';
			for (const line of lines) this.applyLine(line);
		}
		if (this.pending !== '') {
			// We hold the lock, so nobody is mid-write: an unterminated line is torn (its writer died).
			// Terminate it so our next record starts on a line of its own; the torn line stays skipped.
			writeSync(this.fd, '\n');
			this.offset += 1;
			this.applyLine(this.pending);
			this.pending = '';
		}
	}

	private applyLine(line: string): void {
		if (line.trim() === '') return;
		let rec: unknown;
		try {
			rec = JSON.parse(line);
		} catch {
			this.skipped++;
			return;
		}
		if (!isLedgerRecord(rec)) {
			this.skipped++;
			return;
		}
		this.inner.book.apply(rec);
		this.loaded++;
	}

	private append(records: readonly LedgerRecord[]): void {
		const text = records.map(r => JSON.stringify(r) + '\n').join('');
		const bytes = Buffer.from(text, 'utf8');
		let written = 0;
		while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
		if (this.opts.fsync) fsyncSync(this.fd);
		this.offset += bytes.length;
		this.loaded += records.length;
	}

	async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
		return this.withLock(() => {
			this.catchUp();
			return this.inner.reserveSync(request);
		});
	}
	async settle(id: string, nano: number, at: number): Promise<FinishOutcome> {
		return this.withLock(() => {
			this.catchUp();
			return this.inner.finishSync(id, 'settle', nano, at);
		});
	}
	async release(id: string, at: number): Promise<FinishOutcome> {
		return this.withLock(() => {
			this.catchUp();
			return this.inner.finishSync(id, 'release', 0, at);
		});
	}
	async totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return this.withLock(() => {
			this.catchUp();
			return this.inner.totalsSync(runId, day, at);
		});
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		closeSync(this.fd);
	}

	dispose(): void {
		this.close();
	}
}
