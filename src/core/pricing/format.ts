/**
 * Money formatting shared by every UI (status bar, tooltips, panels, CLI), so one amount never shows
 * two ways. Locale-independent on purpose: the same report reads the same on every machine.
 */

export interface FormatUsdOptions {
	/** Prefix `≈` because the amount rests on an estimate (an estimated token count, a guessed rule…). */
	readonly estimate?: boolean;
}

function withThousands(fixed: string): string {
	const [whole = '', frac] = fixed.split('.'); // split always yields a first part
	const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/**
 * `$12.40` from $1 up (two decimals, thousands separated), `$0.031` below $1 (three decimals, so
 * typical per-call costs stay readable), `<$0.001` for a tiny amount that is not zero (never shown
 * as `$0.000`, which would read as free), `$0.00` for exactly zero. Negative amounts (savings) get a
 * leading `-`. `estimate` prefixes `≈` except on `<$0.001`, which is already a bound. Non-finite
 * input renders as `$?` rather than throwing, because a UI must not crash on a bad number.
 */
export function formatUsd(usd: number, options: FormatUsdOptions = {}): string {
	if (!Number.isFinite(usd)) return '$?';
	if (usd === 0) return options.estimate ? '≈$0.00' : '$0.00';
	const sign = usd < 0 ? '-' : '';
	const abs = Math.abs(usd);
	if (abs < 0.001 && Number(abs.toFixed(3)) < 0.001) return `${sign}<$0.001`;
	const threeDecimals = abs.toFixed(3);
	// 0.9996 rounds to 1.000: switch to the ≥ $1 style instead of printing "$1.000".
	const body = Number(threeDecimals) >= 1 ? withThousands(abs.toFixed(2)) : threeDecimals;
	return `${options.estimate ? '≈' : ''}${sign}$${body}`;
}

/**
 * A small amount with three significant digits, so it moves when a prompt changes by a few tokens:
 * `$0.000325`, `$0.0123`, `$0.456`; two decimals from $1 (`$1.23`). For the lens's input cost,
 * where {@link formatUsd}'s `<$0.001` would hide every edit.
 */
export function formatUsdPrecise(usd: number, options: FormatUsdOptions = {}): string {
	if (!Number.isFinite(usd)) return '$?';
	const mark = options.estimate ? '≈' : '';
	if (usd === 0) return `${mark}$0.00`;
	const sign = usd < 0 ? '-' : '';
	const abs = Math.abs(usd);
	if (abs >= 1) return `${mark}${sign}$${withThousands(abs.toFixed(2))}`;
	const decimals = Math.min(12, Math.max(3, 2 - Math.floor(Math.log10(abs))));
	return `${mark}${sign}$${abs.toFixed(decimals).replace(/(\.\d{2}\d*?)0+$/, '$1')}`;
}

/**
 * A price in USD per million tokens as the providers' price pages write it: `$3.00`, `$0.075`,
 * `$0.01875` (at least two decimals, no trailing zeros beyond them, up to 6 significant digits).
 */
export function formatPerMtok(usdPerMtok: number): string {
	if (!Number.isFinite(usdPerMtok)) return '$?';
	const sign = usdPerMtok < 0 ? '-' : '';
	const abs = Math.abs(usdPerMtok);
	let text = String(Number(abs.toPrecision(6)));
	if (text.includes('e')) text = abs.toFixed(8).replace(/0+$/, '');
	const [whole = '', frac = ''] = text.split('.');
	return `${sign}$${withThousands(whole)}.${frac.padEnd(2, '0')}`;
}

/** A token count with thousands separators: `12,345` (locale-independent). */
export function formatTokens(tokens: number): string {
	if (!Number.isFinite(tokens)) return '?';
	const sign = tokens < 0 ? '-' : '';
	const abs = Math.abs(tokens);
	return sign + withThousands(Number.isInteger(abs) ? String(abs) : abs.toFixed(1));
}
