/**
 * Numbers in machine-readable outputs (the CLI's `--json`, the replay JSON and CSV exports) without
 * binary float noise: `0.11175340000000003` is written `0.1117534`. Every fractional number is
 * rounded to {@link outputDecimals} decimal places — for money that is 1e-9 USD, a billionth of a
 * dollar, far below the precision of any published price (the cheapest rates are quoted to 1e-8
 * USD per token). Integers (token counts, steps) are never touched. One rule for every number, so
 * a consumer never has to know which field is money.
 */

/** Decimal places kept: money is exact to 1e-9 USD. */
export const outputDecimals = 9;

const scale = 10 ** outputDecimals;

/** `n` rounded to {@link outputDecimals} places (half away from zero); integers and non-finite values unchanged. */
export function roundForOutput(n: number): number {
	if (!Number.isFinite(n) || Number.isInteger(n)) return n;
	const scaled = Math.round(Math.abs(n) * scale);
	// Beyond 2^53 the scaled value has no fractional digits left to round: keep 15 significant digits.
	if (!Number.isSafeInteger(scaled)) return Number(n.toPrecision(15));
	// An integer divided by a power of ten is the double nearest the decimal, so it prints short.
	const r = scaled / scale;
	return n < 0 ? -r : r;
}

/** `JSON.stringify` with every number through {@link roundForOutput}. */
export function stringifyForOutput(value: unknown, indent?: number | string): string {
	return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? roundForOutput(v) : v), indent);
}
