import type { BudgetExceededReason, BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../ports/budgetStore';

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
				(r.step === 0 || r.step === 1)
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
export class BudgetBook {
	private readonly open = new Map<string, Open>();
	private readonly runs = new Map<string, Scope>();
	private readonly days = new Map<string, Scope>();
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
		return { record: { t: 'reserve', id: req.id, run: req.runId, day: req.day, nano: req.nano, at: req.at, exp: req.expiresAt, model: req.model, step: req.newStep ? 1 : 0 } };
	}

	/** Whether finishing `id` would change anything (unknown or finished ids are no-ops). */
	isOpen(id: string): boolean {
		return this.open.has(id);
	}

	/** The budget day of an open reservation. */
	openDay(id: string): string | undefined {
		return this.open.get(id)?.day;
	}

	apply(rec: LedgerRecord): void {
		switch (rec.t) {
			case 'reserve': {
				if (this.open.has(rec.id)) return; // a duplicated line must not double-reserve
				this.open.set(rec.id, { run: rec.run, day: rec.day, nano: rec.nano, exp: rec.exp });
				if (rec.exp < this.nextExpiry) this.nextExpiry = rec.exp;
				const r = this.scope(this.runs, rec.run);
				const d = this.scope(this.days, rec.day);
				r.reserved += rec.nano;
				d.reserved += rec.nano;
				if (rec.step) r.steps += 1;
				return;
			}
			case 'settle':
			case 'release':
			case 'expire': {
				const o = this.open.get(rec.id);
				if (!o) return;
				this.open.delete(rec.id);
				const spent = rec.t === 'settle' ? rec.nano : rec.t === 'expire' ? o.nano : 0;
				const r = this.scope(this.runs, o.run);
				const d = this.scope(this.days, o.day);
				r.reserved -= o.nano;
				d.reserved -= o.nano;
				r.spent += spent;
				d.spent += spent;
				return;
			}
		}
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
export function checkReservation(totals: BudgetTotals, r: Pick<ReserveRequest, 'nano' | 'limits' | 'newStep' | 'enforce'>): BudgetExceededReason | undefined {
	if (!r.enforce) return undefined;
	const { limits } = r;
	if (limits.maxSteps > 0 && r.newStep && totals.run.steps + 1 > limits.maxSteps) return 'steps';
	if (limits.runNano > 0 && totals.run.spentNano + totals.run.reservedNano + r.nano > limits.runNano) return 'run';
	if (limits.dailyNano > 0 && totals.daily.spentNano + totals.daily.reservedNano + r.nano > limits.dailyNano) return 'daily';
	return undefined;
}
