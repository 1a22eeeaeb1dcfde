import type { BudgetExceededReason, BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../ports/budgetStore';
import type { DamagedLine } from './ledgerLine';

/**
 * One line of the append-only spend ledger. Replaying the records in order rebuilds the budget
 * state exactly ({@link BudgetBook.apply}); that is how the file ledger survives restarts.
 */
export type LedgerRecord =
	| {
			readonly t: 'reserve';
			readonly id: string;
			readonly run: string;
			readonly day: string;
			readonly nano: number;
			readonly at: number;
			readonly exp: number;
			readonly model: string;
			readonly step: 0 | 1;
			/**
			 * The daily limit (nano-USD) this reservation was checked against; absent when none was
			 * enforced. Replaying the file re-checks it in file order, so a reservation that another
			 * process's record made impossible is void for every reader — the ledger's fence against
			 * two writers ever deciding on the same view (see `BudgetBook.apply`).
			 */
			readonly lim?: number;
	  }
	| { readonly t: 'settle'; readonly id: string; readonly nano: number; readonly at: number }
	| { readonly t: 'release'; readonly id: string; readonly at: number }
	/** An unsettled reservation ran past its expiry and now counts as spent at the reserved amount. */
	| { readonly t: 'expire'; readonly id: string; readonly at: number };

interface Open {
	readonly run: string;
	readonly day: string;
	readonly nano: number;
	readonly exp: number;
}

interface Scope {
	spent: number;
	reserved: number;
	steps: number;
}

/** Validates a parsed ledger line; anything else is ignored on load (never trusted blindly). */
export function isLedgerRecord(v: unknown): v is LedgerRecord {
	if (typeof v !== 'object' || v === null) return false;
	const r = v as Record<string, unknown>;
	if (typeof r.id !== 'string' || typeof r.at !== 'number') return false;
	switch (r.t) {
		case 'reserve':
			return (
				typeof r.run === 'string' &&
				typeof r.day === 'string' &&
				Number.isSafeInteger(r.nano) &&
				(r.nano as number) >= 0 &&
				typeof r.exp === 'number' &&
				typeof r.model === 'string' &&
				(r.step === 0 || r.step === 1) &&
				(r.lim === undefined || (Number.isSafeInteger(r.lim) && (r.lim as number) > 0))
			);
		case 'settle':
			return Number.isSafeInteger(r.nano) && (r.nano as number) >= 0;
		case 'release':
		case 'expire':
			return true;
		default:
			return false;
	}
}

/**
 * The budget state as a pure state machine over {@link LedgerRecord}s: check → record → apply.
 * Synchronous, so in one JS process a check and its record are atomic by construction.
 */
/** What replaying a damaged line (or a settlement whose reservation is lost) did to the totals. */
export type DamageEffect =
	/** Counted at the worst case it can be: the reservation's amount, or the larger of two amounts. */
	| { readonly kind: 'worstCase'; readonly nano: number }
	/** Nothing on the line says how much: not counted (the user is told). */
	| { readonly kind: 'unknownAmount' }
	/** The line changes nothing (a release left open counts as spent; a duplicate). */
	| { readonly kind: 'noEffect' };

export class BudgetBook {
	private readonly open = new Map<string, Open>();
	private readonly runs = new Map<string, Scope>();
	private readonly days = new Map<string, Scope>();
	/** Reservations refused by the fence on replay (see {@link apply}). */
	private readonly voided = new Set<string>();
	/** Finished ids per day, so a settlement read twice or without its reservation is told apart. */
	private readonly finished = new Map<string, Set<string>>();
	/** Reservations ordered by expiry would be a heap; a sweep cursor over insertion order is enough because expiry = at + fixed TTL. */
	private nextExpiry = Infinity;

	private scope(map: Map<string, Scope>, key: string): Scope {
		let s = map.get(key);
		if (!s) map.set(key, (s = { spent: 0, reserved: 0, steps: 0 }));
		return s;
	}

	totals(runId: string, day: string): BudgetTotals {
		const r = this.runs.get(runId);
		const d = this.days.get(day);
		return {
			run: { spentNano: r?.spent ?? 0, reservedNano: r?.reserved ?? 0, steps: r?.steps ?? 0 },
			daily: { spentNano: d?.spent ?? 0, reservedNano: d?.reserved ?? 0 },
		};
	}

	/** Records for reservations that expired by `at` (apply them, then persist). */
	expired(at: number): LedgerRecord[] {
		if (at < this.nextExpiry) return [];
		const out: LedgerRecord[] = [];
		let next = Infinity;
		for (const [id, o] of this.open) {
			if (o.exp <= at) out.push({ t: 'expire', id, at });
			else if (o.exp < next) next = o.exp;
		}
		this.nextExpiry = next;
		return out;
	}

	/** The record for a request, or the reason it is refused. Does not change state. */
	decide(req: ReserveRequest): { record: LedgerRecord } | { refused: ReserveOutcome & { ok: false } } {
		const totals = this.totals(req.runId, req.day);
		const reason = checkReservation(totals, req);
		if (reason) return { refused: { ok: false, reason, totals } };
		const lim = req.enforce && req.limits.dailyNano > 0 ? req.limits.dailyNano : undefined;
		return {
			record: {
				t: 'reserve',
				id: req.id,
				run: req.runId,
				day: req.day,
				nano: req.nano,
				at: req.at,
				exp: req.expiresAt,
				model: req.model,
				step: req.newStep ? 1 : 0,
				...(lim !== undefined && { lim }),
			},
		};
	}

	/** True when replaying the ledger refused reservation `id` (its daily limit was already used up in file order). */
	isVoid(id: string): boolean {
		return this.voided.has(id);
	}

	/** Whether finishing `id` would change anything (unknown or finished ids are no-ops). */
	isOpen(id: string): boolean {
		return this.open.has(id);
	}

	/** The budget day of an open reservation. */
	openDay(id: string): string | undefined {
		return this.open.get(id)?.day;
	}

	/**
	 * Applies one record. A reservation carrying its daily limit (`lim`) is re-checked against the
	 * day's totals at this point of the file: if the day cannot hold it, it is VOID — the process that
	 * wrote it decided on a view that missed another's record, and learns so by reading the file back
	 * (`isVoid`). Every reader replays the same file in the same order, so all agree on which
	 * reservations stand and the day never holds more than its limit.
	 *
	 * `fileDay` is the day file the record was read from (the file ledger): a settlement there whose
	 * reservation was never read (its line was damaged or lost) is still counted as that day's
	 * spend; the returned effect says so. Without it such a record changes nothing.
	 */
	apply(rec: LedgerRecord, fileDay?: string): DamageEffect | undefined {
		switch (rec.t) {
			case 'reserve': {
				if (this.open.has(rec.id) || this.voided.has(rec.id) || this.isFinished(rec.day, rec.id)) return undefined; // a duplicated line must not double-reserve
				const d = this.scope(this.days, rec.day);
				if (rec.lim !== undefined && d.spent + d.reserved + rec.nano > rec.lim) {
					this.voided.add(rec.id);
					return undefined;
				}
				this.openReservation(rec.id, rec.run, rec.day, rec.nano, rec.exp, rec.step === 1);
				return undefined;
			}
			case 'settle':
			case 'release':
			case 'expire': {
				const o = this.open.get(rec.id);
				if (!o) return fileDay === undefined || this.voided.has(rec.id) ? undefined : this.orphan(rec, fileDay);
				this.close(rec.id, o, rec.t === 'settle' ? rec.nano : rec.t === 'expire' ? o.nano : 0);
				return undefined;
			}
		}
	}

	/**
	 * Applies what is left of a damaged line of day file `fileDay`, never in the reader's favour: a
	 * damaged reservation is held at its amount until a valid settlement replaces it; a damaged
	 * settlement counts the larger of its amount and the reservation's; a damaged release is ignored
	 * (the reservation stays and in time expires as spent).
	 */
	applyDamaged(line: DamagedLine, fileDay: string): DamageEffect {
		const o = line.id !== undefined ? this.open.get(line.id) : undefined;
		switch (line.t) {
			case 'reserve':
				if (line.id === undefined || line.nano === undefined) return { kind: 'unknownAmount' };
				if (o || this.voided.has(line.id) || this.isFinished(fileDay, line.id)) return { kind: 'noEffect' };
				this.openReservation(line.id, '', fileDay, line.nano, Infinity, false);
				return { kind: 'worstCase', nano: line.nano };
			case 'settle':
				if (o) {
					const nano = Math.max(o.nano, line.nano ?? 0);
					this.close(line.id!, o, nano);
					return { kind: 'worstCase', nano };
				}
				if (line.id !== undefined && this.isFinished(fileDay, line.id)) return { kind: 'noEffect' };
				return line.nano === undefined ? { kind: 'unknownAmount' } : this.orphan({ t: 'settle', id: line.id ?? '', nano: line.nano, at: 0 }, fileDay);
			case 'expire':
				if (!o) return { kind: 'noEffect' };
				this.close(line.id!, o, o.nano);
				return { kind: 'worstCase', nano: o.nano };
			case 'release':
				return o ? { kind: 'worstCase', nano: o.nano } : { kind: 'noEffect' };
			default:
				return { kind: 'unknownAmount' };
		}
	}

	/** A settlement of a reservation never read: counted as the day's spend (no run is known). */
	private orphan(rec: Exclude<LedgerRecord, { t: 'reserve' }>, fileDay: string): DamageEffect {
		if (rec.id !== '' && this.isFinished(fileDay, rec.id)) return { kind: 'noEffect' };
		if (rec.id !== '') this.markFinished(fileDay, rec.id);
		if (rec.t !== 'settle') return rec.t === 'expire' ? { kind: 'unknownAmount' } : { kind: 'noEffect' };
		this.scope(this.days, fileDay).spent += rec.nano;
		return { kind: 'worstCase', nano: rec.nano };
	}

	private openReservation(id: string, run: string, day: string, nano: number, exp: number, step: boolean): void {
		this.open.set(id, { run, day, nano, exp });
		if (exp < this.nextExpiry) this.nextExpiry = exp;
		const r = this.scope(this.runs, run);
		const d = this.scope(this.days, day);
		r.reserved += nano;
		d.reserved += nano;
		if (step) r.steps += 1;
	}

	private close(id: string, o: Open, spent: number): void {
		this.open.delete(id);
		this.markFinished(o.day, id);
		const r = this.scope(this.runs, o.run);
		const d = this.scope(this.days, o.day);
		r.reserved -= o.nano;
		d.reserved -= o.nano;
		r.spent += spent;
		d.spent += spent;
	}

	private isFinished(day: string, id: string): boolean {
		return this.finished.get(day)?.has(id) === true;
	}

	private markFinished(day: string, id: string): void {
		let ids = this.finished.get(day);
		if (!ids) {
			this.finished.set(day, (ids = new Set()));
			// Only recent days are ever read again (the file ledger reads a day and the one before).
			for (const old of [...this.finished.keys()].sort().slice(0, -4)) this.finished.delete(old);
		}
		ids.add(id);
	}

	/** Open reservations (for diagnostics and tests). */
	openCount(): number {
		return this.open.size;
	}
}

/** Where a {@link RecordingBudgetStore} persists records. `append` must be durable when it returns. */
export interface LedgerSink {
	append(records: readonly LedgerRecord[]): void;
}

/**
 * A {@link BudgetStore} over a {@link BudgetBook}: check, persist, apply — synchronously, so
 * concurrent async callers in this process can never interleave between check and record. With no
 * sink it is the in-memory store (replays, tests); the file ledger passes a durable sink.
 */
export class RecordingBudgetStore implements BudgetStore {
	readonly book: BudgetBook;
	constructor(
		private readonly sink?: LedgerSink,
		book?: BudgetBook,
	) {
		this.book = book ?? new BudgetBook();
	}

	private commit(records: LedgerRecord[]): void {
		if (records.length === 0) return;
		// Durable first, then visible: a crash between the two loses nothing that was acknowledged.
		this.sink?.append(records);
		for (const r of records) this.book.apply(r);
	}

	reserveSync(req: ReserveRequest): ReserveOutcome {
		this.commit(this.book.expired(req.at));
		const d = this.book.decide(req);
		if ('refused' in d) return d.refused;
		this.commit([d.record]);
		return { ok: true, totals: this.book.totals(req.runId, req.day) };
	}

	finishSync(id: string, kind: 'settle' | 'release', nano: number, at: number): FinishOutcome {
		if (!this.book.isOpen(id)) return 'missing';
		this.commit([kind === 'settle' ? { t: 'settle', id, nano, at } : { t: 'release', id, at }]);
		return kind === 'settle' ? 'settled' : 'released';
	}

	totalsSync(runId: string, day: string, at: number): BudgetTotals {
		this.commit(this.book.expired(at));
		return this.book.totals(runId, day);
	}

	async reserve(req: ReserveRequest): Promise<ReserveOutcome> {
		return this.reserveSync(req);
	}
	async settle(id: string, nano: number, at: number): Promise<FinishOutcome> {
		return this.finishSync(id, 'settle', nano, at);
	}
	async release(id: string, at: number): Promise<FinishOutcome> {
		return this.finishSync(id, 'release', 0, at);
	}
	async totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return this.totalsSync(runId, day, at);
	}
}

/** The rule every store implements, so all stores refuse the same calls. */
function checkReservation(totals: BudgetTotals, r: Pick<ReserveRequest, 'nano' | 'limits' | 'newStep' | 'enforce'>): BudgetExceededReason | undefined {
	if (!r.enforce) return undefined;
	const { limits } = r;
	if (limits.maxSteps > 0 && r.newStep && totals.run.steps + 1 > limits.maxSteps) return 'steps';
	if (limits.runNano > 0 && totals.run.spentNano + totals.run.reservedNano + r.nano > limits.runNano) return 'run';
	if (limits.dailyNano > 0 && totals.daily.spentNano + totals.daily.reservedNano + r.nano > limits.dailyNano) return 'daily';
	return undefined;
}
