import * as assert from 'node:assert/strict';
import { claudeCalibration, estimateClaudeChat } from '../../../../src/core/tokens/claudeEstimate';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { getEncoder } from '../../../../src/core/tokens/encodings';
import { anthropicRecordedRequests, anthropicTextOutputs, claudeCodeDeltas } from '../../../support/providerCounts';

const pct = (estimate: number, actual: number) => Math.round(((estimate - actual) / actual) * 1000) / 10;

describe('Claude estimate (calibrated on real Anthropic usage)', () => {
	it('Anthropic API cassettes: per-request error pinned (|error| ≤ 12 %)', () => {
		const rows = anthropicRecordedRequests().map(r => {
			const c = countChat(r.chat.model!, r.chat.messages, r.chat.tools, { thinking: r.chat.thinking });
			assert.equal(c.exact, false);
			assert.equal(c.method, 'claude-estimate');
			return [r.label.replace(/^pydai_anthropic_|\.json/g, ''), r.inputTokens, c.tokens, pct(c.tokens, r.inputTokens)];
		});
		assert.deepEqual(rows, [
			['cache_real_api#0', 1114, 1246, 11.8],
			['cache_real_api#1', 1532, 1667, 8.8],
			['multiple_parallel_tool_calls#0', 423, 423, 0],
			['multiple_parallel_tool_calls#1', 771, 764, -0.9],
			['tool_with_thinking#0', 398, 399, 0.3],
			['tool_with_thinking#1', 566, 578, 2.1],
		]);
	});

	it('the text ratio matches the billed output_tokens of known answers within 12 %', () => {
		const o200k = getEncoder('o200k_base');
		for (const r of anthropicTextOutputs()) {
			const estimate = Math.ceil(o200k.count(r.text) * claudeCalibration.textRatio);
			assert.ok(Math.abs(pct(estimate, r.outputTokens)) <= 12, `${r.label}: ${estimate} vs ${r.outputTokens}`);
		}
	});

	it('Claude Code sessions: prompt growth between calls, median |error| ≤ 8 %', () => {
		const o200k = getEncoder('o200k_base');
		const errors = claudeCodeDeltas().map(d => pct(estimateClaudeChat(o200k, d.chat.messages) - claudeCalibration.perRequest, d.delta));
		assert.ok(errors.length >= 6, `only ${errors.length} usable steps`);
		const sorted = errors.map(Math.abs).sort((a, b) => a - b);
		const median = sorted[Math.floor(sorted.length / 2)];
		assert.ok(median <= 8, `median |error| ${median} % (${errors.join(', ')})`);
	});

	it('text counts for Claude models are o200k × the calibrated ratio, never exact', () => {
		const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
		const o200k = countText('gpt-4o', text).tokens;
		assert.deepEqual(countText('claude-sonnet-4-5-20250929', text), { tokens: Math.ceil(o200k * 1.12), exact: false, method: 'claude-estimate' });
		assert.deepEqual(countText('anthropic/claude-opus-4-6', ''), { tokens: 0, exact: false, method: 'claude-estimate' });
	});

	it('Gemini and unknown models get the heuristic estimate', () => {
		assert.equal(countText('gemini-2.5-pro', 'hello world').method, 'heuristic-estimate');
		assert.equal(countText('openrouter/meta-llama/llama-3.1-70b', 'hello world').exact, false);
		assert.equal(countChat('google/gemini-3-pro-preview', [{ role: 'user', content: 'hi' }]).method, 'heuristic-estimate');
	});
});
