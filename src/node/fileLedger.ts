import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LedgerRecord, LedgerSink } from '../core/budget/budgetLedger';
import { BudgetBook, isLedgerRecord, RecordingBudgetStore } from '../core/budget/budgetLedger';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../core/budget/budgetStore';
import { EngineError } from '../core/lib/errors';

export interface FileLedgerOptions {
	/** A lock older than this is taken to belong to a dead process. @default 10 000 ms */
	readonly staleLockMs?: number;
	/** Give up acquiring the lock after this long. @default 5 000 ms */
	readonly lockTimeoutMs?: number;
	/** fsync after every append (the crash-safety guarantee). Only benchmarks turn it off. @default true */
	readonly fsync?: boolean;
	/**
	 * Called on entering and leaving every critical section (the lock held). Tests use it to detect
	 * two processes inside at once; nothing else sets it.
	 */
	readonly probe?: { enter(): void; exit(): void };
}

export interface LedgerLoadReport {
	/** Day files read so far. */
	readonly days: readonly string[];
	readonly records: number;
	/** Lines that were not valid records (a torn last line after a crash, or damage). Skipped, never trusted. */
	readonly skippedLines: number;
}

interface DayFile {
	readonly fd: number;
	offset: number;
	pending: string;
}

/** Why a ledger operation could not run: `locked` (another process holds the lock past the timeout), `closed`, `badDay`. */
export class LedgerError extends EngineError<'locked' | 'closed' | 'badDay'> {
	readonly kind = 'ledger';
	override readonly name = 'LedgerError';
	static is(e: unknown, reason?: LedgerError['reason']): e is LedgerError {
		return e instanceof LedgerError && (reason === undefined || e.reason === reason);
	}
}

/** The staleness rule of `FileLedgerStore.staleLock`; `owner` is the lock file's content (`pid@host`, or empty). */
function isStale(ageMs: number, owner: string, staleLockMs: number): boolean {
	if (ageMs > staleLockMs) return true;
	const m = /^(\d+)@(.*)$/.exec(owner);
	if (!m) return ageMs > unnamedLockGraceMs;
	if (m[2] !== hostname()) return false;
	try {
		process.kill(Number(m[1]), 0);
		return false;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

/** How long a lock file that names no holder is given before it counts as stale (see `lockIsStale`). */
const unnamedLockGraceMs = 1_000;

const noProbe = { enter() {}, exit() {} };

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
	Atomics.wait(sleepCell, 0, 0, ms);
}

/** The day before `YYYY-MM-DD`. */
export function previousDay(day: string): string {
	const t = Date.parse(`${day}T00:00:00Z`);
	return Number.isFinite(t) ? new Date(t - 86_400_000).toISOString().slice(0, 10) : day;
}

/**
 * The spend ledger as append-only JSONL files, one per budget day (`spend-YYYY-MM-DD.jsonl` in a
 * folder — VS Code's global storage by default), one {@link LedgerRecord} per line, fsynced before a
 * reservation or settlement is acknowledged. Every record goes to the file of its reservation's
 * day, so each file is self-contained; only the requested day and the one before it are read (a run
 * that crosses midnight), and the ledger never has to be rewritten or compacted.
 *
 * Replaying the files rebuilds the budget state, so a restart — or a kill -9 in the middle of a
 * write — loses nothing that was acknowledged: a torn last line is skipped on load (and terminated
 * before the next append). Several processes (VS Code windows, the CLI) may share the folder: each
 * operation takes an exclusive lock file, reads what the others appended, then checks and appends —
 * the same check-and-record atomicity as the in-memory and Redis stores.
 */
export class FileLedgerStore implements BudgetStore {
	private readonly inner: RecordingBudgetStore;
	private readonly files = new Map<string, DayFile>();
	private skipped = 0;
	private loaded = 0;
	private readonly lockPath: string;
	private readonly opts: Required<FileLedgerOptions>;
	private closed = false;

	constructor(
		readonly dir: string,
		options: FileLedgerOptions = {},
	) {
		this.opts = { staleLockMs: options.staleLockMs ?? 10_000, lockTimeoutMs: options.lockTimeoutMs ?? 5_000, fsync: options.fsync ?? true, probe: options.probe ?? noProbe };
		mkdirSync(dir, { recursive: true });
		this.lockPath = join(dir, 'spend.lock');
		const sink: LedgerSink = { append: records => this.append(records) };
		this.inner = new RecordingBudgetStore(sink, new BudgetBook());
	}

	/** What loading found so far. */
	loadReport(): LedgerLoadReport {
		return { days: [...this.files.keys()].sort(), records: this.loaded, skippedLines: this.skipped };
	}

	get book(): BudgetBook {
		return this.inner.book;
	}

	fileOf(day: string): string {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new LedgerError('badDay', `invalid budget day ${JSON.stringify(day)}`);
		return join(this.dir, `spend-${day}.jsonl`);
	}

	private withLock<T>(fn: () => T): T {
		if (this.closed) throw new LedgerError('closed', `ledger ${this.dir} is closed`);
		const start = Date.now();
		let lockFd: number | undefined;
		while (lockFd === undefined) {
			try {
				lockFd = openSync(this.lockPath, 'wx');
			} catch (e) {
				if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
				try {
					const stale = this.staleLock();
					// Only if the path still names the file judged stale (not a lock taken meanwhile).
					if (stale !== undefined && statSync(this.lockPath).ino === stale) unlinkSync(this.lockPath);
				} catch {
					// the holder released it meanwhile
				}
				if (Date.now() - start > this.opts.lockTimeoutMs)
					throw new LedgerError('locked', `ledger ${this.dir}: lock held for more than ${this.opts.lockTimeoutMs} ms by another process (its lock file is ${this.lockPath})`);
				sleepSync(1);
			}
		}
		try {
			writeSync(lockFd, `${process.pid}@${hostname()}`);
			this.opts.probe.enter();
			try {
				return fn();
			} finally {
				this.opts.probe.exit();
			}
		} finally {
			closeSync(lockFd);
			try {
				unlinkSync(this.lockPath);
			} catch {
				// already removed as stale by another process; nothing to do
			}
		}
	}

	/**
	 * A lock is stale when its holder is a dead process on this host, or it is older than `staleLockMs`.
	 * A lock that names no holder was left by a process killed between creating the file and writing
	 * its pid (a live holder does both within microseconds): after a second it is stale too — without
	 * this, such a crash would lock every window out of the ledger until `staleLockMs` passed.
	 * Returns the stale lock file's inode, else undefined.
	 */
	private staleLock(): number | undefined {
		// Age and owner are read through ONE descriptor: a path-based stat then read could see an old
		// file's age and a newly created (still empty) lock's content, and break a live lock.
		const fd = openSync(this.lockPath, 'r');
		let age: number;
		let owner: string;
		let ino: number;
		try {
			const st = fstatSync(fd);
			age = Date.now() - st.mtimeMs;
			ino = st.ino;
			const buf = Buffer.alloc(256);
			owner = buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
		} finally {
			closeSync(fd);
		}
		return isStale(age, owner, this.opts.staleLockMs) ? ino : undefined;
	}

	/** Opens (and reads) the day's file and the day before's. Call under the lock. */
	private track(day: string): void {
		for (const d of [previousDay(day), day]) {
			if (!this.files.has(d)) this.files.set(d, { fd: openSync(this.fileOf(d), 'a+'), offset: 0, pending: '' });
		}
	}

	/** Applies every complete line appended (by anyone) to the tracked files. Call under the lock. */
	private catchUp(): void {
		for (const f of this.files.values()) {
			const size = fstatSync(f.fd).size;
			if (size > f.offset) {
				const buf = Buffer.alloc(size - f.offset);
				let read = 0;
				while (read < buf.length) {
					const n = readSync(f.fd, buf, read, buf.length - read, f.offset + read);
					if (n === 0) break;
					read += n;
				}
				f.offset += read;
				const lines = (f.pending + buf.subarray(0, read).toString('utf8')).split('\n');
				f.pending = lines.pop() ?? '';
				for (const line of lines) this.applyLine(line);
			}
			if (f.pending !== '') {
				// We hold the lock, so nobody is mid-write: an unterminated line is torn (its writer died).
				// Terminate it so the next record starts on a line of its own; the torn line stays skipped.
				writeSync(f.fd, '\n');
				f.offset += 1;
				this.applyLine(f.pending);
				f.pending = '';
			}
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

	/** Durable append, each record to its reservation's day file (called before the records are applied). */
	private append(records: readonly LedgerRecord[]): void {
		const byDay = new Map<string, string>();
		for (const r of records) {
			const day = r.t === 'reserve' ? r.day : this.inner.book.openDay(r.id);
			if (day === undefined) continue; // finishing an unknown reservation changes nothing
			byDay.set(day, (byDay.get(day) ?? '') + JSON.stringify(r) + '\n');
		}
		for (const [day, text] of byDay) {
			this.track(day);
			const f = this.files.get(day)!;
			const bytes = Buffer.from(text, 'utf8');
			let written = 0;
			while (written < bytes.length) written += writeSync(f.fd, bytes, written, bytes.length - written);
			if (this.opts.fsync) fsyncSync(f.fd);
			f.offset += bytes.length;
		}
		this.loaded += records.length;
	}

	/** Tracks every day file written in the last `hours` (reservations of other days still open). */
	private trackRecent(hours = 50): void {
		const cutoff = Date.now() - hours * 3_600_000;
		for (const name of readdirSync(this.dir)) {
			const m = /^spend-(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(name);
			if (m && !this.files.has(m[1]) && statSync(join(this.dir, name)).mtimeMs >= cutoff) this.files.set(m[1], { fd: openSync(join(this.dir, name), 'a+'), offset: 0, pending: '' });
		}
	}

	private op<T>(day: string | undefined, fn: () => T): T {
		return this.withLock(() => {
			if (this.files.size === 0) this.trackRecent();
			if (day) this.track(day);
			this.catchUp();
			return fn();
		});
	}

	private finish(id: string, kind: 'settle' | 'release', nano: number, at: number): FinishOutcome {
		return this.withLock(() => {
			if (this.files.size === 0) this.trackRecent();
			this.catchUp();
			if (!this.inner.book.isOpen(id)) {
				// Reserved by another process on a day file we do not read yet.
				this.trackRecent();
				this.catchUp();
			}
			return this.inner.finishSync(id, kind, nano, at);
		});
	}

	async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
		return this.op(request.day, () => this.inner.reserveSync(request));
	}
	async settle(id: string, nano: number, at: number): Promise<FinishOutcome> {
		return this.finish(id, 'settle', nano, at);
	}
	async release(id: string, at: number): Promise<FinishOutcome> {
		return this.finish(id, 'release', 0, at);
	}
	async totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return this.op(day, () => this.inner.totalsSync(runId, day, at));
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		for (const f of this.files.values()) closeSync(f.fd);
		this.files.clear();
	}

	dispose(): void {
		this.close();
	}
}
