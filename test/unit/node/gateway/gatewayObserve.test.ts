import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { gatewayKeyPlaceholder } from '../../../../src/core/gateway/gatewayRoutes';
import { eventually, pricing, startTestGateway, type TestGateway } from './gatewayKit';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A provider stand-in that keeps the exact request bytes and answers with exact bytes in odd-sized pieces. */
async function byteUpstream(response: Buffer, headers: Record<string, string>): Promise<{ server: Server; url: string; received: { body: Buffer; headers: IncomingHttpHeaders }[] }> {
	const received: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', async () => {
			received.push({ body: Buffer.concat(chunks), headers: req.headers });
			res.writeHead(200, headers);
			// Pieces of 1, 7, 13… bytes: multi-byte characters and SSE events are split across writes.
			let at = 0;
			for (let n = 1; at < response.length; n = (n * 7 + 3) % 61) {
				res.write(response.subarray(at, at + n));
				at += n;
				await new Promise(r => setImmediate(r));
			}
			res.end();
		});
	});
	await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
	return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function rawPost(url: string, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const req = request(new URL(path, url), { method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, res => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

describe('gateway, observe mode', () => {
	let fake: FakeProviderServer;
	let t: TestGateway;
	before(async () => {
		fake = await startFakeProviderServer();
	});
	after(() => fake.close());
	beforeEach(async () => {
		fake.reset();
		t = await startTestGateway(fake);
	});
	afterEach(() => t.close());

	it('is byte-faithful both ways: the provider gets the agent’s exact bytes, the agent gets the provider’s (hashes)', async () => {
		const events = [
			'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_b","model":"claude-opus-4-6","usage":{"input_tokens":12,"output_tokens":1}}}\n\n',
			': a comment the gateway must not drop\n\n',
			'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"naïve 👋 日本語 \\u00e9"}}\n\n',
			'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}\n\n',
			'event: message_stop\ndata: {"type":"message_stop"}\n\n',
		].join('');
		const up = await byteUpstream(Buffer.from(events, 'utf8'), { 'content-type': 'text/event-stream' });
		const g = await startTestGateway({ anthropicBaseUrl: up.url, openaiBaseUrl: `${up.url}/v1` });
		try {
			// Odd formatting, key order and escapes: any re-serialization would change the hash.
			const body = Buffer.from(
				'{ "stream" : true,"model":"claude-opus-4-6",\n "max_tokens": 64, "messages":[{"role":"user","content":"h\\u00e9llo \u{1F600}"}],"system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}] }',
				'utf8',
			);
			const res = await rawPost(g.gateway.url, '/v1/messages?beta=true', body, { 'content-type': 'application/json', 'x-api-key': 'sk-ant-client', 'anthropic-version': '2023-06-01' });
			assert.equal(res.status, 200);
			assert.equal(sha(up.received[0].body), sha(body), 'request body');
			assert.equal(sha(res.body), sha(events), 'response body');
			assert.equal(up.received[0].headers['x-api-key'], 'sk-ant-client', 'the agent’s own key is forwarded');
			const [rec] = await eventually('the recording', () => (g.recordings()[0]?.transcript.calls.length ? g.recordings() : undefined));
			assert.deepEqual(rec.transcript.calls[0].usage, { input: 12, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 0 });
			assert.equal(rec.transcript.calls[0].output?.text, 'naïve 👋 日本語 é');
		} finally {
			await g.close();
			up.server.close();
		}
	});

	it('a gzip-compressed response passes compressed and unchanged, and is still accounted from a decoded copy', async () => {
		const json = JSON.stringify({
			id: 'chatcmpl-z',
			object: 'chat.completion',
			model: 'gpt-4o-mini',
			choices: [{ index: 0, message: { role: 'assistant', content: 'zipped' }, finish_reason: 'stop' }],
			usage: { prompt_tokens: 30, completion_tokens: 4 },
		});
		const zipped = gzipSync(Buffer.from(json));
		const up = await byteUpstream(zipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
		const g = await startTestGateway({ anthropicBaseUrl: up.url, openaiBaseUrl: `${up.url}/v1` });
		try {
			const res = await rawPost(g.gateway.url, '/v1/chat/completions', Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })), {
				'content-type': 'application/json',
				authorization: 'Bearer sk-x',
				'accept-encoding': 'gzip, zstd',
			});
			assert.equal(sha(res.body), sha(zipped));
			assert.equal(res.headers['content-encoding'], 'gzip');
			const [rec] = await eventually('the recording', () => (g.recordings()[0]?.transcript.calls.length ? g.recordings() : undefined));
			assert.equal(rec.transcript.calls[0].usage.output, 4);
			assert.equal(rec.transcript.calls[0].usageExact, true);
		} finally {
			await g.close();
			up.server.close();
		}
	});

	it('the official OpenAI SDK works unchanged with only baseURL set: Chat Completions streamed (usage exact) and Responses', async () => {
		fake.enqueue({ type: 'reply', text: 'streamed answer', usage: { input: 40, cacheRead: 8, output: 6 } });
		const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
		const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
		let text = '';
		for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
		assert.equal(text, 'streamed answer');
		fake.enqueue({ type: 'reply', text: 'from responses', usage: { input: 100, output: 3 } });
		const r = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello' });
		assert.equal(r.output_text, 'from responses');
		const rec = await eventually('two recorded calls', () => {
			const all = t.recordings().flatMap(x => x.transcript.calls);
			return all.length === 2 ? all : undefined;
		});
		const expected = pricing.cost('gpt-4o-mini', { input: 40, cacheRead: 8, cacheWrite5m: 0, cacheWrite1h: 0, output: 6, reasoning: 0 });
		assert.ok(expected.kind === 'priced');
		assert.deepEqual(
			rec.map(c => [c.usage.input, c.usage.cacheRead, c.usage.output, c.usageExact]),
			[
				[40, 8, 6, true],
				[100, 0, 3, true],
			],
		);
		assert.equal(rec[0].recordedCostUsd, expected.usd);
	});

	it('a Chat Completions stream without include_usage is forwarded unchanged and its usage counted, marked ≈', async () => {
		fake.enqueue({ type: 'reply', text: 'one two three four five' });
		const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
		const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'count to five' }], stream: true });
		for await (const _ of stream) {
			// drain
		}
		assert.equal((fake.requests[0].body as { stream_options?: unknown }).stream_options, undefined, 'the body was not changed to ask for usage');
		const [call] = await eventually('the call', () => t.recordings()[0]?.transcript.calls);
		assert.equal(call.usageExact, false);
		assert.equal(call.usageSource, 'counted');
		assert.ok(call.usage.input > 0 && call.usage.output === 5, JSON.stringify(call.usage));
	});

	it('the official Anthropic SDK works unchanged: streamed and not; cache reads and writes are part of the input', async () => {
		fake.enqueue({ type: 'reply', text: 'hi there', usage: { input: 1000, cacheRead: 600, cacheWrite5m: 300, output: 12 } });
		fake.enqueue({ type: 'reply', text: 'plain', usage: { input: 50, output: 2 } });
		const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: t.gateway.url, maxRetries: 0 });
		const msg = await client.messages.stream({ model: 'claude-opus-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
		assert.equal(msg.content[0]?.type === 'text' && msg.content[0].text, 'hi there');
		const plain = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
		assert.equal(plain.usage.output_tokens, 2);
		const calls = await eventually('two calls', () => {
			const c = t.recordings().flatMap(x => x.transcript.calls);
			return c.length === 2 ? c : undefined;
		});
		assert.deepEqual(calls[0].usage, { input: 1000, cacheRead: 600, cacheWrite5m: 300, cacheWrite1h: 0, output: 12, reasoning: 0 });
		const cost = pricing.cost('claude-opus-4-6', calls[0].usage);
		assert.ok(cost.kind === 'priced' && calls[0].recordedCostUsd === cost.usd);
	});

	it('count_tokens and models pass through without being budgeted or recorded', async () => {
		const client = new Anthropic({ apiKey: 'sk-ant-client', baseURL: t.gateway.url, maxRetries: 0 });
		const counted = await client.messages.countTokens({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'how many?' }] });
		assert.ok(counted.input_tokens > 0);
		const models = await new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 }).models.list();
		assert.ok(models.data.length > 0);
		assert.deepEqual(
			fake.requests.map(r => r.endpoint),
			['countTokens', 'models'],
		);
		assert.deepEqual(t.recordings(), []);
		assert.deepEqual(t.gateway.snapshot().runs, []);
	});

	it('a /run/<name>/ base URL names the run: response header, recording file, run in the status', async () => {
		const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/run/nightly-1/v1`, maxRetries: 0 });
		const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a' }] }).withResponse();
		assert.equal(res.response.headers.get('x-agent-cost-run'), 'nightly-1');
		await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'b' }] });
		const recs = await eventually('the run’s recording', () => (t.recordings()[0]?.transcript.calls.length === 2 ? t.recordings() : undefined));
		assert.match(recs[0].file, /gateway-nightly-1\.agent-cost\.jsonl$/);
		assert.equal(recs[0].transcript.runId, 'nightly-1');
		const run = t.gateway.snapshot().runs[0];
		assert.deepEqual([run?.runId, run?.source, run?.calls, run?.inFlight], ['nightly-1', 'path', 2, 0]);
		assert.ok((run?.costUsd ?? 0) > 0);
		assert.equal(fake.requests[0].path, '/v1/chat/completions', 'the prefix is not sent upstream');
	});

	it('injects the stored key for the placeholder; no key reaches a log, a recording, the status, the metrics or the ledger (canary)', async () => {
		const canary = 'sk-ant-CANARY-0123456789abcdefghij';
		const agentCanary = 'sk-AGENTCANARY-9876543210zyxwvu';
		const g = await startTestGateway(fake, { keys: { anthropic: canary } });
		try {
			fake.enqueue({ type: 'reply', text: 'with the stored key' });
			fake.enqueue({ type: 'error', status: 401 });
			const viaPlaceholder = new Anthropic({ apiKey: gatewayKeyPlaceholder, baseURL: g.gateway.url, maxRetries: 0 });
			await viaPlaceholder.messages.create({ model: 'claude-opus-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
			assert.equal(fake.requests[0].headers['x-api-key'], canary, 'the stored key went to the provider');
			const own = new OpenAI({ apiKey: agentCanary, baseURL: `${g.gateway.url}/v1`, maxRetries: 0 });
			await assert.rejects(own.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), /401/);
			// No stored OpenAI key: the placeholder is refused in OpenAI's shape, saying what to do.
			const noKey = new OpenAI({ apiKey: gatewayKeyPlaceholder, baseURL: `${g.gateway.url}/v1`, maxRetries: 0 });
			await assert.rejects(
				noKey.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
				(e: Error & { status?: number }) => e.status === 401 && /Set API Key/.test(e.message),
			);
			await eventually('two recorded calls', () => g.recordings().flatMap(r => r.transcript.calls).length === 2);
			const everything = [
				g.logs.join('\n'),
				...g.recordings().map(r => r.text),
				JSON.stringify(g.gateway.snapshot()),
				g.gateway.metrics.render(),
				...readdirSync(g.ledgerDir)
					.filter(f => f.endsWith('.jsonl'))
					.map(f => readFileSync(join(g.ledgerDir, f), 'utf8')),
			].join('\n');
			for (const secret of [canary, agentCanary, canary.slice(-12), agentCanary.slice(-12)]) assert.ok(!everything.includes(secret), `a key fragment leaked: ${secret}`);
		} finally {
			await g.close();
		}
	});
});
