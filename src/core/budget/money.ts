import { EngineError } from '../lib/errors';

/**
 * Budgets count money in integer nano-dollars (1e-9 USD): sums of many small float costs drift,
 * and the Redis backend needs integers for atomic INCRBY. Costs are rounded UP, so rounding can
 * only make the budget stricter, never let it overshoot.
 */
const nanoPerUsd = 1e9;

/**
 * An amount of money that cannot be counted: not a finite number (a price of 1e308 multiplies to
 * Infinity, a bad token count to NaN) or beyond what nano-USD integers hold exactly (about $9
 * million). Budgets FAIL CLOSED on it — a call is refused or counted at its reservation, never at 0.
 */
export class MoneyError extends EngineError<'nonFinite' | 'outOfRange'> {
	readonly kind = 'money';
	static is(e: unknown, reason?: MoneyError['reason']): e is MoneyError {
		return e instanceof MoneyError && (reason === undefined || e.reason === reason);
	}
}

/** The largest USD amount budgets count exactly (nano-USD stay safe integers). */
const maxCountableUsd = Math.floor(Number.MAX_SAFE_INTEGER / nanoPerUsd);

/** True when `usd` can be counted by a budget (see {@link MoneyError}). */
export function isCountableUsd(usd: number): boolean {
	return Number.isFinite(usd) && usd <= maxCountableUsd;
}

function check(usd: number, what: string): void {
	if (!Number.isFinite(usd)) throw new MoneyError('nonFinite', `${what} is not a finite amount of money ($${usd}); it is never counted as $0`);
	if (usd > maxCountableUsd) throw new MoneyError('outOfRange', `${what} ($${usd}) is beyond what a budget can count ($${maxCountableUsd})`);
}

/**
 * USD → nano-USD, rounded up (the 1e-3 slack absorbs float noise such as 0.07 * 1e9 = 70000000.00000001).
 * @throws {@link MoneyError} for NaN, ±Infinity or an amount too large to count; 0 for amounts ≤ 0.
 */
export function costToNano(usd: number): number {
	check(usd, 'a cost');
	if (usd <= 0) return 0;
	return Math.ceil(usd * nanoPerUsd - 1e-3);
}

/** A limit in USD → nano-USD (nearest). 0 means "no limit". @throws {@link MoneyError} like {@link costToNano}. */
export function limitToNano(usd: number): number {
	check(usd, 'a budget limit');
	if (usd <= 0) return 0;
	return Math.round(usd * nanoPerUsd);
}

export function nanoToUsd(nano: number): number {
	return nano / nanoPerUsd;
}
