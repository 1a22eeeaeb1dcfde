import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { eventually, startTestGateway, type TestGateway } from './gatewayKit';

const fastSleep = () => Promise.resolve();

describe('gateway, enforce mode', () => {
	let fake: FakeProviderServer;
	before(async () => {
		fake = await startFakeProviderServer();
	});
	after(() => fake.close());
	beforeEach(() => fake.reset());

	async function withGateway(settings: Record<string, unknown>, f: (t: TestGateway) => Promise<void>): Promise<void> {
		const t = await startTestGateway(fake, { mode: 'enforce', settings, sleep: fastSleep });
		try {
			await f(t);
		} finally {
			await t.close();
		}
	}

	it('shows the decision in a header and the recording; the agent’s model is kept when the tiers speak other protocols', () =>
		withGateway({}, async t => {
			const client = new Anthropic({ apiKey: 'sk-ant-c', baseURL: t.gateway.url, maxRetries: 0 });
			const { response } = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
			const decision = response.headers.get('x-agent-cost-decision') ?? '';
			assert.match(decision, /^model=claude-opus-4-6 \(the agent.s\); cache=off; compression=none; budget=reserved \$\d+\.\d{4}/);
			assert.equal((fake.requests[0].body as { model: string }).model, 'claude-opus-4-6');
			const text = await eventually('the recording', () => t.recordings()[0]?.text);
			assert.match(text, /"kind":"gatewayDecision"/);
			assert.match(text, /routing kept claude-opus-4-6/);
		}));

	it('routes within the request’s protocol when every tier speaks it (here: Claude tiers for an Anthropic client)', () =>
		withGateway({ 'agentCost.tiers.cheap': 'claude-haiku-4-5', 'agentCost.tiers.medium': 'claude-sonnet-4-5', 'agentCost.tiers.expensive': 'claude-opus-4-6' }, async t => {
			const client = new Anthropic({ apiKey: 'sk-ant-c', baseURL: t.gateway.url, maxRetries: 0 });
			const { response } = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'list the files' }] }).withResponse();
			const routed = (fake.requests[0].body as { model: string }).model;
			assert.notEqual(routed, 'claude-opus-4-6', 'the policy chose a tier');
			assert.match(response.headers.get('x-agent-cost-decision') ?? '', new RegExp(`^model=${routed} \\((cheap|medium|expensive) tier\\)`));
			const run = await eventually('the run', () => (t.gateway.snapshot().runs[0]?.calls === 1 ? t.gateway.snapshot().runs[0] : undefined));
			assert.equal(run.decisions, 1);
			assert.match(run.lastDecision ?? '', new RegExp(`model claude-opus-4-6 → ${routed}`));
		}));

	it('serves an identical request from the response cache, in the shape each client asked for, at no cost', () =>
		withGateway({ 'agentCost.cache.enabled': true }, async t => {
			fake.enqueue({ type: 'reply', text: 'cached answer', usage: { input: 30, output: 3 } });
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
			const ask = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user' as const, content: 'what is 2+2?' }] };
			const first = await client.chat.completions.create(ask);
			const second = await client.chat.completions.create(ask).withResponse();
			assert.equal(second.data.choices[0]?.message.content, first.choices[0]?.message.content);
			assert.equal(second.data.usage?.prompt_tokens, 0, 'a cache hit reports no usage: it cost nothing');
			assert.match(second.response.headers.get('x-agent-cost-decision') ?? '', /^cache=exact/);
			const stream = await client.chat.completions.create({ ...ask, stream: true });
			let text = '';
			for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
			assert.equal(text, 'cached answer');
			assert.equal(fake.requests.length, 1, 'the provider was called once');
			const calls = await eventually('three recorded calls', () => {
				const c = t.recordings().flatMap(r => r.transcript.calls);
				return c.length === 3 ? c : undefined;
			});
			assert.deepEqual(
				calls.map(c => c.servedFrom ?? 'provider'),
				['provider', 'exactCache', 'exactCache'],
			);
			assert.equal(t.gateway.snapshot().runs[0]?.cacheHits, 2);
		}));

	it('compresses the history into the agent’s own body: kept entries byte-identical, the rest dropped and marked', () =>
		withGateway({ 'agentCost.compression.strategy': 'window', 'agentCost.compression.windowMessages': 2, 'agentCost.compression.maxTokensBeforeCompression': 40 }, async t => {
			const history = Array.from({ length: 10 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: `turn ${i}: ${'words '.repeat(20)}` }));
			const messages = [...history, { role: 'user' as const, content: [{ type: 'text' as const, text: 'the question', cache_control: { type: 'ephemeral' as const } }] }];
			const client = new Anthropic({ apiKey: 'sk-ant-c', baseURL: t.gateway.url, maxRetries: 0 });
			const { response } = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 100, system: 'be brief', messages }).withResponse();
			const sent = fake.requests[0].body as { messages: unknown[]; system: unknown };
			assert.ok(sent.messages.length < messages.length, `${sent.messages.length} of ${messages.length} entries sent`);
			assert.equal(sent.system, 'be brief');
			assert.deepEqual(sent.messages[0], messages[0], 'the first turns are kept as sent');
			assert.deepEqual(sent.messages[sent.messages.length - 1], messages[messages.length - 1], 'the last turn with its cache_control is kept as sent');
			assert.ok(
				sent.messages.some(m => /omitted to save context/.test(JSON.stringify(m))),
				'an omission marker stands for the dropped turns',
			);
			assert.match(response.headers.get('x-agent-cost-decision') ?? '', /compression=\d+ messages dropped, 1 summary or marker inserted/);
			const text = await eventually('the recording', () => t.recordings()[0]?.text);
			assert.match(text, /"kind":"gatewayDecision".*window/);
		}));

	it('masks older tool results in the agent’s own body, keeping every call paired with its result, and says so', () =>
		withGateway(
			{ 'agentCost.compression.strategy': 'observationMask', 'agentCost.compression.keepObservations': 1, 'agentCost.compression.maskEverySteps': 1, 'agentCost.compression.toolResponseMaxTokens': 0 },
			async t => {
				const big = (what: string) => `${what}\n${'def handler(request):\n    return respond(request)\n'.repeat(40)}`;
				const messages = [
					{ role: 'system' as const, content: 'You are a coding agent.' },
					{ role: 'user' as const, content: 'Fix the bug in app.py' },
					{ role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', type: 'function' as const, function: { name: 'read_file', arguments: '{"path":"app.py"}' } }] },
					{ role: 'tool' as const, tool_call_id: 'c1', content: big('app.py') },
					{ role: 'assistant' as const, content: 'Running it.', tool_calls: [{ id: 'c0', type: 'function' as const, function: { name: 'bash', arguments: '{"command":"python app.py"}' } }] },
					{ role: 'tool' as const, tool_call_id: 'c0', content: `exit code 1\n${big('Traceback')}` },
					{ role: 'assistant' as const, content: null, tool_calls: [{ id: 'c2', type: 'function' as const, function: { name: 'read_file', arguments: '{"path":"util.py"}' } }] },
					{ role: 'tool' as const, tool_call_id: 'c2', content: big('util.py') },
				];
				const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
				const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
				const sent = (fake.requests[0].body as { messages: { role: string; content: string; tool_call_id?: string }[] }).messages;
				assert.equal(sent.length, messages.length, 'nothing dropped: tool calls and their results stay paired');
				assert.match(sent[3]!.content, /^\[observation elided to save context: the output of read_file \{"path":"app\.py"\} — \d[\d,]* characters, 82 lines, hash [0-9a-f]{10}\./);
				assert.equal(sent[3]!.tool_call_id, 'c1');
				assert.match(sent[5]!.content, /^\[observation elided to save context: the output of bash \{"command":"python app\.py"\}/);
				assert.equal(sent[7]!.content, messages[7]!.content, 'the newest observation is kept whole');
				for (const i of [0, 1, 2, 4, 6]) assert.deepEqual(sent[i], messages[i], `entry ${i} (system, task, assistant turns, tool calls) is untouched`);
				assert.match(response.headers.get('x-agent-cost-decision') ?? '', /compression=2 observations masked/);
			},
		));

	it('escalation routing starts the run on the cheap tier and moves up on repeated tool errors, with the reason recorded', () =>
		withGateway(
			{
				'agentCost.routing.mode': 'escalate',
				'agentCost.tiers.cheap': 'gpt-4o-mini',
				'agentCost.tiers.medium': 'gpt-4o',
				'agentCost.tiers.expensive': 'gpt-4.1',
				'agentCost.routing.escalation.toolErrors': 2,
			},
			async t => {
				const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
				const history: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'make the tests pass' }];
				const models: string[] = [];
				for (let step = 1; step <= 4; step++) {
					await client.chat.completions.create({ model: 'gpt-4.1', messages: history });
					models.push((fake.requests[step - 1]!.body as { model: string }).model);
					history.push({ role: 'assistant', content: null, tool_calls: [{ id: `c${step}`, type: 'function', function: { name: 'run_tests', arguments: `{"attempt":${step}}` } }] });
					history.push({ role: 'tool', tool_call_id: `c${step}`, content: 'FAILED tests/test_app.py::test_root - AssertionError: 404 != 200' });
				}
				assert.deepEqual(models, ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o', 'gpt-4o'], 'cheap, then up one tier after two failing tool outputs in a row');
				const text = await eventually('the recording', () => (t.recordings()[0]?.transcript.calls.length === 4 ? t.recordings()[0]?.text : undefined));
				assert.match(text, /"model":"gpt-4o".*2 tool outputs in a row reported an error \(limit 2\); routing: escalated cheap → medium/s);
			},
		));

	it('retries a 429 with the routing policy’s backoff: the agent sees only the answer, the budget only the billed call', () =>
		withGateway({ 'agentCost.routing.maxRetries': 2 }, async t => {
			fake.enqueue([
				{ type: 'error', status: 429, retryAfterMs: 1 },
				{ type: 'reply', text: 'after a retry', usage: { input: 10, output: 3 } },
			]);
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
			const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
			assert.equal(r.choices[0]?.message.content, 'after a retry');
			assert.equal(fake.requests.length, 2);
			const [call] = await eventually('the call', () => t.recordings()[0]?.transcript.calls);
			assert.equal(call.usage.output, 3);
			assert.equal(t.gateway.snapshot().runs[0]?.calls, 1);
		}));

	it('passes the provider’s last error through when retries are exhausted', () =>
		withGateway({ 'agentCost.routing.maxRetries': 1 }, async t => {
			fake.enqueue([
				{ type: 'error', status: 503, retryAfterMs: 1 },
				{ type: 'error', status: 503, retryAfterMs: 1, message: 'still down' },
			]);
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
			const e = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
			assert.ok(e instanceof OpenAI.APIError && e.status === 503 && /still down/.test(e.message), `${String(e)} ${JSON.stringify(fake.requests.map(r => r.answeredBy))}`);
			await eventually('settled', () => t.gateway.snapshot().runs[0]?.inFlight === 0);
			assert.equal(t.gateway.snapshot().runs[0]?.errors, 1);
		}));

	it('refuses unknown paths and bodies it cannot account for, in the provider’s shape', () =>
		withGateway({}, async t => {
			const files = await fetch(`${t.gateway.url}/v1/files`, { method: 'POST', headers: { authorization: 'Bearer sk' }, body: '{}' });
			assert.equal(files.status, 404);
			assert.match(((await files.json()) as { error: { message: string } }).error.message, /enforce mode forwards only/);
			const bad = await fetch(`${t.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"messages":[]}' });
			assert.equal(bad.status, 400);
			assert.equal(((await bad.json()) as { type: string }).type, 'error');
			assert.equal(fake.requests.length, 0);
		}));

	it('a budget refusal from the plan is the provider’s error, and nothing is sent', () =>
		withGateway({ 'agentCost.budget.runUsd': 0.000001 }, async t => {
			const client = new Anthropic({ apiKey: 'sk-ant-c', baseURL: t.gateway.url, maxRetries: 0 });
			const e = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
			assert.ok(e instanceof Anthropic.APIError && e.status === 400 && /run budget/.test(e.message), String(e));
			assert.equal(fake.requests.length, 0);
		}));
});
