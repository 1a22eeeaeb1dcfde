import * as assert from 'node:assert/strict';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { callPrompts } from '../../../../src/core/transcripts/callPrompts';
import type { Transcript, TranscriptFormat, TranscriptMessage, UsageSource } from '../../../../src/core/transcripts/model';
import { sumUsage } from '../../../../src/core/pricing/usage';
import { engineCounter, fixedCatalog, fixtureFiles, fixtureText, importFixture } from './transcriptTestKit';

/**
 * Every shared real transcript imports with the expected number of calls and usage totals.
 *
 * How the literals were derived (independently of the importers): a separate Python reading of each
 * file (kept out of the repo; the rules are restated per group below) summed the raw usage fields.
 * - Claude Code: assistant lines grouped by (message.id, requestId); per group the line with the
 *   largest output_tokens; input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens;
 *   the 5m/1h split from cache_creation.ephemeral_*; "placeholders" = groups without any stop_reason.
 * - HTTP recordings: one call per interaction whose URI is /v1/messages, /chat/completions or
 *   /v1/responses (the OpenAI conversations create/delete are not calls); Anthropic input as above,
 *   OpenAI prompt_tokens / input_tokens as is.
 * - OpenHands: trajectory calls deduplicated by model_response.id; eval calls = metrics.token_usages
 *   deduplicated by response_id. mini-SWE-agent: extra.response.usage of every assistant message.
 * - Inspect: output.usage of every `model` event. aider: the `> Tokens:` lines, "2.4k" read as 2400.
 * Counted formats (no usage in the file) are checked against the engine's own count of every
 * call's full prompt in the second block.
 */
interface Expected {
	readonly format: TranscriptFormat;
	readonly calls: number;
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	/** Output as recorded (Claude Code: before placeholder correction). */
	readonly output: number;
	readonly reasoning?: number;
	readonly models: readonly string[];
	readonly sources: Partial<Record<UsageSource, number>>;
}

const recorded: Record<string, Expected> = {
	'claude_code/claude-reliability_hello-world-script.jsonl': {
		format: 'claude-code',
		calls: 4,
		input: 74_578,
		cacheRead: 71_036,
		cacheWrite5m: 3_539,
		cacheWrite1h: 0,
		output: 29,
		models: ['claude-opus-4-5-20251101'],
		sources: { 'placeholder-output': 4 },
	},
	'claude_code/fasthooks_sample_agent_sidechain.jsonl': {
		format: 'claude-code',
		calls: 1,
		input: 728,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 152,
		models: ['claude-haiku-4-5-20251001'],
		sources: { recorded: 1 },
	},
	'claude_code/fasthooks_sample_main_transcript.jsonl': {
		format: 'claude-code',
		calls: 12,
		input: 231_864,
		cacheRead: 223_265,
		cacheWrite5m: 8_467,
		cacheWrite1h: 0,
		output: 1_480,
		models: ['claude-haiku-4-5-20251001'],
		sources: { 'placeholder-output': 11, recorded: 1 },
	},
	'claude_code/spotter_258c7280_agent-a881341.jsonl': {
		format: 'claude-code',
		calls: 3,
		input: 76_350,
		cacheRead: 34_159,
		cacheWrite5m: 0,
		cacheWrite1h: 42_176,
		output: 3,
		models: ['claude-sonnet-4-5-20250929'],
		sources: { 'placeholder-output': 3 },
	},
	'claude_code/spotter_tool_heavy.jsonl': {
		format: 'claude-code',
		calls: 4,
		input: 105_981,
		cacheRead: 88_231,
		cacheWrite5m: 0,
		cacheWrite1h: 17_696,
		output: 212,
		models: ['claude-opus-4-6'],
		sources: { 'placeholder-output': 4 },
	},
	// Agent session logs (codex_cli, gemini_cli, pi): calls = token_count events whose cumulative total
	// changed (Codex), gemini messages with tokens (Gemini CLI: input = tokens.input + tool, output =
	// output + thoughts), assistant messages with non-zero usage (pi: input + cacheRead + cacheWrite).
	'codex_cli/agenthistory_codex_0.135_session-01.jsonl': {
		format: 'codex-rollout',
		calls: 1,
		input: 22_539,
		cacheRead: 20_864,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 10,
		models: ['gpt-5.5'],
		sources: { recorded: 1 },
	},
	'gemini_cli/agenthistory_gemini_session-01.json': {
		format: 'gemini-cli',
		calls: 1,
		input: 4_383,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 36,
		reasoning: 28,
		models: ['gemini-2.5-flash'],
		sources: { recorded: 1 },
	},
	'pi/agenthistory_pi_session-01.jsonl': {
		format: 'pi-session',
		calls: 1,
		input: 433,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 9,
		models: ['gpt-5.5'],
		sources: { recorded: 1 },
	},
	'pi/pimono_large-session.jsonl': {
		format: 'pi-session',
		calls: 439,
		input: 47_526_750,
		cacheRead: 43_229_469,
		cacheWrite5m: 4_296_232,
		cacheWrite1h: 0,
		output: 83_156,
		models: ['claude-sonnet-4-5'],
		sources: { recorded: 439 },
	},
	'anthropic_messages/pydai_anthropic_cache_real_api.json': {
		format: 'http-recording',
		calls: 2,
		input: 2_646,
		cacheRead: 2_222,
		cacheWrite5m: 418,
		cacheWrite1h: 0,
		output: 439,
		models: ['claude-sonnet-4-5-20250929'],
		sources: { recorded: 2 },
	},
	'anthropic_messages/pydai_anthropic_multiple_parallel_tool_calls.json': {
		format: 'http-recording',
		calls: 2,
		input: 1_194,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 279,
		models: ['claude-haiku-4-5-20251001'],
		sources: { recorded: 2 },
	},
	'anthropic_messages/pydai_anthropic_tool_with_thinking.json': {
		format: 'http-recording',
		calls: 2,
		input: 964,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 281,
		models: ['claude-sonnet-4-20250514'],
		sources: { recorded: 2 },
	},
	'openai_chat/pydai_openai_instructions_with_tool_calls.json': {
		format: 'http-recording',
		calls: 2,
		input: 125,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 30,
		models: ['gpt-4.1-mini-2025-04-14'],
		sources: { recorded: 2 },
	},
	'openai_chat/pydai_openai_tool_output.json': {
		format: 'http-recording',
		calls: 2,
		input: 157,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 48,
		models: ['gpt-4o-2024-08-06'],
		sources: { recorded: 2 },
	},
	'openai_responses/pydai_openai_responses_tool_call_continuation.json': {
		format: 'http-recording',
		calls: 2,
		input: 145,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 23,
		models: ['gpt-4.1-2025-04-14'],
		sources: { recorded: 2 },
	},
	'openhands/openhands_traj_basic.json': {
		format: 'openhands-trajectory',
		calls: 2,
		input: 8_132,
		cacheRead: 3_482,
		cacheWrite5m: 4_640,
		cacheWrite1h: 0,
		output: 1_312,
		models: ['claude-3-5-sonnet-20241022'],
		sources: { recorded: 2 },
	},
	'openhands/openhands_eval_multiswebench_ponylang__ponyc-4593.json': {
		format: 'openhands-eval',
		calls: 33,
		input: 410_169,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 5_156,
		models: ['meta-llama/llama-4-maverick'],
		sources: { recorded: 33 },
	},
	'inspect_ai/inspect_input-task_gpt-4o-mini.json': {
		format: 'inspect-ai',
		calls: 2,
		input: 274,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 189,
		models: ['gpt-4o-mini-2024-07-18'],
		sources: { recorded: 2 },
	},
	'mini_swe_agent/mswea_gemini3pro_django__django-14765.traj.json': {
		format: 'mini-swe-agent',
		calls: 13,
		input: 80_192,
		cacheRead: 46_437,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 2_913,
		reasoning: 238,
		models: ['google/gemini-3-pro-preview'],
		sources: { recorded: 13 },
	},
	'mini_swe_agent/mswea_gemini3pro_pallets__flask-5014.traj.json': {
		format: 'mini-swe-agent',
		calls: 20,
		input: 218_295,
		cacheRead: 163_830,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 2_025,
		reasoning: 73,
		models: ['google/gemini-3-pro-preview'],
		sources: { recorded: 20 },
	},
	'aider/aider_metadata-aider.chat.history.md': {
		format: 'aider',
		calls: 12,
		input: 73_600,
		cacheRead: 0,
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: 4_303,
		models: ['openrouter/openai/gpt-4o-mini'],
		sources: { rounded: 12 },
	},
};

/** Counted formats: call counts from the structure (assistant messages / steps / replies). */
const counted: Record<string, { format: TranscriptFormat; calls: number; input: number; output: number; models: readonly string[] }> = {
	// 15 assistant messages in traj[]; model from the file name (tau-bench names files after the agent model).
	'openai_chat/taubench_gpt-4o_airline_idx000_task0_trial0.json': { format: 'openai-chat-messages', calls: 15, input: 44_011, output: 1_268, models: ['gpt-4o'] },
	// 5 trajectory steps (api_calls 5); the history holds the first 4 outputs, the 5th (submit) is only in the trajectory.
	'swe_agent/sweagent_gpt4_testrepo_6e44b9.traj': { format: 'swe-agent', calls: 5, input: 7_373, output: 336, models: ['gpt-4o'] },
	// 14 steps, 14 assistant messages; a demonstration: no model, zero stats.
	'swe_agent/sweagent_demo_marshmallow-1867_default.traj': { format: 'swe-agent', calls: 14, input: 85_879, output: 972, models: [] },
	// 10 prompts inside <div class="chat-transcript"> blocks, each answered (one is /run whose output was added to the chat).
	'aider/aider_website_example_census.md': { format: 'aider', calls: 10, input: 10_583, output: 2_040, models: [] },
};

function recordedTotals(t: Transcript) {
	return sumUsage(t.calls.map(c => c.recordedUsage ?? c.usage));
}

function sources(t: Transcript): Partial<Record<UsageSource, number>> {
	const out: Partial<Record<UsageSource, number>> = {};
	for (const c of t.calls) out[c.usageSource] = (out[c.usageSource] ?? 0) + 1;
	return out;
}

describe('shared transcripts: every file imports with the expected calls and usage', () => {
	it('the tables below cover all 25 fixture transcripts', () => {
		assert.deepEqual([...Object.keys(recorded), ...Object.keys(counted)].sort(), fixtureFiles());
		assert.equal(fixtureFiles().length, 25);
	});

	for (const [file, e] of Object.entries(recorded)) {
		it(`${file}: ${e.calls} calls, input ${e.input}, output ${e.output}`, () => {
			const t = importFixture(file);
			assert.equal(t.format, e.format);
			assert.equal(t.calls.length, e.calls);
			const u = recordedTotals(t);
			assert.deepEqual(
				{ input: u.input, cacheRead: u.cacheRead, cacheWrite5m: u.cacheWrite5m, cacheWrite1h: u.cacheWrite1h, output: u.output, reasoning: u.reasoning },
				{ input: e.input, cacheRead: e.cacheRead, cacheWrite5m: e.cacheWrite5m, cacheWrite1h: e.cacheWrite1h, output: e.output, reasoning: e.reasoning ?? 0 },
			);
			assert.deepEqual(t.models, e.models);
			assert.deepEqual(sources(t), e.sources);
			assert.deepEqual(
				t.calls.map(c => c.index),
				t.calls.map((_, i) => i),
			);
		});
	}

	for (const [file, e] of Object.entries(counted)) {
		it(`${file}: ${e.calls} counted calls`, () => {
			const t = importFixture(file);
			assert.equal(t.format, e.format);
			assert.equal(t.calls.length, e.calls);
			assert.ok(t.calls.every(c => c.usageSource === 'counted' && !c.usageExact));
			const u = sumUsage(t.calls.map(c => c.usage));
			assert.equal(u.input, e.input);
			assert.equal(u.output, e.output);
			assert.equal(u.cacheRead, 0);
			assert.deepEqual(t.models, e.models);
			assert.ok(
				t.warnings.some(w => w.code === 'countedUsage'),
				'counted usage is said so',
			);
		});
	}
});

/** Every call's full prompt, expanded independently of `callPrompts` (and checked against it). */
function fullPrompts(t: Transcript) {
	const threads = new Map<string, TranscriptMessage[]>();
	const prompts = t.calls.map(c => {
		const input = c.input!;
		const prompt = input.kind === 'full' ? [...input.messages] : [...(threads.get(c.thread) ?? []), ...input.messages];
		const out = c.output!;
		threads.set(c.thread, [...prompt, { role: 'assistant', content: out.text, ...(out.toolCalls.length > 0 && { toolCalls: out.toolCalls, toolCallIds: out.toolCalls.map(x => x.id) }) }]);
		return prompt;
	});
	assert.deepEqual(
		[...callPrompts(t)].map(p => p.messages),
		prompts,
	);
	return prompts;
}

describe('shared transcripts: counted tokens are the engine count of each full prompt', () => {
	it('tau-bench: each call counts exactly countChat(gpt-4o, every message before it), rebuilt from the raw file', () => {
		const file = 'openai_chat/taubench_gpt-4o_airline_idx000_task0_trial0.json';
		const t = importFixture(file);
		// An independent rendering of the raw messages (not the importer's): OpenAI shape → counter shape.
		type Raw = { role: string; content: string | null; name?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
		const raw = (JSON.parse(fixtureText(file)) as { traj: Raw[] }).traj.map(m => ({
			role: m.role,
			content: m.content ?? '',
			...(m.name !== undefined && { name: m.name }),
			...(m.tool_calls && { toolCalls: m.tool_calls.map(c => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) }),
			...(m.tool_call_id !== undefined && { toolCallId: m.tool_call_id }),
		}));
		const expected: number[] = [];
		raw.forEach((m, i) => {
			if (m.role === 'assistant') expected.push(engineCounter.countChat('gpt-4o', raw.slice(0, i)).tokens);
		});
		assert.deepEqual(
			t.calls.map(c => c.usage.input),
			expected,
		);
		// First call: system policy + first user turn = 1,278 tokens; last: the whole conversation but the final user turn.
		assert.equal(expected[0], 1_278);
		assert.equal(expected[14], 4_392);
	});

	it('SWE-agent: counted prompts equal countChat of the rebuilt history prefix; run totals kept next to them', () => {
		const t = importFixture('swe_agent/sweagent_gpt4_testrepo_6e44b9.traj');
		const prompts = fullPrompts(t);
		assert.deepEqual(
			t.calls.map(c => c.usage.input),
			prompts.map(p => engineCounter.countChat('gpt-4o', p).tokens),
		);
		// The 5th call (submit) was sent the whole 10-message history.
		assert.equal(prompts[4].length, 10);
		assert.deepEqual(t.recordedTotals?.usage && { input: t.recordedTotals.usage.input, output: t.recordedTotals.usage.output }, { input: 7_141, output: 243 });
		assert.equal(t.recordedTotals?.calls, 5);
		assert.equal(t.recordedTotals?.costUsd, 0.019520000000000006);
		assert.equal(t.calls[0].modelSource, 'config');
	});

	it('SWE-agent demonstration: zero model_stats are said to be a demonstration; no recorded totals, no model, no price', () => {
		const t = importFixture('swe_agent/sweagent_demo_marshmallow-1867_default.traj');
		assert.ok(t.warnings.some(w => w.code === 'zeroStats'));
		assert.ok(t.warnings.some(w => w.code === 'modelUnknown'));
		assert.equal(t.recordedTotals, undefined);
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.computedUsd, null);
		assert.equal(a.unpricedCalls, 14);
		// --model prices it: 85,879 input + 972 output tokens of gpt-4o at $2.50/$10 per Mtok.
		const priced = accountTranscript(importFixture('swe_agent/sweagent_demo_marshmallow-1867_default.traj', { model: 'gpt-4o' }), fixedCatalog);
		assert.ok(Math.abs((priced.computedUsd ?? 0) - (85_879 * 2.5 + 972 * 10) / 1e6) < 1e-12);
	});
});

describe('shared transcripts: Claude Code specifics', () => {
	it('placeholder outputs: flagged, recorded value kept, output corrected up from the content (never down)', () => {
		const t = importFixture('claude_code/spotter_258c7280_agent-a881341.jsonl');
		for (const c of t.calls) {
			assert.equal(c.usageSource, 'placeholder-output');
			assert.equal(c.recordedUsage?.output, 1);
			assert.ok(c.usage.output >= 1);
			assert.equal(c.usageExact, false);
			assert.deepEqual({ ...c.usage, output: 0 }, { ...c.recordedUsage!, output: 0 }, 'input and cache numbers are trusted as recorded');
		}
		// The third call wrote a ~4.5 KB answer: far more than its 1 recorded token.
		assert.ok(t.calls[2].usage.output > 500, String(t.calls[2].usage.output));
		const w = t.warnings.find(x => x.code === 'placeholderOutput');
		assert.match(w?.message ?? '', /^3 of 3 calls/);
	});

	it('a response with a stop_reason is trusted as recorded (fasthooks call 11: stop_reason tool_use, 228 tokens)', () => {
		const t = importFixture('claude_code/fasthooks_sample_main_transcript.jsonl');
		const c = t.calls[10];
		assert.equal(c.usageSource, 'recorded');
		assert.equal(c.usage.output, 228);
		assert.equal(c.output?.stopReason, 'tool_use');
	});

	it('compaction is kept as an event with its identity; subagent files keep the agent id', () => {
		const main = importFixture('claude_code/fasthooks_sample_main_transcript.jsonl');
		assert.deepEqual(main.events, [
			{
				kind: 'compaction',
				id: '2b772f69-963e-4d05-8a4f-1ca2c3889686',
				at: '2026-01-02T19:21:02.004Z',
				beforeCall: 12,
				thread: 'main',
				trigger: 'manual',
				preTokens: 21_558,
				source: 'claude-code',
				line: 59,
			},
		]);
		assert.equal(main.runId, 'c45af7b1-cb7c-4e51-93db-8cbb250a877a');
		assert.equal(main.agent, 'claude-code 2.0.76');
		const side = importFixture('claude_code/spotter_258c7280_agent-a881341.jsonl');
		assert.ok(side.calls.every(c => c.thread === 'a881341' && c.sidechain?.agentId === 'a881341' && c.sidechain.kind === 'subagent'));
		const haiku = importFixture('claude_code/fasthooks_sample_agent_sidechain.jsonl');
		assert.equal(haiku.calls[0].sidechain?.agentId, 'af1ff21');
	});

	it('inputs are deltas along the thread: tool results of parallel tool calls reach the next call', () => {
		const t = importFixture('claude_code/fasthooks_sample_main_transcript.jsonl');
		// Call 10 (msg_01WMh3…) made three tool calls; call 11 is sent their three results.
		assert.equal(t.calls[9].output?.toolCalls.length, 3);
		const delta = t.calls[10].input!;
		assert.equal(delta.kind, 'delta');
		assert.deepEqual(
			delta.messages.map(m => m.toolCallId),
			t.calls[9].output!.toolCalls.map(c => c.id),
		);
		assert.equal(t.calls[9].toolResults?.length, 3);
		assert.match(delta.unrecorded ?? '', /system prompt/);
	});
});

describe('shared transcripts: recorded vs computed cost', () => {
	it('mini-SWE-agent: the recomputed cost EQUALS the recorded cost of every call and of the run', () => {
		for (const file of ['mini_swe_agent/mswea_gemini3pro_django__django-14765.traj.json', 'mini_swe_agent/mswea_gemini3pro_pallets__flask-5014.traj.json']) {
			const t = importFixture(file);
			const a = accountTranscript(t, fixedCatalog);
			for (const c of a.calls) {
				assert.equal(c.computed.kind, 'priced');
				assert.equal(c.matches, true, `${file} call ${c.index}: computed ${c.computed.kind === 'priced' ? c.computed.usd : '-'} vs recorded ${c.recordedUsd}`);
				assert.ok(Math.abs(c.differenceUsd!) < 1e-12);
			}
			assert.equal(a.recordedSource, 'run');
			assert.ok(Math.abs(a.computedUsd! - a.recordedUsd!) < 1e-12, `${a.computedUsd} vs ${a.recordedUsd}`);
			assert.deepEqual(a.warnings, [], 'nothing to report: every number agrees');
			assert.equal(t.calls[0].provider, 'openrouter');
		}
		// The recorded run totals, for the record: $0.1117534 and $0.165996.
		assert.equal(accountTranscript(importFixture('mini_swe_agent/mswea_gemini3pro_django__django-14765.traj.json'), fixedCatalog).recordedUsd, 0.11175340000000003);
	});

	// Hand-computed from the list prices (USD per Mtok) and the usage in the tables above.
	const handComputed: [string, number, string][] = [
		// sonnet-4.5 $3 in, $15 out, $0.30 cache read, $3.75 5m write: (3·3 + 1,111·0.3 + 406·15) + (3·3 + 1,111·0.3 + 418·3.75 + 33·15)
		['anthropic_messages/pydai_anthropic_cache_real_api.json', 0.0088371, 'claude-sonnet-4-5 with cache reads and writes'],
		// haiku-4.5 $1/$5: (423 + 202·5) + (771 + 77·5)
		['anthropic_messages/pydai_anthropic_multiple_parallel_tool_calls.json', 0.002589, 'claude-haiku-4-5'],
		// sonnet-4 $3/$15: 964·3 + 281·15
		['anthropic_messages/pydai_anthropic_tool_with_thinking.json', 0.007107, 'claude-sonnet-4 with thinking'],
		// gpt-4.1-mini $0.40/$1.60: 125·0.4 + 30·1.6
		['openai_chat/pydai_openai_instructions_with_tool_calls.json', 0.000098, 'gpt-4.1-mini'],
		// gpt-4o-2024-08-06 $2.50/$10: 157·2.5 + 48·10
		['openai_chat/pydai_openai_tool_output.json', 0.0008725, 'gpt-4o'],
		// gpt-4.1 $2/$8: 145·2 + 23·8
		['openai_responses/pydai_openai_responses_tool_call_continuation.json', 0.000474, 'gpt-4.1 (Responses)'],
		// gpt-4o-mini $0.15/$0.60: 274·0.15 + 189·0.6
		['inspect_ai/inspect_input-task_gpt-4o-mini.json', 0.0001545, 'gpt-4o-mini via Inspect'],
		// claude-3.5-sonnet $3/$15, $0.30 read, $3.75 write: (4·3 + 3,482·3.75 + 1,135·15) + (6·3 + 3,482·0.3 + 1,158·3.75 + 177·15)
		['openhands/openhands_traj_basic.json', 0.0381546, 'claude-3.5-sonnet through LiteLLM (prompt_tokens include cache)'],
		// the response's real model (llama-4-maverick, OpenRouter $0.15/$0.60), not the proxy alias: 410,169·0.15 + 5,156·0.6
		['openhands/openhands_eval_multiswebench_ponylang__ponyc-4593.json', 0.06461895, 'llama-4-maverick'],
		// haiku-4.5 $1/$5: 728 + 152·5
		['claude_code/fasthooks_sample_agent_sidechain.jsonl', 0.001488, 'a recorded (final) Claude Code call'],
		// gpt-4o-mini $0.15/$0.60 on aider's printed counts: 73,600·0.15 + 4,303·0.6
		['aider/aider_metadata-aider.chat.history.md', 0.0136218, 'aider rounded counts'],
	];
	for (const [file, usd, what] of handComputed) {
		it(`${what}: computed $${usd}`, () => {
			const a = accountTranscript(importFixture(file), fixedCatalog);
			assert.equal(a.computedComplete, true);
			assert.ok(Math.abs(a.computedUsd! - usd) < 1e-12, `${a.computedUsd} vs ${usd}`);
		});
	}

	it('aider: recorded "Cost: $… message" lines agree with usage × prices within aider\'s rounding; the run total is their sum', () => {
		const t = importFixture('aider/aider_metadata-aider.chat.history.md');
		const a = accountTranscript(t, fixedCatalog);
		assert.ok(
			a.calls.every(c => c.matches === true),
			JSON.stringify(a.calls.filter(c => !c.matches)),
		);
		// Σ of the 12 printed message costs; the printed session total ($0.01) is rounded to cents, so the sum is the more precise one.
		assert.ok(Math.abs(a.recordedUsd! - 0.01346) < 1e-12);
		assert.equal(a.recordedSource, 'calls');
		assert.equal(t.recordedTotals?.costUsd, 0.01);
		assert.deepEqual(a.warnings, []);
		// "2.4k sent" means 2,350…2,450 tokens.
		assert.deepEqual([t.calls[0].usageRange?.low.input, t.calls[0].usageRange?.high.input], [2_350, 2_450]);
	});

	it('SWE-agent: recorded run cost next to the counted one, the difference in numbers', () => {
		const t = importFixture('swe_agent/sweagent_gpt4_testrepo_6e44b9.traj');
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.recordedUsd, 0.019520000000000006);
		// tokens_sent 7,141 + tokens_received 243 at gpt-4o's $2.50/$10 = $0.0202825
		assert.ok(Math.abs(a.recordedTotalsComputedUsd! - 0.0202825) < 1e-12);
		const texts = [...t.warnings, ...a.warnings].map(w => w.message).join('\n');
		assert.match(texts, /7373 input \/ 336 output tokens vs recorded tokens_sent 7141 \/ tokens_received 243/);
		assert.match(texts, /\$0\.02028.*recorded \$0\.01952/);
	});

	it('OpenHands eval: a recorded cost of 0 with no per-call costs is "not priced", not $0; the latency without usage is reported', () => {
		const t = importFixture('openhands/openhands_eval_multiswebench_ponylang__ponyc-4593.json');
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.recordedUsd, null);
		assert.ok(t.warnings.some(w => w.code === 'noRecordedCost'));
		assert.ok(t.warnings.some(w => w.code === 'missingUsage' && w.message.includes('gen-1746002773-cEtv7sjEX0xVQiCkirl6')));
		assert.equal(t.recordedTotals?.usage?.input, 410_169);
		assert.deepEqual(a.warnings, [], 'the per-call usage adds up to accumulated_token_usage');
	});

	it('unknown models are unpriced and said so: never a silent $0', () => {
		const t = importFixture('aider/aider_website_example_census.md');
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.computedUsd, null);
		assert.equal(a.computedComplete, false);
		assert.ok(a.warnings.some(w => w.code === 'unpriced' && /10 call\(s\)/.test(w.message)));
		const custom = accountTranscript(importFixture('openai_chat/pydai_openai_tool_output.json'), {
			cost: (model, usage) => ({ kind: 'unpriced', model, reason: `no price for ${model} (${usage.input} tokens)`, hint: 'add one' }),
		});
		assert.equal(custom.computedUsd, null);
		assert.match(custom.warnings[0].message, /2 call\(s\) of gpt-4o-2024-08-06 have no price/);
	});
});

describe('shared transcripts: everything is JSON', () => {
	it('every transcript and its account survive JSON round trips unchanged', () => {
		for (const file of fixtureFiles()) {
			const t = importFixture(file);
			assert.deepEqual(JSON.parse(JSON.stringify(t)), t, file);
			const a = accountTranscript(t, fixedCatalog);
			assert.deepEqual(JSON.parse(JSON.stringify(a)), a, file);
		}
	});
});
