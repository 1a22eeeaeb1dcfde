import type { PricingPort } from '../../src/core/ports/pricing';
import type { TokenCounter } from '../../src/core/ports/tokenCounter';
import type { CostResult, ModelPriceInfo, UnpricedModel } from '../../src/core/pricing/types';
import type { Usage } from '../../src/core/pricing/usage';
import { uncachedInput } from '../../src/core/pricing/usage';
import type { ChatMessageLike, TokenCount } from '../../src/core/tokens/types';

/** USD per million tokens: [input, output]; cache read 0.1×, 5-minute write 1.25×, 1-hour write 2× input. */
const fakePrices: Record<string, [number, number]> = {
	'gpt-4o-mini': [0.15, 0.6],
	'gpt-4o': [2.5, 10],
	'claude-opus-4-6': [5, 25],
	'claude-sonnet-4-5': [3, 15],
};

/** A hand-checkable price catalog for policy tests (the real one is `src/core/pricing/catalog.ts`). */
export const fakePricing: PricingPort = {
	cost(model: string, u: Usage): CostResult {
		const p = fakePrices[model];
		if (!p) return { kind: 'unpriced', model, reason: 'not in the test table', hint: 'add it to fakePrices' };
		const m = 1e-6;
		const breakdown = {
			input: uncachedInput(u) * p[0] * m,
			cacheRead: u.cacheRead * p[0] * 0.1 * m,
			cacheWrite5m: u.cacheWrite5m * p[0] * 1.25 * m,
			cacheWrite1h: u.cacheWrite1h * p[0] * 2 * m,
			output: u.output * p[1] * m,
		};
		const usd = breakdown.input + breakdown.cacheRead + breakdown.cacheWrite5m + breakdown.cacheWrite1h + breakdown.output;
		return { kind: 'priced', usd, breakdown, priceId: model, source: 'test', notes: [] };
	},
	describe(model: string): ModelPriceInfo | UnpricedModel {
		const p = fakePrices[model];
		if (!p) return { kind: 'unpriced', model, reason: 'not in the test table', hint: 'add it to fakePrices' };
		return {
			kind: 'known',
			model,
			priceId: model,
			source: 'test',
			fromOverride: false,
			free: false,
			prices: { input: p[0], output: p[1] },
			longContext: [],
			notes: [],
			contextWindow: model.startsWith('claude') ? 200_000 : 128_000,
		};
	},
};

/**
 * A deterministic counter: one token per whitespace-separated word (so test texts are countable by
 * eye), plus 4 tokens per chat message and 3 for the reply primer, like OpenAI's chat overhead.
 */
export const wordCounter: TokenCounter = {
	countText(_model: string, text: string): TokenCount {
		const words = text.split(/\s+/).filter(Boolean).length;
		return { tokens: words, exact: true, method: 'heuristic-estimate' };
	},
	countChat(model: string, messages: readonly ChatMessageLike[]): TokenCount {
		let n = 3;
		for (const m of messages) n += 4 + wordCounter.countText(model, m.content).tokens;
		return { tokens: n, exact: true, method: 'heuristic-estimate' };
	},
};

/** Text of exactly `n` words. */
export function words(n: number, word = 'lorem'): string {
	return Array.from({ length: n }, () => word).join(' ');
}
