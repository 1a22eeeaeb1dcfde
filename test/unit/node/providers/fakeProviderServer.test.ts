import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { repoRoot } from '../../../support/paths';
import { request, run, transportFor } from './providerTestKit';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
	fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('fake provider server', () => {
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer();
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	it('binds 127.0.0.1 and exposes SDK base URLs', () => {
		assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.equal(server.openaiBaseUrl, `${server.url}/v1`);
		assert.equal(server.anthropicBaseUrl, server.url);
	});

	it('answers scripted behaviors in order, filtered by provider/endpoint/model, then the default reply', async () => {
		server.enqueue({ type: 'reply', text: 'for anthropic' }, { provider: 'anthropic' });
		server.enqueue(
			[
				{ type: 'reply', text: 'first' },
				{ type: 'reply', text: 'second' },
			],
			{ provider: 'openai', model: 'gpt-4o-mini' },
		);
		const openai = transportFor('openai', server);
		assert.equal((await run(openai, request('openai'))).response.text, 'first');
		assert.equal((await run(openai, request('openai', { model: 'gpt-4o' }))).response.text, 'Hello from the fake provider.', 'model filter');
		assert.equal((await run(openai, request('openai'))).response.text, 'second');
		assert.equal((await run(transportFor('anthropic', server), request('anthropic'))).response.text, 'for anthropic');
		assert.deepEqual(
			server.requests.map(r => [r.provider, r.endpoint, r.answeredBy, r.outcome]),
			[
				['openai', 'chat', 'reply', 'completed'],
				['openai', 'chat', 'default', 'completed'],
				['openai', 'chat', 'reply', 'completed'],
				['anthropic', 'messages', 'reply', 'completed'],
			],
		);
	});

	it('a configured key is checked before any script is consumed (401 in the provider format)', async () => {
		const locked = await startFakeProviderServer({ keys: { anthropic: 'sk-ant-right-000000000000' } });
		try {
			locked.enqueue({ type: 'reply', text: 'kept' });
			const res = await post(`${locked.url}/v1/messages`, { model: 'm', messages: [] }, { 'x-api-key': 'wrong' });
			assert.equal(res.status, 401);
			assert.deepEqual(((await res.json()) as { error: unknown }).error, { type: 'authentication_error', message: 'invalid x-api-key' });
			assert.equal(locked.requests[0].answeredBy, 'auth');
			const ok = await post(`${locked.url}/v1/messages`, { model: 'm', messages: [] }, { 'x-api-key': 'sk-ant-right-000000000000' });
			assert.equal(((await ok.json()) as { content: { text: string }[] }).content[0].text, 'kept');
		} finally {
			await locked.close();
		}
	});

	it('can be scripted and inspected over HTTP (for out-of-process tests)', async () => {
		const q = await post(`${server.url}/__fake/enqueue`, [{ behavior: { type: 'error', status: 503 }, match: { provider: 'openai' } }]);
		assert.deepEqual(await q.json(), { queued: 1 });
		const res = await post(`${server.openaiBaseUrl}/chat/completions`, { model: 'gpt-4o', messages: [] });
		assert.equal(res.status, 503);
		assert.equal(res.headers.get('x-request-id'), 'req_fake_1');
		const log = (await (await fetch(`${server.url}/__fake/requests`)).json()) as { answeredBy: string; path: string }[];
		assert.deepEqual(
			log.map(r => [r.path, r.answeredBy]),
			[['/v1/chat/completions', 'error']],
		);
		assert.equal((await post(`${server.url}/__fake/enqueue`, { nope: 1 })).status, 400);
		await post(`${server.url}/__fake/reset`, {});
		assert.equal(server.requests.length, 0);
	});

	it('unknown routes get a 404 JSON error and are not logged as provider calls', async () => {
		const res = await fetch(`${server.url}/v1/images/generations`, { method: 'POST', body: '{}' });
		assert.equal(res.status, 404);
		assert.match(JSON.stringify(await res.json()), /no route/);
		assert.equal(server.requests.length, 0);
	});

	it('count_tokens defaults to a deterministic estimate of the request', async () => {
		const body = { model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'x'.repeat(400) }] };
		const a = (await (await post(`${server.url}/v1/messages/count_tokens`, body)).json()) as { input_tokens: number };
		const b = (await (await post(`${server.url}/v1/messages/count_tokens`, body)).json()) as { input_tokens: number };
		assert.equal(a.input_tokens, b.input_tokens);
		assert.ok(a.input_tokens > 100 && a.input_tokens < 200, String(a.input_tokens));
	});

	it('waitFor rejects with a clear message when nothing matches in time', async () => {
		await assert.rejects(
			server.waitFor(() => false, 50),
			/no matching request within 50 ms/,
		);
	});

	it('runs as a program: prints its URLs as JSON, loads a script, stops on SIGTERM', async function () {
		this.timeout(15_000);
		const dir = mkdtempSync(join(tmpdir(), 'fake-provider-'));
		const scriptFile = join(dir, 'script.json');
		writeFileSync(scriptFile, JSON.stringify([{ behavior: { type: 'reply', text: 'from the script' } }]));
		const child = spawn(process.execPath, [join(repoRoot(), 'out', 'fakeProviderServer.js'), '--port', '0', '--openai-key', 'sk-test-cli-0000000000000', '--script', scriptFile], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		try {
			const line = await new Promise<string>((resolve, reject) => {
				createInterface({ input: child.stdout! }).once('line', resolve);
				child.once('exit', code => reject(new Error(`exited early with ${code}`)));
			});
			const info = JSON.parse(line) as { url: string; openaiBaseUrl: string; port: number };
			assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
			const res = await post(`${info.openaiBaseUrl}/chat/completions`, { model: 'gpt-4o', messages: [] }, { authorization: 'Bearer sk-test-cli-0000000000000' });
			const json = (await res.json()) as { choices: { message: { content: string } }[] };
			assert.equal(json.choices[0].message.content, 'from the script');
		} finally {
			const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
			child.kill('SIGTERM');
			assert.equal(await exited, 0);
		}
	});

	it('the program rejects bad arguments with exit code 2', async () => {
		const child = spawn(process.execPath, [join(repoRoot(), 'out', 'fakeProviderServer.js'), '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stderr = '';
		child.stderr!.on('data', d => (stderr += String(d)));
		const code = await new Promise<number | null>(resolve => child.once('exit', c => resolve(c)));
		assert.equal(code, 2);
		assert.match(stderr, /--port must be an integer/);
	});
});
