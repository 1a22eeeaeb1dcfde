import * as assert from 'node:assert/strict';
import { formatShare, sectionTitle } from '../../../../src/core/lens/sectionTitle';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import type { PromptSection } from '../../../../src/core/prompts/promptSections';

describe('context attribution lens title', () => {
	const catalog = createPriceCatalog({ now: () => new Date('2026-11-01T00:00:00Z') });
	const part: PromptSection = { offset: 0, kind: 'message', label: '#2 user', tokens: 1234, exact: true, share: 0.4213 };

	it('names the part, its tokens, its input cost at the model price and its share', () => {
		const gpt4o = catalog.describe('gpt-4o');
		assert.equal(gpt4o.kind, 'known');
		// gpt-4o input: $2.50 per million tokens.
		assert.equal(sectionTitle(part, gpt4o, 3000), '#2 user · 1,234 tok · $0.00309 · 42%');
	});

	it('marks estimates ≈, says "no price" for an unknown model (never $0), leaves the cost out while it loads', () => {
		const claude = catalog.describe('claude-sonnet-4-5');
		assert.match(sectionTitle({ ...part, exact: false }, claude, 3000), /^#2 user · ≈1,234 tok · ≈\$0\.0037\d* · 42%$/);
		assert.equal(sectionTitle(part, catalog.describe('my-private-model'), 3000), '#2 user · 1,234 tok · no price · 42%');
		assert.equal(sectionTitle(part, undefined, 3000), '#2 user · 1,234 tok · 42%');
	});

	it('prices a part at the rate of the whole prompt (a long-context tier is decided by the whole request)', () => {
		const info = catalog.describe('gemini-2.5-pro');
		assert.equal(info.kind, 'known');
		if (info.kind !== 'known' || info.longContext.length === 0) return assert.fail('gemini-2.5-pro has a long-context tier in the dataset');
		const above = info.longContext[0].aboveInputTokens + 1;
		assert.notEqual(sectionTitle(part, info, 1000), sectionTitle(part, info, above));
	});

	it('shares: rounded percent, <1% for a small part', () => {
		assert.equal(formatShare(0.004), '<1%');
		assert.equal(formatShare(0.5), '50%');
		assert.equal(formatShare(0), '0%');
	});
});
