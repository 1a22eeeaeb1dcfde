import * as assert from 'node:assert/strict';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { parseRoundedCount } from '../../../../src/core/transcripts/aider';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { fromInspectUsage } from '../../../../src/core/transcripts/inspectAi';
import type { Transcript } from '../../../../src/core/transcripts/model';
import { parsePythonLiteral } from '../../../../src/core/transcripts/pythonLiteral';
import { engineCounter, fixedCatalog } from './transcriptTestKit';

/** The traps of each format (FORMATS.md), each on a small hand-written file whose numbers are obvious. */
function imp(text: string, file = 'x.json', model?: string): Transcript {
	return importTranscript(text, { file, counter: engineCounter, ...(model !== undefined && { model }) });
}

const jsonl = (...lines: object[]) => lines.map(l => JSON.stringify(l)).join('\n') + '\n';

function assistant(o: { uuid: string; id: string; req?: string; out: number; stop?: string | null; content: object[]; model?: string; extra?: object }) {
	return {
		type: 'assistant',
		uuid: o.uuid,
		sessionId: 'S',
		timestamp: '2026-01-01T00:00:01.000Z',
		requestId: o.req ?? 'req_1',
		...o.extra,
		message: {
			id: o.id,
			model: o.model ?? 'claude-sonnet-4-5-20250929',
			role: 'assistant',
			content: o.content,
			stop_reason: o.stop ?? null,
			usage: {
				input_tokens: 10,
				cache_read_input_tokens: 1_000,
				cache_creation_input_tokens: 200,
				cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
				output_tokens: o.out,
			},
		},
	};
}
const user = (uuid: string, content: unknown, extra: object = {}) => ({ type: 'user', uuid, sessionId: 'S', timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content }, ...extra });

describe('Claude Code traps', () => {
	it('one response split over lines (tool results in between, repeated later) is ONE call with the final usage', () => {
		const t = imp(
			jsonl(
				user('u1', 'list files'),
				assistant({ uuid: 'a1', id: 'msg_A', out: 1, content: [{ type: 'thinking', thinking: 'I should run ls', signature: 'sig' }] }),
				assistant({ uuid: 'a2', id: 'msg_A', out: 1, content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] }),
				user('u2', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.py' }]),
				assistant({ uuid: 'a3', id: 'msg_A', out: 57, stop: 'tool_use', content: [{ type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: 'pwd' } }] }),
				user('u3', [{ type: 'tool_result', tool_use_id: 'toolu_2', content: '/w' }]),
				assistant({ uuid: 'a4', id: 'msg_B', out: 30, stop: 'end_turn', content: [{ type: 'text', text: 'Done.' }] }),
			),
			'session.jsonl',
		);
		assert.equal(t.calls.length, 2);
		const [a, b] = t.calls;
		assert.deepEqual(a.usage, { input: 1_210, cacheRead: 1_000, cacheWrite5m: 200, cacheWrite1h: 0, output: 57, reasoning: 0 });
		assert.equal(a.usageSource, 'recorded');
		assert.deepEqual(
			a.output?.toolCalls.map(c => c.id),
			['toolu_1', 'toolu_2'],
		);
		assert.equal(a.output?.reasoning, 'I should run ls');
		assert.deepEqual(
			a.toolResults?.map(r => r.content),
			['a.py', '/w'],
		);
		// The second call is sent both results (and nothing from before the first call).
		assert.deepEqual(
			b.input?.messages.map(m => m.toolCallId),
			['toolu_1', 'toolu_2'],
		);
		assert.equal(accountTranscript(t, fixedCatalog).calls.length, 2);
	});

	it('the dedupe key is message.id AND requestId; a verbatim repeated line adds nothing', () => {
		const line = assistant({ uuid: 'a1', id: 'msg_A', req: 'req_1', out: 5, stop: 'end_turn', content: [{ type: 'text', text: 'hello' }] });
		const t = imp(jsonl(user('u1', 'hi'), line, line, assistant({ uuid: 'a2', id: 'msg_A', req: 'req_2', out: 5, stop: 'end_turn', content: [{ type: 'text', text: 'hello' }] })), 's.jsonl');
		assert.equal(t.calls.length, 2);
		assert.equal(t.calls[0].output?.text, 'hello');
		assert.deepEqual(
			t.calls.map(c => c.requestId),
			['req_1', 'req_2'],
		);
	});

	it('<synthetic> assistant lines are not API calls; streaming placeholders are flagged and corrected from the content', () => {
		const long = 'word '.repeat(400);
		const t = imp(
			jsonl(
				user('u1', 'write an essay'),
				assistant({ uuid: 'a1', id: 'msg_A', out: 2, content: [{ type: 'text', text: long }] }),
				assistant({ uuid: 'a2', id: 'msg_S', out: 0, stop: 'stop_sequence', model: '<synthetic>', content: [{ type: 'text', text: 'No response requested.' }] }),
			),
			's.jsonl',
		);
		assert.equal(t.calls.length, 1);
		const c = t.calls[0];
		assert.equal(c.usageSource, 'placeholder-output');
		assert.equal(c.recordedUsage?.output, 2);
		// ≈400 tokens of text: the estimate, not the placeholder, is what gets priced.
		const counted = engineCounter.countText(c.model, long).tokens;
		assert.equal(c.usage.output, counted);
		assert.ok(counted > 350 && counted < 500, String(counted));
		assert.ok(t.warnings.some(w => w.code === 'syntheticMessage' && w.message.startsWith('1 assistant line')));
		assert.ok(t.warnings.some(w => w.code === 'placeholderOutput'));
	});

	it('inline sidechain lines, agent progress parents, compaction resets and old costUSD fields', () => {
		const t = imp(
			jsonl(
				user('u1', 'investigate'),
				assistant({
					uuid: 'a1',
					id: 'msg_A',
					out: 9,
					stop: 'tool_use',
					content: [{ type: 'tool_use', id: 'toolu_task', name: 'Task', input: { subagent_type: 'Explore' } }],
					extra: { costUSD: 0.0123 },
				}),
				{ type: 'progress', uuid: 'p1', sessionId: 'S', parentToolUseID: 'toolu_task', data: { type: 'agent_progress', agentId: 'a77' } },
				user('u2', 'Warmup', { isSidechain: true, agentId: 'a77' }),
				assistant({ uuid: 'a2', id: 'msg_B', out: 3, stop: 'end_turn', content: [{ type: 'text', text: 'ok' }], extra: { isSidechain: true, agentId: 'a77' } }),
				{ type: 'system', subtype: 'compact_boundary', uuid: 'c1', sessionId: 'S', timestamp: '2026-01-01T00:01:00.000Z', compactMetadata: { trigger: 'auto', preTokens: 150_000 } },
				user('u3', 'This session is being continued from a previous conversation…', { isCompactSummary: true }),
				assistant({ uuid: 'a3', id: 'msg_C', out: 4, stop: 'end_turn', content: [{ type: 'text', text: 'continuing' }] }),
			),
			's.jsonl',
		);
		assert.equal(t.calls.length, 3);
		assert.equal(t.calls[0].recordedCostUsd, 0.0123);
		assert.deepEqual(t.calls[1].sidechain, { agentId: 'a77', kind: 'subagent', parentToolUseId: 'toolu_task' });
		assert.equal(t.calls[1].thread, 'a77');
		assert.deepEqual(
			t.calls[1].input?.messages.map(m => m.content),
			['Warmup'],
		);
		assert.equal(t.events.length, 1);
		assert.deepEqual([t.events[0].beforeCall, t.events[0].trigger, t.events[0].preTokens], [2, 'auto', 150_000]);
		// After compaction the prompt starts over from the summary: a full input, not a delta.
		assert.equal(t.calls[2].input?.kind, 'full');
		assert.match(t.calls[2].input?.messages[0].content ?? '', /^This session is being continued/);
		const a = accountTranscript(t, fixedCatalog);
		assert.equal(a.recordedUsd, 0.0123);
		assert.ok(a.warnings.some(w => w.code === 'noRecordedCost' && w.message.startsWith('only 1 of 3 calls')));
	});

	it('agent-acompact-*.jsonl is the compaction agent: its call keeps that identity', () => {
		const t = imp(
			jsonl(
				user('u1', 'Summarize the conversation', { isSidechain: true, agentId: 'acompact-3f2a' }),
				assistant({ uuid: 'a1', id: 'msg_A', out: 900, stop: 'end_turn', content: [{ type: 'text', text: 'Summary…' }], extra: { isSidechain: true, agentId: 'acompact-3f2a' } }),
			),
			'proj/agent-acompact-3f2a.jsonl',
		);
		assert.deepEqual(t.calls[0].sidechain, { agentId: 'acompact-3f2a', kind: 'compaction' });
	});
});

describe('OpenHands traps', () => {
	const response = (id: string, prompt: number, completion: number) => ({
		id,
		model: 'claude-3-5-sonnet-20241022',
		choices: [{ message: { role: 'assistant', content: 'thinking', tool_calls: [{ id: `${id}-t1`, type: 'function', function: { name: 'execute_bash', arguments: '{"command":"ls"}' } }] } }],
		usage: { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: { cached_tokens: 0 }, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
	});
	const events = [
		{ id: 0, source: 'user', action: 'message', args: { content: 'do it' }, message: 'do it' },
		// Two actions of ONE multi-tool response, each repeated on its observation: one call.
		{
			id: 1,
			source: 'agent',
			action: 'run',
			args: { command: 'ls' },
			tool_call_metadata: { tool_call_id: 'r1-t1', function_name: 'execute_bash', total_calls_in_response: 2, model_response: response('r1', 1_000, 50) },
		},
		{
			id: 2,
			source: 'agent',
			action: 'run',
			args: { command: 'pwd' },
			tool_call_metadata: { tool_call_id: 'r1-t2', function_name: 'execute_bash', total_calls_in_response: 2, model_response: response('r1', 1_000, 50) },
		},
		{ id: 3, source: 'agent', observation: 'run', cause: 1, content: 'a.py', tool_call_metadata: { tool_call_id: 'r1-t1', function_name: 'execute_bash', model_response: response('r1', 1_000, 50) } },
		{ id: 4, source: 'agent', observation: 'run', cause: 2, content: '/w', tool_call_metadata: { tool_call_id: 'r1-t2', function_name: 'execute_bash', model_response: response('r1', 1_000, 50) } },
		{ id: 5, source: 'agent', action: 'finish', args: {}, tool_call_metadata: { tool_call_id: 'r2-t1', function_name: 'finish', model_response: response('r2', 1_200, 20) } },
	];

	it('a trajectory counts each response once although it is copied onto every action and observation', () => {
		const t = imp(JSON.stringify(events));
		assert.equal(t.format, 'openhands-trajectory');
		assert.deepEqual(
			t.calls.map(c => [c.id, c.usage.input, c.usage.output]),
			[
				['r1', 1_000, 50],
				['r2', 1_200, 20],
			],
		);
		assert.deepEqual(
			t.calls[1].input?.messages.map(m => m.content),
			['a.py', '/w'],
		);
		assert.equal(t.calls[1].input?.reconstructed, true);
	});

	it('an eval record takes usage from metrics.token_usages (deduplicated by response id) and per-call costs when they line up', () => {
		const doc = {
			instance_id: 'i-1',
			metadata: { agent_class: 'CodeActAgent', llm_config: { model: 'anthropic/claude-3-5-sonnet-20241022' } },
			history: events,
			metrics: {
				accumulated_cost: 0.0051,
				accumulated_token_usage: { model: 'default', prompt_tokens: 2_200, completion_tokens: 70, cache_read_tokens: 0, cache_write_tokens: 0, response_id: '' },
				costs: [
					{ model: 'x', cost: 0.00375, timestamp: 1 },
					{ model: 'x', cost: 0.00135, timestamp: 2 },
				],
				token_usages: [
					{ model: 'x', prompt_tokens: 1_000, completion_tokens: 50, cache_read_tokens: 0, cache_write_tokens: 0, response_id: 'r1' },
					{ model: 'x', prompt_tokens: 1_000, completion_tokens: 50, cache_read_tokens: 0, cache_write_tokens: 0, response_id: 'r1' },
					{ model: 'x', prompt_tokens: 1_200, completion_tokens: 20, cache_read_tokens: 0, cache_write_tokens: 0, response_id: 'r2' },
				],
			},
		};
		// With the duplicate token_usages entry the costs (2) no longer line up with 3 entries — but after dedupe they do.
		const t = imp(JSON.stringify(doc));
		assert.equal(t.format, 'openhands-eval');
		assert.equal(t.calls.length, 2);
		assert.deepEqual(
			t.calls.map(c => c.recordedCostUsd),
			[0.00375, 0.00135],
		);
		const a = accountTranscript(t, fixedCatalog);
		// claude-3.5-sonnet $3/$15: 1,000·3 + 50·15 = $0.00375; 1,200·3 + 20·15 = $0.0039 ≠ $0.00135 recorded.
		assert.deepEqual(
			a.calls.map(c => c.matches),
			[true, false],
		);
		assert.match(a.warnings.map(w => w.message).join('\n'), /call 2 recorded \$0\.00135 vs computed \$0\.0039 \(\+188\.9%\)/);
	});
});

describe('Inspect AI: input semantics per provider', () => {
	it('anthropic/* input_tokens exclude cache tokens; openai/* include them', () => {
		const raw = { input_tokens: 10, output_tokens: 5, input_tokens_cache_read: 100, input_tokens_cache_write: 50 };
		assert.deepEqual(fromInspectUsage(raw, 'anthropic/claude-sonnet-4-5'), { input: 160, cacheRead: 100, cacheWrite5m: 50, cacheWrite1h: 0, output: 5, reasoning: 0 });
		assert.deepEqual(fromInspectUsage({ ...raw, input_tokens: 160 }, 'openai/gpt-4o'), { input: 160, cacheRead: 100, cacheWrite5m: 50, cacheWrite1h: 0, output: 5, reasoning: 0 });
		assert.equal(fromInspectUsage(raw, 'bedrock/anthropic.claude-3-5-sonnet').input, 160);
	});

	it('a model event without usage is counted (≈), never a recorded 0 that a replay would trust', () => {
		const log = {
			version: 2,
			status: 'success',
			eval: { task: 't', model: 'openai/gpt-4o-mini', run_id: 'r1' },
			samples: [
				{
					id: 1,
					events: [
						{
							event: 'model',
							model: 'openai/gpt-4o-mini',
							timestamp: '2025-05-12T20:27:40-04:00',
							input: [{ role: 'user', content: 'What is the capital of France?' }],
							output: { model: 'gpt-4o-mini', choices: [{ message: { role: 'assistant', content: 'Paris.' }, stop_reason: 'stop' }] },
						},
					],
				},
			],
		};
		const t = imp(JSON.stringify(log), 'log.json');
		assert.equal(t.calls.length, 1);
		const [c] = t.calls;
		assert.equal(c.usageSource, 'counted');
		assert.equal(c.usageExact, false);
		assert.equal(c.usage.input, engineCounter.countChat('gpt-4o-mini', [{ role: 'user', content: 'What is the capital of France?' }]).tokens);
		assert.equal(c.usage.output, engineCounter.countText('gpt-4o-mini', 'Paris.').tokens);
		assert.ok(t.warnings.some(w => w.code === 'missingUsage'));
	});
});

describe('HTTP recordings: dialect per interaction', () => {
	const interaction = (uri: string, req: object, res: unknown, code = 200) => ({
		request: { method: 'POST', uri, headers: {}, parsed_body: req },
		response: { status: { code, message: 'x' }, headers: { date: ['Tue, 03 Jun 2025 10:00:00 GMT'] }, ...(typeof res === 'string' ? { body: { string: res } } : { parsed_body: res }) },
	});

	it('mixes Gemini and OpenAI calls; a failed interaction is no call; Gemini thoughts are output', () => {
		const cassette = {
			version: 1,
			interactions: [
				interaction(
					'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
					{ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
					{
						candidates: [{ content: { role: 'model', parts: [{ text: 'hello' }] }, finishReason: 'STOP' }],
						usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 10, thoughtsTokenCount: 25 },
						modelVersion: 'gemini-2.5-flash',
					},
				),
				interaction('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { error: { message: 'rate limited' } }, 429),
				interaction(
					'https://api.openai.com/v1/chat/completions',
					{ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
					{
						id: 'c1',
						model: 'gpt-4o-2024-08-06',
						created: 1_748_944_800,
						choices: [{ message: { role: 'assistant', content: 'yo' }, finish_reason: 'stop' }],
						usage: { prompt_tokens: 8, completion_tokens: 2 },
					},
				),
			],
		};
		const t = imp(JSON.stringify(cassette));
		assert.deepEqual(t.dialects, ['gemini', 'openai-chat']);
		assert.equal(t.calls.length, 2);
		assert.deepEqual(t.calls[0].usage, { input: 100, cacheRead: 40, cacheWrite5m: 0, cacheWrite1h: 0, output: 35, reasoning: 25 });
		assert.equal(t.calls[0].provider, 'google');
		assert.equal(t.calls[0].startedAt, '2025-06-03T10:00:00.000Z');
		assert.equal(t.calls[1].startedAt, '2025-06-03T10:00:00.000Z');
		assert.ok(t.warnings.some(w => w.code === 'failedInteraction' && w.message.includes('HTTP 429')));
	});

	it('reassembles an Anthropic SSE stream (usage from message_start + message_delta); a chat stream without usage is counted', () => {
		const sse = [
			'event: message_start',
			'data: {"type":"message_start","message":{"id":"msg_1","model":"claude-haiku-4-5-20251001","role":"assistant","content":[],"usage":{"input_tokens":12,"cache_read_input_tokens":300,"output_tokens":1}}}',
			'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
			'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}',
			'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}',
			// The API repeats the input fields as null in message_delta: they must not erase message_start's.
			'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":null,"cache_read_input_tokens":null,"cache_creation_input_tokens":null,"output_tokens":42}}',
			'data: {"type":"message_stop"}',
		].join('\n');
		const chatSse = ['data: {"id":"c1","model":"gpt-4o","choices":[{"delta":{"content":"Hi there"}}]}', 'data: {"id":"c1","choices":[{"delta":{},"finish_reason":"stop"}]}', 'data: [DONE]'].join(
			'\n\n',
		);
		const t = imp(
			JSON.stringify({
				version: 1,
				interactions: [
					interaction('https://api.anthropic.com/v1/messages', { model: 'claude-haiku-4-5', stream: true, messages: [{ role: 'user', content: 'hi' }] }, sse),
					interaction('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hello' }] }, chatSse),
				],
			}),
		);
		assert.deepEqual(t.calls[0].usage, { input: 312, cacheRead: 300, cacheWrite5m: 0, cacheWrite1h: 0, output: 42, reasoning: 0 });
		assert.equal(t.calls[0].output?.text, 'Hello');
		assert.equal(t.calls[0].usageSource, 'recorded');
		assert.equal(t.calls[1].usageSource, 'counted');
		// {role:user, content:hello}: 3 + tok(user) 1 + tok(hello) 1 + priming 3 = 8 (o200k).
		assert.equal(t.calls[1].usage.input, engineCounter.countChat('gpt-4o', [{ role: 'user', content: 'hello' }]).tokens);
		assert.equal(t.calls[1].usage.output, engineCounter.countText('gpt-4o', 'Hi there').tokens);
		assert.ok(t.warnings.some(w => w.code === 'missingUsage'));
	});

	it('server-side compaction: Anthropic usage.iterations are summed and the compaction kept as an event', () => {
		const t = imp(
			JSON.stringify({
				version: 1,
				interactions: [
					interaction(
						'https://api.anthropic.com/v1/messages?beta=true',
						{ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'go on' }], context_management: { edits: [{ type: 'compact_20260112' }] } },
						{
							id: 'msg_1',
							model: 'claude-opus-4-6',
							content: [{ type: 'text', text: 'ok' }],
							stop_reason: 'end_turn',
							usage: {
								input_tokens: 5,
								output_tokens: 7,
								iterations: [
									{ type: 'compaction', input_tokens: 180_000, output_tokens: 3_000 },
									{ type: 'message', input_tokens: 5, output_tokens: 7 },
								],
							},
						},
					),
				],
			}),
		);
		assert.equal(t.calls[0].usage.input, 180_005);
		assert.equal(t.calls[0].usage.output, 3_007);
		assert.deepEqual(
			t.events.map(e => [e.kind, e.source, e.beforeCall]),
			[['compaction', 'anthropic-iterations', 0]],
		);
	});
});

describe('SWE-agent and aider quirks', () => {
	it('Python-repr tool_calls / tool_call_ids (SWE-agent 1.x) are read', () => {
		assert.deepEqual(parsePythonLiteral("[{'function': {'arguments': '{\"a\":1}', 'name': 'bash'}, 'id': 'call_1', 'type': 'function', 'ok': True, 'x': None,}]"), [
			{ function: { arguments: '{"a":1}', name: 'bash' }, id: 'call_1', type: 'function', ok: true, x: null },
		]);
		assert.deepEqual(parsePythonLiteral("['call_1', 'it\\'s']"), ['call_1', "it's"]);
		assert.equal(parsePythonLiteral('[oops'), undefined);
		assert.equal(parsePythonLiteral("{'a': 'x,]'}") !== undefined && (parsePythonLiteral("{'a': 'x,]'}") as { a: string }).a, 'x,]');
	});

	it("aider's rounded counts: bounds of format_tokens", () => {
		assert.deepEqual(parseRoundedCount('104'), { value: 104, low: 104, high: 104 });
		assert.deepEqual(parseRoundedCount('2.4k'), { value: 2_400, low: 2_350, high: 2_450 });
		assert.deepEqual(parseRoundedCount('10k'), { value: 10_000, low: 9_500, high: 10_500 });
		assert.deepEqual(parseRoundedCount('1,234'), { value: 1_234, low: 1_234, high: 1_234 });
		assert.equal(parseRoundedCount('2.4x'), undefined);
	});

	it('aider: cache writes/hits, the cost on the next line, sessions summed, quoted markdown in fences is reply text', () => {
		const md = [
			'# aider chat started at 2025-01-01 10:00:00',
			'',
			'> Model: claude-3-5-sonnet-20241022 with diff edit format, prompt cache',
			'',
			'#### explain',
			'',
			'```',
			'> not aider output: a quote inside a fence',
			'```',
			'',
			'> Tokens: 12k sent, 2.0k cache write, 8.0k cache hit, 300 received.',
			'> Cost: $0.02 message, $0.02 session.',
			'',
			'# aider chat started at 2025-01-02 10:00:00',
			'',
			'> Model: claude-3-5-sonnet-20241022 with diff edit format',
			'',
			'#### again',
			'',
			'Sure.',
			'',
			'> Tokens: 1.5k sent, 20 received. Cost: $0.0048 message, $0.0048 session.',
		].join('\n');
		const t = imp(md, 'h.aider.chat.history.md');
		assert.equal(t.calls.length, 2);
		// 12k sent includes the 2k cache writes LiteLLM already counts: total input 10k, of which 8k hit and 2k written.
		assert.deepEqual(t.calls[0].usage, { input: 10_000, cacheRead: 8_000, cacheWrite5m: 2_000, cacheWrite1h: 0, output: 300, reasoning: 0 });
		assert.match(t.calls[0].output?.text ?? '', /not aider output/);
		assert.equal(t.calls[0].recordedCostUsd, 0.02);
		assert.equal(t.calls[0].recordedCostTolerance, 0.005);
		assert.equal(t.calls[1].startedAt, '2025-01-02T10:00:00Z');
		assert.equal(t.recordedTotals?.costUsd, 0.0248);
	});
});
