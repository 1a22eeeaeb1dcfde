import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { CacheableRequest } from '../../../../src/core/caching/cacheKey';
import { canonicalRequest, requestCacheKey, semanticPartition, semanticText } from '../../../../src/core/caching/cacheKey';
import { cosine, createOfflineEmbedder } from '../../../../src/core/caching/embedder';
import { ExactCache } from '../../../../src/core/caching/exactCache';
import { SemanticCache } from '../../../../src/core/caching/semanticCache';
import { SemanticIndex } from '../../../../src/core/caching/semanticIndex';
import { ManualClock, seededRandom } from '../../../../src/core/ports/clock';
import { base64ToBytes, bytesToBase64 } from '../../../../src/core/lib/base64';
import { canonicalJson } from '../../../../src/core/lib/canonicalJson';
import { sha256 } from '../../../../src/core/lib/sha256';
import { FileSnapshotStore } from '../../../../src/node/fileSnapshotStore';

const req = (content: string, over: Partial<CacheableRequest> = {}): CacheableRequest => ({
	model: 'gpt-4o',
	messages: [
		{ role: 'system', content: 'You are terse.' },
		{ role: 'user', content },
	],
	params: { temperature: 0, maxOutputTokens: 2048 },
	...over,
});

describe('sha256 and canonical JSON', () => {
	it('sha256 equals node:crypto on known vectors and random strings (property)', () => {
		assert.equal(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
		assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		fc.assert(
			fc.property(fc.string({ unit: 'binary', maxLength: 300 }), s => {
				assert.equal(sha256(s), createHash('sha256').update(s, 'utf8').digest('hex'));
			}),
			{ numRuns: 500 },
		);
	});

	it('canonical JSON sorts keys, drops undefined, rejects NaN and cycles', () => {
		assert.equal(canonicalJson({ b: 1, a: [1, { d: undefined, c: 'x' }] }), '{"a":[1,{"c":"x"}],"b":1}');
		assert.throws(() => canonicalJson({ a: NaN }), TypeError);
		const cyc: Record<string, unknown> = {};
		cyc.self = cyc;
		assert.throws(() => canonicalJson(cyc), TypeError);
		fc.assert(
			fc.property(fc.jsonValue(), v => {
				assert.deepEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
			}),
		);
	});

	it('base64 round-trips and matches Buffer', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 200 }), b => {
				assert.equal(bytesToBase64(b), Buffer.from(b).toString('base64'));
				assert.deepEqual([...base64ToBytes(bytesToBase64(b))], [...b]);
			}),
		);
	});
});

describe('cache keys', () => {
	it('are stable under key order and differ when model, messages or parameters differ', () => {
		const k = requestCacheKey(req('hi'));
		assert.match(k, /^v1:[0-9a-f]{64}$/);
		assert.equal(requestCacheKey({ params: { maxOutputTokens: 2048, temperature: 0 }, messages: req('hi').messages, model: 'gpt-4o' }), k);
		assert.notEqual(requestCacheKey(req('hi ')), k);
		assert.notEqual(requestCacheKey(req('hi', { model: 'gpt-4o-mini' })), k);
		assert.notEqual(requestCacheKey(req('hi', { params: { temperature: 0.7, maxOutputTokens: 2048 } })), k);
	});

	it('never contain secrets: extra request fields are ignored, not hashed', () => {
		const canary = 'sk-CANARY-1234567890';
		const withSecrets = {
			...req('hi'),
			apiKey: canary,
			headers: { authorization: `Bearer ${canary}` },
			baseUrl: 'https://proxy/' + canary,
			params: { ...req('hi').params, apiKey: canary },
		} as unknown as CacheableRequest;
		assert.equal(requestCacheKey(withSecrets), requestCacheKey(req('hi')));
		assert.ok(!canonicalRequest(withSecrets).includes(canary));
		assert.equal(semanticPartition(withSecrets), semanticPartition(req('hi')));
	});

	it('semantic partition ignores the conversation but not the system prompt', () => {
		assert.equal(semanticPartition(req('a')), semanticPartition(req('b')));
		assert.notEqual(
			semanticPartition(req('a')),
			semanticPartition({
				...req('a'),
				messages: [
					{ role: 'system', content: 'Other' },
					{ role: 'user', content: 'a' },
				],
			}),
		);
		assert.equal(semanticText(req('a')), 'user: a');
	});
});

describe('ExactCache', () => {
	it('expires by TTL and evicts the least recently used', () => {
		const clock = new ManualClock(0);
		const c = new ExactCache<string>({ maxEntries: 2, ttlMs: 1000, clock });
		c.set('a', 'A');
		c.set('b', 'B');
		assert.equal(c.get('a')?.value, 'A'); // a is now most recent
		c.set('c', 'C'); // evicts b
		assert.equal(c.get('b'), undefined);
		assert.equal(c.get('a')?.value, 'A');
		clock.advance(999);
		assert.equal(c.get('c')?.ageMs, 999);
		clock.advance(1);
		assert.equal(c.get('c'), undefined);
		assert.equal(c.hits, 3);
	});

	it('persists through a file snapshot store and survives a reload', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'acl-cache-'));
		try {
			const clock = new ManualClock(10);
			const store = new FileSnapshotStore(dir);
			const a = new ExactCache<{ text: string }>({ maxEntries: 10, ttlMs: 1000, clock });
			a.set(requestCacheKey(req('q')), { text: 'answer' });
			assert.equal(a.isDirty, true);
			await store.save('responses', a.snapshot());
			assert.equal(a.isDirty, false);
			const b = new ExactCache<{ text: string }>({ maxEntries: 10, ttlMs: 1000, clock });
			assert.equal(b.restore(await new FileSnapshotStore(dir).load('responses')), 1);
			assert.equal(b.get(requestCacheKey(req('q')))?.value.text, 'answer');
			// Expired entries are not restored; a damaged file is a cold cache.
			clock.advance(2000);
			assert.equal(new ExactCache({ maxEntries: 10, ttlMs: 1000, clock }).restore(await store.load('responses')), 0);
			writeFileSync(join(dir, 'broken.json'), '{"v":1,"entr');
			assert.equal(await store.load('broken'), undefined);
			assert.equal(await store.load('missing'), undefined);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('offline embedder and semantic cache', () => {
	const e = createOfflineEmbedder();

	it('is deterministic, normalized and scores rephrasings above unrelated text', () => {
		const a = e.embedSync('How do I reverse a linked list in Python?');
		assert.deepEqual([...a], [...e.embedSync('How do I reverse a linked list in Python?')]);
		assert.ok(Math.abs(cosine(a, a) - 1) < 1e-5);
		const near = cosine(a, e.embedSync('how do I reverse a linked list in python'));
		const far = cosine(a, e.embedSync('What is the capital of France?'));
		assert.ok(near > 0.95, `near ${near}`);
		assert.ok(far < 0.5, `far ${far}`);
	});

	it('hits at ≥ threshold within a partition only, respects TTL and the bound', async () => {
		const clock = new ManualClock(0);
		const c = new SemanticCache<string>({ embedder: e, threshold: 0.95, ttlMs: 1000, maxEntries: 2, clock });
		await c.store('p1', 'user: How do I reverse a linked list in Python?', 'use reversed pointers');
		assert.equal((await c.lookup('p1', 'user: how do I reverse a linked list in python'))?.value, 'use reversed pointers');
		assert.equal(await c.lookup('p2', 'user: How do I reverse a linked list in Python?'), undefined);
		assert.equal(await c.lookup('p1', 'user: What is the capital of France?'), undefined);
		await c.store('p1', 'user: b', 'B');
		await c.store('p1', 'user: c', 'C'); // evicts the oldest
		assert.equal(c.size, 2);
		assert.equal(await c.lookup('p1', 'user: How do I reverse a linked list in Python?'), undefined);
		clock.advance(1000);
		assert.equal(await c.lookup('p1', 'user: c'), undefined);
	});

	it('snapshot/restore keeps hits (int8 vectors)', async () => {
		const clock = new ManualClock(0);
		const c = new SemanticCache<string>({ embedder: e, threshold: 0.95, ttlMs: 0, maxEntries: 10, clock });
		await c.store('p', 'user: explain closures in javascript', 'X');
		const d = new SemanticCache<string>({ embedder: e, threshold: 0.95, ttlMs: 0, maxEntries: 10, clock });
		assert.equal(d.restore(JSON.parse(JSON.stringify(c.snapshot()))), 1);
		const hit = await d.lookup('p', 'user: explain closures in javascript');
		assert.ok(hit && hit.similarity > 0.99);
		assert.equal(new SemanticCache<string>({ embedder: createOfflineEmbedder(128), threshold: 0.95, ttlMs: 0, maxEntries: 10, clock }).restore(c.snapshot()), 0);
	});

	it('the LSH index finds what an exact scan finds at cosine ≥ 0.95 (recall on 5,000 random vectors)', () => {
		const dims = 64;
		const r = seededRandom(3);
		const norm = (v: Float32Array) => {
			let n = 0;
			for (const x of v) n += x * x;
			return v.map(x => x / Math.sqrt(n));
		};
		const idx = new SemanticIndex({ dims, maxEntries: 10_000, exactBelow: 0 });
		const base: Float32Array[] = [];
		for (let i = 0; i < 5000; i++) {
			const v = norm(Float32Array.from({ length: dims }, () => r.next() - 0.5));
			base.push(v);
			idx.add(v);
		}
		let found = 0;
		let exactFound = 0;
		for (let i = 0; i < 300; i++) {
			// A perturbed copy of a stored vector at cosine ≈ 0.96–0.99.
			const q = norm(base[i * 7].map(x => x + (r.next() - 0.5) * 0.06));
			const exact = idx.best(q, 0.95, () => true, true);
			if (!exact) continue;
			exactFound++;
			if (idx.best(q, 0.95, () => true)?.slot === exact.slot) found++;
		}
		assert.ok(exactFound > 250, `${exactFound}`);
		assert.ok(found / exactFound >= 0.98, `recall ${found}/${exactFound}`);
		// Removing entries keeps buckets consistent.
		for (let s = 0; s < 5000; s += 2) idx.remove(s);
		assert.equal(idx.size, 2500);
		assert.equal(
			idx.best(base[0], 0.999, () => true),
			undefined,
		);
		assert.equal(idx.best(base[1], 0.999, () => true)?.slot, 1);
	});
});

describe('cache keys: host hash', () => {
	it('node:crypto and the pure hash give identical keys', async () => {
		const { nodeSha256 } = await import('../../../../src/node/nodeSha256');
		for (const t of ['', 'x', 'ünïcödé 🚀', 'a'.repeat(1000)]) assert.equal(requestCacheKey(req(t), nodeSha256), requestCacheKey(req(t)));
	});
});

describe('cache persistence through the engine', () => {
	it('a reloaded engine serves from the cache the previous session filled (file snapshot store)', async () => {
		const { createPolicyEngine } = await import('../../../../src/core/engine/policyEngine');
		const { parseEngineConfig } = await import('../../../../src/core/config/parseEngineConfig');
		const { RecordingBudgetStore } = await import('../../../../src/core/budget/budgetLedger');
		const { estimatingSummarizer } = await import('../../../../src/core/compression/history');
		const { restoreCaches, persistCaches } = await import('../../../../src/core/caching/cachePersistence');
		const { fakePricing, wordCounter } = await import('../../../support/policyFakes');
		const dir = mkdtempSync(join(tmpdir(), 'acl-engine-cache-'));
		try {
			const clock = new ManualClock(Date.UTC(2026, 10, 27));
			const make = () =>
				createPolicyEngine({
					config: parseEngineConfig({ 'agentCost.cache.semanticEnabled': true }).config,
					counter: wordCounter,
					pricing: fakePricing,
					clock,
					random: seededRandom(1),
					budgetStore: new RecordingBudgetStore(),
					summarizer: estimatingSummarizer,
				});
			const store = new FileSnapshotStore(dir);
			const a = make();
			const request = { runId: 'r', messages: [{ role: 'user', content: 'Classify this: refund request' }] };
			const p = await a.plan(request);
			assert.equal(p.kind, 'call');
			if (p.kind === 'call')
				await a.settle(p, { kind: 'completed', usage: { input: 5, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 }, response: { model: p.model, content: 'billing' } });
			assert.deepEqual((await persistCaches({ exact: a.exactCache, semantic: a.semanticCache }, store)).saved, ['response-cache', 'semantic-cache']);
			assert.deepEqual((await persistCaches({ exact: a.exactCache, semantic: a.semanticCache }, store)).saved, []); // nothing new
			const b = make(); // "window reload"
			assert.deepEqual(await restoreCaches({ exact: b.exactCache, semantic: b.semanticCache }, store), { exact: 1, semantic: 1 });
			const again = await b.plan(request);
			assert.ok(again.kind === 'cached' && again.source === 'exact' && again.response.content === 'billing');
			const similar = await b.plan({ runId: 'r', messages: [{ role: 'user', content: 'classify this refund request' }] });
			assert.ok(similar.kind === 'cached' && similar.source === 'semantic');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('batched embedder splits requests by embedding_batch_size and keeps order', async () => {
		const { batchedEmbedder } = await import('../../../../src/core/caching/batchedEmbedder');
		const sizes: number[] = [];
		const inner = createOfflineEmbedder(8);
		const spy = { ...inner, embed: async (t: readonly string[]) => (sizes.push(t.length), inner.embed(t)) };
		const out = await batchedEmbedder(spy, 100).embed(Array.from({ length: 250 }, (_, i) => `text ${i}`));
		assert.deepEqual(sizes, [100, 100, 50]);
		assert.deepEqual([...out[249]], [...inner.embedSync('text 249')]);
	});
});
