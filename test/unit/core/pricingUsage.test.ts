import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addUsage, cacheWrite, fromAnthropicUsage, fromOpenAIChatUsage, fromOpenAIResponsesUsage, sumUsage, uncachedInput, zeroUsage } from '../../../src/core/pricing/usage';
import { transcriptsDir } from '../../support/paths';

/** The usage normalizers: every provider dialect lands on ONE convention (input = total prompt). */

describe('fromAnthropicUsage', () => {
	it('adds cache reads and writes to input_tokens (which excludes them); no split → 5-minute writes', () => {
		// 3 uncached + 1,111 read + 418 written = 1,532 total
		const u = fromAnthropicUsage({ input_tokens: 3, cache_read_input_tokens: 1_111, cache_creation_input_tokens: 418, output_tokens: 33 });
		assert.deepEqual(u, { input: 1_532, cacheRead: 1_111, cacheWrite5m: 418, cacheWrite1h: 0, output: 33, reasoning: 0 });
		assert.equal(uncachedInput(u), 3);
	});

	it('uses the cache_creation 5m/1h split when present', () => {
		const u = fromAnthropicUsage({
			input_tokens: 10,
			cache_creation_input_tokens: 3_000,
			cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 },
			output_tokens: 5,
		});
		assert.deepEqual(u, { input: 3_010, cacheRead: 0, cacheWrite5m: 1_000, cacheWrite1h: 2_000, output: 5, reasoning: 0 });
		assert.equal(cacheWrite(u), 3_000);
	});

	it('when the split and the total disagree, the total wins and the rest counts as 5-minute writes', () => {
		const u = fromAnthropicUsage({ input_tokens: 0, cache_creation_input_tokens: 500, cache_creation: { ephemeral_1h_input_tokens: 200 }, output_tokens: 0 });
		assert.equal(u.cacheWrite1h, 200);
		assert.equal(u.cacheWrite5m, 300);
		assert.equal(u.input, 500);
	});

	it('sums server-side compaction iterations (top-level fields cover only the last pass)', () => {
		const u = fromAnthropicUsage({
			input_tokens: 100,
			output_tokens: 50,
			iterations: [
				{ type: 'compaction', input_tokens: 80_000, cache_read_input_tokens: 20_000, output_tokens: 2_000 },
				{ type: 'message', input_tokens: 100, cache_creation_input_tokens: 4_000, output_tokens: 50 },
			],
		});
		assert.deepEqual(u, { input: 104_100, cacheRead: 20_000, cacheWrite5m: 4_000, cacheWrite1h: 0, output: 2_050, reasoning: 0 });
	});

	it('an empty iterations array (Claude Code writes one) falls back to the top-level fields', () => {
		const u = fromAnthropicUsage({ input_tokens: 3, cache_read_input_tokens: 100, output_tokens: 7, iterations: [] });
		assert.equal(u.input, 103);
		assert.equal(u.output, 7);
	});

	it('ignores garbage without throwing', () => {
		assert.deepEqual(fromAnthropicUsage(undefined), zeroUsage);
		assert.deepEqual(fromAnthropicUsage('x'), zeroUsage);
		assert.deepEqual(fromAnthropicUsage({ input_tokens: -5, output_tokens: Number.NaN, cache_read_input_tokens: '7' }), zeroUsage);
	});

	it('real recorded Anthropic responses (pydantic-ai cache test)', () => {
		const cassette = JSON.parse(readFileSync(join(transcriptsDir(), 'anthropic_messages', 'pydai_anthropic_cache_real_api.json'), 'utf8'));
		const usages = cassette.interactions.map((i: { response: { parsed_body: { usage: unknown } } }) => fromAnthropicUsage(i.response.parsed_body.usage));
		// First call: 3 + 1,111 read; second: 3 + 1,111 read + 418 written (5m).
		assert.deepEqual(usages[0], { input: 1_114, cacheRead: 1_111, cacheWrite5m: 0, cacheWrite1h: 0, output: 406, reasoning: 0 });
		assert.deepEqual(usages[1], { input: 1_532, cacheRead: 1_111, cacheWrite5m: 418, cacheWrite1h: 0, output: 33, reasoning: 0 });
	});
});

describe('fromOpenAIChatUsage', () => {
	it('prompt_tokens already includes cached_tokens; completion includes reasoning', () => {
		const u = fromOpenAIChatUsage({
			prompt_tokens: 10_000,
			completion_tokens: 700,
			prompt_tokens_details: { cached_tokens: 6_000, audio_tokens: 0 },
			completion_tokens_details: { reasoning_tokens: 500 },
		});
		assert.deepEqual(u, { input: 10_000, cacheRead: 6_000, cacheWrite5m: 0, cacheWrite1h: 0, output: 700, reasoning: 500 });
		assert.equal(uncachedInput(u), 4_000);
	});

	it('LiteLLM / OpenHands style: Anthropic cache fields next to prompt_tokens are parts of it, not extra', () => {
		// From the OpenHands trajectory format: 3,616 prompt = 6 uncached + 3,471 read + 139 written.
		const u = fromOpenAIChatUsage({
			prompt_tokens: 3_616,
			completion_tokens: 111,
			prompt_tokens_details: { cached_tokens: 3_471 },
			cache_creation_input_tokens: 139,
			cache_read_input_tokens: 3_471,
		});
		assert.deepEqual(u, { input: 3_616, cacheRead: 3_471, cacheWrite5m: 139, cacheWrite1h: 0, output: 111, reasoning: 0 });
		assert.equal(uncachedInput(u), 6);
	});

	it('cache_read_input_tokens alone (no prompt_tokens_details) still counts as cache reads', () => {
		assert.equal(fromOpenAIChatUsage({ prompt_tokens: 100, completion_tokens: 1, cache_read_input_tokens: 40 }).cacheRead, 40);
	});

	it('real recorded OpenAI chat response', () => {
		const cassette = JSON.parse(readFileSync(join(transcriptsDir(), 'openai_chat', 'pydai_openai_tool_output.json'), 'utf8'));
		const u = fromOpenAIChatUsage(cassette.interactions[0].response.parsed_body.usage);
		assert.deepEqual(u, { input: 68, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 12, reasoning: 0 });
	});
});

describe('fromOpenAIResponsesUsage', () => {
	it('input_tokens includes cached; output_tokens includes reasoning', () => {
		const u = fromOpenAIResponsesUsage({
			input_tokens: 5_000,
			input_tokens_details: { cached_tokens: 4_096 },
			output_tokens: 900,
			output_tokens_details: { reasoning_tokens: 640 },
			total_tokens: 5_900,
		});
		assert.deepEqual(u, { input: 5_000, cacheRead: 4_096, cacheWrite5m: 0, cacheWrite1h: 0, output: 900, reasoning: 640 });
	});

	it('real recorded Responses call', () => {
		const cassette = JSON.parse(readFileSync(join(transcriptsDir(), 'openai_responses', 'pydai_openai_responses_tool_call_continuation.json'), 'utf8'));
		const recorded = cassette.interactions.map((i: { response: { parsed_body: { usage?: unknown } } }) => i.response.parsed_body.usage).filter(Boolean);
		assert.deepEqual(fromOpenAIResponsesUsage(recorded[0]), { input: 57, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 13, reasoning: 0 });
	});
});

describe('usage arithmetic', () => {
	it('addUsage / sumUsage add field by field', () => {
		const a = { input: 1, cacheRead: 2, cacheWrite5m: 3, cacheWrite1h: 4, output: 5, reasoning: 6 };
		assert.deepEqual(addUsage(a, a), { input: 2, cacheRead: 4, cacheWrite5m: 6, cacheWrite1h: 8, output: 10, reasoning: 12 });
		assert.deepEqual(sumUsage([a, a, a]), { input: 3, cacheRead: 6, cacheWrite5m: 9, cacheWrite1h: 12, output: 15, reasoning: 18 });
		assert.deepEqual(sumUsage([]), zeroUsage);
	});

	it('uncachedInput never goes negative on inconsistent usage', () => {
		assert.equal(uncachedInput({ ...zeroUsage, input: 10, cacheRead: 20 }), 0);
	});
});
