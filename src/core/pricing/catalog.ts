/**
 * The price catalog: user overrides on top of the bundled `@pydantic/genai-prices` dataset.
 * Lookup comes from the dataset (`genaiPricesData.ts`), arithmetic from `costModel.ts`; this module
 * decides which entry prices a call and turns "no price" into an explicit, actionable result.
 */
import { InputError } from '../lib/errors';
import { computeCost, type ModelRates, rateAt, type TieredRate } from './costModel';
import { datasetRates, datasetSource, findDatasetModel, type DatasetMatch, selectModelPrice, type SupplementedRates, supplementRates } from './genaiPricesData';
import { createOverrideMatcher, type PriceOverride, type PriceOverrides } from './overrides';
import { documentedFreeTool } from './serverToolFees';
import type { CostOptions, CostResult, ModelPriceInfo, PriceCatalog, TokenPrices, UnpricedModel } from './types';
import type { Usage } from './usage';

export interface PriceCatalogOptions {
	/** Already merged (setting over workspace file, see `mergePriceOverrides`); they win over the dataset. */
	readonly overrides?: PriceOverrides;
	/** The clock for calls without `at` (historic prices); injected so pricing stays deterministic in tests. */
	readonly now?: () => Date;
}

/** The catalog `createPriceCatalog` returns: `describe` is always there. */
export type FullPriceCatalog = Required<PriceCatalog>;

/**
 * Batch discounts the dataset does not carry, by dataset provider id: OpenAI Batch API and
 * Anthropic Message Batches are 50% off input and output (cache prices included — Anthropic
 * documents that the modifiers stack; OpenAI's batch price list halves cached input too); Gemini
 * Batch Mode is 50% off as well.
 */
const batchDiscounts: Readonly<Record<string, { discount: number; label: string }>> = {
	openai: { discount: 0.5, label: 'OpenAI Batch API' },
	anthropic: { discount: 0.5, label: 'Anthropic Message Batches API' },
	google: { discount: 0.5, label: 'Gemini Batch Mode' },
};

const overrideSource = 'override';

interface Resolved {
	readonly kind: 'resolved';
	readonly priceId: string;
	readonly provider?: string;
	readonly name?: string;
	readonly contextWindow?: number;
	readonly source: string;
	readonly fromOverride: boolean;
	readonly free: boolean;
	readonly rates: ModelRates;
	readonly batchDiscount?: number;
	readonly batchLabel?: string;
	readonly oneHourFallback: 'twiceInput' | 'fiveMinuteWrite';
	readonly notes: readonly string[];
	/** Where a long-context tier comes from when the dataset lacks it; noted when the tier applies. */
	readonly tierBasis?: string;
}

/** The hint every "no price" result carries: the two places a user can add one. */
function unpricedHint(model: string): string {
	const example = JSON.stringify({ [model || 'my-model']: { input: 3, output: 15 } });
	return `Add a price for it to the setting agentCost.pricing.overrides or to the workspace file .agent-cost/prices.json, e.g. ${example} (USD per million tokens).`;
}

function unpriced(model: string, reason: string): UnpricedModel {
	return { kind: 'unpriced', model, reason, hint: unpricedHint(model) };
}

function isClaude(id: string): boolean {
	return /claude/i.test(id);
}

function overrideRates(o: PriceOverride): ModelRates {
	const lc = o.longContext;
	const rate = (base: number | undefined, field: 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h'): TieredRate | undefined => {
		const tierPrice = lc?.[field];
		// A long-context cache price without a base one: below the threshold those tokens cost input.
		const effectiveBase = base ?? (tierPrice !== undefined ? o.input : undefined);
		if (effectiveBase === undefined) return undefined;
		return { base: effectiveBase, tiers: lc && tierPrice !== undefined ? [{ above: lc.threshold, price: tierPrice }] : [] };
	};
	const output = rate(o.output, 'output');
	const cacheRead = rate(o.cacheRead, 'cacheRead');
	const cacheWrite5m = rate(o.cacheWrite, 'cacheWrite');
	const cacheWrite1h = rate(o.cacheWrite1h, 'cacheWrite1h');
	const serverTools = o.serverToolFees && Object.fromEntries(Object.entries(o.serverToolFees).map(([tool, perThousand]) => [tool, perThousand / 1000]));
	return {
		input: rate(o.input, 'input') as TieredRate,
		...(output && { output }),
		...(cacheRead && { cacheRead }),
		...(cacheWrite5m && { cacheWrite5m }),
		...(cacheWrite1h && { cacheWrite1h }),
		...(serverTools && { serverTools }),
	};
}

function checkUsage(usage: Usage): void {
	for (const key of ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning'] as const) {
		const v = usage[key];
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
			throw new InputError('badArgument', `usage.${key} must be a non-negative token count, got ${String(v)}`);
		}
	}
	for (const [tool, v] of Object.entries(usage.serverTools ?? {})) {
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InputError('badArgument', `usage.serverTools.${tool} must be a non-negative number of uses, got ${String(v)}`);
	}
}

function pricesAt(rates: ModelRates, totalInput: number): TokenPrices {
	const at = (r: TieredRate | undefined) => (r === undefined ? undefined : rateAt(r, totalInput));
	const [output, cacheRead, cacheWrite5m, cacheWrite1h, reasoning] = [rates.output, rates.cacheRead, rates.cacheWrite5m, rates.cacheWrite1h, rates.reasoning].map(at);
	return {
		input: rateAt(rates.input, totalInput),
		...(output !== undefined && { output }),
		...(cacheRead !== undefined && { cacheRead }),
		...(cacheWrite5m !== undefined && { cacheWrite5m }),
		...(cacheWrite1h !== undefined && { cacheWrite1h }),
		...(reasoning !== undefined && { reasoning }),
		...(rates.perRequest !== undefined && { perRequest: rates.perRequest }),
		...(rates.serverTools !== undefined && { serverTools: rates.serverTools }),
	};
}

function thresholds(rates: ModelRates): number[] {
	const all = [rates.input, rates.output, rates.cacheRead, rates.cacheWrite5m, rates.cacheWrite1h, rates.reasoning].flatMap(r => (r ? r.tiers.map(t => t.above) : []));
	return [...new Set(all)].sort((a, b) => a - b);
}

/** Resolved lookups are few (one per distinct model id) but asked for on every priced call. */
const maxCachedLookups = 2000;

/**
 * A catalog over the bundled dataset with `overrides` on top. Overrides win; `source` is then
 * "override" and `priceId` "override:<key>". Unknown models are never $0: `cost` and `describe`
 * return `{kind: 'unpriced', reason, hint}`.
 */
export function createPriceCatalog(options: PriceCatalogOptions = {}): FullPriceCatalog {
	const matchOverride = createOverrideMatcher(options.overrides ?? {});
	const now = options.now ?? (() => new Date());
	const lookups = new Map<string, DatasetMatch | null>();
	type CachedRates = { kind: 'noTokenPrice' } | (SupplementedRates & { kind: 'rates'; free: boolean });
	// Keyed by the dataset's price record AND the entry id: a provider can borrow another's record.
	const ratesCache = new WeakMap<object, Map<string, CachedRates>>();

	const overrideRatesCache = new Map<string, ModelRates>();
	function overrideRatesFor(key: string, o: PriceOverride): ModelRates {
		let rates = overrideRatesCache.get(key);
		if (!rates) overrideRatesCache.set(key, (rates = overrideRates(o)));
		return rates;
	}

	function findInDataset(model: string, provider: string | undefined): DatasetMatch | undefined {
		const key = `${provider ?? ''}\u0000${model}`;
		let found = lookups.get(key);
		if (found === undefined) {
			if (lookups.size >= maxCachedLookups) lookups.clear();
			found = findDatasetModel(model, provider) ?? null;
			lookups.set(key, found);
		}
		return found ?? undefined;
	}

	/**
	 * Resolutions that cannot depend on the date (an override, or a dataset model with one price):
	 * a replay prices every step of every scenario, and resolving is most of a price's cost.
	 */
	const timeless = new Map<string, Resolved | UnpricedModel>();

	function resolve(model: string, at: Date, provider: string | undefined): Resolved | UnpricedModel {
		const key = `${provider ?? ''}\u0000${model}`;
		const known = timeless.get(key);
		if (known) return known;
		const r = resolveAt(model, at, provider);
		const match = r.kind === 'resolved' && !r.fromOverride ? findInDataset(model, provider) : undefined;
		if (r.kind === 'resolved' && (r.fromOverride || (match && !Array.isArray(match.model.prices)))) {
			if (timeless.size >= maxCachedLookups) timeless.clear();
			timeless.set(key, r);
		}
		return r;
	}

	function resolveAt(model: string, at: Date, provider: string | undefined): Resolved | UnpricedModel {
		if (model.trim() === '') return unpriced(model, 'no model id was given');
		const override = matchOverride(model, provider);
		if (override) {
			const o = override.override;
			return {
				kind: 'resolved',
				priceId: `override:${override.key}`,
				contextWindow: o.contextWindow,
				source: overrideSource,
				fromOverride: true,
				free: o.input === 0 && o.output === 0 && !o.longContext,
				rates: overrideRatesFor(override.key, o),
				batchDiscount: o.batchDiscount,
				batchLabel: o.batchDiscount !== undefined ? 'from the override' : undefined,
				oneHourFallback: isClaude(model) ? 'twiceInput' : 'fiveMinuteWrite',
				notes: [`priced by the override "${override.key}" (overrides win over the ${datasetSource} data)`],
			};
		}
		const match = findInDataset(model, provider);
		if (!match) {
			return unpriced(model, `"${model}"${provider ? ` (provider "${provider}")` : ''} is not in the price data (${datasetSource})`);
		}
		const selected = selectModelPrice(match.model, at);
		const priceId = `${match.provider.id}/${match.model.id}`;
		let byId = ratesCache.get(selected.price);
		if (!byId) ratesCache.set(selected.price, (byId = new Map()));
		let rates = byId.get(priceId);
		if (!rates) {
			const fromData = datasetRates(match.model, selected.price);
			rates = fromData.kind === 'rates' ? { kind: 'rates', free: fromData.free, ...supplementRates(priceId, fromData.rates) } : fromData;
			byId.set(priceId, rates);
		}
		if (rates.kind === 'noTokenPrice') {
			return unpriced(model, `the price data lists ${priceId} but without a per-token price (it may be subscription-only or billed by other units)`);
		}
		const batch = batchDiscounts[match.provider.id];
		const notes = [...match.notes];
		if (selected.note) notes.push(selected.note);
		return {
			kind: 'resolved',
			priceId,
			provider: match.provider.id,
			name: match.model.name,
			contextWindow: match.model.context_window,
			source: datasetSource,
			fromOverride: false,
			free: rates.free,
			rates: rates.rates,
			batchDiscount: batch?.discount,
			batchLabel: batch?.label,
			oneHourFallback: match.provider.id === 'anthropic' || isClaude(match.model.id) ? 'twiceInput' : 'fiveMinuteWrite',
			notes,
			...(rates.tierBasis !== undefined && { tierBasis: rates.tierBasis }),
		};
	}

	function when(at: Date | undefined): Date {
		const date = at ?? now();
		if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new InputError('badArgument', `invalid date for the price lookup: ${String(at)}`);
		return date;
	}

	return {
		cost(model: string, usage: Usage, costOptions: CostOptions = {}): CostResult {
			checkUsage(usage);
			const r = resolve(model, when(costOptions.at), costOptions.provider);
			if (r.kind === 'unpriced') return r;
			const computed = computeCost(r.rates, usage, {
				label: r.priceId,
				batch: costOptions.batch === true,
				batchDiscount: r.batchDiscount,
				batchLabel: r.batchLabel,
				oneHourFallback: r.oneHourFallback,
				freeServerTool: tool => documentedFreeTool(r.provider ?? costOptions.provider ?? (isClaude(model) ? 'anthropic' : undefined), tool),
			});
			if (computed.kind === 'missingPrice') return unpriced(model, computed.reason);
			const notes = [...r.notes, ...computed.notes];
			if (r.tierBasis && r.rates.input.tiers.some(t => usage.input > t.above)) notes.push(`long-context tier: ${r.tierBasis}`);
			const tokens = usage.input + usage.output;
			if (r.free && tokens > 0 && !r.fromOverride) notes.push(`the price data lists ${r.priceId} as free of charge: $0`);
			return {
				kind: 'priced',
				usd: computed.usd,
				breakdown: computed.breakdown,
				priceId: r.priceId,
				source: r.source,
				notes,
				...(computed.estimated && { estimated: true }),
				rates: computed.rates,
				...(computed.unpricedFees.length > 0 && { unpricedFees: computed.unpricedFees }),
			};
		},

		describe(model: string, describeOptions: Pick<CostOptions, 'at' | 'provider'> = {}): ModelPriceInfo | UnpricedModel {
			const r = resolve(model, when(describeOptions.at), describeOptions.provider);
			if (r.kind === 'unpriced') return r;
			return {
				kind: 'known',
				model,
				priceId: r.priceId,
				...(r.provider !== undefined && { provider: r.provider }),
				...(r.name !== undefined && { name: r.name }),
				...(r.contextWindow !== undefined && { contextWindow: r.contextWindow }),
				source: r.source,
				fromOverride: r.fromOverride,
				free: r.free,
				prices: pricesAt(r.rates, 0),
				longContext: thresholds(r.rates).map(t => ({ aboveInputTokens: t, prices: pricesAt(r.rates, t + 1) })),
				...(r.batchDiscount !== undefined && { batchDiscount: r.batchDiscount }),
				notes: r.notes,
			};
		},
	};
}

let defaultCatalog: FullPriceCatalog | undefined;

/** The dataset without overrides, on the real clock; built once (the dataset is immutable). */
export function defaultPriceCatalog(): FullPriceCatalog {
	defaultCatalog ??= createPriceCatalog();
	return defaultCatalog;
}
