/**
 * "Did you mean…?" for model ids: the ids the price catalog knows (bundled dataset + override keys)
 * closest to a typo'd one, by edit distance. A typo must be an error that names the likely model,
 * never a silent estimate or a "no price" that reads like a saving.
 */
import { datasetModelIds, findDatasetModel } from './genaiPricesData';
import { createOverrideMatcher, type PriceOverrides } from './overrides';

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `gtp-4o` is one
 * edit from `gpt-4o`), stopping early once every cell of a row exceeds `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
	if (Math.abs(a.length - b.length) > limit) return limit + 1;
	let prev2: number[] = [];
	let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		let best = i;
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
			row.push(d);
			if (d < best) best = d;
		}
		if (best > limit) return limit + 1;
		prev2 = prev;
		prev = row;
	}
	return prev[b.length]!;
}

/**
 * True when the catalog can name `model`: an override matches it, or the dataset lists it (with a
 * price or not: a listed model without token prices is a known model, merely unpriced).
 */
export function isKnownModel(model: string, overrides: PriceOverrides = {}, provider?: string): boolean {
	return createOverrideMatcher(overrides)(model, provider) !== undefined || findDatasetModel(model, provider) !== undefined;
}

/** Every model id a catalog with `overrides` can price by name (globs excluded: they name no model). */
export function knownModelIds(overrides: PriceOverrides = {}): string[] {
	return [...new Set([...Object.keys(overrides).filter(k => !k.includes('*')), ...datasetModelIds()])];
}

/**
 * Up to `max` known ids closest to `model` (case-insensitive), nearest first; none when nothing is
 * within a few edits (a long id tolerates more: a quarter of its length, at least 2).
 */
export function suggestModelIds(model: string, candidates: readonly string[] = knownModelIds(), max = 3): string[] {
	const query = model.trim().toLowerCase();
	// The id itself is no suggestion (a listed model without a price is unpriced, not misspelled).
	if (query === '') return [];
	const limit = Math.max(2, Math.floor(query.length / 4));
	const scored: { id: string; distance: number }[] = [];
	const seen = new Set<string>();
	for (const id of candidates) {
		const lower = id.toLowerCase();
		if (seen.has(lower) || lower === query) continue;
		seen.add(lower);
		const distance = editDistance(query, lower, limit);
		if (distance <= limit) scored.push({ id, distance });
	}
	scored.sort((x, y) => x.distance - y.distance || Math.abs(x.id.length - query.length) - Math.abs(y.id.length - query.length) || x.id.localeCompare(y.id));
	return scored.slice(0, max).map(s => s.id);
}

/** One sentence for an unknown model: what was asked, the closest known ids, how to add a price. */
export function unknownModelMessage(model: string, suggestions: readonly string[]): string {
	const closest = suggestions.length > 0 ? `; did you mean ${suggestions.map(s => `"${s}"`).join(', ')}?` : '; no known model id is close to it';
	return `unknown model "${model}": the price data and your overrides have no such id${closest} (a private model needs a price in agentCost.pricing.overrides or .agent-cost/prices.json)`;
}
