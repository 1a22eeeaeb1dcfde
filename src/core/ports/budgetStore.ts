/** Which limit refused a reservation. */
export type BudgetExceededReason = 'run' | 'daily' | 'steps';

/** Limits in nano-USD (see `money.ts`) and steps; 0 = no limit. */
export interface BudgetLimits {
	readonly runNano: number;
	readonly dailyNano: number;
	readonly maxSteps: number;
}

/** One reservation request. The store checks the limits and records it ATOMICALLY. */
export interface ReserveRequest {
	/** Unique across every process sharing the store. */
	readonly id: string;
	readonly runId: string;
	/** Budget day (`dayKey`). */
	readonly day: string;
	/** Worst-case cost, nano-USD. */
	readonly nano: number;
	readonly model: string;
	readonly at: number;
	readonly limits: BudgetLimits;
	/** False under the warn-only policy: record the reservation even past a limit. */
	readonly enforce: boolean;
	/** The first attempt of an agent step (counts against maxSteps); retries, fallbacks and summaries do not. */
	readonly newStep: boolean;
	/**
	 * When an unsettled reservation expires (ms). A process that died mid-call never settles; its
	 * reservation is then counted as SPENT at the reserved (worst-case) amount, because the
	 * provider may have billed it — the budget never undercounts.
	 */
	readonly expiresAt: number;
}

interface ScopeTotals {
	readonly spentNano: number;
	readonly reservedNano: number;
}

export interface BudgetTotals {
	readonly run: ScopeTotals & { readonly steps: number };
	readonly daily: ScopeTotals;
}

export type ReserveOutcome = { readonly ok: true; readonly totals: BudgetTotals } | { readonly ok: false; readonly reason: BudgetExceededReason; readonly totals: BudgetTotals };

/** How a reservation ended. `missing`: unknown id or already settled/released/expired (idempotent). */
export type FinishOutcome = 'settled' | 'released' | 'missing';

/** Something wrong with a store that the user must hear about, though budgets keep working. */
export interface StoreWarning {
	/** `ledgerDamaged`: lines of the file ledger failed their checksum; `noPersistence`: Redis keeps budgets in memory only; `dataLost`: Redis lost a day's budget keys (a restart without persistence, a flush, eviction). */
	readonly kind: 'ledgerDamaged' | 'noPersistence' | 'dataLost';
	/** A complete sentence for the user (names the file or server; never a secret). */
	readonly message: string;
}

/**
 * Where budgets live: in memory, a crash-safe JSONL ledger (`src/node/fileLedger.ts`) or Redis
 * (`src/node/redisStore.ts`). `reserve` MUST check and record in one atomic step, so concurrent
 * callers — in one process or many — can never together overshoot a limit.
 */
export interface BudgetStore {
	reserve(request: ReserveRequest): Promise<ReserveOutcome>;
	/** Replaces the reservation by the real cost (may be more or less than reserved). */
	settle(id: string, nano: number, at: number): Promise<FinishOutcome>;
	/** Drops a reservation that cost nothing (the call failed before billing). */
	release(id: string, at: number): Promise<FinishOutcome>;
	totals(runId: string, day: string, at: number): Promise<BudgetTotals>;
	/** Problems found so far (damage, lost data, missing persistence); absent or empty when there are none. */
	warnings?(): readonly StoreWarning[];
}
