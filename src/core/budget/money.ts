/**
 * Budgets count money in integer nano-dollars (1e-9 USD): sums of many small float costs drift,
 * and the Redis backend needs integers for atomic INCRBY. Costs are rounded UP, so rounding can
 * only make the budget stricter, never let it overshoot.
 */
export const nanoPerUsd = 1e9;

/** USD → nano-USD, rounded up (the 1e-3 slack absorbs float noise such as 0.07 * 1e9 = 70000000.00000001). */
export function costToNano(usd: number): number {
	if (!Number.isFinite(usd) || usd <= 0) return 0;
	return Math.ceil(usd * nanoPerUsd - 1e-3);
}

/** A limit in USD → nano-USD (nearest). 0 means "no limit". */
export function limitToNano(usd: number): number {
	if (!Number.isFinite(usd) || usd <= 0) return 0;
	return Math.round(usd * nanoPerUsd);
}

export function nanoToUsd(nano: number): number {
	return nano / nanoPerUsd;
}
