import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseObserver, type ObservedResponse } from '../../../../src/core/gateway/responseObserver';
import { SseParser, type SseEvent } from '../../../../src/core/gateway/sseParser';
import type { CallProtocol } from '../../../../src/core/gateway/gatewayRoutes';

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** A streamed Anthropic answer: text, a tool call, the input side first, the output in message_delta. */
const anthropicStream = [
	sse(
		{
			type: 'message_start',
			message: {
				id: 'msg_1',
				model: 'claude-sonnet-4-5',
				usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 }, output_tokens: 1 },
			},
		},
		'message_start',
	),
	sse({ type: 'ping' }, 'ping'),
	sse({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }, 'content_block_start'),
	sse({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm ' } }, 'content_block_delta'),
	sse({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }, 'content_block_start'),
	sse({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Héllo 👋 ' } }, 'content_block_delta'),
	sse({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'world' } }, 'content_block_delta'),
	sse({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} } }, 'content_block_start'),
	sse({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"cmd":' } }, 'content_block_delta'),
	sse({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"ls"}' } }, 'content_block_delta'),
	sse({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 42 } }, 'message_delta'),
	sse({ type: 'message_stop' }, 'message_stop'),
].join('');

const chatStream = (withUsage: boolean) =>
	[
		sse({ id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }),
		sse({ id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta: { content: 'Hi ' } }] }),
		sse({ id: 'chatcmpl-1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '' } }] } }] }),
		sse({ id: 'chatcmpl-1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } }] }),
		sse({ id: 'chatcmpl-1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
		...(withUsage
			? [sse({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 50, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 2 } } })]
			: []),
		'data: [DONE]\n\n',
	].join('');

const responsesStream = [
	sse({ type: 'response.created', response: { id: 'resp_1', model: 'gpt-5', output: [], usage: null } }, 'response.created'),
	sse({ type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', content: [] } }, 'response.output_item.added'),
	sse({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, delta: 'Hello' }, 'response.output_text.delta'),
	sse({ type: 'response.output_item.added', output_index: 1, item: { id: 'fc_1', type: 'function_call', call_id: 'call_9', name: 'shell', arguments: '' } }, 'response.output_item.added'),
	sse({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '{"cmd":"ls"}' }, 'response.function_call_arguments.delta'),
	sse(
		{
			type: 'response.completed',
			response: {
				id: 'resp_1',
				model: 'gpt-5',
				status: 'completed',
				output: [
					{ type: 'message', content: [{ type: 'output_text', text: 'Hello' }] },
					{ type: 'function_call', call_id: 'call_9', name: 'shell', arguments: '{"cmd":"ls"}' },
				],
				usage: { input_tokens: 1200, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 3 } },
			},
		},
		'response.completed',
	),
].join('');

function observe(protocol: CallProtocol, text: string, pieces: number[] = [text.length]): ObservedResponse {
	const o = new ResponseObserver(protocol, true);
	let at = 0;
	for (const n of pieces) {
		o.push(text.slice(at, at + n));
		at += n;
	}
	o.push(text.slice(at));
	return o.end();
}

describe('gateway: SSE parsing', () => {
	it('joins multi-line data, honours CRLF and CR line ends, skips comments, delivers a last event without its blank line', () => {
		const events: SseEvent[] = [];
		const p = new SseParser(e => events.push(e));
		p.push(': comment\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\ndata: three\r\rdata:four');
		p.end();
		assert.deepEqual(events, [
			{ event: 'a', data: 'one\ntwo' },
			{ event: '', data: 'three' },
			{ event: '', data: 'four' },
		]);
	});

	it('an empty piece between the two halves of a CRLF does not turn the LF into a blank line', () => {
		const got: SseEvent[] = [];
		const p = new SseParser(e => got.push(e));
		for (const piece of ['event: x\r', '', '\ndata: 1\r\n\r\n']) p.push(piece);
		assert.deepEqual(got, [{ event: 'x', data: '1' }]);
	});

	it('gives the same events however the stream is split (a CRLF split between two pieces included)', () => {
		const text = 'event: x\r\ndata: {"a":1}\r\n\r\ndata: é👋\n\n:keep-alive\n\nevent: y\ndata: z\n\n';
		const whole: SseEvent[] = [];
		const p = new SseParser(e => whole.push(e));
		p.push(text);
		p.end();
		fc.assert(
			fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }), cuts => {
				const got: SseEvent[] = [];
				const q = new SseParser(e => got.push(e));
				let at = 0;
				for (const c of [...cuts].sort((a, b) => a - b)) {
					q.push(text.slice(at, c));
					at = c;
				}
				q.push(text.slice(at));
				q.end();
				assert.deepEqual(got, whole);
			}),
		);
	});
});

describe('gateway: response observer', () => {
	it('Anthropic stream: input side from message_start, output from message_delta, text, thinking and tool call', () => {
		const o = observe('anthropicMessages', anthropicStream);
		assert.deepEqual(o.usage, { input: 150, cacheRead: 100, cacheWrite5m: 10, cacheWrite1h: 20, output: 42, reasoning: 0 });
		assert.equal(o.usageFinal, true);
		assert.equal(o.complete, true);
		assert.equal(o.text, 'Héllo 👋 world');
		assert.equal(o.reasoning, 'hmm ');
		assert.deepEqual(o.toolCalls, [{ id: 'toolu_1', name: 'bash', arguments: '{"cmd":"ls"}' }]);
		assert.equal(o.stopReason, 'tool_use');
		assert.equal(o.model, 'claude-sonnet-4-5');
		assert.equal(o.id, 'msg_1');
	});

	it('Anthropic stream cut before message_delta: the input side is known, the usage is not final, nothing completed', () => {
		const cut = anthropicStream.slice(0, anthropicStream.indexOf('event: message_delta'));
		const o = observe('anthropicMessages', cut);
		assert.equal(o.usageFinal, false);
		assert.equal(o.complete, false);
		assert.equal(o.usage?.input, 150);
		assert.equal(o.usage?.output, 1, 'the placeholder output count of message_start');
	});

	it('Chat Completions stream with and without include_usage', () => {
		const w = observe('openaiChat', chatStream(true));
		assert.deepEqual(w.usage, { input: 50, cacheRead: 32, cacheWrite5m: 0, cacheWrite1h: 0, output: 7, reasoning: 2 });
		assert.equal(w.usageFinal, true);
		assert.equal(w.complete, true);
		assert.deepEqual(w.toolCalls, [{ id: 'call_1', name: 'get', arguments: '{"a":1}' }]);
		assert.equal(w.text, 'Hi ');
		assert.equal(w.model, 'gpt-4o-2024-08-06');
		const without = observe('openaiChat', chatStream(false));
		assert.equal(without.usage, undefined);
		assert.equal(without.usageFinal, false);
		assert.equal(without.complete, true, '[DONE] arrived: complete, but usage must be counted (≈)');
	});

	it('Responses stream: usage from response.completed, the final output wins over the deltas', () => {
		const o = observe('openaiResponses', responsesStream);
		assert.deepEqual(o.usage, { input: 1200, cacheRead: 1024, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 3 });
		assert.equal(o.complete, true);
		assert.equal(o.text, 'Hello');
		assert.deepEqual(o.toolCalls, [{ id: 'call_9', name: 'shell', arguments: '{"cmd":"ls"}' }]);
		assert.equal(o.id, 'resp_1');
	});

	it('in-stream errors are reported for every protocol', () => {
		assert.equal(observe('anthropicMessages', sse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error')).error?.type, 'overloaded_error');
		assert.equal(observe('openaiChat', sse({ error: { message: 'boom', type: 'server_error' } })).error?.message, 'boom');
		assert.equal(observe('openaiResponses', sse({ type: 'error', code: 'server_error', message: 'bad' }, 'error')).error?.message, 'bad');
	});

	it('JSON bodies: success with usage, and error bodies read as the provider’s error', () => {
		const a = new ResponseObserver('anthropicMessages', false);
		a.push(JSON.stringify({ id: 'msg_2', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 2 } }));
		assert.deepEqual(a.end(), {
			model: 'claude-haiku-4-5',
			id: 'msg_2',
			usage: { input: 5, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 },
			usageFinal: true,
			text: 'ok',
			reasoning: '',
			toolCalls: [],
			stopReason: 'end_turn',
			complete: true,
			events: 0,
		});
		const e = new ResponseObserver('openaiChat', false, 429);
		e.push('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
		assert.deepEqual(e.end().error, { type: 'requests', message: 'Rate limit reached' });
		const html = new ResponseObserver('openaiChat', false, 502);
		html.push('<html>bad gateway</html>');
		assert.match(html.end().error?.message ?? '', /bad gateway/);
	});

	it('the same result for any split of the stream into pieces (every protocol)', () => {
		for (const [protocol, text] of [
			['anthropicMessages', anthropicStream],
			['openaiChat', chatStream(true)],
			['openaiResponses', responsesStream],
		] as const) {
			const whole = observe(protocol, text);
			fc.assert(
				fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 20 }), pieces => {
					assert.deepEqual(observe(protocol, text, pieces), whole);
				}),
				{ numRuns: 60 },
			);
		}
	});

	it('never throws and never reports negative or non-finite usage, whatever arrives (fuzz)', () => {
		const fragments = [
			anthropicStream,
			chatStream(true),
			responsesStream,
			'data: {"usage":{"prompt_tokens":-5,"completion_tokens":"x"}}\n\n',
			'data: [DONE]\n\n',
			'\u0000\uffff',
			'event: message_delta\ndata: {"usage":{"output_tokens":1e308}}\n\n',
		];
		fc.assert(
			fc.property(
				fc.constantFrom<CallProtocol>('anthropicMessages', 'openaiChat', 'openaiResponses'),
				fc.boolean(),
				fc.array(fc.oneof(fc.string(), fc.constantFrom(...fragments), fc.json()), { maxLength: 8 }),
				(protocol, stream, parts) => {
					const o = new ResponseObserver(protocol, stream);
					for (const p of parts) o.push(p.slice(0, 5000));
					const r = o.end();
					for (const v of Object.values(r.usage ?? {})) assert.ok(Number.isFinite(v) && v >= 0, `usage ${v}`);
				},
			),
			{ numRuns: 400 },
		);
	});
});
