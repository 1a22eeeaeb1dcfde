import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import type { EngineJobs } from '../../../src/core/jobs/engineJobs';
import { CancelledError } from '../../../src/core/lib/errors';
import type { LivePaths } from '../../../src/core/jobs/liveJobs';
import type { ProviderId } from '../../../src/core/ports/llmTransport';
import { createEngineWorkerClient } from '../../../src/node/engineWorkerClient';
import type { JobWorkerClient } from '../../../src/node/jobWorkerClient';
import { runLiveJob } from '../../../src/node/liveJobClient';
import { startFakeProviderServer, type FakeProviderServer } from '../../support/fakeProviderServer';
import { repoRoot } from '../../support/paths';

const key = { openai: 'sk-proj-WORKERCANARYopenai0123456789QW1', anthropic: 'sk-ant-WORKERCANARYanthropic012345QW2' };

/** The real bundled worker (dist/engineWorker.js) driven the way the extension host drives it. */
describe('live jobs through the engine worker thread (host key hand-over, cancel)', function () {
	this.timeout(60_000);
	let server: FakeProviderServer;
	let client: JobWorkerClient<EngineJobs>;
	let root: string;
	let paths: LivePaths;
	let store: Partial<Record<ProviderId, string>>;
	let asked: ProviderId[];
	const keys = {
		get: async (p: ProviderId) => {
			asked.push(p);
			return store[p];
		},
	};
	const config = () =>
		parseEngineConfig({
			'agentCost.providers.openai.baseUrl': server.openaiBaseUrl,
			'agentCost.providers.anthropic.baseUrl': server.anthropicBaseUrl,
			'agentCost.compression.strategy': 'none',
			'agentCost.cache.enabled': false,
		}).config;
	const ask = (content: string) => ({ config: config(), paths, messages: [{ role: 'user' as const, content }], pinnedModel: 'gpt-4o-mini', maxOutputTokens: 100 });

	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: key.openai, anthropic: key.anthropic } });
	});
	after(() => server.close());
	beforeEach(() => {
		server.reset();
		client = createEngineWorkerClient({ workerPath: join(repoRoot(), 'dist', 'engineWorker.js') });
		root = mkdtempSync(join(tmpdir(), 'live-worker-'));
		paths = { ledgerDir: join(root, 'ledger'), cacheDir: join(root, 'cache'), recordingsDir: join(root, 'recordings') };
		store = { ...key };
		asked = [];
	});
	afterEach(() => {
		client.dispose();
		rmSync(root, { recursive: true, force: true });
	});

	it('asks the host for exactly the one key the call needs, at call time, and streams the answer', async () => {
		server.enqueue({ type: 'reply', text: 'streamed through the thread', usage: { input: 20, output: 5 }, chunkChars: 3 });
		const progress: string[] = [];
		const r = await runLiveJob(client, 'live/run', ask('hello'), { keys, onProgress: p => progress.push(p.type) });
		assert.equal(r.kind, 'answered');
		assert.equal(r.kind === 'answered' && r.text, 'streamed through the thread');
		assert.deepEqual(asked, ['openai'], 'one request, for the provider of the routed model only');
		assert.ok(!progress.includes('keyRequest'), 'key requests are answered by runLiveJob, not passed on');
		assert.ok(progress.filter(t => t === 'text').length > 1);
		assert.equal(server.requests[0].headers.authorization, `Bearer ${key.openai}`);
	});

	it('a key cleared in the editor is not used for the next call (the worker keeps none)', async () => {
		server.enqueue({ type: 'reply', text: 'first', usage: { input: 20, output: 5 } });
		assert.equal((await runLiveJob(client, 'live/run', ask('one'), { keys })).kind, 'answered');
		delete store.openai;
		const second = await runLiveJob(client, 'live/run', ask('two'), { keys });
		assert.equal(second.kind, 'failed');
		assert.equal(second.kind === 'failed' && second.keyMissing, 'openai');
		// A custom base URL may be a local server that needs no key, so the call went out — without one.
		assert.equal(server.requests.length, 2);
		assert.ok(!server.requests[1].headers.authorization?.includes(key.openai), 'the cleared key was not sent');
	});

	it('cancelling aborts the provider request and the job', async () => {
		server.enqueue({ type: 'reply', text: 'y'.repeat(300), chunkChars: 3, chunkDelayMs: 30 });
		const ac = new AbortController();
		let texts = 0;
		const pending = runLiveJob(client, 'live/run', ask('slow'), { keys, signal: ac.signal, onProgress: p => p.type === 'text' && ++texts === 2 && ac.abort() });
		await assert.rejects(pending, (e: unknown) => CancelledError.is(e));
		const req = await server.waitFor(r => r.outcome !== 'pending', 5000);
		assert.equal(req.outcome, 'clientClosed');
		const status = await runLiveJob(client, 'live/status', { config: config(), paths }, { keys });
		assert.equal(status.daily.reserved, 0, 'the reservation was settled');
		assert.ok(status.daily.spent > 0, 'what streamed was charged');
	});

	it('exact Claude counts go through the same hand-over', async () => {
		server.enqueue({ type: 'countTokens', inputTokens: 77 });
		const r = await runLiveJob(client, 'tokens/countExact', { config: config(), model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'count' }] }, { keys });
		assert.deepEqual(r, { model: 'claude-opus-4-6', tokens: 77, exact: true });
		assert.deepEqual(asked, ['anthropic']);
	});
});
