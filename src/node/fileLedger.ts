import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DamageEffect, LedgerRecord } from '../core/budget/budgetLedger';
import { BudgetBook } from '../core/budget/budgetLedger';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest, StoreWarning } from '../core/ports/budgetStore';
import { decodeLedgerLine, encodeLedgerLine, type DamagedLine } from '../core/budget/ledgerLine';
import { nanoToUsd } from '../core/budget/money';
import { EngineError } from '../core/lib/errors';
import { createProcessLock, LockTimeoutError, type LockMechanism, type ProcessLock } from './processLock';

export interface FileLedgerOptions {
	/** Give up acquiring the lock after this long. @default 5 000 ms */
	readonly lockTimeoutMs?: number;
	/** fsync after every append (the crash-safety guarantee). Only benchmarks turn it off. @default true */
	readonly fsync?: boolean;
	/**
	 * Called on entering and leaving every critical section (the lock held). Tests use it to detect
	 * two processes inside at once; nothing else sets it.
	 */
	readonly probe?: { enter(): void; exit(): void };
	/** Forces a lock mechanism (tests of the portable fallback); by default the platform's best. */
	readonly lockMechanism?: LockMechanism;
}

/** A line of a day file that could not be trusted as written, and what replaying it did. */
export interface LedgerDamage {
	readonly file: string;
	/** 1-based. */
	readonly line: number;
	/** `orphan`: a valid settlement whose reservation line was lost or damaged. */
	readonly why: DamagedLine['why'] | 'orphan';
	readonly effect: DamageEffect;
}

export interface LedgerLoadReport {
	/** Day files read so far. */
	readonly days: readonly string[];
	readonly records: number;
	/** Lines that were not valid records (a torn last line after a crash, or damage); see `damaged`. */
	readonly skippedLines: number;
	/** Every damaged line, in the order read. */
	readonly damaged: readonly LedgerDamage[];
}

interface DayFile {
	readonly fd: number;
	readonly path: string;
	offset: number;
	pending: string;
	/** Complete lines read so far (for line numbers in damage reports). */
	lines: number;
}

/** One operation of a {@link FileLedgerStore.runGroup}. */
export type LedgerOp =
	| { readonly op: 'reserve'; readonly request: ReserveRequest }
	| { readonly op: 'settle'; readonly id: string; readonly nano: number; readonly at: number }
	| { readonly op: 'release'; readonly id: string; readonly at: number }
	| { readonly op: 'totals'; readonly runId: string; readonly day: string; readonly at: number };

export type LedgerOpResult = { readonly ok: ReserveOutcome | FinishOutcome | BudgetTotals } | { readonly error: string; readonly reason?: string };

export type LedgerErrorReason = 'locked' | 'closed' | 'badDay' | 'noSpace' | 'readOnly' | 'permission' | 'io';

/**
 * Why a ledger operation could not run: `locked` (another process holds the lock past the timeout),
 * `closed`, `badDay`, or the disk: `noSpace` (ENOSPC, EDQUOT), `readOnly` (EROFS), `permission`
 * (EACCES, EPERM), `io` (anything else). A reservation whose record could not be written is never
 * acknowledged, so a failing disk stops live calls rather than letting them run unbudgeted.
 */
export class LedgerError extends EngineError<LedgerErrorReason> {
	readonly kind = 'ledger';
	override readonly name = 'LedgerError';
	static is(e: unknown, reason?: LedgerError['reason']): e is LedgerError {
		return e instanceof LedgerError && (reason === undefined || e.reason === reason);
	}
}

/** A file-system error as a {@link LedgerError} that says what failed, where, and what to do. */
function ledgerIoError(e: unknown, action: string, path: string): LedgerError {
	if (LedgerError.is(e)) return e;
	const code = (e as NodeJS.ErrnoException)?.code;
	const cause = { cause: e };
	switch (code) {
		case 'ENOSPC':
		case 'EDQUOT':
			return new LedgerError('noSpace', `The disk holding the spend ledger is full: could not ${action} ${path} (${code}). Live calls stop until spend can be recorded again; free some space.`, cause);
		case 'EROFS':
			return new LedgerError('readOnly', `The spend ledger's folder is on a read-only file system: could not ${action} ${path}. Live calls stop until spend can be recorded.`, cause);
		case 'EACCES':
		case 'EPERM':
			return new LedgerError(
				'permission',
				`No permission to ${action} the spend ledger file ${path} (${code}). Live calls stop until spend can be recorded; check the folder's owner and permissions.`,
				cause,
			);
		default:
			return new LedgerError('io', `Could not ${action} the spend ledger file ${path} (${code ?? (e instanceof Error ? e.message : String(e))}). Live calls stop until spend can be recorded.`, cause);
	}
}

const noProbe = { enter() {}, exit() {} };

/** The day before `YYYY-MM-DD`. */
function previousDay(day: string): string {
	const t = Date.parse(`${day}T00:00:00Z`);
	return Number.isFinite(t) ? new Date(t - 86_400_000).toISOString().slice(0, 10) : day;
}

/**
 * The spend ledger as append-only JSONL files, one per budget day (`spend-YYYY-MM-DD.jsonl` in a
 * folder — VS Code's global storage by default), one checksummed {@link LedgerRecord} per line
 * (`core/budget/ledgerLine.ts`), fsynced before a reservation or settlement is acknowledged. Every
 * record goes to the file of its reservation's day, so each file is self-contained; only the
 * requested day and the one before it are read (a run that crosses midnight), and the ledger never
 * has to be rewritten or compacted.
 *
 * Replaying the files rebuilds the budget state, so a restart — or a kill -9 in the middle of a
 * write — loses nothing that was acknowledged. Damage is never silent: a torn or altered line is
 * counted at its worst case and reported ({@link LedgerLoadReport.damaged}, {@link warnings}).
 *
 * Several processes of one machine (VS Code windows, the CLI) may share the folder: each operation
 * holds a {@link ProcessLock} (released by the OS when its holder dies), reads what the others
 * appended, checks, appends and reads back. Reservations also carry their daily limit and are
 * re-checked in file order on every read, so even two writers inside at once could not push a day
 * past its limit: the later one reads its reservation back as void and reports a refusal.
 */
export class FileLedgerStore implements BudgetStore {
	private readonly book = new BudgetBook();
	private readonly files = new Map<string, DayFile>();
	private readonly damage: LedgerDamage[] = [];
	private loaded = 0;
	private readonly lock: ProcessLock;
	private readonly opts: Required<Omit<FileLedgerOptions, 'lockMechanism'>>;
	private queue: Promise<unknown> = Promise.resolve();
	private closed = false;
	/** Set while a group runs: appends are written at once but fsynced together at its end. */
	private deferredSync: Set<number> | undefined;

	constructor(
		readonly dir: string,
		options: FileLedgerOptions = {},
	) {
		this.opts = { lockTimeoutMs: options.lockTimeoutMs ?? 5_000, fsync: options.fsync ?? true, probe: options.probe ?? noProbe };
		try {
			mkdirSync(dir, { recursive: true });
		} catch (e) {
			throw ledgerIoError(e, 'create the folder of', dir);
		}
		this.lock = createProcessLock(dir, options.lockMechanism);
	}

	/** What loading found so far. */
	loadReport(): LedgerLoadReport {
		return { days: [...this.files.keys()].sort(), records: this.loaded, skippedLines: this.damage.filter(d => d.why !== 'orphan').length, damaged: [...this.damage] };
	}

	/** The replayed state (diagnostics and tests). */
	get state(): Pick<BudgetBook, 'isOpen' | 'isVoid' | 'openCount'> {
		return this.book;
	}

	/** How the processes sharing this folder are kept apart (see {@link ProcessLock}). */
	get lockMechanism(): LockMechanism {
		return this.lock.mechanism;
	}

	fileOf(day: string): string {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new LedgerError('badDay', `invalid budget day ${JSON.stringify(day)}`);
		return join(this.dir, `spend-${day}.jsonl`);
	}

	/** Damage found in the ledger, for the user (one warning; empty when the ledger is sound). */
	warnings(): readonly StoreWarning[] {
		if (this.damage.length === 0) return [];
		const counted = this.damage.reduce((n, d) => n + (d.effect.kind === 'worstCase' ? d.effect.nano : 0), 0);
		const unknown = this.damage.filter(d => d.effect.kind === 'unknownAmount').length;
		const where = this.damage
			.slice(0, 5)
			.map(d => `${d.file} line ${d.line} (${d.why})`)
			.join(', ');
		const more = this.damage.length > 5 ? ` and ${this.damage.length - 5} more` : '';
		return [
			{
				kind: 'ledgerDamaged',
				message:
					`The spend ledger in ${this.dir} has ${this.damage.length} damaged line${this.damage.length === 1 ? '' : 's'}: ${where}${more}. ` +
					`They are counted at their worst case ($${nanoToUsd(counted).toFixed(4)})` +
					(unknown ? `; ${unknown} name${unknown === 1 ? 's' : ''} no amount and could not be counted` : '') +
					'. Budgets keep working; the damaged lines are left in place for inspection.',
			},
		];
	}

	/** Runs `fn` holding the lock: one operation at a time in this process, one process at a time on this machine. */
	private locked<T>(fn: () => T): Promise<T> {
		const run = async (): Promise<T> => {
			if (this.closed) throw new LedgerError('closed', `ledger ${this.dir} is closed`);
			let held;
			try {
				held = await this.lock.acquire(this.opts.lockTimeoutMs);
			} catch (e) {
				if (e instanceof LockTimeoutError) throw new LedgerError('locked', `ledger ${this.dir}: the lock is ${e.message}`);
				throw ledgerIoError(e, 'lock', this.dir);
			}
			try {
				if (this.closed) throw new LedgerError('closed', `ledger ${this.dir} is closed`);
				this.opts.probe.enter();
				try {
					return fn();
				} finally {
					this.opts.probe.exit();
				}
			} finally {
				held.release();
			}
		};
		const next = this.queue.then(run, run);
		this.queue = next.catch(() => undefined);
		return next;
	}

	private openDay(day: string, path: string): void {
		try {
			this.files.set(day, { fd: openSync(path, 'a+', 0o600), path, offset: 0, pending: '', lines: 0 });
		} catch (e) {
			throw ledgerIoError(e, 'open', path);
		}
	}

	/** Opens (and reads) the day's file and the day before's. Call under the lock. */
	private track(day: string): void {
		for (const d of [previousDay(day), day]) if (!this.files.has(d)) this.openDay(d, this.fileOf(d));
	}

	/** Tracks every day file written in the last `hours` (reservations of other days still open). */
	private trackRecent(hours = 50): void {
		const cutoff = Date.now() - hours * 3_600_000;
		let names: string[];
		try {
			names = readdirSync(this.dir);
		} catch (e) {
			throw ledgerIoError(e, 'list', this.dir);
		}
		for (const name of names) {
			const m = /^spend-(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(name);
			if (!m || this.files.has(m[1])) continue;
			const path = join(this.dir, name);
			let mtime: number;
			try {
				mtime = statSync(path).mtimeMs;
			} catch {
				continue; // removed meanwhile
			}
			if (mtime >= cutoff) this.openDay(m[1], path);
		}
	}

	/** Applies every line appended (by anyone, ourselves included) to the tracked files, in file order. Call under the lock. */
	private catchUp(): void {
		for (const [day, f] of this.files) {
			let size: number;
			try {
				size = fstatSync(f.fd).size;
			} catch (e) {
				throw ledgerIoError(e, 'read', f.path);
			}
			if (size > f.offset) {
				const buf = Buffer.alloc(size - f.offset);
				let read = 0;
				try {
					while (read < buf.length) {
						const n = readSync(f.fd, buf, read, buf.length - read, f.offset + read);
						if (n === 0) break;
						read += n;
					}
				} catch (e) {
					throw ledgerIoError(e, 'read', f.path);
				}
				f.offset += read;
				const lines = (f.pending + buf.subarray(0, read).toString('utf8')).split('\n');
				f.pending = lines.pop() ?? '';
				for (const line of lines) this.applyLine(line, day, f);
			}
			if (f.pending !== '') {
				// We hold the lock, so nobody is mid-write: an unterminated line is torn (its writer died).
				// Terminate it so the next record starts on a line of its own; the torn line is reported.
				try {
					writeSync(f.fd, '\n');
				} catch (e) {
					throw ledgerIoError(e, 'write', f.path);
				}
				f.offset += 1;
				this.applyLine(f.pending, day, f);
				f.pending = '';
			}
		}
	}

	private applyLine(line: string, day: string, f: DayFile): void {
		f.lines++;
		const decoded = decodeLedgerLine(line);
		if (decoded.kind === 'blank') return;
		if (decoded.kind === 'record') {
			const orphan = this.book.apply(decoded.record, day);
			if (orphan) this.damage.push({ file: `spend-${day}.jsonl`, line: f.lines, why: 'orphan', effect: orphan });
			this.loaded++;
			return;
		}
		this.damage.push({ file: `spend-${day}.jsonl`, line: f.lines, why: decoded.why, effect: this.book.applyDamaged(decoded, day) });
	}

	/**
	 * Durable append, each record to its reservation's day file. The records are NOT applied here:
	 * `catchUp` reads them back in file order, after anything another process appended first.
	 */
	private write(records: readonly LedgerRecord[]): void {
		const byDay = new Map<string, string>();
		for (const r of records) {
			const day = r.t === 'reserve' ? r.day : this.book.openDay(r.id);
			if (day === undefined) continue; // finishing an unknown reservation changes nothing
			byDay.set(day, (byDay.get(day) ?? '') + encodeLedgerLine(r) + '\n');
		}
		for (const [day, text] of byDay) {
			this.track(day);
			const f = this.files.get(day)!;
			const bytes = Buffer.from(text, 'utf8');
			let before: number | undefined;
			try {
				before = fstatSync(f.fd).size;
				let written = 0;
				while (written < bytes.length) written += writeSync(f.fd, bytes, written, bytes.length - written);
				if (this.deferredSync) this.deferredSync.add(f.fd);
				else if (this.opts.fsync) fsyncSync(f.fd);
			} catch (e) {
				// A full disk can take half a line: cut it off again so the file ends on a whole line.
				if (before !== undefined) {
					try {
						ftruncateSync(f.fd, before);
					} catch {
						// then the next reader reports a torn line, counted at its worst case
					}
				}
				throw ledgerIoError(e, 'write', f.path);
			}
		}
	}

	private commit(records: readonly LedgerRecord[]): void {
		if (records.length === 0) return;
		this.write(records);
		this.catchUp();
	}

	private prepare(day: string | undefined): void {
		if (this.files.size === 0) this.trackRecent();
		if (day) this.track(day);
		this.catchUp();
	}

	private finishNow(id: string, kind: 'settle' | 'release', nano: number, at: number): FinishOutcome {
		this.prepare(undefined);
		if (!this.book.isOpen(id)) {
			// Reserved by another process on a day file we do not read yet.
			this.trackRecent();
			this.catchUp();
		}
		if (!this.book.isOpen(id)) return 'missing';
		this.commit([kind === 'settle' ? { t: 'settle', id, nano, at } : { t: 'release', id, at }]);
		return kind === 'settle' ? 'settled' : 'released';
	}

	private reserveNow(request: ReserveRequest): ReserveOutcome {
		this.prepare(request.day);
		this.commit(this.book.expired(request.at));
		const d = this.book.decide(request);
		if ('refused' in d) return d.refused;
		this.commit([d.record]);
		const totals = this.book.totals(request.runId, request.day);
		// Void on read-back: someone else's record came first and used up the day (see the class comment).
		if (!this.book.isOpen(request.id)) return { ok: false, reason: 'daily', totals };
		return { ok: true, totals };
	}

	private totalsNow(runId: string, day: string, at: number): BudgetTotals {
		this.prepare(day);
		this.commit(this.book.expired(at));
		return this.book.totals(runId, day);
	}

	reserve(request: ReserveRequest): Promise<ReserveOutcome> {
		return this.locked(() => this.reserveNow(request));
	}
	settle(id: string, nano: number, at: number): Promise<FinishOutcome> {
		return this.locked(() => this.finishNow(id, 'settle', nano, at));
	}
	release(id: string, at: number): Promise<FinishOutcome> {
		return this.locked(() => this.finishNow(id, 'release', 0, at));
	}
	totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return this.locked(() => this.totalsNow(runId, day, at));
	}

	/**
	 * Group commit: runs the operations in order under ONE lock, with ONE fsync per day file they
	 * wrote, at the end — before any result is returned, so each operation is as durable as if it
	 * had run alone. For a process serving many concurrent calls (the agent gateway's ledger worker):
	 * one fsync costs milliseconds on a loaded disk, and calls in flight should not queue behind
	 * one each. An operation that fails yields its error; the others still run. A failing fsync
	 * fails the whole group (nothing of it is acknowledged).
	 */
	runGroup(ops: readonly LedgerOp[]): Promise<LedgerOpResult[]> {
		return this.locked(() => {
			this.deferredSync = new Set();
			const dirty = this.deferredSync;
			let results: LedgerOpResult[];
			try {
				results = ops.map((o): LedgerOpResult => {
					try {
						switch (o.op) {
							case 'reserve':
								return { ok: this.reserveNow(o.request) };
							case 'totals':
								return { ok: this.totalsNow(o.runId, o.day, o.at) };
							default:
								return { ok: this.finishNow(o.id, o.op, o.op === 'settle' ? o.nano : 0, o.at) };
						}
					} catch (e) {
						return { error: e instanceof Error ? e.message : String(e), ...(LedgerError.is(e) && { reason: e.reason }) };
					}
				});
			} finally {
				this.deferredSync = undefined;
			}
			if (this.opts.fsync) {
				for (const fd of dirty) {
					try {
						fsyncSync(fd);
					} catch (e) {
						throw ledgerIoError(e, 'sync', this.dir);
					}
				}
			}
			return results;
		});
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
