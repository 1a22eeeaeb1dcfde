import * as assert from 'node:assert/strict';
import { createPriceCatalog, defaultPriceCatalog, type FullPriceCatalog } from '../../../src/core/pricing/catalog';
import { parsePriceOverrides } from '../../../src/core/pricing/overrides';
import type { CostOptions, CostResult, ModelPriceInfo } from '../../../src/core/pricing/types';
import { fromAnthropicUsage, fromOpenAIChatUsage, fromOpenAIResponsesUsage, type Usage, zeroUsage } from '../../../src/core/pricing/usage';
import { InputError } from '../../../src/core/lib/errors';

/**
 * The price rules, pinned by worked examples computed by hand (in the comments) from the published
 * prices in @pydantic/genai-prices 0.1.8. Prices are USD per million tokens (Mtok), so
 * `tokens × price / 1e6` is each component's cost.
 */

const usage = (u: Partial<Usage>): Usage => ({ ...zeroUsage, ...u });
/** A fixed clock: pricing must not depend on the day the tests run. */
const june2026 = () => new Date('2026-06-01T12:00:00Z');
const catalog = createPriceCatalog({ now: june2026 });

type Priced = Extract<CostResult, { kind: 'priced' }>;

function priced(model: string, u: Usage, options?: CostOptions, cat: FullPriceCatalog = catalog): Priced {
	const r = cat.cost(model, u, options);
	assert.equal(r.kind, 'priced', r.kind === 'unpriced' ? `${model}: ${r.reason}` : '');
	return r as Priced;
}

/** Money comparisons: exact up to floating-point noise (1e-12 USD). */
function assertUsd(actual: number, expected: number, what = 'usd'): void {
	assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: expected ${expected}, got ${actual}`);
}

function known(r: ModelPriceInfo | { kind: 'unpriced'; reason: string }): ModelPriceInfo {
	assert.equal(r.kind, 'known', r.kind === 'unpriced' ? r.reason : '');
	return r as ModelPriceInfo;
}

describe('pricing: cached tokens are never counted twice', () => {
	it('gpt-4o, OpenAI convention: cached_tokens are INSIDE prompt_tokens', () => {
		// prompt_tokens 10,000 of which 6,000 cached; 500 completion tokens. gpt-4o: $2.50 in, $1.25 cached, $10 out.
		//   uncached 4,000 × $2.50 = $0.0100
		//   cached   6,000 × $1.25 = $0.0075
		//   output     500 × $10   = $0.0050
		//   total                   = $0.0225   (a double count would bill 10,000 × $2.50 + 6,000 × $1.25 = $0.0325 + output)
		const u = fromOpenAIChatUsage({ prompt_tokens: 10_000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 6_000 } });
		const r = priced('gpt-4o', u);
		assertUsd(r.breakdown.input, 0.01, 'input');
		assertUsd(r.breakdown.cacheRead, 0.0075, 'cacheRead');
		assertUsd(r.breakdown.output, 0.005, 'output');
		assertUsd(r.usd, 0.0225);
		assert.equal(r.priceId, 'openai/gpt-4o');
		assert.equal(r.source, '@pydantic/genai-prices 0.1.8');
		assert.equal(r.estimated, undefined);
	});

	it('Anthropic usage normalized with fromAnthropicUsage, then priced: input_tokens EXCLUDES cache, so nothing is billed twice', () => {
		// claude-haiku-4-5: $1 in, $0.10 cache read, $1.25 5m write, $5 out.
		// Raw usage: input_tokens 771 (uncached only), cache_read 12,000, cache_creation 2,000 (5m), output 77.
		//   normalized input = 771 + 12,000 + 2,000 = 14,771
		//   uncached    771 × $1    = $0.000771
		//   reads    12,000 × $0.10 = $0.0012
		//   5m write  2,000 × $1.25 = $0.0025
		//   output       77 × $5    = $0.000385
		//   total                   = $0.004856
		const u = fromAnthropicUsage({ input_tokens: 771, cache_read_input_tokens: 12_000, cache_creation_input_tokens: 2_000, output_tokens: 77 });
		assert.equal(u.input, 14_771);
		const r = priced('claude-haiku-4-5-20251001', u);
		assert.equal(r.priceId, 'anthropic/claude-haiku-4-5');
		assertUsd(r.breakdown.input, 0.000771, 'input');
		assertUsd(r.breakdown.cacheRead, 0.0012, 'cacheRead');
		assertUsd(r.breakdown.cacheWrite5m, 0.0025, 'cacheWrite5m');
		assertUsd(r.breakdown.output, 0.000385, 'output');
		assertUsd(r.usd, 0.004856);
	});
});

describe('pricing: long-context tiers reprice the whole request on its TOTAL input', () => {
	it('claude-sonnet-4-5 at 150k total input: base prices', () => {
		// 150,000 total = 50,000 uncached + 100,000 cache reads; 2,000 output. $3 / $0.30 / $15.
		//   50,000 × $3    = $0.15
		//  100,000 × $0.30 = $0.03
		//    2,000 × $15   = $0.03
		//   total          = $0.21
		const r = priced('claude-sonnet-4-5', usage({ input: 150_000, cacheRead: 100_000, output: 2_000 }));
		assertUsd(r.usd, 0.21);
		assert.ok(!r.notes.some(n => n.startsWith('long-context')), r.notes.join('\n'));
	});

	it('claude-sonnet-4-5 at 250k total input: every component at the >200k price, although the uncached part alone is only 50k', () => {
		// 250,000 total = 50,000 uncached + 200,000 cache reads; 2,000 output. >200k: $6 / $0.60 / $22.50.
		//   50,000 × $6    = $0.30
		//  200,000 × $0.60 = $0.12
		//    2,000 × $22.5 = $0.045
		//   total          = $0.465
		const r = priced('claude-sonnet-4-5', usage({ input: 250_000, cacheRead: 200_000, output: 2_000 }));
		assertUsd(r.breakdown.input, 0.3, 'input');
		assertUsd(r.breakdown.cacheRead, 0.12, 'cacheRead');
		assertUsd(r.breakdown.output, 0.045, 'output');
		assertUsd(r.usd, 0.465);
		assert.equal(r.rates?.input, 6);
		assert.equal(r.rates?.output, 22.5);
		const note = r.notes.find(n => n.startsWith('long-context'));
		assert.ok(note && note.includes('250,000') && note.includes('200,000'), r.notes.join('\n'));
	});

	it('the tier is decided from the NORMALIZED Anthropic usage (a tool reading input_tokens alone would miss it)', () => {
		// Raw: input_tokens 50,000 + cache_read 200,000 → total 250,000 > 200,000 → same $0.465 as above.
		const u = fromAnthropicUsage({ input_tokens: 50_000, cache_read_input_tokens: 200_000, output_tokens: 2_000 });
		assertUsd(priced('claude-sonnet-4-5-20250929', u).usd, 0.465);
	});

	it('the threshold is "above": exactly 200,000 is base price, 200,001 is the tier', () => {
		// 200,000 × $3 = $0.60; 200,001 × $6 = $1.200006
		assertUsd(priced('claude-sonnet-4-5', usage({ input: 200_000 })).usd, 0.6);
		assertUsd(priced('claude-sonnet-4-5', usage({ input: 200_001 })).usd, 1.200006);
	});

	it('claude-sonnet-4 (Sonnet 4) gets the same >200k tier, supplied by us because the dataset lacks it, and says so', () => {
		// 250,000 total = 50,000 uncached + 200,000 cache reads; 2,000 output → same arithmetic as Sonnet 4.5: $0.465
		const r = priced('claude-sonnet-4-20250514', usage({ input: 250_000, cacheRead: 200_000, output: 2_000 }));
		assert.equal(r.priceId, 'anthropic/claude-sonnet-4-0');
		assertUsd(r.usd, 0.465);
		assert.ok(
			r.notes.some(n => n.includes("Anthropic's long-context price for Sonnet 4")),
			r.notes.join('\n'),
		);
		// Below the threshold: base price, no supplement note. 150k → $0.21 as for Sonnet 4.5.
		const base = priced('claude-sonnet-4-0', usage({ input: 150_000, cacheRead: 100_000, output: 2_000 }));
		assertUsd(base.usd, 0.21);
		assert.ok(!base.notes.some(n => n.includes('long-context')), base.notes.join('\n'));
	});

	it('Gemini 3 Pro above 200k: cache reads and output also move to the tier', () => {
		// 250,000 total = 150,000 uncached + 100,000 cached; 1,000 output. >200k: $4 / $0.40 / $18.
		//   150,000 × $4    = $0.60
		//   100,000 × $0.40 = $0.04
		//     1,000 × $18   = $0.018
		//   total           = $0.658
		const u = fromOpenAIChatUsage({ prompt_tokens: 250_000, completion_tokens: 1_000, prompt_tokens_details: { cached_tokens: 100_000 } });
		const r = priced('google/gemini-3-pro-preview', u);
		assert.equal(r.priceId, 'google/gemini-3-pro-preview');
		assertUsd(r.usd, 0.658);
	});
});

describe('pricing: 5-minute and 1-hour cache writes', () => {
	it('claude-opus-4-6 with 5m and 1h writes (flat prices since 2026-03-13)', () => {
		// input_tokens 3,000; cache_read 40,000; cache_creation 30,000 = 20,000 (5m) + 10,000 (1h); output 1,000.
		// Opus 4.6: $5 in, $0.50 read, $6.25 5m write, $10 1h write, $25 out.
		//   uncached  3,000 × $5    = $0.015
		//   reads    40,000 × $0.50 = $0.020
		//   5m       20,000 × $6.25 = $0.125
		//   1h       10,000 × $10   = $0.100
		//   output    1,000 × $25   = $0.025
		//   total                   = $0.285
		const u = fromAnthropicUsage({
			input_tokens: 3_000,
			cache_read_input_tokens: 40_000,
			cache_creation_input_tokens: 30_000,
			cache_creation: { ephemeral_5m_input_tokens: 20_000, ephemeral_1h_input_tokens: 10_000 },
			output_tokens: 1_000,
		});
		const r = priced('claude-opus-4-6', u);
		assertUsd(r.breakdown.input, 0.015, 'input');
		assertUsd(r.breakdown.cacheRead, 0.02, 'cacheRead');
		assertUsd(r.breakdown.cacheWrite5m, 0.125, 'cacheWrite5m');
		assertUsd(r.breakdown.cacheWrite1h, 0.1, 'cacheWrite1h');
		assertUsd(r.breakdown.output, 0.025, 'output');
		assertUsd(r.usd, 0.285);
		assert.equal(r.estimated, undefined);
		assert.ok(
			r.notes.some(n => n.includes('since 2026-03-13')),
			r.notes.join('\n'),
		);
	});

	it('claude-opus-4-6 before 2026-03-13 had a >200k tier; after, the same 250k call is flat', () => {
		// 250,000 uncached, 1,000 output.
		//   before: 250,000 × $10 + 1,000 × $37.50 = $2.50 + $0.0375 = $2.5375
		//   after:  250,000 × $5  + 1,000 × $25    = $1.25 + $0.025  = $1.275
		const u = usage({ input: 250_000, output: 1_000 });
		assertUsd(priced('claude-opus-4-6', u, { at: new Date('2026-02-01') }).usd, 2.5375);
		assertUsd(priced('claude-opus-4-6', u, { at: new Date('2026-06-01') }).usd, 1.275);
	});

	it("a Claude entry without a 1-hour price: 1h writes at 2× input (Anthropic's multiplier), noted and marked estimated", () => {
		// Claude Sonnet 4.5 on Vertex (provider google) lists $3 in and $3.75 5m write, but no 1h price.
		//   10,000 1h writes × (2 × $3) = $0.06
		const r = priced('claude-sonnet-4-5', usage({ input: 10_000, cacheWrite1h: 10_000 }), { provider: 'google' });
		assert.equal(r.priceId, 'google/claude-sonnet-4-5');
		assertUsd(r.breakdown.cacheWrite1h, 0.06);
		assert.equal(r.estimated, true);
		assert.ok(
			r.notes.some(n => n.includes('no 1-hour cache-write price') && n.includes('2×')),
			r.notes.join('\n'),
		);
	});

	it('OpenAI has no cache-write price: writes reported by LiteLLM are billed at the input price, with a note', () => {
		// gpt-4o: 1,000 total of which 1,000 written → 1,000 × $2.50 = $0.0025
		const r = priced('gpt-4o', usage({ input: 1_000, cacheWrite5m: 1_000 }));
		assertUsd(r.usd, 0.0025);
		assert.ok(
			r.notes.some(n => n.includes('no cache-write price')),
			r.notes.join('\n'),
		);
	});

	it('a model without a cache-read price bills cache reads as input, with a note', () => {
		// o1-pro: $150 in, no cached price. 1,000 input all read from cache → 1,000 × $150 = $0.15
		const r = priced('o1-pro', usage({ input: 1_000, cacheRead: 1_000 }));
		assertUsd(r.usd, 0.15);
		assert.ok(
			r.notes.some(n => n.includes('no cache-read price')),
			r.notes.join('\n'),
		);
	});
});

describe('pricing: historic prices', () => {
	it('o3 before and after the 2025-06-10 price cut', () => {
		// 1,000 in + 1,000 out.
		//   before: 1,000 × $10 + 1,000 × $40 = $0.05
		//   after:  1,000 × $2  + 1,000 × $8  = $0.01
		const u = usage({ input: 1_000, output: 1_000 });
		const before = priced('o3', u, { at: new Date('2025-06-09T23:59:59Z') });
		const after = priced('o3', u, { at: new Date('2025-06-10T00:00:00Z') });
		assertUsd(before.usd, 0.05);
		assertUsd(after.usd, 0.01);
		assert.ok(
			before.notes.some(n => n.includes('before 2025-06-10')),
			before.notes.join('\n'),
		);
		assert.ok(
			after.notes.some(n => n.includes('since 2025-06-10')),
			after.notes.join('\n'),
		);
	});

	it('without `at`, the injected clock decides', () => {
		const u = usage({ input: 1_000, output: 1_000 });
		assertUsd(priced('o3', u, {}, createPriceCatalog({ now: () => new Date('2025-01-01') })).usd, 0.05);
		assertUsd(priced('o3', u).usd, 0.01);
	});
});

describe('pricing: batch and reasoning', () => {
	it('gpt-4o-mini batch: 50% off input, cached input and output', () => {
		// 100,000 input (20,000 cached), 10,000 output. gpt-4o-mini: $0.15 / $0.075 / $0.60, batch halves each.
		//   80,000 × $0.075  = $0.006
		//   20,000 × $0.0375 = $0.00075
		//   10,000 × $0.30   = $0.003
		//   total            = $0.00975   (standard: $0.0195)
		const u = usage({ input: 100_000, cacheRead: 20_000, output: 10_000 });
		const batch = priced('gpt-4o-mini', u, { batch: true });
		assertUsd(batch.usd, 0.00975);
		assertUsd(priced('gpt-4o-mini', u).usd, 0.0195);
		assert.ok(
			batch.notes.some(n => n.includes('batch: 50% off')),
			batch.notes.join('\n'),
		);
		assert.equal(batch.rates?.input, 0.075);
	});

	it('batch stacks with the long-context tier (Anthropic)', () => {
		// sonnet-4-5, 250,000 uncached: 250,000 × $6 × 0.5 = $0.75
		assertUsd(priced('claude-sonnet-4-5', usage({ input: 250_000 }), { batch: true }).usd, 0.75);
	});

	it('batch where no discount is known: standard price, noted, estimated', () => {
		// OpenRouter's llama-4-maverick: $0.15 in. 1,000,000 × $0.15 = $0.15 (no discount applied)
		const r = priced('meta-llama/llama-4-maverick', usage({ input: 1_000_000 }), { batch: true });
		assertUsd(r.usd, 0.15);
		assert.equal(r.estimated, true);
		assert.ok(
			r.notes.some(n => n.includes('no batch discount is known')),
			r.notes.join('\n'),
		);
	});

	it('reasoning tokens are billed as output, once (Responses usage)', () => {
		// o3 (after June 2025: $2 in, $8 out). input 2,000; output 3,000 of which 2,500 reasoning.
		//   2,000 × $2 = $0.004; 3,000 × $8 = $0.024 → $0.028   (adding reasoning again would give $0.048)
		const u = fromOpenAIResponsesUsage({ input_tokens: 2_000, output_tokens: 3_000, output_tokens_details: { reasoning_tokens: 2_500 } });
		const r = priced('o3', u);
		assertUsd(r.usd, 0.028);
		assert.ok(
			r.notes.some(n => n.includes('2,500 reasoning tokens') && n.includes('output price')),
			r.notes.join('\n'),
		);
	});

	it('a model that prices reasoning separately (perplexity sonar-deep-research)', () => {
		// $2 in, $8 out, $3 reasoning. 1,000 in; 1,000 out of which 600 reasoning.
		//   1,000 × $2 = $0.002; 400 × $8 = $0.0032; 600 × $3 = $0.0018 → $0.007
		const r = priced('sonar-deep-research', usage({ input: 1_000, output: 1_000, reasoning: 600 }), { provider: 'perplexity' });
		assertUsd(r.usd, 0.007);
	});

	it('a per-request fee is added and shown apart (perplexity sonar: $12 per 1,000 requests)', () => {
		// 1,000 × $1 + 1,000 × $1 = $0.002, + $0.012 per request → $0.014
		const r = priced('sonar', usage({ input: 1_000, output: 1_000 }), { provider: 'perplexity' });
		assertUsd(r.breakdown.request ?? NaN, 0.012, 'request');
		assertUsd(r.usd, 0.014);
	});
});

describe('pricing: never a silent $0', () => {
	it('an unknown model is unpriced, with a reason and a hint naming both override places', () => {
		for (const model of ['my-local-llm', 'openai/openrouter-llama-4-maverick', '<synthetic>']) {
			const r = catalog.cost(model, usage({ input: 1_000, output: 10 }));
			assert.equal(r.kind, 'unpriced', model);
			if (r.kind !== 'unpriced') continue;
			assert.equal(r.model, model);
			assert.ok(r.reason.includes(model), r.reason);
			assert.ok(r.hint.includes('agentCost.pricing.overrides') && r.hint.includes('.agent-cost/prices.json'), r.hint);
		}
		assert.equal(catalog.cost('', usage({ input: 1 })).kind, 'unpriced');
	});

	it('a dataset entry without token prices is unpriced unless the dataset lists it as free', () => {
		const copilot = catalog.cost('gpt-4o', usage({ input: 1_000 }), { provider: 'github-copilot' });
		assert.equal(copilot.kind, 'unpriced');
		const free = priced('meta-llama/llama-4-maverick:free', usage({ input: 1_000, output: 100 }));
		assert.equal(free.usd, 0);
		assert.ok(
			free.notes.some(n => n.includes('free of charge')),
			free.notes.join('\n'),
		);
	});

	it('an embedding model (no output price) prices input, and is unpriced if output tokens appear', () => {
		// text-embedding-3-small: 1,000 × $0.02 = $0.00002
		assertUsd(priced('text-embedding-3-small', usage({ input: 1_000 })).usd, 0.00002);
		const r = catalog.cost('text-embedding-3-small', usage({ input: 1_000, output: 5 }));
		assert.equal(r.kind, 'unpriced');
		assert.ok(r.kind === 'unpriced' && r.reason.includes('no output price'));
	});

	it('inconsistent usage (cache parts larger than the total) is priced but flagged', () => {
		const r = priced('gpt-4o', usage({ input: 100, cacheRead: 500 }));
		assert.equal(r.estimated, true);
		assert.ok(
			r.notes.some(n => n.startsWith('inconsistent usage')),
			r.notes.join('\n'),
		);
		assert.equal(r.breakdown.input, 0);
	});

	it('rejects non-numeric or negative usage with a typed error instead of returning NaN', () => {
		assert.throws(
			() => catalog.cost('gpt-4o', usage({ input: -1 })),
			(e: unknown) => InputError.is(e, 'badArgument'),
		);
		assert.throws(
			() => catalog.cost('gpt-4o', usage({ output: Number.NaN })),
			(e: unknown) => InputError.is(e, 'badArgument'),
		);
		assert.throws(
			() => catalog.cost('gpt-4o', usage({ input: 1 }), { at: new Date('nope') }),
			(e: unknown) => InputError.is(e, 'badArgument'),
		);
	});
});

describe('pricing: model ids as agents write them', () => {
	const cases: [string, string | undefined, string][] = [
		['claude-haiku-4-5-20251001', undefined, 'anthropic/claude-haiku-4-5'],
		['claude-sonnet-4-5-20250929', undefined, 'anthropic/claude-sonnet-4-5'],
		['gpt-4o-2024-08-06', undefined, 'openai/gpt-4o'],
		['gpt-4o-mini-2024-07-18', undefined, 'openai/gpt-4o-mini'],
		['openai/gpt-4o-mini', undefined, 'openai/gpt-4o-mini'],
		['anthropic/claude-sonnet-4-5', undefined, 'anthropic/claude-sonnet-4-5'],
		['anthropic:claude-opus-4-6', undefined, 'anthropic/claude-opus-4-6'],
		['google/gemini-3-pro-preview', undefined, 'google/gemini-3-pro-preview'],
		['vertex_ai/gemini-2.5-pro', undefined, 'google/gemini-2.5-pro'],
		['openrouter/openai/gpt-4o-mini', undefined, 'openrouter/openai/gpt-4o-mini'],
		['meta-llama/llama-4-maverick', undefined, 'openrouter/meta-llama/llama-4-maverick'],
		['anthropic/claude-sonnet-4.5', 'openrouter', 'openrouter/anthropic/claude-sonnet-4.5'],
		['us.anthropic.claude-haiku-4-5-20251001-v1:0', undefined, 'aws/regional.anthropic.claude-haiku-4-5-20251001-v1:0'],
		['  GPT-4o  ', undefined, 'openai/gpt-4o'],
	];
	for (const [model, provider, priceId] of cases) {
		it(`${model}${provider ? ` (provider ${provider})` : ''} → ${priceId}`, () => {
			assert.equal(priced(model, usage({ input: 1 }), provider ? { provider } : {}).priceId, priceId);
		});
	}

	it('a provider hint the data cannot satisfy falls back, and says so', () => {
		// OpenRouter no longer lists gemini-3-pro-preview; Google's list price is what it charged.
		const r = priced('google/gemini-3-pro-preview', usage({ input: 1 }), { provider: 'openrouter' });
		assert.equal(r.priceId, 'google/gemini-3-pro-preview');
		assert.ok(
			r.notes.some(n => n.includes('no "openrouter" entry')),
			r.notes.join('\n'),
		);
	});
});

describe('pricing: overrides', () => {
	const parsed = parsePriceOverrides({
		'gpt-4o': { input: 1, output: 2 },
		'my-org/*': { input: 0.5, output: 1.5, contextWindow: 32_000 },
		'my-org/special-*': { input: 4, output: 8 },
		'big-ctx': { input: 1, output: 2, cacheRead: 0.1, longContext: { threshold: 100_000, input: 2, output: 3 }, batchDiscount: 0.4 },
		'claude-house': { input: 3, output: 15, cacheWrite: 3.75 },
	});
	assert.deepEqual(parsed.problems, []);
	const withOverrides = createPriceCatalog({ overrides: parsed.overrides, now: june2026 });

	it('an override wins over the dataset and says so', () => {
		// 1,000 × $1 + 1,000 × $2 = $0.003 (the dataset would say $0.0125)
		const r = priced('gpt-4o', usage({ input: 1_000, output: 1_000 }), {}, withOverrides);
		assertUsd(r.usd, 0.003);
		assert.equal(r.source, 'override');
		assert.equal(r.priceId, 'override:gpt-4o');
		// Only the exact key: a dated gpt-4o is still the dataset's.
		assert.equal(priced('gpt-4o-2024-08-06', usage({ input: 1 }), {}, withOverrides).priceId, 'openai/gpt-4o');
	});

	it('globs: my-org/* prices any my-org model; the more specific glob wins', () => {
		// 1,000,000 × $0.50 + 100,000 × $1.50 = $0.65
		const r = priced('my-org/llama-70b', usage({ input: 1_000_000, output: 100_000 }), {}, withOverrides);
		assertUsd(r.usd, 0.65);
		assert.equal(r.priceId, 'override:my-org/*');
		assert.equal(priced('My-Org/Special-1', usage({ input: 1 }), {}, withOverrides).priceId, 'override:my-org/special-*');
		assert.equal(withOverrides.cost('other-org/x', usage({ input: 1 })).kind, 'unpriced');
	});

	it('override long-context tier and batch discount', () => {
		// 150,000 total (50,000 cached), 1,000 out; above 100k → input $2, output $3; cacheRead has no tier → stays $0.10.
		//   100,000 × $2 = $0.20; 50,000 × $0.10 = $0.005; 1,000 × $3 = $0.003 → $0.208; batch 40% off → $0.1248
		const u = usage({ input: 150_000, cacheRead: 50_000, output: 1_000 });
		assertUsd(priced('big-ctx', u, {}, withOverrides).usd, 0.208);
		assertUsd(priced('big-ctx', u, { batch: true }, withOverrides).usd, 0.1248);
	});

	it('an override for a Claude model without a 1h price uses the 2× input rule (estimated)', () => {
		// 1,000 1h writes × (2 × $3) = $0.006
		const r = priced('claude-house', usage({ input: 1_000, cacheWrite1h: 1_000 }), {}, withOverrides);
		assertUsd(r.usd, 0.006);
		assert.equal(r.estimated, true);
	});

	it('describe() reports override, context window and prices', () => {
		const d = known(withOverrides.describe('my-org/x'));
		assert.equal(d.fromOverride, true);
		assert.equal(d.source, 'override');
		assert.equal(d.contextWindow, 32_000);
		assert.deepEqual(d.prices, { input: 0.5, output: 1.5 });
	});
});

describe('describe(): what the status bar and router read', () => {
	it('claude-sonnet-4-5: context window, prices and the long-context tier', () => {
		const d = known(catalog.describe('claude-sonnet-4-5-20250929'));
		assert.equal(d.priceId, 'anthropic/claude-sonnet-4-5');
		assert.equal(d.provider, 'anthropic');
		assert.equal(d.contextWindow, 200_000);
		assert.equal(d.fromOverride, false);
		// Web search is billed per use ($10 per 1,000): a fee, not a token price, so no tier changes it.
		assert.deepEqual(d.prices, { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6, serverTools: { web_search: 0.01 } });
		assert.deepEqual(d.longContext, [{ aboveInputTokens: 200_000, prices: { input: 6, output: 22.5, cacheRead: 0.6, cacheWrite5m: 7.5, cacheWrite1h: 12, serverTools: { web_search: 0.01 } } }]);
		assert.equal(d.batchDiscount, 0.5);
	});

	it('gpt-4o-mini and claude-opus-4-6 context windows; unknown model', () => {
		assert.equal(known(catalog.describe('gpt-4o-mini')).contextWindow, 128_000);
		const opus = known(catalog.describe('claude-opus-4-6'));
		assert.equal(opus.contextWindow, 1_000_000);
		assert.deepEqual(opus.longContext, []);
		assert.equal(catalog.describe('nope-9000').kind, 'unpriced');
	});

	it('defaultPriceCatalog() is memoized', () => {
		assert.equal(defaultPriceCatalog(), defaultPriceCatalog());
		assert.equal(defaultPriceCatalog().cost('gpt-4o', usage({ input: 1 })).kind, 'priced');
	});
});
