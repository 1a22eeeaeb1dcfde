/**
 * The cost arithmetic, owned here rather than delegated to the price dataset so that every rule is
 * explicit, noted in the result and pinned by tests:
 *
 * - uncached input (`input − cacheRead − cacheWrite5m − cacheWrite1h`) × input price — `Usage.input`
 *   is the TOTAL prompt, so cached tokens are never counted twice;
 * - cache reads × cache-read price (input price when the model has none, noted);
 * - 5-minute cache writes × cache-write price (input price when the model has none, noted);
 * - 1-hour cache writes × 1-hour price; without one: 2× input for Claude models (Anthropic's
 *   published multiplier), else the 5-minute price — noted and marked estimated;
 * - output × output price; reasoning tokens are part of output and billed as output unless the model
 *   prices them separately;
 * - long-context tiers reprice the WHOLE request: the tier is chosen by the request's total input
 *   (cache included) and applies to every component;
 * - batch: every token price × (1 − discount) when the discount is known; otherwise standard prices,
 *   noted and marked estimated;
 * - server-tool uses (web search…) × the per-use fee, never discounted or tiered; a use without a
 *   known fee is an unpriced fee, excluded from the total and noted (`serverToolFees.ts`).
 */
import { formatPerMtok, formatTokens } from './format';
import { priceServerTools, type PricedServerTools } from './serverToolFees';
import type { CostBreakdown, TokenPrices, UnpricedFee } from './types';

import type { Usage } from './usage';

/** The priced server tools of a call that used none (shared: it is never changed). */
const noServerTools: PricedServerTools = Object.freeze({ usd: Object.freeze({}), notes: Object.freeze([]), unpriced: Object.freeze([]) });

/** A USD-per-million-token price that steps up when the request's total input exceeds `above`. */
export interface TieredRate {
	readonly base: number;
	/** Ascending by `above`; the last tier whose `above` is below the total input applies. */
	readonly tiers: readonly { readonly above: number; readonly price: number }[];
}

/** Everything needed to price a call of one model (see {@link computeCost}). */
export interface ModelRates {
	readonly input: TieredRate;
	/** Absent: the model bills no output (embeddings); a call with output tokens is then unpriced. */
	readonly output?: TieredRate;
	readonly cacheRead?: TieredRate;
	readonly cacheWrite5m?: TieredRate;
	readonly cacheWrite1h?: TieredRate;
	/** Only for models that price reasoning tokens apart from other output. */
	readonly reasoning?: TieredRate;
	/** USD per call. */
	readonly perRequest?: number;
	/** USD per use of a provider-run tool, by tool name. */
	readonly serverTools?: Readonly<Record<string, number>>;
}

export interface CostRules {
	/** The entry's name in notes, e.g. "anthropic/claude-opus-4-6". */
	readonly label: string;
	readonly batch: boolean;
	/** Known batch discount of this entry (0.5 = half price). */
	readonly batchDiscount?: number;
	/** Which batch API the discount comes from, for the note. */
	readonly batchLabel?: string;
	/** How to price 1-hour writes when the entry has no 1-hour price. */
	readonly oneHourFallback: 'twiceInput' | 'fiveMinuteWrite';
	/** Why a server tool without a fee costs nothing per use, when the provider documents it. */
	readonly freeServerTool?: (tool: string) => string | undefined;
}

export type ComputedCost =
	| {
			readonly kind: 'priced';
			readonly usd: number;
			readonly breakdown: CostBreakdown;
			/** The prices actually multiplied, after tier and batch discount. */
			readonly rates: TokenPrices;
			readonly notes: string[];
			readonly estimated: boolean;
			/** Server-tool uses without a known fee (excluded from `usd`). */
			readonly unpricedFees: readonly UnpricedFee[];
	  }
	| { readonly kind: 'missingPrice'; readonly reason: string };

/** The price of `rate` for a request whose total input is `totalInput` tokens. */
export function rateAt(rate: TieredRate, totalInput: number): number {
	let price = rate.base;
	for (const tier of rate.tiers) if (totalInput > tier.above) price = tier.price;
	return price;
}

const perMillion = 1_000_000;

const count = formatTokens;

/** Prices one call. Pure; `usage` must already be normalized (see `usage.ts`). */
export function computeCost(rates: ModelRates, usage: Usage, rules: CostRules): ComputedCost {
	const notes: string[] = [];
	let estimated = false;
	const total = usage.input;

	const cachedParts = usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h;
	if (cachedParts > total) {
		notes.push(
			`inconsistent usage: cache reads + writes (${count(cachedParts)}) exceed the total input (${count(total)}); uncached input counted as 0 — check how the usage was normalized (input must INCLUDE cache reads/writes)`,
		);
		estimated = true;
	}
	const uncached = Math.max(0, total - cachedParts);

	if (usage.output > 0 && rates.output === undefined) {
		return { kind: 'missingPrice', reason: `${rules.label} has no output price in the price data, but the call produced ${count(usage.output)} output tokens` };
	}

	// Whole-request repricing: one tier decision, on the total input, for every component.
	const inTier = [rates.input, rates.output, rates.cacheRead, rates.cacheWrite5m, rates.cacheWrite1h, rates.reasoning].some(r => r !== undefined && rateAt(r, total) !== r.base);

	const input = rateAt(rates.input, total);
	const output = rates.output ? rateAt(rates.output, total) : 0;
	let cacheRead: number;
	if (rates.cacheRead) cacheRead = rateAt(rates.cacheRead, total);
	else {
		cacheRead = input;
		if (usage.cacheRead > 0) notes.push(`${rules.label} has no cache-read price: ${count(usage.cacheRead)} cache-read tokens billed at the input price`);
	}
	let cacheWrite5m: number;
	if (rates.cacheWrite5m) cacheWrite5m = rateAt(rates.cacheWrite5m, total);
	else {
		cacheWrite5m = input;
		if (usage.cacheWrite5m > 0) notes.push(`${rules.label} has no cache-write price: ${count(usage.cacheWrite5m)} cache-write tokens billed at the input price`);
	}
	let cacheWrite1h: number;
	if (rates.cacheWrite1h) cacheWrite1h = rateAt(rates.cacheWrite1h, total);
	else if (rules.oneHourFallback === 'twiceInput') {
		cacheWrite1h = 2 * input;
		if (usage.cacheWrite1h > 0) {
			notes.push(`${rules.label} has no 1-hour cache-write price: ${count(usage.cacheWrite1h)} 1-hour writes billed at 2× the input price (Anthropic's published multiplier)`);
			estimated = true;
		}
	} else {
		cacheWrite1h = cacheWrite5m;
		if (usage.cacheWrite1h > 0) {
			notes.push(`${rules.label} has no 1-hour cache-write price: ${count(usage.cacheWrite1h)} 1-hour writes billed at the 5-minute write price`);
			estimated = true;
		}
	}
	const reasoning = rates.reasoning ? rateAt(rates.reasoning, total) : undefined;

	if (inTier) {
		const thresholds = [rates.input, rates.output, rates.cacheRead, rates.cacheWrite5m, rates.cacheWrite1h]
			.flatMap(r => (r ? r.tiers.filter(t => total > t.above).map(t => t.above) : []))
			.reduce((a, b) => Math.max(a, b), 0);
		const parts = [`input ${formatPerMtok(input)}`];
		if (rates.cacheRead) parts.push(`cache read ${formatPerMtok(cacheRead)}`);
		if (rates.cacheWrite5m) parts.push(`5m cache write ${formatPerMtok(cacheWrite5m)}`);
		if (rates.cacheWrite1h) parts.push(`1h cache write ${formatPerMtok(cacheWrite1h)}`);
		if (rates.output) parts.push(`output ${formatPerMtok(output)}`);
		notes.push(
			`long-context price: total input ${count(total)} tokens (uncached + cache reads + cache writes) is above ${count(thresholds)}, so the whole request is billed at the long-context rates (${parts.join(', ')} per Mtok)`,
		);
	}

	let factor = 1;
	if (rules.batch) {
		if (rules.batchDiscount !== undefined) {
			factor = 1 - rules.batchDiscount;
			notes.push(`batch: ${Math.round(rules.batchDiscount * 100)}% off every token price${rules.batchLabel ? ` (${rules.batchLabel})` : ''}`);
		} else {
			notes.push(`batch requested, but no batch discount is known for ${rules.label}: priced at standard rates (set "batchDiscount" in a price override)`);
			estimated = true;
		}
	}

	const billedReasoning = reasoning !== undefined ? Math.min(usage.reasoning, usage.output) : 0;
	if (usage.reasoning > usage.output) {
		notes.push(`inconsistent usage: reasoning tokens (${count(usage.reasoning)}) exceed output tokens (${count(usage.output)}); output already includes reasoning, so only output is billed`);
		estimated = true;
	}
	if (usage.reasoning > 0) {
		notes.push(
			reasoning !== undefined
				? `${count(billedReasoning)} reasoning tokens billed at ${rules.label}'s reasoning price ${formatPerMtok(reasoning * factor)}/Mtok`
				: `${count(Math.min(usage.reasoning, usage.output))} reasoning tokens are part of the ${count(usage.output)} output tokens and billed at the output price`,
		);
	}

	const applied: TokenPrices = {
		input: input * factor,
		...(rates.output && { output: output * factor }),
		cacheRead: cacheRead * factor,
		cacheWrite5m: cacheWrite5m * factor,
		cacheWrite1h: cacheWrite1h * factor,
		...(reasoning !== undefined && { reasoning: reasoning * factor }),
		...(rates.perRequest !== undefined && { perRequest: rates.perRequest }),
		...(rates.serverTools !== undefined && { serverTools: rates.serverTools }),
	};
	const breakdown: { -readonly [K in keyof CostBreakdown]: CostBreakdown[K] } = {
		input: (uncached * input * factor) / perMillion,
		cacheRead: (usage.cacheRead * cacheRead * factor) / perMillion,
		cacheWrite5m: (usage.cacheWrite5m * cacheWrite5m * factor) / perMillion,
		cacheWrite1h: (usage.cacheWrite1h * cacheWrite1h * factor) / perMillion,
		output: (((usage.output - billedReasoning) * output + billedReasoning * (reasoning ?? 0)) * factor) / perMillion,
	};
	if (rates.perRequest !== undefined && rates.perRequest > 0) {
		breakdown.request = rates.perRequest;
		notes.push(`per-request fee of $${rates.perRequest} (${rules.label} bills each call)`);
	}
	// Most calls use no server tool: nothing to price (and nothing to allocate: replays price every step).
	const tools = usage.serverTools === undefined ? noServerTools : priceServerTools(usage.serverTools, rates.serverTools, rules.freeServerTool ?? (() => undefined), rules.label);
	if (tools.notes.length > 0) notes.push(...tools.notes);
	let fees = 0;
	for (const v of Object.values(tools.usd)) fees += v;
	if (tools !== noServerTools && Object.keys(tools.usd).length > 0) breakdown.serverTools = tools.usd;
	const usd = breakdown.input + breakdown.cacheRead + breakdown.cacheWrite5m + breakdown.cacheWrite1h + breakdown.output + (breakdown.request ?? 0) + fees;
	return { kind: 'priced', usd, breakdown, rates: applied, notes, estimated, unpricedFees: tools.unpriced };
}
