import * as assert from 'node:assert/strict';
import { batchedEmbedder } from '../../../../src/core/caching/batchedEmbedder';
import { InputError } from '../../../../src/core/lib/errors';
import { ProviderError } from '../../../../src/core/providers/providerError';
import { createOpenAIEmbedder } from '../../../../src/node/providers/openaiEmbedder';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { assertNoSecret, canary, secretsOf } from './providerTestKit';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('OpenAI embedder (the real openai SDK against the fake /v1/embeddings)', function () {
	this.timeout(10_000);
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: canary.openai } });
	});
	after(() => server.close());
	beforeEach(() => server.reset());
	const embedder = (options: { key?: string; model?: string; timeoutMs?: number } = {}) =>
		createOpenAIEmbedder({
			secrets: secretsOf({ openai: options.key ?? canary.openai }),
			model: options.model ?? 'text-embedding-3-small',
			baseUrl: server.openaiBaseUrl,
			timeoutMs: options.timeoutMs,
		});

	it('returns unit vectors of the model size, in input order, with the key sent only as the Authorization header', async () => {
		const e = embedder();
		assert.equal(e.dims, 1536);
		assert.equal(e.billedModel, 'text-embedding-3-small');
		assert.equal(e.maxInputTokens, 8191);
		assert.equal(e.id, 'openai:text-embedding-3-small:1536');
		const texts = ['How do I reverse a linked list in Python?', 'how do I reverse a linked list in python', 'Bake bread at 220 °C for 35 minutes.'];
		const [a, b, c] = await e.embed(texts);
		for (const v of [a, b, c]) {
			assert.equal(v.length, 1536);
			assert.ok(Math.abs(cosine(v, v) - 1) < 1e-5);
		}
		assert.ok(cosine(a, b) > 0.9, 'near-duplicates are close');
		assert.ok(cosine(a, c) < 0.5, 'unrelated texts are not');
		assert.equal(server.requests.length, 1);
		const r = server.requests[0];
		assert.equal(r.endpoint, 'embeddings');
		assert.deepEqual(r.body, { model: 'text-embedding-3-small', input: texts, encoding_format: 'float' });
		assert.equal(r.headers.authorization, `Bearer ${canary.openai}`);
		assert.equal((await createOpenAIEmbedder({ secrets: secretsOf({ openai: canary.openai }), model: 'text-embedding-3-large', baseUrl: server.openaiBaseUrl }).embed(['x']))[0].length, 3072);
	});

	it('with embedding_batch_size, 250 texts go as 3 requests of ≤ 100, order kept', async () => {
		const texts = Array.from({ length: 250 }, (_, i) => `text number ${i}`);
		const out = await batchedEmbedder(embedder(), 100).embed(texts);
		assert.equal(out.length, 250);
		assert.deepEqual(
			server.requests.map(r => (r.body as { input: string[] }).input.length),
			[100, 100, 50],
		);
		const [again] = await embedder().embed(['text number 137']);
		assert.ok(cosine(again, out[137]) > 0.999);
	});

	it('provider failures are ProviderErrors with the reason and no key in them; an unknown model is refused up front', async () => {
		server.enqueue({ type: 'error', status: 429, retryAfter: '3' }, { endpoint: 'embeddings' });
		await assert.rejects(embedder().embed(['a']), (e: unknown) => ProviderError.is(e) && e.reason === 'rateLimit' && e.retryAfterMs === 3000);
		const wrong = 'sk-proj-WRONGembeddingKEY0123456789QZ';
		const auth = await embedder({ key: wrong })
			.embed(['a'])
			.catch((e: unknown) => e);
		assert.ok(ProviderError.is(auth) && auth.reason === 'auth', String(auth));
		assertNoSecret(auth, wrong);
		server.enqueue({ type: 'hang' }, { endpoint: 'embeddings' });
		await assert.rejects(embedder({ timeoutMs: 200 }).embed(['a']), (e: unknown) => ProviderError.is(e) && e.reason === 'timeout');
		server.enqueue({ type: 'malformed', where: 'body' }, { endpoint: 'embeddings' });
		await assert.rejects(embedder().embed(['a']), (e: unknown) => ProviderError.is(e) && e.reason === 'badResponse');
		const missing = await createOpenAIEmbedder({ secrets: secretsOf({}), model: 'text-embedding-3-small' })
			.embed(['a'])
			.catch((e: unknown) => e);
		assert.ok(ProviderError.is(missing) && missing.reason === 'auth' && missing.keyMissing, 'no key for api.openai.com: auth error before any request');
		assert.throws(
			() => embedder({ model: 'my-embedder' }),
			(e: unknown) => InputError.is(e, 'badSetting') && /text-embedding-3-small/.test(e.message),
		);
	});
});
