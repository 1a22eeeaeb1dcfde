import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ProviderId } from '../../../../src/core/ports/llmTransport';
import { AnthropicTransport } from '../../../../src/node/providers/anthropicTransport';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { OpenAITransport } from '../../../../src/node/providers/openaiTransport';
import { assertNoSecret, canary, failure, request, run, secretsOf, transportFor } from './providerTestKit';

async function closedPort(): Promise<number> {
	const s = createServer();
	await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
	const port = (s.address() as { port: number }).port;
	await new Promise<void>(r => s.close(() => r()));
	return port;
}

for (const provider of ['openai', 'anthropic'] as const satisfies readonly ProviderId[]) {
	describe(`provider faults end in the right ProviderError (${provider})`, function () {
		this.timeout(10_000);
		let server: FakeProviderServer;
		const key = canary[provider];
		const label = provider === 'openai' ? /OpenAI/ : /Anthropic/;
		before(async () => {
			server = await startFakeProviderServer({ keys: { [provider]: key } });
		});
		after(() => server.close());
		beforeEach(() => server.reset());
		const t = (timeoutMs?: number) => transportFor(provider, server, { timeoutMs });

		it('429 with retry-after (seconds): rateLimit, retryAfterMs, retryable — and the SDK did not retry', async () => {
			server.enqueue({ type: 'error', status: 429, retryAfter: '7' });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'rateLimit');
			assert.equal(e.status, 429);
			assert.equal(e.retryAfterMs, 7000);
			assert.equal(e.retryable, true);
			assert.equal(e.provider, provider);
			assert.equal(e.model, request(provider).model);
			assert.equal(e.requestId, 'req_fake_1');
			assert.equal(e.providerCode, provider === 'openai' ? 'rate_limit_exceeded' : 'rate_limit_error');
			assert.match(e.message, label);
			assert.match(e.message, /rate-limited .*HTTP 429.*retry after 7 s/);
			assert.equal(server.requests.length, 1, 'SDK retries are disabled: the routing policy owns retries');
			assertNoSecret(e, key);
		});

		it('429 with retry-after-ms wins over retry-after; an HTTP date is understood too', async () => {
			server.enqueue({ type: 'error', status: 429, retryAfterMs: 1500, retryAfter: '30' });
			assert.equal((await failure(t(), request(provider))).retryAfterMs, 1500);
			server.enqueue({ type: 'error', status: 429, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
			const e = await failure(t(), request(provider));
			assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 55_000 && e.retryAfterMs <= 60_000, String(e.retryAfterMs));
		});

		it('500: server, retryable, one request; x-should-retry: false makes it non-retryable', async () => {
			server.enqueue({ type: 'error', status: 500 });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'server');
			assert.equal(e.status, 500);
			assert.equal(e.retryable, true);
			assert.equal(e.retryAfterMs, undefined);
			assert.match(e.message, /server error \(HTTP 500/);
			assert.equal(server.requests.length, 1);
			server.enqueue({ type: 'error', status: 503, headers: { 'x-should-retry': 'false' } });
			const no = await failure(t(), request(provider));
			assert.equal(no.reason, 'server');
			assert.equal(no.retryable, false);
		});

		it('529 overloaded: server', async () => {
			server.enqueue({ type: 'error', status: 529 });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'server');
			assert.equal(e.status, 529);
		});

		it('wrong key: auth, not retryable, and neither the key nor the fragment the provider echoes is in the error', async () => {
			const wrongKey = provider === 'openai' ? 'sk-proj-WRONGkeyOPENAI00000000000000000JJ7' : 'sk-ant-api03-WRONGkeyANTHROPIC000000000JJ6';
			const wrong = transportFor(provider, server, { key: wrongKey });
			const e = await failure(wrong, request(provider));
			assert.equal(e.reason, 'auth');
			assert.equal(e.status, 401);
			assert.equal(e.retryable, false);
			assert.equal(e.keyMissing, false);
			assert.match(e.message, /rejected the API key \(HTTP 401/);
			assertNoSecret(e, wrongKey);
			if (provider === 'openai') {
				// The server really echoed a masked fragment; the client removed it.
				const echoed = JSON.stringify(await (await fetch(server.openaiBaseUrl + '/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${wrongKey}` }, body: '{}' })).json());
				assert.ok(echoed.includes(wrongKey.slice(0, 6)) && echoed.includes(wrongKey.slice(-4)), 'the fake echoes like OpenAI does');
				assert.match(e.message, /\[redacted\]/);
			}
		});

		it('out of credit: quota, not retryable (waiting does not help)', async () => {
			server.enqueue(provider === 'openai' ? { type: 'error', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.' } : { type: 'error', status: 402 });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'quota');
			assert.equal(e.retryable, false);
		});

		it('400 and 404: badRequest, not retryable, with the provider code', async () => {
			server.enqueue({ type: 'error', status: 400, code: provider === 'openai' ? 'context_length_exceeded' : 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'badRequest');
			assert.equal(e.retryable, false);
			assert.equal(e.providerCode, provider === 'openai' ? 'context_length_exceeded' : 'invalid_request_error');
			assert.match(e.message, /prompt is too long/);
			server.enqueue({ type: 'error', status: 404 });
			const nf = await failure(t(), request(provider, { model: 'no-such-model' }));
			assert.equal(nf.reason, 'badRequest');
			assert.equal(nf.status, 404);
			assert.match(nf.message, /no-such-model/);
		});

		it('a server that never answers: timeout after the inactivity limit; the request is closed', async () => {
			server.enqueue({ type: 'hang' });
			const started = Date.now();
			const e = await failure(t(300), request(provider));
			const took = Date.now() - started;
			assert.equal(e.reason, 'timeout');
			assert.equal(e.retryable, true);
			assert.ok(took >= 280 && took < 3000, `took ${took} ms`);
			assert.match(e.message, /did not answer within 0\.3 s/);
			const r = await server.waitFor(x => x.seq === 1 && x.outcome !== 'pending');
			assert.equal(r.outcome, 'clientClosed');
		});

		it('the per-request timeout overrides the transport default', async () => {
			server.enqueue({ type: 'hang' });
			const e = await failure(t(60_000), request(provider, { timeoutMs: 200 }));
			assert.equal(e.reason, 'timeout');
		});

		it('a slow but steady stream is NOT cut (inactivity, not total, timeout); a stalled one is', async () => {
			// 10 chunks 80 ms apart against a 500 ms inactivity timeout: the whole answer outlasts the
			// timeout while every gap stays 420 ms under it, so a busy CI machine's scheduling jitter
			// cannot turn this into a false timeout.
			server.enqueue({ type: 'reply', text: 'a'.repeat(40), chunkChars: 4, chunkDelayMs: 80 });
			const started = Date.now();
			const ok = await run(t(500), request(provider));
			assert.ok(Date.now() - started > 500, 'the whole answer took longer than the timeout');
			assert.equal(ok.response.text, 'a'.repeat(40));

			server.enqueue({ type: 'reply', text: 'b'.repeat(40), chunkChars: 4, chunkDelayMs: 1200 });
			const e = await failure(t(500), request(provider));
			assert.equal(e.reason, 'timeout');
			assert.match(e.message, /stopped sending data/);
			assert.ok(e.partial, 'what arrived before the stall is kept');
		});

		it('slow first byte beyond the timeout: timeout', async () => {
			server.enqueue({ type: 'reply', text: 'late', firstByteDelayMs: 600 });
			const e = await failure(t(200), request(provider, { stream: false }));
			assert.equal(e.reason, 'timeout');
			assert.equal(e.partial, undefined);
		});

		it('stream cut mid-way (connection reset): network, with the partial text (and, for Anthropic, the input usage)', async () => {
			server.enqueue({ type: 'cutStream', afterEvents: 5, text: 'The quick brown fox jumps over the lazy dog', chunkChars: 4, usage: { input: 900, output: 30 } });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'network');
			assert.equal(e.retryable, true);
			assert.match(e.message, /closed in the middle of the response|stream ended before/);
			assert.ok(e.partial);
			assert.ok(e.partial.text.length > 0 && 'The quick brown fox jumps over the lazy dog'.startsWith(e.partial.text), e.partial.text);
			if (provider === 'anthropic') assert.equal(e.partial.usage?.input, 900);
			assert.equal(server.requests[0].outcome, 'serverCut');
		});

		it('stream ended cleanly but before its final event: network (truncated), never a silent success', async () => {
			server.enqueue({ type: 'cutStream', afterEvents: 4, how: 'end', text: 'abcdefghijklmnopqrstuvwxyz', chunkChars: 3 });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'network');
			assert.match(e.message, provider === 'openai' ? /before its finish_reason/ : /before message_stop/);
			assert.ok(e.partial && e.partial.text.length > 0);
		});

		it('non-streamed body cut short: network or badResponse, never a success', async () => {
			server.enqueue({ type: 'cutStream', afterEvents: 0, text: 'x' });
			const e = await failure(t(), request(provider, { stream: false }));
			assert.ok(e.reason === 'network' || e.reason === 'badResponse', e.reason);
		});

		it('malformed JSON body: badResponse, not retryable', async () => {
			server.enqueue({ type: 'malformed', where: 'body' });
			const e = await failure(t(), request(provider, { stream: false }));
			assert.equal(e.reason, 'badResponse');
			assert.equal(e.retryable, false);
			assert.match(e.message, /not valid JSON/);
		});

		it('malformed SSE event: badResponse', async () => {
			server.enqueue({ type: 'malformed', where: 'stream' });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'badResponse');
		});

		it('an HTML page with status 200 (gateway login): badResponse that names the content type', async () => {
			server.enqueue({ type: 'malformed', where: 'html' });
			const e = await failure(t(), request(provider, { stream: false }));
			assert.equal(e.reason, 'badResponse');
			assert.match(e.message, /text\/html/);
		});

		it('an error event in the middle of the stream: server (overloaded) with the partial answer', async () => {
			server.enqueue({ type: 'streamError', afterEvents: 4, text: 'partial answer here', chunkChars: 3, code: provider === 'openai' ? 'server_error' : 'overloaded_error' });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'server');
			assert.equal(e.status, undefined);
			assert.equal(e.retryable, true);
			assert.match(e.message, /error event in the stream/);
			assert.ok(e.partial);
		});

		it('an in-stream rate-limit error event: rateLimit', async () => {
			server.enqueue({ type: 'streamError', afterEvents: 2, text: 'abc', code: provider === 'openai' ? 'rate_limit_exceeded' : 'rate_limit_error', message: 'slow down' });
			const e = await failure(t(), request(provider));
			assert.equal(e.reason, 'rateLimit');
		});

		it('connection refused: unreachable (nothing was sent, nothing billed), naming the endpoint and the cause', async () => {
			const port = await closedPort();
			const secrets = secretsOf({ [provider]: key });
			const dead = provider === 'openai' ? new OpenAITransport({ secrets, baseUrl: `http://127.0.0.1:${port}/v1` }) : new AnthropicTransport({ secrets, baseUrl: `http://127.0.0.1:${port}` });
			const e = await failure(dead, request(provider));
			assert.equal(e.reason, 'unreachable');
			assert.equal(e.retryable, true);
			assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
			assert.match(e.message, /ECONNREFUSED/);
			assertNoSecret(e, key);
		});

		it('cancellation mid-stream: cancelled, not retryable, and the server sees the connection close early', async () => {
			const text = 'word '.repeat(60);
			server.enqueue({ type: 'reply', text, chunkChars: 5, chunkDelayMs: 30 });
			const ac = new AbortController();
			let texts = 0;
			const e = await failure(t(), request(provider), ac.signal, c => {
				if (c.type === 'text' && ++texts === 3) ac.abort();
			});
			assert.equal(e.reason, 'cancelled');
			assert.equal(e.retryable, false);
			assert.ok(e.partial && e.partial.text.length > 0 && e.partial.text.length < text.length);
			const r = await server.waitFor(x => x.seq === 1 && x.outcome !== 'pending');
			assert.equal(r.outcome, 'clientClosed', 'the HTTP request was aborted, not drained');
		});

		it('a signal aborted before the call: cancelled, and nothing reaches the server', async () => {
			const e = await failure(t(), request(provider), AbortSignal.abort());
			assert.equal(e.reason, 'cancelled');
			assert.equal(server.requests.length, 0);
		});

		it('a consumer that stops iterating aborts the HTTP request', async () => {
			server.enqueue({ type: 'reply', text: 'z'.repeat(200), chunkChars: 5, chunkDelayMs: 30 });
			const gen = t().send(request(provider));
			let texts = 0;
			for await (const c of gen) if (c.type === 'text' && ++texts === 2) break;
			const r = await server.waitFor(x => x.seq === 1 && x.outcome !== 'pending');
			assert.equal(r.outcome, 'clientClosed');
		});
	});
}
