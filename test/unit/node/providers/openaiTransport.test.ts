import * as assert from 'node:assert/strict';
import { fromOpenAIChatUsage } from '../../../../src/core/pricing/usage';
import { ProviderError } from '../../../../src/core/providers/providerError';
import { collectResponse } from '../../../../src/core/ports/llmTransport';
import { openaiUsageJson, startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { OpenAITransport, rejectsTemperature } from '../../../../src/node/providers/openaiTransport';
import { canary, failure, request, run, secretsOf, textOf, transportFor } from './providerTestKit';

describe('OpenAITransport over the real openai SDK against the fake server', () => {
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: canary.openai } });
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	it('streams text and returns usage normalized exactly like fromOpenAIChatUsage', async () => {
		const usage = { input: 1800, cacheRead: 1024, output: 9, reasoning: 3 };
		server.enqueue({ type: 'reply', text: 'Six times seven is 42.', usage, chunkChars: 5 });
		const { chunks, response } = await run(transportFor('openai', server), request('openai'));

		assert.ok(chunks.filter(c => c.type === 'text').length >= 4, 'text arrives in several chunks');
		assert.equal(textOf(chunks), 'Six times seven is 42.');
		assert.equal(response.text, 'Six times seven is 42.');
		assert.equal(response.finishReason, 'stop');
		assert.equal(response.rawFinishReason, 'stop');
		const wire = openaiUsageJson({ cacheWrite5m: 0, cacheWrite1h: 0, ...usage });
		assert.deepEqual(response.usage, fromOpenAIChatUsage(wire));
		assert.deepEqual(response.usage, { input: 1800, cacheRead: 1024, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 3 });
		assert.equal(response.responseId, 'chatcmpl-fake-1');
		assert.equal(response.requestId, 'req_fake_1');
		assert.equal(response.model, 'gpt-4o-mini');
		assert.ok(response.latencyMs > 0);
		assert.ok(response.timeToFirstChunkMs !== undefined && response.timeToFirstChunkMs <= response.latencyMs);

		const body = server.requests[0].body as Record<string, unknown>;
		assert.equal(body.stream, true);
		assert.deepEqual(body.stream_options, { include_usage: true });
		assert.equal(body.max_tokens, 256, 'a compatible endpoint gets max_tokens');
		assert.equal(body.temperature, 0);
	});

	it('streams tool calls: start + argument deltas per call, assembled in the response', async () => {
		server.enqueue({
			type: 'reply',
			toolCalls: [
				{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
				{ id: 'call_custom', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
			],
			chunkChars: 6,
		});
		const { chunks, response } = await run(transportFor('openai', server), request('openai', { tools: [{ name: 'get_weather', parameters: { type: 'object' } }, { name: 'get_time' }] }));

		assert.equal(response.finishReason, 'toolCalls');
		assert.deepEqual(
			response.toolCalls.map(c => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments) })),
			[
				{ id: 'call_fake_1_0', name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
				{ id: 'call_custom', name: 'get_time', args: { tz: 'Europe/Paris' } },
			],
		);
		const starts = chunks.filter(c => c.type === 'toolCallStart');
		assert.deepEqual(starts, [
			{ type: 'toolCallStart', index: 0, id: 'call_fake_1_0', name: 'get_weather' },
			{ type: 'toolCallStart', index: 1, id: 'call_custom', name: 'get_time' },
		]);
		for (const index of [0, 1]) {
			const deltas = chunks.filter(c => c.type === 'toolCallDelta' && c.index === index).map(c => (c.type === 'toolCallDelta' ? c.argumentsDelta : ''));
			assert.ok(deltas.length > 1, 'arguments stream in fragments');
			assert.equal(deltas.join(''), response.toolCalls[index].arguments);
		}
	});

	it('translates the neutral conversation (tool calls, tool results, tools, tool choice) to Chat Completions', async () => {
		await run(
			transportFor('openai', server),
			request('openai', {
				messages: [
					{ role: 'system', content: 'sys' },
					{ role: 'user', content: 'weather?' },
					{ role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
					{ role: 'tool', toolCallId: 'call_1', content: 'rain' },
					{ role: 'tool', toolCallId: 'call_2', content: 'boom', isError: true },
				],
				tools: [{ name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
				toolChoice: { name: 'get_weather' },
			}),
		);
		const body = server.requests[0].body as Record<string, unknown>;
		assert.deepEqual(body.messages, [
			{ role: 'system', content: 'sys' },
			{ role: 'user', content: 'weather?' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
			{ role: 'tool', tool_call_id: 'call_1', content: 'rain' },
			{ role: 'tool', tool_call_id: 'call_2', content: 'Error: boom' },
		]);
		assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
		assert.deepEqual(body.tool_choice, { type: 'function', function: { name: 'get_weather' } });
	});

	it('non-streaming: same text, tool calls and usage; chunks are yielded once, after the response', async () => {
		const usage = { input: 500, cacheRead: 128, output: 20 };
		server.enqueue({ type: 'reply', text: 'Forty-two.', toolCalls: [{ name: 'note', arguments: { n: 42 } }], finish: 'stop', usage });
		const { chunks, response } = await run(transportFor('openai', server), request('openai', { stream: false }));
		assert.equal((server.requests[0].body as Record<string, unknown>).stream, false);
		assert.equal(response.text, 'Forty-two.');
		assert.deepEqual(response.toolCalls, [{ id: 'call_fake_1_0', name: 'note', arguments: '{"n":42}' }]);
		assert.deepEqual(response.usage, fromOpenAIChatUsage(openaiUsageJson({ cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0, ...usage })));
		assert.deepEqual(
			chunks.map(c => c.type),
			['text', 'toolCallStart', 'toolCallDelta'],
		);
		assert.equal(response.timeToFirstChunkMs, undefined);
	});

	it('reports the dated model the server answered with and a missing usage as undefined (never $0)', async () => {
		server.enqueue({ type: 'reply', text: 'hi', model: 'gpt-4o-mini-2024-07-18', omitUsage: true });
		const { response } = await run(transportFor('openai', server), request('openai'));
		assert.equal(response.model, 'gpt-4o-mini-2024-07-18');
		assert.equal(response.usage, undefined);
	});

	it('usage whose token counts are not counts (a hostile endpoint): no usage and the reason, streamed or not — never normalized to $0', async () => {
		for (const stream of [true, false]) {
			server.enqueue({ type: 'reply', text: 'hi', usage: { input: -5000, output: 12.5 } });
			const { response } = await run(transportFor('openai', server), { ...request('openai'), stream });
			assert.equal(response.usage, undefined, `stream ${stream}`);
			assert.deepEqual(response.usageInvalid, ['prompt_tokens: -5000 is negative', 'completion_tokens: 12.5 is not a whole number']);
		}
	});

	it('a hostile endpoint echoing the key in the model it reports: the model id is scrubbed before anything records it', async () => {
		for (const stream of [true, false]) {
			server.enqueue({ type: 'reply', text: 'hi', model: `gpt-4o\u0000-${canary.openai.slice(3)}-${Buffer.from(canary.openai).toString('base64')}` });
			const { response } = await run(transportFor('openai', server), { ...request('openai'), stream });
			assert.ok(!response.model.includes(canary.openai.slice(8, 24)) && !response.model.includes(Buffer.from(canary.openai).toString('base64').slice(4, 20)), response.model);
			assert.ok(!/[\u0000-\u001f]/.test(response.model));
			assert.ok(response.model.startsWith('gpt-4o') && response.model.includes('[redacted]'), response.model);
		}
	});

	it('sends the key as the Authorization bearer and nowhere else', async () => {
		await run(transportFor('openai', server), request('openai'));
		const r = server.requests[0];
		assert.equal(r.headers.authorization, `Bearer ${canary.openai}`);
		for (const [name, value] of Object.entries(r.headers)) if (name !== 'authorization') assert.ok(!value.includes('CANARY'), `key in header ${name}`);
		assert.ok(!r.rawBody.includes('CANARY'));
		assert.ok(!r.path.includes('CANARY'));
		assert.equal(r.headers['x-stainless-retry-count'], '0');
	});

	it('an OpenAI-compatible endpoint by base URL: gateway path prefix, no key needed, max_tokens', async () => {
		const open = await startFakeProviderServer();
		try {
			const t = new OpenAITransport({ secrets: secretsOf({}), baseUrl: `${open.url}/gateway/openai/v1/` });
			const { response } = await run(t, request('openai', { model: 'llama-3.1-8b-instruct' }));
			assert.equal(response.text, 'Hello from the fake provider.');
			const r = open.requests[0];
			assert.equal(r.path, '/gateway/openai/v1/chat/completions');
			assert.equal(r.headers.authorization, undefined, 'a keyless local server gets no Authorization header');
			assert.equal((r.body as Record<string, unknown>).max_tokens, 256);
		} finally {
			await open.close();
		}
	});

	it('maxTokensField selects max_completion_tokens (what api.openai.com wants)', async () => {
		const t = new OpenAITransport({ secrets: secretsOf({ openai: canary.openai }), baseUrl: server.openaiBaseUrl, maxTokensField: 'max_completion_tokens' });
		await run(t, request('openai'));
		const body = server.requests[0].body as Record<string, unknown>;
		assert.equal(body.max_completion_tokens, 256);
		assert.equal('max_tokens' in body, false);
	});

	it('streamUsage: false leaves stream_options out for servers that reject it (usage then unknown)', async () => {
		const t = new OpenAITransport({ secrets: secretsOf({ openai: canary.openai }), baseUrl: server.openaiBaseUrl, streamUsage: false });
		const { response } = await run(t, request('openai'));
		assert.equal('stream_options' in (server.requests[0].body as Record<string, unknown>), false);
		assert.equal(response.usage, undefined);
	});

	it('a missing key fails as auth/keyMissing before anything is sent', async () => {
		const t = new OpenAITransport({ secrets: secretsOf({}), baseUrl: server.openaiBaseUrl, keyOptional: false });
		const e = await failure(t, request('openai'));
		assert.equal(e.reason, 'auth');
		assert.equal(e.keyMissing, true);
		assert.equal(e.retryable, false);
		assert.match(e.message, /No API key is set/);
		assert.equal(server.requests.length, 0);
	});

	it('a request for another provider is refused as badRequest', async () => {
		const e = await failure(transportFor('openai', server), request('anthropic'));
		assert.equal(e.reason, 'badRequest');
		assert.equal(server.requests.length, 0);
	});

	it('collectResponse drives a transport and forwards chunks', async () => {
		server.enqueue({ type: 'reply', text: 'abcdefghij', chunkChars: 3 });
		const seen: string[] = [];
		const response = await collectResponse(transportFor('openai', server).send(request('openai')), c => {
			if (c.type === 'text') seen.push(c.text);
		});
		assert.deepEqual(seen, ['abc', 'def', 'ghi', 'j']);
		assert.equal(response.text, 'abcdefghij');
	});

	it('drops temperature only for OpenAI reasoning models', () => {
		for (const m of ['o1', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini', 'openai/o3']) assert.equal(rejectsTemperature(m), true, m);
		for (const m of ['gpt-4o', 'gpt-4.1-mini', 'gpt-5-chat-latest', 'llama-3', 'omni-moderation']) assert.equal(rejectsTemperature(m), false, m);
	});

	it('ProviderError is the only error type a caller sees', async () => {
		server.enqueue({ type: 'error', status: 418 });
		const e = await failure(transportFor('openai', server), request('openai'));
		assert.ok(e instanceof ProviderError);
		assert.equal(e.reason, 'badRequest');
		assert.equal(e.status, 418);
	});
});
