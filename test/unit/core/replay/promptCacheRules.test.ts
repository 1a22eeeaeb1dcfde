import * as assert from 'node:assert/strict';
import { promptCacheRuleTable, promptCacheRulesAt, promptCacheRulesFor } from '../../../../src/core/replay/promptCacheRules';
import { PromptCacheSimulator, type PromptSegment } from '../../../../src/core/replay/promptCacheSimulator';

/**
 * The prompt-cache rules are dated facts from each provider's documentation (see the module
 * comment for the quotes): per model, with their source and the day they took effect.
 */
const seg = (key: string, tokens: number): PromptSegment => ({ key, tokens });
const minute = 60_000;

describe('prompt cache rules: Anthropic minimum per model, not by age', () => {
	const cases: [string, number][] = [
		['claude-opus-5', 512],
		['claude-opus-5-5', 512],
		['claude-fable-5-1', 512],
		['claude-opus-4-8', 1024],
		['claude-opus-4-7', 2048],
		['claude-opus-4-6', 4096],
		['claude-opus-4-5-20251101', 4096],
		['claude-haiku-4-5-20251001', 4096],
		['claude-sonnet-5', 1024],
		['claude-sonnet-4-6', 1024],
		['claude-sonnet-4-5-20250929', 1024],
		['claude-opus-4-1-20250805', 1024],
		['claude-sonnet-4-20250514', 1024],
		['claude-3-7-sonnet-latest', 1024],
		['claude-3-5-haiku-20241022', 2048],
		['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 1024],
		['openrouter/anthropic/claude-opus-4-6', 4096],
	];
	for (const [model, min] of cases) {
		it(`${model}: ${min} tokens, explicit breakpoints with a 20-block lookback, billed writes, 5m/1h TTL`, () => {
			const r = promptCacheRulesFor(model);
			assert.equal(r.family, 'anthropic');
			assert.equal(r.minTokens, min);
			assert.equal(r.lookbackSegments, 20);
			assert.equal(r.billedWrites, true);
			assert.deepEqual(r.ttlMs, { '5m': 5 * minute, '1h': 60 * minute });
			assert.match(r.source!, /platform\.claude\.com\/docs\/en\/build-with-claude\/prompt-caching/);
		});
	}

	it('an unlisted Claude id keeps Anthropic mechanics with the common minimum, and says so', () => {
		const r = promptCacheRulesFor('claude-test');
		assert.equal(r.family, 'anthropic');
		assert.equal(r.minTokens, 1024);
		assert.match(r.basis, /not in the documented list/);
	});
});

describe('prompt cache rules: OpenAI before and since GPT-5.6', () => {
	it('GPT-5.6 and later families: billed writes, no 128-token increments, at least 30 minutes retention', () => {
		for (const model of ['gpt-5.6-sol', 'openai/gpt-5.6-luna', 'gpt-6-astra']) {
			const r = promptCacheRulesFor(model);
			assert.equal(r.family, 'openai', model);
			assert.equal(r.billedWrites, true, model);
			assert.equal(r.blockTokens, 1, model);
			assert.equal(r.minTokens, 1024, model);
			assert.deepEqual(r.ttlMs, { '5m': 30 * minute, '1h': 30 * minute }, model);
		}
	});

	it('older models (gpt-4o … gpt-5.5, o-series): free automatic writes, 128-token increments, 5-minute idle eviction', () => {
		for (const model of ['gpt-4o-mini', 'gpt-4.1', 'gpt-5', 'gpt-5.5', 'o3-mini', 'o4-mini']) {
			const r = promptCacheRulesFor(model);
			assert.equal(r.family, 'openai', model);
			assert.equal(r.billedWrites, false, model);
			assert.equal(r.blockTokens, 128, model);
			assert.equal(r.ttlMs['5m'], 5 * minute, model);
		}
		assert.equal(promptCacheRulesFor('gpt-4').family, 'none');
	});

	it('the simulator bills GPT-5.6 writes at the latest message and reads the previous prefix; gpt-4o reads in 128-token steps for free', () => {
		const sim = new PromptCacheSimulator();
		const system = seg('sys', 3_000);
		const first = sim.request({ model: 'gpt-5.6-sol', segments: [system, seg('u1', 100)], atMs: 0 });
		assert.deepEqual([first.cacheRead, first.cacheWrite5m], [0, 3_100]);
		// 20 minutes later (inside the 30-minute retention) the previous prefix is read, the new tail written.
		const second = sim.request({ model: 'gpt-5.6-sol', segments: [system, seg('u1', 100), seg('a1', 50), seg('t1', 70)], atMs: 20 * minute });
		assert.deepEqual([second.cacheRead, second.cacheWrite5m], [3_100, 120]);
		sim.request({ model: 'gpt-4o', segments: [system, seg('u1', 100)], atMs: 0 });
		const old = sim.request({ model: 'gpt-4o', segments: [system, seg('u1', 100), seg('a1', 50)], atMs: minute });
		// 3,100 matched → 1,024 + ⌊2,076 / 128⌋ × 128 = 3,072 read, nothing written.
		assert.deepEqual([old.cacheRead, old.cacheWrite5m], [3_072, 0]);
	});
});

describe('prompt cache rules: Gemini, dated', () => {
	it('2.5 Flash: 1,024 tokens until the July 2026 documentation, 2,048 since; no implicit caching before 2025-05-08', () => {
		assert.equal(promptCacheRulesFor('gemini-2.5-flash', new Date('2026-01-15T00:00:00Z')).minTokens, 1024);
		assert.equal(promptCacheRulesFor('gemini-2.5-flash', new Date('2026-08-01T00:00:00Z')).minTokens, 2048);
		assert.equal(promptCacheRulesFor('gemini-2.5-flash').minTokens, 2048, 'without a date: the newest rule');
		assert.equal(promptCacheRulesFor('gemini-2.5-flash', new Date('2025-03-01T00:00:00Z')).family, 'none');
		assert.equal(promptCacheRulesFor('gemini-2.5-flash', new Date('2026-08-01T00:00:00Z')).effectiveFrom, '2026-07-07');
	});

	it('2.5 Pro dropped from 4,096 to 2,048; 3.x and newer need 4,096 (3 Flash Preview: 1,024)', () => {
		assert.equal(promptCacheRulesFor('gemini-2.5-pro', new Date('2026-01-15T00:00:00Z')).minTokens, 4096);
		assert.equal(promptCacheRulesFor('gemini-2.5-pro').minTokens, 2048);
		assert.equal(promptCacheRulesFor('google/gemini-3.1-pro-preview').minTokens, 4096);
		assert.equal(promptCacheRulesFor('gemini-3.5-flash').minTokens, 4096);
		assert.equal(promptCacheRulesFor('gemini-3-flash-preview').minTokens, 1024);
		assert.equal(promptCacheRulesFor('gemini-2.5-pro').billedWrites, false);
	});

	it('a replay of an old run uses the rules of its day: a 1,500-token Gemini 2.5 Flash prompt was cached in January 2026, not since', () => {
		const prompt = [seg('sys', 1_400), seg('u', 100)];
		const january = new PromptCacheSimulator(promptCacheRulesAt(new Date('2026-01-15T00:00:00Z')));
		january.request({ model: 'gemini-2.5-flash', segments: prompt, atMs: 0 });
		assert.equal(january.request({ model: 'gemini-2.5-flash', segments: [...prompt, seg('a', 10)], atMs: 1_000 }).cacheRead, 1_500);
		const now = new PromptCacheSimulator(promptCacheRulesAt(undefined));
		now.request({ model: 'gemini-2.5-flash', segments: prompt, atMs: 0 });
		const late = now.request({ model: 'gemini-2.5-flash', segments: [...prompt, seg('a', 10)], atMs: 1_000 });
		assert.deepEqual([late.cacheRead, late.reason], [0, 'belowMinimum']);
	});
});

describe('prompt cache rules: every rule is sourced and dated', () => {
	it('each entry names its documentation and the date it was checked; unknown vendors get no cache', () => {
		const table = promptCacheRuleTable();
		assert.ok(table.length >= 15);
		for (const r of table) {
			assert.match(r.source, /^https:\/\/(platform\.claude\.com|developers\.openai\.com|ai\.google\.dev)\//);
			assert.match(r.checked, /^\d{4}-\d{2}-\d{2}$/);
		}
		assert.equal(promptCacheRulesFor('llama-3-70b').family, 'none');
		assert.match(promptCacheRulesFor('claude-opus-4-6').basis, /checked \d{4}-\d{2}-\d{2}/);
	});
});
