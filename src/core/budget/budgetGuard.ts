import type { PolicySettings } from '../config/defaults';
import type { Clock, Random } from '../ports/clock';
import type { PricingPort } from '../ports/pricing';
import type { CostResult } from '../pricing/types';
import type { Usage } from '../pricing/usage';
import type { BudgetExceededReason, BudgetLimits, BudgetStore, BudgetTotals, ReserveOutcome, ReserveRequest, StoreWarning } from '../ports/budgetStore';
import { BudgetExceededError, UnpricedModelError } from './budgetErrors';
import { RecordingBudgetStore } from './budgetLedger';
import { dayKey } from './dayKey';
import { costToNano, isCountableUsd, limitToNano, nanoToUsd } from './money';
import { InputError } from '../lib/errors';

export type BudgetSettings = PolicySettings['budget'];

/**
 * Token counts that are estimates (Claude, Gemini: no public tokenizer) are inflated by this factor
 * when reserving, so an estimate that runs low still cannot push spend past a limit.
 */
const estimateSafetyFactor = 1.15;

export type WorstCase =
	| { readonly kind: 'priced'; readonly usd: number; readonly nano: number; readonly inputTokens: number; readonly outputTokens: number }
	| {
			readonly kind: 'unpriced';
			readonly model: string;
			readonly reason: string;
			readonly hint: string;
			/** Set when a price exists but gives a cost no budget can count (NaN, Infinity, absurdly large). */
			readonly why?: string;
	  };

type Dearest = { readonly kind: 'priced'; readonly usd: number } | Extract<CostResult, { kind: 'unpriced' }>;

/** The dearer of the plain-input and the cache-write price of a call (a cache write costs 1.25× input on Anthropic). */
function dearest(pricing: PricingPort, model: string, input: number, output: number): Dearest {
	const base = { input, cacheRead: 0, cacheWrite1h: 0, output, reasoning: 0 };
	const plain = pricing.cost(model, { ...base, cacheWrite5m: 0 });
	if (plain.kind === 'unpriced') return plain;
	const write = pricing.cost(model, { ...base, cacheWrite5m: input });
	// Math.max keeps a NaN, so a price that breaks the arithmetic is caught below, never dropped.
	return { kind: 'priced', usd: Math.max(plain.usd, write.kind === 'priced' ? write.usd : 0) };
}

/**
 * The most a call can cost: every input token at the dearer of the plain-input and cache-write
 * price plus `maxOutputTokens` of output. With a `floor` catalog (the list prices, without the
 * workspace's price file) the reservation is never below the floor's: a workspace's price can
 * raise an estimate, never lower what is reserved. A cost that is not a countable amount (NaN,
 * Infinity, beyond nano-USD) is `unpriced` with `why` — refused, never reserved as $0.
 */
export function worstCaseCost(pricing: PricingPort, model: string, inputTokens: number, maxOutputTokens: number, exactCount = true, floor?: PricingPort): WorstCase {
	const input = exactCount ? inputTokens : Math.ceil(inputTokens * estimateSafetyFactor);
	const effective = dearest(pricing, model, input, maxOutputTokens);
	const listed = floor && floor !== pricing ? dearest(floor, model, input, maxOutputTokens) : undefined;
	const priced = [effective, listed].filter((d): d is Extract<Dearest, { kind: 'priced' }> => d?.kind === 'priced');
	if (priced.length === 0) {
		const u = effective as Extract<Dearest, { kind: 'unpriced' }>;
		return { kind: 'unpriced', model, reason: u.reason, hint: u.hint };
	}
	const usd = priced.some(d => Number.isNaN(d.usd)) ? NaN : Math.max(...priced.map(d => d.usd));
	if (!isCountableUsd(usd)) {
		return { kind: 'unpriced', model, reason: `its price gives a cost of $${usd}`, hint: priceFixHint, why: `the prices in effect make this call cost $${usd}` };
	}
	return { kind: 'priced', usd, nano: costToNano(usd), inputTokens: input, outputTokens: maxOutputTokens };
}

const priceFixHint = 'Check the prices in agentCost.pricing.overrides and the workspace file .agent-cost/prices.json (USD per million tokens).';

export type BudgetWarning =
	| { readonly kind: 'threshold'; readonly scope: 'run' | 'daily'; readonly ratio: number }
	/** Warn-only policy (or budgets disabled): the call went ahead past a limit. */
	| { readonly kind: 'overLimit'; readonly scope: BudgetExceededReason }
	/** The model has no price; the call is not counted against the budget. */
	| { readonly kind: 'unpriced'; readonly model: string; readonly hint: string };

/** What a call holds between reserve and settle. */
export interface Reservation {
	readonly id: string;
	readonly runId: string;
	readonly model: string;
	readonly day: string;
	/** Worst-case USD reserved. */
	readonly usd: number;
	readonly nano: number;
	readonly at: number;
	readonly purpose: 'call' | 'summary' | 'embedding';
	readonly warnings: readonly BudgetWarning[];
}

export interface ReserveInput {
	readonly runId: string;
	readonly model: string;
	readonly inputTokens: number;
	readonly maxOutputTokens: number;
	/** False when `inputTokens` is an estimate (≈). */
	readonly exactCount?: boolean;
	/** First attempt of an agent step (counts against maxSteps). @default true */
	readonly newStep?: boolean;
	readonly purpose?: Reservation['purpose'];
}

export type TryReserveResult = { readonly ok: true; readonly reservation: Reservation } | { readonly ok: false; readonly error: BudgetExceededError | UnpricedModelError };

interface BudgetScopeStatus {
	/** USD. */
	readonly spent: number;
	readonly reserved: number;
	/** USD; 0 = no limit. */
	readonly limit: number;
	/** (spent + reserved) / limit; 0 without a limit. */
	readonly ratio: number;
}

/** What the status bar and panels show. Amounts are USD. */
export interface BudgetStatus {
	readonly kind: 'ok' | 'warning' | 'exceeded' | 'disabled';
	/** The binding scope (highest ratio), when there is a limit. */
	readonly scope: BudgetExceededReason | undefined;
	readonly spent: number;
	readonly reserved: number;
	readonly limit: number;
	readonly ratio: number;
	readonly policy: BudgetSettings['policy'];
	readonly day: string;
	readonly timeZone: string;
	readonly run: BudgetScopeStatus;
	readonly daily: BudgetScopeStatus;
	readonly steps: { readonly used: number; readonly max: number };
	/** What is wrong with the store itself (ledger damage, Redis without persistence…), for the user. */
	readonly storeWarnings?: readonly StoreWarning[];
}

export interface BudgetGuardDeps {
	readonly store: BudgetStore;
	readonly pricing: PricingPort;
	readonly clock: Clock;
	readonly random: Random;
	/**
	 * The list prices: the bundled dataset and the user's own overrides, WITHOUT the workspace's
	 * price file. Reservations and settlements are never counted below them, so a cloned
	 * repository's `.agent-cost/prices.json` cannot lower what the budget counts. Absent: `pricing`
	 * is the only catalog (replays, tests).
	 */
	readonly floorPricing?: PricingPort;
	/** How long an unsettled reservation lives before it counts as spent. @default 15 minutes */
	readonly reservationTtlMs?: number;
}

function scopeStatus(spentNano: number, reservedNano: number, limitNano: number): BudgetScopeStatus {
	return {
		spent: nanoToUsd(spentNano),
		reserved: nanoToUsd(reservedNano),
		limit: nanoToUsd(limitNano),
		ratio: limitNano > 0 ? (spentNano + reservedNano) / limitNano : 0,
	};
}

/** What a reservation asks the store, computed before the store is asked (see {@link prepareReservation}). */
type PreparedReservation =
	| { readonly ok: true; readonly request: ReserveRequest; readonly warnings: readonly BudgetWarning[]; readonly purpose: Reservation['purpose'] }
	| { readonly ok: false; readonly error: UnpricedModelError };

interface GuardCore {
	readonly pricing: PricingPort;
	/** The list prices budgets never count below (see {@link BudgetGuardDeps.floorPricing}). */
	readonly floorPricing?: PricingPort;
	readonly random: Random;
	readonly ttlMs: number;
	counter: number;
}

/** Budgets are enforced (refusals possible): enabled and not warn-only. */
function enforcing(settings: BudgetSettings): boolean {
	return settings.enabled && settings.policy !== 'warn';
}

function limitsOf(settings: BudgetSettings): BudgetLimits {
	return { runNano: limitToNano(settings.runUsd), dailyNano: limitToNano(settings.dailyUsd), maxSteps: settings.maxSteps };
}

/** The store request for a reservation (worst case, limits, expiry) — or the refusal of a model without a price. */
function prepareReservation(core: GuardCore, settings: BudgetSettings, input: ReserveInput, at: number): PreparedReservation {
	const worst = worstCaseCost(core.pricing, input.model, input.inputTokens, input.maxOutputTokens, input.exactCount ?? true, core.floorPricing);
	const warnings: BudgetWarning[] = [];
	if (worst.kind === 'unpriced') {
		if (enforcing(settings)) return { ok: false, error: new UnpricedModelError(input.model, worst.hint, worst.why) };
		warnings.push({ kind: 'unpriced', model: input.model, hint: worst.hint });
	}
	const rand = Math.floor(core.random.next() * 2 ** 32).toString(36);
	const id = `${input.runId}:${at.toString(36)}:${(core.counter++).toString(36)}:${rand}`;
	return {
		ok: true,
		warnings,
		purpose: input.purpose ?? 'call',
		request: {
			id,
			runId: input.runId,
			day: dayKey(at, settings.timeZone),
			nano: worst.kind === 'priced' ? worst.nano : 0,
			model: input.model,
			at,
			limits: limitsOf(settings),
			enforce: enforcing(settings),
			newStep: input.newStep ?? true,
			expiresAt: at + core.ttlMs,
		},
	};
}

/** The store's answer as a reservation with its warnings, or the error naming the limit that refused it. */
function completeReservation(settings: BudgetSettings, p: Extract<PreparedReservation, { ok: true }>, outcome: ReserveOutcome): TryReserveResult {
	const req = p.request;
	const limits = req.limits;
	if (!outcome.ok) return { ok: false, error: exceededError(outcome.reason, outcome.totals, limits, req.nano, req.model) };
	const warnings = [...p.warnings];
	const t = outcome.totals;
	// Warn-only: say which limit the call went past.
	if (!enforcing(settings) && settings.policy === 'warn' && settings.enabled) {
		if (limits.maxSteps > 0 && t.run.steps > limits.maxSteps) warnings.push({ kind: 'overLimit', scope: 'steps' });
		if (limits.runNano > 0 && t.run.spentNano + t.run.reservedNano > limits.runNano) warnings.push({ kind: 'overLimit', scope: 'run' });
		if (limits.dailyNano > 0 && t.daily.spentNano + t.daily.reservedNano > limits.dailyNano) warnings.push({ kind: 'overLimit', scope: 'daily' });
	}
	if (settings.enabled) {
		for (const [scope, sc, limit] of [
			['run', t.run, limits.runNano],
			['daily', t.daily, limits.dailyNano],
		] as const) {
			const ratio = limit > 0 ? (sc.spentNano + sc.reservedNano) / limit : 0;
			if (limit > 0 && ratio >= settings.warnThreshold) warnings.push({ kind: 'threshold', scope, ratio });
		}
	}
	return {
		ok: true,
		reservation: { id: req.id, runId: req.runId, model: req.model, day: req.day, usd: nanoToUsd(req.nano), nano: req.nano, at: req.at, purpose: p.purpose, warnings },
	};
}

function exceededError(reason: BudgetExceededReason, t: BudgetTotals, limits: BudgetLimits, nano: number, model: string): BudgetExceededError {
	if (reason === 'steps') return new BudgetExceededError('steps', { model, limit: limits.maxSteps, spent: t.run.steps, reserved: 0, requested: 1 });
	const sc = reason === 'run' ? t.run : t.daily;
	const limit = reason === 'run' ? limits.runNano : limits.dailyNano;
	return new BudgetExceededError(reason, { model, limit: nanoToUsd(limit), spent: nanoToUsd(sc.spentNano), reserved: nanoToUsd(sc.reservedNano), requested: nanoToUsd(nano) });
}

/**
 * A call's cost; usage the catalog rejects (a provider's NaN or negative count) and a cost that is
 * not a countable amount both become an unknown cost — shown as such, counted at the reservation.
 */
function priceUsage(pricing: PricingPort, model: string, usage: Usage): CostResult {
	let cost: CostResult;
	try {
		cost = pricing.cost(model, usage);
	} catch (e) {
		if (!InputError.is(e)) throw e;
		return {
			kind: 'unpriced',
			model,
			reason: `the usage cannot be priced: ${e.message}`,
			hint: 'The provider reported token counts that are not valid; the call is counted at its reserved worst case.',
		};
	}
	if (cost.kind === 'priced' && !isCountableUsd(cost.usd)) return { kind: 'unpriced', model, reason: `its price gives a cost of $${cost.usd}`, hint: priceFixHint };
	return cost;
}

/** The nano-USD an amount settles at: an amount the budget cannot count (unknown, NaN, Infinity) settles at what was reserved — the worst case, never 0. */
function countedNano(reservation: Reservation, usd: number | undefined): number {
	return usd !== undefined && isCountableUsd(usd) ? costToNano(usd) : reservation.nano;
}

/** The nano-USD a usage settles at: its price, never below the list price (`floorPricing`), or the reservation itself for a cost that is unknown. */
function settledNano(core: Pick<GuardCore, 'pricing' | 'floorPricing'>, reservation: Reservation, usage: Usage): { cost: CostResult; nano: number } {
	const cost = priceUsage(core.pricing, reservation.model, usage);
	let usd = cost.kind === 'priced' ? cost.usd : undefined;
	if (core.floorPricing && usd !== undefined) {
		// The list price is the least the budget counts, as for the reservation.
		const listed = priceUsage(core.floorPricing, reservation.model, usage);
		if (listed.kind === 'priced') usd = Math.max(usd, listed.usd);
	}
	return { cost, nano: countedNano(reservation, usd) };
}

/**
 * Enforces run/daily/step budgets by RESERVING each call's worst case before it starts and SETTLING
 * the real cost after. The policy (hard/soft/warn) decides what a refusal means; soft downgrades
 * are the policy step's job (`src/core/policy/policyStep.ts`), which asks {@link tryReserve} model by
 * model. {@link SyncBudgetGuard} is the same guard over an in-memory book, for replays.
 */
export class BudgetGuard {
	private readonly core: GuardCore;

	constructor(
		private readonly deps: BudgetGuardDeps,
		private settings: BudgetSettings,
	) {
		this.core = { pricing: deps.pricing, ...(deps.floorPricing && { floorPricing: deps.floorPricing }), random: deps.random, ttlMs: deps.reservationTtlMs ?? 15 * 60_000, counter: 0 };
	}

	updateSettings(settings: BudgetSettings): void {
		this.settings = settings;
	}

	get policy(): BudgetSettings['policy'] {
		return this.settings.policy;
	}

	/** Budgets are enforced (refusals possible): enabled and not warn-only. */
	get enforcing(): boolean {
		return enforcing(this.settings);
	}

	limits(): BudgetLimits {
		return limitsOf(this.settings);
	}

	today(at = this.deps.clock.now()): string {
		return dayKey(at, this.settings.timeZone);
	}

	/** Reserves the worst case or says why not; never throws for budget reasons. */
	async tryReserve(input: ReserveInput): Promise<TryReserveResult> {
		const settings = this.settings;
		const p = prepareReservation(this.core, settings, input, this.deps.clock.now());
		if (!p.ok) return p;
		return completeReservation(settings, p, await this.deps.store.reserve(p.request));
	}

	/** Reserves or throws {@link BudgetExceededError} / {@link UnpricedModelError}. */
	async reserve(input: ReserveInput): Promise<Reservation> {
		const r = await this.tryReserve(input);
		if (!r.ok) throw r.error;
		return r.reservation;
	}

	/**
	 * Settles with the real usage (also for a cancelled call: what was billed). Returns the cost.
	 * A model without a price settles at the reserved amount (0 for unpriced, stated in the result).
	 */
	async settle(reservation: Reservation, usage: Usage): Promise<CostResult> {
		const { cost, nano } = settledNano(this.core, reservation, usage);
		await this.deps.store.settle(reservation.id, nano, this.deps.clock.now());
		return cost;
	}

	/** Settles with a known USD amount (e.g. a provider-reported cost). */
	async settleUsd(reservation: Reservation, usd: number): Promise<void> {
		await this.deps.store.settle(reservation.id, countedNano(reservation, usd), this.deps.clock.now());
	}

	/** The call failed before anything was billed: give the reservation back. */
	async release(reservation: Reservation): Promise<void> {
		await this.deps.store.release(reservation.id, this.deps.clock.now());
	}

	async status(runId: string): Promise<BudgetStatus> {
		const at = this.deps.clock.now();
		const day = this.today(at);
		const status = budgetStatus(await this.deps.store.totals(runId, day, at), this.settings, day);
		const storeWarnings = this.deps.store.warnings?.() ?? [];
		return storeWarnings.length ? { ...status, storeWarnings } : status;
	}
}

/**
 * {@link BudgetGuard}'s rules over an in-memory book, synchronously and at explicit times: what a
 * replay's policy step reserves against, so a replayed budget refuses exactly the calls the live
 * budget would (same worst cases, limits, warnings and errors).
 */
const noWarnings: readonly BudgetWarning[] = [];

export class SyncBudgetGuard {
	private readonly core: GuardCore;
	private readonly store = new RecordingBudgetStore();

	constructor(
		private readonly pricing: PricingPort,
		private readonly settings: BudgetSettings,
		random: Random,
	) {
		this.core = { pricing, random, ttlMs: 15 * 60_000, counter: 0 };
	}

	tryReserve(input: ReserveInput, at: number): TryReserveResult {
		// A disabled budget never refuses nor warns: a replay neither prices its worst cases nor keeps
		// a ledger of them (nothing reads it), it only hands out reservations to settle.
		if (!this.settings.enabled) {
			return {
				ok: true,
				reservation: { id: String(this.core.counter++), runId: input.runId, model: input.model, day: '', usd: 0, nano: 0, at, purpose: input.purpose ?? 'call', warnings: noWarnings },
			};
		}
		const p = prepareReservation(this.core, this.settings, input, at);
		if (!p.ok) return p;
		return completeReservation(this.settings, p, this.store.reserveSync(p.request));
	}

	settle(reservation: Reservation, usage: Usage, at: number): CostResult {
		const { cost, nano } = settledNano({ pricing: this.pricing }, reservation, usage);
		if (this.settings.enabled) this.store.finishSync(reservation.id, 'settle', nano, at);
		return cost;
	}

	/** Settles at a cost already worked out (a replay prices each step once, at the step's date). */
	settleCost(reservation: Reservation, cost: CostResult | undefined, at: number): void {
		if (this.settings.enabled) this.store.finishSync(reservation.id, 'settle', countedNano(reservation, cost?.kind === 'priced' ? cost.usd : undefined), at);
	}

	release(reservation: Reservation, at: number): void {
		if (this.settings.enabled) this.store.finishSync(reservation.id, 'release', 0, at);
	}

	status(runId: string, at: number): BudgetStatus {
		const day = dayKey(at, this.settings.timeZone);
		return budgetStatus(this.store.totalsSync(runId, day, at), this.settings, day);
	}
}

/** Pure: the UI status for totals under settings. */
export function budgetStatus(t: BudgetTotals, settings: BudgetSettings, day: string): BudgetStatus {
	const runNano = limitToNano(settings.runUsd);
	const dailyNano = limitToNano(settings.dailyUsd);
	const run = scopeStatus(t.run.spentNano, t.run.reservedNano, runNano);
	const daily = scopeStatus(t.daily.spentNano, t.daily.reservedNano, dailyNano);
	const steps = { used: t.run.steps, max: settings.maxSteps };
	const stepRatio = settings.maxSteps > 0 ? t.run.steps / settings.maxSteps : 0;
	const candidates: [BudgetExceededReason, number][] = [
		['daily', daily.ratio],
		['run', run.ratio],
		['steps', stepRatio],
	];
	const [scope, ratio] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
	const bind = scope === 'run' ? run : daily;
	const base = { policy: settings.policy, day, timeZone: settings.timeZone, run, daily, steps };
	if (!settings.enabled) return { kind: 'disabled', scope: undefined, spent: daily.spent, reserved: daily.reserved, limit: 0, ratio: 0, ...base };
	const hasLimit = ratio > 0 || runNano > 0 || dailyNano > 0 || settings.maxSteps > 0;
	const kind = ratio >= 1 ? 'exceeded' : ratio >= settings.warnThreshold ? 'warning' : 'ok';
	if (scope === 'steps') return { kind, scope, spent: bind.spent, reserved: bind.reserved, limit: bind.limit, ratio, ...base };
	return { kind, scope: hasLimit ? scope : undefined, spent: bind.spent, reserved: bind.reserved, limit: bind.limit, ratio, ...base };
}
