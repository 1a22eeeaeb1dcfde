import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';

/** The fake's OpenAI Responses and /v1/models endpoints, read by the official SDKs (what Codex and agents use). */
describe('fake provider server: agent endpoints (Responses, models)', () => {
	let server: FakeProviderServer;
	let openai: OpenAI;
	before(async () => {
		server = await startFakeProviderServer();
		openai = new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseUrl, maxRetries: 0 });
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	it('streams a Responses answer the SDK assembles, with usage in response.completed', async () => {
		server.enqueue({ type: 'reply', text: 'Hello from Responses.', usage: { input: 120, cacheRead: 100, output: 9, reasoning: 4 } });
		const stream = await openai.responses.create({ model: 'gpt-5', input: 'say hello', stream: true });
		const types: string[] = [];
		let text = '';
		let usage: OpenAI.Responses.ResponseUsage | undefined | null;
		for await (const e of stream) {
			types.push(e.type);
			if (e.type === 'response.output_text.delta') text += e.delta;
			if (e.type === 'response.completed') usage = e.response.usage;
		}
		assert.equal(text, 'Hello from Responses.');
		assert.equal(types[0], 'response.created');
		assert.equal(types[types.length - 1], 'response.completed');
		assert.deepEqual(
			{ input: usage?.input_tokens, cached: usage?.input_tokens_details.cached_tokens, output: usage?.output_tokens, reasoning: usage?.output_tokens_details.reasoning_tokens },
			{ input: 120, cached: 100, output: 9, reasoning: 4 },
		);
		assert.deepEqual([server.requests[0].provider, server.requests[0].endpoint], ['openai', 'responses']);
	});

	it('answers a non-streamed Responses request with function calls as output items', async () => {
		server.enqueue({ type: 'reply', toolCalls: [{ id: 'call_1', name: 'shell', arguments: { cmd: 'ls' } }] });
		const r = await openai.responses.create({ model: 'gpt-5', input: [{ role: 'user', content: 'list files' }] });
		const call = r.output.find(o => o.type === 'function_call');
		assert.ok(call && call.type === 'function_call');
		assert.equal(call.call_id, 'call_1');
		assert.equal(call.name, 'shell');
		assert.deepEqual(JSON.parse(call.arguments), { cmd: 'ls' });
		assert.ok((r.usage?.input_tokens ?? 0) > 0);
	});

	it('a streamError behavior ends a Responses stream with an error event', async () => {
		server.enqueue({ type: 'streamError', afterEvents: 3, text: 'partial answer', message: 'overloaded' });
		const stream = await openai.responses.create({ model: 'gpt-5', input: 'x', stream: true });
		const events: OpenAI.Responses.ResponseStreamEvent[] = [];
		for await (const e of stream) events.push(e);
		const last = events[events.length - 1];
		assert.equal(events.length, 4);
		assert.ok(last.type === 'error' && last.message === 'overloaded', JSON.stringify(last));
	});

	it('lists models in each provider’s shape, told apart by the client’s headers', async () => {
		const models = await openai.models.list();
		assert.ok(models.data.some(m => m.id === 'gpt-4o'));
		const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.anthropicBaseUrl, maxRetries: 0 });
		const claude = await anthropic.models.list();
		assert.ok(claude.data.some(m => m.id.startsWith('claude-')));
		assert.deepEqual(
			server.requests.map(r => [r.provider, r.endpoint]),
			[
				['openai', 'models'],
				['anthropic', 'models'],
			],
		);
	});
});
