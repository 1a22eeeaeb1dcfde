/**
 * The lens's price arithmetic on a model's published prices (`PriceCatalog.describe()`), so the
 * extension host can price every keystroke without the price dataset (which lives in the token
 * worker). Mirrors the catalog's rules for an uncached call: whole-request long-context repricing
 * above a tier's input threshold, output billed at the output price (none for models that bill no
 * output), a per-request fee when the model has one. A unit test checks it against `catalog.cost`.
 */
import type { ModelPriceInfo, TokenPrices } from '../pricing/types';

/** The prices that apply to a request with `inputTokens` of input (the highest tier it is above). */
export function pricesFor(info: ModelPriceInfo, inputTokens: number): TokenPrices {
	let prices = info.prices;
	let threshold = -1;
	for (const tier of info.longContext) {
		if (inputTokens > tier.aboveInputTokens && tier.aboveInputTokens > threshold) {
			prices = tier.prices;
			threshold = tier.aboveInputTokens;
		}
	}
	return prices;
}

export interface LensCost {
	/** USD of the input tokens, uncached. */
	readonly input: number;
	/** USD of the assumed output tokens. */
	readonly output: number;
	/** USD of the input tokens if all of them were cache reads (undefined: the model has no cache price). */
	readonly cachedInput?: number;
	/** Fixed per-call fee, when the model has one. */
	readonly request?: number;
	/** input + output (+ request fee). */
	readonly total: number;
	/** The per-million-token prices used. */
	readonly prices: TokenPrices;
	/** True when a long-context tier applied. */
	readonly longContext: boolean;
}

/**
 * What one call with `inputTokens` of prompt and `outputTokens` of answer costs at `info`'s prices.
 * Negative or non-finite token counts are treated as 0 (a UI must not crash on a bad number).
 */
export function lensCost(info: ModelPriceInfo, inputTokens: number, outputTokens: number): LensCost {
	const inTok = Number.isFinite(inputTokens) && inputTokens > 0 ? inputTokens : 0;
	const outTok = Number.isFinite(outputTokens) && outputTokens > 0 ? outputTokens : 0;
	const prices = pricesFor(info, inTok);
	const input = (inTok * prices.input) / 1e6;
	const output = (outTok * (prices.output ?? 0)) / 1e6;
	const request = prices.perRequest;
	return {
		input,
		output,
		...(prices.cacheRead !== undefined && { cachedInput: (inTok * prices.cacheRead) / 1e6 }),
		...(request !== undefined && { request }),
		total: input + output + (request ?? 0),
		prices,
		longContext: prices !== info.prices,
	};
}

/**
 * The context window the lens measures against: the model's own window capped by
 * `agentCost.contextWindowMax` (the setting alone when the model's window is unknown).
 */
export function effectiveContextWindow(modelWindow: number | undefined, contextWindowMax: number): number {
	const cap = Number.isFinite(contextWindowMax) && contextWindowMax > 0 ? contextWindowMax : Infinity;
	const own = modelWindow !== undefined && Number.isFinite(modelWindow) && modelWindow > 0 ? modelWindow : Infinity;
	const window = Math.min(cap, own);
	return Number.isFinite(window) ? window : 128_000;
}
