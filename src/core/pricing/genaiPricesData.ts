/**
 * Lookup in the bundled `@pydantic/genai-prices` dataset: which entry prices a model id, and which
 * of its prices applied at a given date. The dataset's own `calcPrice` is used only to FIND the
 * entry (its provider and model matching handles dated ids, `provider:model`, LiteLLM prefixes and
 * provider fallbacks); the arithmetic is ours (`costModel.ts`) so every rule is explicit.
 */
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { InputError } from '../lib/errors';
import type { ModelRates, TieredRate } from './costModel';
import { datasetToolFees } from './serverToolFees';

/** The pinned dataset version (package.json pins it exactly; a unit test keeps the two in sync). */
export const genaiPricesVersion = '0.1.8';
export const datasetSource = `@pydantic/genai-prices ${genaiPricesVersion}`;

export interface DatasetMatch {
	readonly provider: Provider;
	readonly model: ModelInfo;
	/** How the entry was found, when that is not obvious from its id (provider fallbacks). */
	readonly notes: readonly string[];
}

/** Bedrock model ids: `anthropic.claude-…-v1:0`, `us.meta.llama…`, `global.anthropic.…`. */
const bedrockId = /^(?:[a-z]{2,6}\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|twelvelabs)\./i;

/** Model makers, in the order an ambiguous bare id is attributed to them. */
const firstPartyProviders = ['openai', 'anthropic', 'google', 'mistral', 'x-ai', 'deepseek', 'cohere', 'moonshotai', 'zhipuai', 'minimax', 'voyageai'];

function lookup(model: string, providerId: string | undefined): DatasetMatch | undefined {
	try {
		// Empty usage: we only want the entry; calcPrice's own arithmetic is discarded.
		const r = calcPrice({}, model, providerId ? { providerId } : {});
		return r ? { provider: r.provider, model: r.model, notes: [] } : undefined;
	} catch {
		// A malformed entry in the data must not crash pricing: treat it as "not found".
		return undefined;
	}
}

let modelIds: readonly string[] | undefined;

/**
 * The model ids of the model makers' own price lists and OpenRouter's (`vendor/model`): the names a
 * user types. Built once; the dataset is immutable.
 */
export function datasetModelIds(): readonly string[] {
	modelIds ??= [...firstPartyProviders, 'openrouter'].flatMap(id => findProvider({ providerId: id })?.models.map(m => m.id) ?? []);
	return modelIds;
}

function isKnownProvider(id: string): boolean {
	return findProvider({ providerId: id }) !== undefined;
}

/**
 * Finds the dataset entry for `model`, trying in order: the given provider; `provider:model`;
 * the id alone (the dataset's model-name matching); `provider/model` (LiteLLM and Inspect
 * prefixes such as `openai/gpt-4o-mini`, `google/gemini-3-pro-preview`,
 * `openrouter/openai/gpt-4o-mini`); OpenRouter's `vendor/model` ids; Bedrock ids; finally the
 * model makers' own lists (for ids their provider-level pattern misses, e.g. `text-embedding-3-small`).
 */
export function findDatasetModel(model: string, providerHint?: string): DatasetMatch | undefined {
	const id = model.trim();
	if (id === '') return undefined;
	const hint = providerHint?.trim().toLowerCase() || undefined;
	const tries: { model: string; provider?: string }[] = [];
	if (hint) tries.push({ model: id, provider: hint });
	const colon = /^([a-z0-9_.-]+):(.+)$/i.exec(id);
	if (colon && isKnownProvider(colon[1]!)) tries.push({ model: colon[2]!, provider: colon[1]! });
	tries.push({ model: id });
	const slash = id.indexOf('/');
	if (slash > 0) {
		const prefix = id.slice(0, slash);
		const rest = id.slice(slash + 1);
		if (rest && isKnownProvider(prefix)) tries.push({ model: rest, provider: prefix });
		tries.push({ model: id, provider: 'openrouter' });
	}
	if (bedrockId.test(id)) tries.push({ model: id, provider: 'aws' });
	// Last: first-party providers whose provider-level pattern misses some of their own models
	// (OpenAI's covers gpt-/o-series but not text-embedding-3-small, davinci…).
	for (const provider of firstPartyProviders) tries.push({ model: id, provider });

	for (const t of tries) {
		const found = lookup(t.model, t.provider);
		if (!found) continue;
		const notes: string[] = [];
		if (hint && t !== tries[0] && findProvider({ providerId: hint })?.id !== found.provider.id) {
			notes.push(`the price data has no "${hint}" entry for "${id}"; priced as ${found.provider.id}/${found.model.id}`);
		}
		return { ...found, notes };
	}
	return undefined;
}

/** Seconds after UTC midnight of a `HH:MM:SS[.fff](Z|±HH:MM)` time, as the dataset writes them. */
function utcSecondsOfDay(time: string): number | undefined {
	const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
	if (!m) return undefined;
	const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? '0'}`);
	const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 60 + Number(m[8])) * 60;
	return (((local - offset) % 86400) + 86400) % 86400;
}

export interface SelectedPrice {
	readonly price: ModelPrice;
	/** Which of several dated or time-of-day prices applied; absent when the model has one price. */
	readonly note?: string;
}

/**
 * The prices of `model` in effect at `at`: the LAST conditional entry whose constraint holds
 * (start dates are UTC midnights; time-of-day windows are UTC and may wrap midnight), else the
 * first entry — the same selection rule as the dataset's own `calcPrice`, cross-checked in tests.
 */
export function selectModelPrice(model: ModelInfo, at: Date): SelectedPrice {
	if (!Array.isArray(model.prices)) return { price: model.prices };
	if (Number.isNaN(at.getTime())) throw new InputError('badArgument', 'invalid date for historic price lookup');
	const entries = model.prices;
	const secondsOfDay = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
	const day = at.toISOString().slice(0, 10);
	for (let i = entries.length - 1; i >= 0; i--) {
		const { constraint, prices } = entries[i]!;
		if (constraint === undefined) return { price: prices, note: describeDefault(entries, day) };
		if (constraint.type === 'start_date') {
			if (at >= new Date(constraint.start_date)) return { price: prices, note: `price in effect since ${constraint.start_date} (for a call on ${day})` };
		} else if (constraint.type === 'time_of_date') {
			const start = utcSecondsOfDay(constraint.start_time);
			const end = utcSecondsOfDay(constraint.end_time);
			if (start === undefined || end === undefined) continue;
			const inside = end < start ? secondsOfDay >= start || secondsOfDay < end : secondsOfDay >= start && secondsOfDay < end;
			if (inside) return { price: prices, note: `time-of-day price (${constraint.start_time}–${constraint.end_time})` };
		}
	}
	// The bundled dataset has no empty conditional price list (findDatasetModel only returns its models).
	return { price: entries[0]!.prices, note: describeDefault(entries, day) };
}

function describeDefault(entries: readonly { constraint?: { type: string; start_date?: string } }[], day: string): string {
	const firstChange = entries.find(e => e.constraint?.type === 'start_date')?.constraint?.start_date;
	return firstChange ? `price in effect before ${firstChange} (for a call on ${day})` : 'standard-hours price';
}

function toRate(v: ModelPrice[string]): TieredRate | undefined {
	if (v === undefined) return undefined;
	if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? { base: v, tiers: [] } : undefined;
	if (typeof v !== 'object' || v === null || typeof v.base !== 'number' || !Array.isArray(v.tiers)) return undefined;
	const tiers = v.tiers
		.filter(t => typeof t.start === 'number' && typeof t.price === 'number')
		.map(t => ({ above: t.start, price: t.price }))
		.sort((a, b) => a.above - b.above);
	return { base: v.base, tiers };
}

export type DatasetRates = { readonly kind: 'rates'; readonly rates: ModelRates; readonly free: boolean } | { readonly kind: 'noTokenPrice' };

/** Marked free by the dataset: OpenRouter's `:free` variants, "(free)" in the name. */
function listedAsFree(model: ModelInfo): boolean {
	return /:free$/i.test(model.id) || /\(free\)/i.test(model.name ?? '');
}

/**
 * Our rate model from a dataset price record. An entry with no token prices is free only when the
 * dataset says so; otherwise it has no usable price (subscription-only or non-token billing).
 */
export function datasetRates(model: ModelInfo, price: ModelPrice): DatasetRates {
	const input = toRate(price.input_mtok);
	const output = toRate(price.output_mtok);
	if (input === undefined && output === undefined) {
		const hasAnyPrice = Object.values(price).some(v => v !== undefined);
		if (!hasAnyPrice && listedAsFree(model)) return { kind: 'rates', rates: { input: { base: 0, tiers: [] }, output: { base: 0, tiers: [] } }, free: true };
		return { kind: 'noTokenPrice' };
	}
	if (input === undefined) return { kind: 'noTokenPrice' };
	const requests = typeof price.requests_kcount === 'number' ? price.requests_kcount / 1000 : undefined;
	const serverTools = datasetToolFees(price);
	const rates: ModelRates = {
		input,
		...(output && { output }),
		...(toRate(price.cache_read_mtok) && { cacheRead: toRate(price.cache_read_mtok) }),
		...((toRate(price.cache_write_5m_mtok) ?? toRate(price.cache_write_mtok)) && {
			cacheWrite5m: toRate(price.cache_write_5m_mtok) ?? toRate(price.cache_write_mtok),
		}),
		...(toRate(price.cache_write_1h_mtok) && { cacheWrite1h: toRate(price.cache_write_1h_mtok) }),
		...(toRate(price.output_reasoning_mtok) && { reasoning: toRate(price.output_reasoning_mtok) }),
		...(requests !== undefined && { perRequest: requests }),
		...(serverTools !== undefined && { serverTools }),
	};
	const free = input.base === 0 && input.tiers.length === 0 && (output === undefined || (output.base === 0 && output.tiers.length === 0));
	return { kind: 'rates', rates, free };
}

/**
 * Known gaps in the pinned dataset, filled from the provider's own price page. A supplement only
 * applies while the dataset entry has no tiers of its own, and a unit test fails once the dataset
 * gains them, so the supplement is then deleted rather than left to drift.
 */
const longContextSupplements: Readonly<Record<string, { readonly above: number; readonly basis: string }>> = {
	// Anthropic's pricing page: Sonnet 4 with the 1M-context beta bills requests above 200k input
	// tokens at $6 input / $22.50 output, cache prices scaled like input (the dataset has this tier
	// for Sonnet 4.5 but not for Sonnet 4).
	'anthropic/claude-sonnet-4-0': { above: 200_000, basis: "Anthropic's long-context price for Sonnet 4 (not in the price data)" },
};

export interface SupplementedRates {
	readonly rates: ModelRates;
	/** Set when a supplement added a tier: say so whenever that tier is used. */
	readonly tierBasis?: string;
}

/** The dataset rates of `priceId` with any known gap filled (see `longContextSupplements`). */
export function supplementRates(priceId: string, rates: ModelRates): SupplementedRates {
	const supplement = longContextSupplements[priceId];
	const hasTiers = [rates.input, rates.output, rates.cacheRead, rates.cacheWrite5m, rates.cacheWrite1h].some(r => r && r.tiers.length > 0);
	if (!supplement || hasTiers) return { rates };
	const scaled = (r: TieredRate | undefined, factor: number): TieredRate | undefined => r && { base: r.base, tiers: [{ above: supplement.above, price: r.base * factor }] };
	return {
		rates: {
			...rates,
			input: scaled(rates.input, 2) as TieredRate,
			...(rates.output && { output: scaled(rates.output, 1.5) }),
			...(rates.cacheRead && { cacheRead: scaled(rates.cacheRead, 2) }),
			...(rates.cacheWrite5m && { cacheWrite5m: scaled(rates.cacheWrite5m, 2) }),
			...(rates.cacheWrite1h && { cacheWrite1h: scaled(rates.cacheWrite1h, 2) }),
		},
		tierBasis: supplement.basis,
	};
}

/** For the test that retires supplements once the dataset catches up. */
export const supplementedPriceIds: readonly string[] = Object.keys(longContextSupplements);
