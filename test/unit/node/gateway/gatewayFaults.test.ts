import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { dayKey } from '../../../../src/core/budget/dayKey';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { eventually, startTestGateway, type TestGateway } from './gatewayKit';

/** Spent and reserved USD of a run, read from the ledger the gateway writes. */
async function ledger(t: TestGateway, runId: string): Promise<{ spent: number; reserved: number }> {
	const now = Date.now();
	const totals = await t.store.totals(runId, dayKey(now), now);
	return { spent: totals.run.spentNano / 1e9, reserved: totals.run.reservedNano / 1e9 };
}

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, res => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', c => (text += c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
			res.on('error', () => resolve({ status: res.statusCode ?? 0, text }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

const anthropicHeaders = { 'x-api-key': 'sk-ant-c', 'anthropic-version': '2023-06-01' };

describe('gateway: faults', () => {
	let fake: FakeProviderServer;
	let t: TestGateway;
	let anthropic: Anthropic;
	let openai: OpenAI;
	before(async () => {
		fake = await startFakeProviderServer();
	});
	after(() => fake.close());
	beforeEach(async () => {
		fake.reset();
		t = await startTestGateway(fake, { upstreamTimeoutMs: 400 });
		anthropic = new Anthropic({ apiKey: 'sk-ant-c', baseURL: t.gateway.url, maxRetries: 0 });
		openai = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
	});
	afterEach(() => t.close());

	const onlyRun = () => t.gateway.snapshot().runs[0]!;

	it('a 429 reaches the agent as the provider sent it (retry-after kept); nothing is charged', async () => {
		fake.enqueue({ type: 'error', status: 429, retryAfter: '7' });
		const e = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
		assert.ok(e instanceof OpenAI.APIError && e.status === 429, String(e));
		assert.equal(e.headers?.get('retry-after'), '7');
		assert.match(e.message, /Rate limit reached/);
		const [call] = await eventually('the recorded failure', () => t.recordings()[0]?.transcript.calls);
		assert.equal(call.status, 'error');
		assert.deepEqual(await ledger(t, onlyRun().runId), { spent: 0, reserved: 0 });
	});

	it('a 529 overloaded reaches the Anthropic client in Anthropic’s shape; nothing is charged', async () => {
		fake.enqueue({ type: 'error', status: 529 });
		const e = await anthropic.messages.create({ model: 'claude-opus-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
		assert.ok(e instanceof Anthropic.APIError && e.status === 529, String(e));
		await eventually('the call', () => onlyRun()?.inFlight === 0);
		assert.deepEqual(await ledger(t, onlyRun().runId), { spent: 0, reserved: 0 });
	});

	it('a stream cut mid-way: the agent gets an error event in its protocol; the spend seen so far is settled, marked ≈', async () => {
		fake.enqueue({ type: 'cutStream', afterEvents: 5, text: 'a fairly long answer that will be cut somewhere', usage: { input: 2000, output: 40 }, chunkChars: 4 });
		const stream = anthropic.messages.stream({ model: 'claude-opus-4-6', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] });
		await assert.rejects(stream.finalMessage(), /connection to the provider was cut/);
		const [call] = await eventually('the recorded cut', () => t.recordings()[0]?.transcript.calls);
		assert.equal(call.usage.input, 2000, 'message_start reported the input side before the cut');
		assert.ok(call.usage.output >= 1, 'the counted output that arrived');
		assert.equal(call.usageExact, false);
		const l = await ledger(t, onlyRun().runId);
		assert.equal(l.reserved, 0);
		assert.ok(Math.abs(l.spent - (call.recordedCostUsd ?? -1)) < 1e-9, `ledger ${l.spent} = recorded ${call.recordedCostUsd}`);
	});

	it('a provider that goes silent: timeout after the inactivity limit, the prompt is charged (it may have been processed)', async () => {
		fake.enqueue({ type: 'hang' });
		const r = await post(`${t.gateway.url}/v1/messages`, JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), anthropicHeaders);
		assert.equal(r.status, 504);
		assert.deepEqual(JSON.parse(r.text).error.type, 'api_error');
		await eventually('the settled call', () => onlyRun()?.inFlight === 0);
		const l = await ledger(t, onlyRun().runId);
		assert.equal(l.reserved, 0);
		assert.ok(l.spent > 0);
	});

	it('a client that disconnects mid-stream cancels the upstream request; what streamed so far is charged', async () => {
		fake.enqueue({ type: 'reply', text: 'x'.repeat(400), chunkChars: 2, chunkDelayMs: 5, usage: { input: 100, output: 200 } });
		const controller = new AbortController();
		const stream = await openai.chat.completions.create(
			{ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } },
			{ signal: controller.signal },
		);
		let chunks = 0;
		try {
			for await (const _ of stream) {
				if (++chunks === 10) controller.abort();
				if (chunks > 10) break;
			}
		} catch {
			// the SDK may report the abort
		}
		const upstream = await fake.waitFor(r => r.outcome === 'clientClosed', 3000);
		assert.equal(upstream.outcome, 'clientClosed');
		const [call] = await eventually('the cancelled call', () => t.recordings()[0]?.transcript.calls);
		assert.equal(call.status, 'cancelled');
		assert.ok(call.usage.output > 0 && call.usage.output < 200, `counted output so far: ${call.usage.output}`);
		assert.equal((await ledger(t, onlyRun().runId)).reserved, 0);
	});

	it('a 200 with a malformed body is passed as it came; the call is charged its counted prompt, marked ≈', async () => {
		fake.enqueue({ type: 'malformed', where: 'body' });
		await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
		const [call] = await eventually('the call', () => t.recordings()[0]?.transcript.calls);
		assert.equal(call.usageExact, false);
		assert.ok(call.usage.input > 0);
	});

	it('an unreachable provider: a 502 in the provider’s shape, the reservation released', async () => {
		const dead = await startTestGateway({ anthropicBaseUrl: 'http://127.0.0.1:9', openaiBaseUrl: 'http://127.0.0.1:9/v1' });
		try {
			const r = await post(`${dead.gateway.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), { authorization: 'Bearer sk' });
			assert.equal(r.status, 502);
			assert.match(JSON.parse(r.text).error.message, /could not be reached/);
			await eventually('settled', () => dead.gateway.snapshot().runs[0]?.inFlight === 0);
			const runId = dead.gateway.snapshot().runs[0]!.runId;
			const now = Date.now();
			const totals = await dead.store.totals(runId, dayKey(now), now);
			assert.deepEqual([totals.run.spentNano, totals.run.reservedNano], [0, 0]);
		} finally {
			await dead.close();
		}
	});

	it('never crashes on bad requests: random paths, methods, headers and bodies get an answer (fuzz)', async () => {
		const paths = ['/v1/messages', '/v1/chat/completions', '/v1/responses', '/run/x/v1/messages', '/run/../v1/x', '/w/nope/v1/messages', '/__agent-cost/status', '/%', '/v1/messages/count_tokens'];
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.json(), fc.string(), fc.constant('{"model":"gpt-4o","messages":[{"role":"user","content":5}],"max_tokens":-3}')), async (path, body) => {
				const r = await post(`${t.gateway.url}${path}`, body, { authorization: 'Bearer sk-f' });
				assert.ok(r.status >= 200 && r.status < 600);
			}),
			{ numRuns: 60 },
		);
		// Still serving.
		const ok = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'still there?' }] });
		assert.ok(ok.choices[0]?.message.content);
	});
});
