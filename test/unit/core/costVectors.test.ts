import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPriceCatalog } from '../../../src/core/pricing/catalog';
import type { UnpricedFee } from '../../../src/core/pricing/types';
import { fromAnthropicUsage, fromGeminiUsage, fromOpenAIChatUsage, fromOpenAIResponsesUsage, type Usage } from '../../../src/core/pricing/usage';
import { repoRoot } from '../../support/paths';

/**
 * The cost-correctness suite: test/fixtures/costVectors.json holds provider usage in each raw shape
 * with the normalized usage and the USD it must cost (the arithmetic is in each vector). The
 * expected numbers were computed by hand from the published prices, independently of the engine;
 * they pin the classes of error other tools keep making: cached tokens counted twice, 1-hour
 * writes at the 5-minute price, reasoning missed or billed twice, long-context tiers applied per
 * token, batch discounts, server-tool fees, unknown models priced $0.
 */

type Shape = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

interface CostVector {
	readonly id: string;
	readonly class: string;
	readonly shape: Shape;
	readonly model: string;
	readonly at: string;
	readonly batch?: boolean;
	/** Provider id when the model id alone does not name it (Perplexity's `sonar`). */
	readonly provider?: string;
	readonly raw: unknown;
	/** Responses `output[]`, Gemini `candidates[]` or the Chat request body: where per-use tools are counted. */
	readonly response?: unknown;
	readonly expected: { readonly usage: Usage; readonly usd: number | null; readonly unpricedFees?: readonly UnpricedFee[] };
	readonly why: string;
	readonly arithmetic: string;
}

const doc = JSON.parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'costVectors.json'), 'utf8')) as { vectors: CostVector[] };
const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });

function normalize(v: CostVector): Usage {
	switch (v.shape) {
		case 'anthropic':
			return fromAnthropicUsage(v.raw);
		case 'openai-chat':
			return fromOpenAIChatUsage(v.raw, { request: v.response });
		case 'openai-responses':
			return fromOpenAIResponsesUsage(v.raw, { output: v.response });
		case 'gemini':
			return fromGeminiUsage(v.raw, { candidates: v.response });
	}
}

describe('cost-correctness vectors (test/fixtures/costVectors.json)', () => {
	it('has at least 60 vectors covering every class for every provider shape', () => {
		assert.ok(doc.vectors.length >= 60, String(doc.vectors.length));
		const shapes: Shape[] = ['anthropic', 'openai-chat', 'openai-responses', 'gemini'];
		for (const cls of ['cachedTokens', 'reasoning', 'longContext', 'batch', 'serverToolFees', 'unknownModel']) {
			for (const shape of shapes) {
				assert.ok(
					doc.vectors.some(v => v.class === cls && v.shape === shape),
					`${cls} × ${shape}`,
				);
			}
		}
		assert.ok(doc.vectors.some(v => v.class === 'oneHourWrites'));
		assert.equal(new Set(doc.vectors.map(v => v.id)).size, doc.vectors.length, 'ids are unique');
	});

	for (const v of doc.vectors) {
		it(`${v.id} (${v.class}, ${v.shape}): ${v.why}`, () => {
			const usage = normalize(v);
			assert.deepEqual(usage, v.expected.usage, 'normalized usage');
			const r = catalog.cost(v.model, usage, { at: new Date(`${v.at}T12:00:00Z`), ...(v.batch && { batch: true }), ...(v.provider !== undefined && { provider: v.provider }) });
			if (v.expected.usd === null) {
				assert.equal(r.kind, 'unpriced', `${v.model} must not get a price`);
				return;
			}
			assert.equal(r.kind, 'priced', r.kind === 'unpriced' ? r.reason : '');
			if (r.kind !== 'priced') return;
			assert.ok(Math.abs(r.usd - v.expected.usd) < 1e-12, `${v.arithmetic}\nengine: $${r.usd}`);
			assert.deepEqual(r.unpricedFees ?? [], v.expected.unpricedFees ?? []);
		});
	}
});
