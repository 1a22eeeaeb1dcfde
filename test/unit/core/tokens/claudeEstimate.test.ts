import * as assert from 'node:assert/strict';
import { claudeCalibration, claudeServerToolTokens, claudeTerms, claudeTextRatio, claudeToolPrompt, estimateClaudeChat } from '../../../../src/core/tokens/claudeEstimate';
import { parseChatJson } from '../../../../src/core/tokens/chatShapes';
import { chatCountOptions } from '../../../../src/core/tokens/chatShapes';
import { countChat, countingKey, countText } from '../../../../src/core/tokens/count';
import { getEncoder } from '../../../../src/core/tokens/encodings';
import { calibrationRows, errorPct, fitClaudeConstants } from '../../../support/claudeFit';
import { anthropicTextOutputs, claudeCodeDeltas, publicAnthropicRequests } from '../../../support/providerCounts';

const o200k = getEncoder('o200k_base');

describe('Claude estimate (calibrated on recorded Anthropic requests)', () => {
	const rows = calibrationRows();
	const heldOut = rows.filter(r => r.split === 'test');

	it('the split keeps a third of the distinct requests out of the fit, every cassette on one side', () => {
		assert.equal(publicAnthropicRequests().length, 180);
		assert.equal(rows.length, 142);
		assert.equal(heldOut.length, 39);
		const sides = new Map<string, Set<string>>();
		for (const r of rows) sides.set(`${r.group}|${r.request.file}`, (sides.get(`${r.group}|${r.request.file}`) ?? new Set()).add(r.split));
		assert.ok([...sides.values()].every(s => s.size === 1));
	});

	it('held-out requests: median |error| ≤ 2 %, and within 15 % except one documented tool-search request', () => {
		const errors = heldOut.map(r => ({
			label: r.request.label,
			recorded: r.request.inputTokens,
			error: errorPct(
				estimateClaudeChat(o200k, r.request.chat.messages, r.request.chat.tools, { ...chatCountOptions(r.request.chat), model: r.request.model, at: r.request.recorded! }),
				r.request.inputTokens,
			),
		}));
		const sorted = errors.map(e => Math.abs(e.error)).sort((a, b) => a - b);
		assert.ok(sorted[Math.floor(sorted.length / 2)] <= 2, `median ${sorted[Math.floor(sorted.length / 2)]}`);
		// Sonnet 4.5 with tool search billed 819 where every other Sonnet 4.5/4.6 tool-search request says ~1,800.
		assert.deepEqual(
			errors.filter(e => Math.abs(e.error) > 15).map(e => e.label),
			['test_anthropic_to_google_deferred_capability_history_replay.yaml#0'],
		);
		// countChat with the request's options gives the same numbers the bench reports.
		const r = heldOut[0].request;
		assert.equal(
			countChat(r.model, r.chat.messages, r.chat.tools, { ...chatCountOptions(r.chat), at: r.recorded! }).tokens,
			estimateClaudeChat(o200k, r.chat.messages, r.chat.tools, { ...chatCountOptions(r.chat), model: r.model, at: r.recorded! }),
		);
	});

	it('the shipped constants are the fit on the fitting set, rounded (adaptive thinking clamped at 0)', () => {
		const fitted = fitClaudeConstants(rows.filter(r => r.split === 'fit'));
		for (const [name, value] of Object.entries(fitted)) {
			const shipped = name.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], claudeCalibration) as number;
			const tolerance = name.startsWith('textRatio') ? 0.006 : name === 'thinkingAdaptive' ? 2 : Math.max(1, Math.abs(value) * 0.01);
			assert.ok(Math.abs(shipped - value) <= tolerance, `${name}: shipped ${shipped}, fitted ${value.toFixed(3)}`);
		}
	});

	it('the tool-use system prompt follows the documented table, the model and tool_choice', () => {
		assert.equal(claudeToolPrompt('claude-sonnet-4-5-20250929'), 496);
		assert.equal(claudeToolPrompt('claude-sonnet-4-5-20250929', 'any'), 588);
		assert.equal(claudeToolPrompt('claude-opus-4-7', 'tool'), 804);
		assert.equal(claudeToolPrompt('claude-3-opus-20240229', 'auto'), 530);
		// Before 2025-11-24 Sonnet/Haiku 4.5 used a smaller prompt (fitted on recordings of that time).
		assert.equal(claudeToolPrompt('claude-haiku-4-5', 'auto', new Date('2025-10-29')), claudeCalibration.legacyToolPrompt.auto);
		// An unknown future model takes the newest row.
		assert.equal(claudeToolPrompt('claude-opus-9'), 286);
		const tools = [{ name: 'f', parameters: { type: 'object', properties: {} } }];
		const hi = [{ role: 'user', content: 'hi' }];
		const auto = estimateClaudeChat(o200k, hi, tools, { model: 'claude-sonnet-4-6' });
		const forced = estimateClaudeChat(o200k, hi, tools, { model: 'claude-sonnet-4-6', toolChoice: 'any' });
		assert.equal(forced - auto, 589 - 497);
	});

	it('provider-defined tools count their own size, deferred tools nothing, and the tool-search size depends on the generation', () => {
		const chat = parseChatJson({
			model: 'claude-sonnet-4-6',
			messages: [{ role: 'user', content: 'hi' }],
			tools: [
				{ name: 'web_search', type: 'web_search_20250305' },
				{ name: 'later', description: 'Deferred.', input_schema: { type: 'object' }, defer_loading: true },
			],
		})!;
		assert.deepEqual(
			chat.tools.map(t => [t.kind, t.deferred]),
			[
				['web_search_20250305', undefined],
				[undefined, true],
			],
		);
		const t = claudeTerms(o200k, chat.messages, chat.tools, { model: chat.model });
		assert.deepEqual(t.serverTools, ['web_search']);
		assert.equal(t.toolDefinitions, 0);
		assert.equal(claudeServerToolTokens('web_search_20250305'), 1710);
		assert.equal(claudeServerToolTokens('bash_20250124'), 245);
		assert.equal(claudeServerToolTokens('tool_search_tool_bm25_20251119', 'claude-sonnet-4-6'), claudeCalibration.serverTools.tool_search_tool_bm25);
		assert.equal(claudeServerToolTokens('tool_search_tool_bm25_20251119', 'claude-opus-4-8'), claudeCalibration.serverToolsNewGeneration.tool_search_tool_bm25);
		assert.equal(claudeServerToolTokens('something_new_20990101'), 0);
	});

	it('earlier turns keep their thinking on Opus 4.5+ only; the turn still using tools keeps it everywhere', () => {
		const body = (model: string) => ({
			model,
			messages: [
				{ role: 'user', content: 'q1' },
				{
					role: 'assistant',
					content: [
						{ type: 'thinking', thinking: 'EARLIER THOUGHT', signature: 's' },
						{ type: 'text', text: 'a1' },
					],
				},
				{ role: 'user', content: 'q2' },
				{
					role: 'assistant',
					content: [
						{ type: 'thinking', thinking: 'LOOP THOUGHT', signature: 's' },
						{ type: 'tool_use', id: 't1', name: 'f', input: {} },
					],
				},
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
			],
			thinking: { type: 'enabled', budget_tokens: 1024 },
		});
		const text = (model: string) =>
			parseChatJson(body(model))!
				.messages.map(m => m.content)
				.join('|');
		assert.ok(!text('claude-sonnet-4-5').includes('EARLIER THOUGHT'));
		assert.ok(text('claude-sonnet-4-5').includes('LOOP THOUGHT'));
		assert.ok(text('claude-opus-4-5').includes('EARLIER THOUGHT'));
		const parsed = parseChatJson(body('claude-sonnet-4-5'))!;
		assert.equal(parsed.thinkingMode, 'enabled');
		assert.deepEqual(chatCountOptions(parsed), { thinking: 'enabled' });
	});

	it('recognises Anthropic bodies with no system, tools or tool blocks by their own fields', () => {
		const messages = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }];
		assert.equal(parseChatJson({ messages, thinking: { type: 'adaptive' } })!.shape, 'anthropic');
		assert.equal(parseChatJson({ messages, output_config: { format: { type: 'json_schema', schema: {} } } })!.shape, 'anthropic');
		assert.equal(parseChatJson({ messages, model: 'claude-haiku-4-5' })!.shape, 'anthropic');
		assert.equal(parseChatJson({ messages, tools: [{ name: 'memory', type: 'memory_20250818' }] })!.shape, 'anthropic');
		assert.equal(parseChatJson({ messages, model: 'gpt-4o', tool_choice: { type: 'function', function: { name: 'f' } } })!.shape, 'openai');
	});

	it('the text ratio per tokenizer generation; counting keys separate what counts differently', () => {
		const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
		const o = countText('gpt-4o', text).tokens;
		assert.deepEqual(countText('claude-sonnet-4-5-20250929', text), { tokens: Math.ceil(o * claudeCalibration.textRatio), exact: false, method: 'claude-estimate' });
		assert.equal(countText('claude-opus-4-8', text).tokens, Math.ceil(o * claudeCalibration.textRatioNewTokenizer));
		assert.equal(claudeTextRatio('anthropic/claude-fable-5'), claudeCalibration.textRatioNewTokenizer);
		assert.deepEqual(countText('anthropic/claude-opus-4-6', ''), { tokens: 0, exact: false, method: 'claude-estimate' });
		assert.equal(countingKey('claude-sonnet-4-5'), countingKey('claude-haiku-4-5'));
		assert.notEqual(countingKey('claude-sonnet-4-5'), countingKey('claude-opus-4-8'));
		assert.notEqual(countingKey('claude-opus-4-8'), countingKey('claude-opus-4-7'));
	});

	it('billed output_tokens of known answers: the ratio underestimates free text by at most 13 %', () => {
		// The requests pin the ratio at 1.05; these prose answers bill 1.09–1.22× o200k.
		for (const r of anthropicTextOutputs()) {
			const estimate = Math.ceil(o200k.count(r.text) * claudeCalibration.textRatio);
			assert.ok(Math.abs(errorPct(estimate, r.outputTokens)) <= 13, `${r.label}: ${estimate} vs ${r.outputTokens}`);
		}
	});

	it('Claude Code sessions: prompt growth between calls, median |error| ≤ 12 % (transcripts omit some sent content)', () => {
		const errors = claudeCodeDeltas().map(d => errorPct(estimateClaudeChat(o200k, d.chat.messages, [], { model: d.model }) - claudeCalibration.perRequest, d.delta));
		assert.ok(errors.length >= 6, `only ${errors.length} usable steps`);
		const sorted = errors.map(Math.abs).sort((a, b) => a - b);
		const median = sorted[Math.floor(sorted.length / 2)];
		assert.ok(median <= 12, `median |error| ${median} % (${errors.join(', ')})`);
	});

	it('Gemini and unknown models get the heuristic estimate', () => {
		assert.equal(countText('gemini-2.5-pro', 'hello world').method, 'heuristic-estimate');
		assert.equal(countText('openrouter/meta-llama/llama-3.1-70b', 'hello world').exact, false);
		assert.equal(countChat('google/gemini-3-pro-preview', [{ role: 'user', content: 'hi' }]).method, 'heuristic-estimate');
	});
});
