import * as assert from 'node:assert/strict';
import { fromAnthropicUsage } from '../../../../src/core/pricing/usage';
import { AnthropicTransport, messageBody } from '../../../../src/node/providers/anthropicTransport';
import { anthropicUsageJson, startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { assertNoSecret, canary, failure, request, run, secretsOf, textOf, transportFor } from './providerTestKit';

describe('AnthropicTransport over the real @anthropic-ai/sdk against the fake server', () => {
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer({ keys: { anthropic: canary.anthropic } });
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	const usage = { input: 30_000, cacheRead: 20_000, cacheWrite5m: 6_000, cacheWrite1h: 3_000, output: 412, reasoning: 0 };

	it('streams text; usage merges message_start (input, cache) with message_delta (output) exactly like fromAnthropicUsage', async () => {
		server.enqueue({ type: 'reply', text: 'Six times seven is forty-two.', usage, chunkChars: 6 });
		const { chunks, response } = await run(transportFor('anthropic', server), request('anthropic'));

		assert.equal(textOf(chunks), 'Six times seven is forty-two.');
		assert.ok(chunks.filter(c => c.type === 'text').length >= 5);
		// The input side is known as soon as the stream starts (what a budget can settle a cut stream with).
		const first = chunks[0];
		assert.equal(first.type, 'usage');
		if (first.type === 'usage') {
			assert.equal(first.usage.input, 30_000);
			assert.equal(first.usage.cacheRead, 20_000);
			assert.equal(first.usage.output, 1, 'message_start carries a placeholder output count');
		}
		// The same JSON a non-streamed response (or an imported transcript) has, through the shared normalizer.
		assert.deepEqual(response.usage, fromAnthropicUsage(anthropicUsageJson(usage)));
		assert.deepEqual(response.usage, { input: 30_000, cacheRead: 20_000, cacheWrite5m: 6_000, cacheWrite1h: 3_000, output: 412, reasoning: 0 });
		assert.equal(response.finishReason, 'stop');
		assert.equal(response.rawFinishReason, 'end_turn');
		assert.equal(response.responseId, 'msg_fake_1');
		assert.equal(response.requestId, 'req_fake_1');
		assert.ok(response.timeToFirstChunkMs !== undefined);
	});

	it('streamed and non-streamed responses report identical usage', async () => {
		server.enqueue([
			{ type: 'reply', text: 'same', usage },
			{ type: 'reply', text: 'same', usage },
		]);
		const streamed = await run(transportFor('anthropic', server), request('anthropic'));
		const whole = await run(transportFor('anthropic', server), request('anthropic', { stream: false }));
		assert.deepEqual(streamed.response.usage, whole.response.usage);
		assert.equal(whole.response.text, 'same');
		assert.equal((server.requests[1].body as Record<string, unknown>).stream, false);
	});

	it('streams tool_use blocks: input_json_delta fragments assemble into JSON arguments', async () => {
		server.enqueue({
			type: 'reply',
			text: 'Let me check.',
			toolCalls: [
				{ name: 'get_weather', arguments: { city: 'Paris', days: [1, 2, 3] } },
				{ id: 'toolu_custom', name: 'get_time', arguments: { tz: 'UTC' } },
			],
			chunkChars: 5,
		});
		const { chunks, response } = await run(transportFor('anthropic', server), request('anthropic', { tools: [{ name: 'get_weather' }, { name: 'get_time' }] }));
		assert.equal(response.finishReason, 'toolCalls');
		assert.equal(response.rawFinishReason, 'tool_use');
		assert.equal(response.text, 'Let me check.');
		assert.deepEqual(
			response.toolCalls.map(c => ({ id: c.id, name: c.name, input: JSON.parse(c.arguments) })),
			[
				{ id: 'toolu_fake_1_0', name: 'get_weather', input: { city: 'Paris', days: [1, 2, 3] } },
				{ id: 'toolu_custom', name: 'get_time', input: { tz: 'UTC' } },
			],
		);
		const deltas = chunks.filter(c => c.type === 'toolCallDelta' && c.index === 0);
		assert.ok(deltas.length > 3);
		assert.deepEqual(
			chunks.filter(c => c.type === 'toolCallStart'),
			[
				{ type: 'toolCallStart', index: 0, id: 'toolu_fake_1_0', name: 'get_weather' },
				{ type: 'toolCallStart', index: 1, id: 'toolu_custom', name: 'get_time' },
			],
		);
	});

	it('sends the system prompt apart and merges tool results into the following user turn', async () => {
		await run(
			transportFor('anthropic', server),
			request('anthropic', {
				messages: [
					{ role: 'system', content: 'Be terse.' },
					{ role: 'system', content: 'Use metric units.' },
					{ role: 'user', content: 'Weather in Oslo and Rome?' },
					{
						role: 'assistant',
						content: 'Checking.',
						toolCalls: [
							{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
							{ id: 'toolu_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
						],
					},
					{ role: 'tool', toolCallId: 'toolu_1', content: 'rain, 8°C' },
					{ role: 'tool', toolCallId: 'toolu_2', content: 'timeout', isError: true },
					{ role: 'user', content: 'Summarize.' },
				],
				tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
				toolChoice: 'required',
				temperature: 0.2,
				maxOutputTokens: 1024,
			}),
		);
		const body = server.requests[0].body as Record<string, unknown>;
		assert.equal(body.system, 'Be terse.\n\nUse metric units.');
		assert.equal(body.max_tokens, 1024);
		assert.equal(body.temperature, 0.2);
		assert.deepEqual(body.messages, [
			{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
			{
				role: 'assistant',
				content: [
					{ type: 'text', text: 'Checking.' },
					{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
					{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
				],
			},
			{
				role: 'user',
				content: [
					{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'rain, 8°C' },
					{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'timeout', is_error: true },
					{ type: 'text', text: 'Summarize.' },
				],
			},
		]);
		assert.deepEqual(body.tools, [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]);
		assert.deepEqual(body.tool_choice, { type: 'any' });
	});

	it('tool-call arguments that are not a JSON object are refused before anything is sent', async () => {
		const e = await failure(
			transportFor('anthropic', server),
			request('anthropic', {
				messages: [
					{ role: 'user', content: 'x' },
					{ role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'f', arguments: '[1,2' }] },
				],
			}),
		);
		assert.equal(e.reason, 'badRequest');
		assert.match(e.message, /not a JSON object/);
		assert.equal(server.requests.length, 0);
		assert.throws(() =>
			messageBody(request('anthropic', { messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'f', arguments: '"str"' }] }] }), {
				provider: 'anthropic',
				model: 'm',
				label: 'Anthropic',
			}),
		);
	});

	it('sends the key only as the auth header (never in other headers, the body or the URL)', async () => {
		await run(transportFor('anthropic', server), request('anthropic'));
		const r = server.requests[0];
		const auth = [r.headers.authorization, r.headers['x-api-key']];
		assert.ok(auth.includes(`Bearer ${canary.anthropic}`) || auth.includes(canary.anthropic), 'the key is sent as auth');
		for (const [name, value] of Object.entries(r.headers)) if (name !== 'authorization' && name !== 'x-api-key') assert.ok(!value.includes('CANARY'), `key in header ${name}`);
		assert.ok(!r.rawBody.includes('CANARY'));
		assert.ok(!r.path.includes('CANARY'));
		assert.ok(r.headers['anthropic-version'], 'the SDK sends its API version');
	});

	describe('countInputTokens (messages.countTokens)', () => {
		it('returns the server count and sends system, messages and tools without max_tokens', async () => {
			server.enqueue({ type: 'countTokens', inputTokens: 4242 }, { endpoint: 'countTokens' });
			const t = new AnthropicTransport({ secrets: secretsOf({ anthropic: canary.anthropic }), baseUrl: server.anthropicBaseUrl });
			const n = await t.countInputTokens({ model: 'claude-opus-4-6', messages: request('anthropic').messages, tools: [{ name: 'lookup', parameters: { type: 'object' } }] });
			assert.equal(n, 4242);
			const r = server.requests[0];
			assert.equal(r.path, '/v1/messages/count_tokens');
			const body = r.body as Record<string, unknown>;
			assert.equal(body.system, 'You are terse.');
			assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'What is six times seven?' }] }]);
			assert.deepEqual(body.tools, [{ name: 'lookup', input_schema: { type: 'object' } }]);
			assert.equal('max_tokens' in body, false);
		});

		it('fails with typed, key-free errors like send()', async () => {
			const wrong = new AnthropicTransport({ secrets: secretsOf({ anthropic: 'sk-ant-api03-WRONGkey000000000000000000QQ' }), baseUrl: server.anthropicBaseUrl });
			const e = await wrong.countInputTokens({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
			assert.ok(e instanceof Error && 'reason' in e && e.reason === 'auth');
			assertNoSecret(e, 'sk-ant-api03-WRONGkey000000000000000000QQ');
			server.enqueue({ type: 'error', status: 529 }, { endpoint: 'countTokens' });
			const t = new AnthropicTransport({ secrets: secretsOf({ anthropic: canary.anthropic }), baseUrl: server.anthropicBaseUrl });
			const busy = await t.countInputTokens({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
			assert.ok(busy instanceof Error && 'reason' in busy && busy.reason === 'server');
		});
	});
});
