import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PromptCacheRequest, PromptSegment } from '../../../../src/core/replay/promptCacheSimulator';
import { PromptCacheSimulator } from '../../../../src/core/replay/promptCacheSimulator';
import type { PromptCacheRules } from '../../../../src/core/replay/promptCacheRules';
import { promptCacheRulesFor } from '../../../../src/core/replay/promptCacheRules';

const seg = (key: string, tokens: number): PromptSegment => ({ key, tokens });
const sec = 1000;
const min = 60 * sec;

describe('prompt cache rules', () => {
	it('knows the families and minimum lengths', () => {
		assert.equal(promptCacheRulesFor('claude-sonnet-4-5-20250929').minTokens, 1024);
		assert.equal(promptCacheRulesFor('claude-haiku-4-5-20251001').minTokens, 4096);
		assert.equal(promptCacheRulesFor('claude-3-5-haiku-20241022').minTokens, 2048);
		assert.equal(promptCacheRulesFor('anthropic/claude-opus-4-6').minTokens, 4096);
		assert.equal(promptCacheRulesFor('openai/gpt-4o-mini').family, 'openai');
		assert.equal(promptCacheRulesFor('google/gemini-3-pro-preview').family, 'google');
		assert.equal(promptCacheRulesFor('gpt-4').family, 'none');
		assert.equal(promptCacheRulesFor('llama-3-70b').family, 'none');
	});
});

describe('PromptCacheSimulator: worked examples', () => {
	it('Anthropic agent loop: cold write, then each step reads the previous prefix and writes only the new tail', () => {
		const sim = new PromptCacheSimulator();
		const system = seg('sys', 12_000);
		const u1 = seg('u1', 100);
		const a1 = seg('a1', 200);
		const t1 = seg('t1', 300);
		const r1 = sim.request({ model: 'claude-sonnet-4-5', segments: [system, u1], atMs: 0 });
		assert.deepEqual(r1, { input: 12_100, cacheRead: 0, cacheWrite5m: 12_100, cacheWrite1h: 0, hitSegments: 0, reason: 'cold' });
		const r2 = sim.request({ model: 'claude-sonnet-4-5', segments: [system, u1, a1, t1], atMs: 10 * sec });
		assert.deepEqual(r2, { input: 12_600, cacheRead: 12_100, cacheWrite5m: 500, cacheWrite1h: 0, hitSegments: 2, reason: 'hit' });
		// 5 minutes after the last hit (which refreshed the entry) the prefix is gone.
		const r3 = sim.request({ model: 'claude-sonnet-4-5', segments: [system, u1, a1, t1, seg('a2', 50)], atMs: 10 * sec + 5 * min + 1 });
		assert.equal(r3.cacheRead, 0);
		assert.equal(r3.cacheWrite5m, 12_650);
		assert.equal(r3.reason, 'expired');
	});

	it('Anthropic 1-hour writes survive a 30-minute pause and are billed as 1h writes', () => {
		const sim = new PromptCacheSimulator();
		const segs = [seg('sys', 5000), seg('u1', 100)];
		const r1 = sim.request({ model: 'claude-opus-4-6', segments: segs, atMs: 0, ttl: '1h' });
		assert.equal(r1.cacheWrite1h, 5100);
		assert.equal(r1.cacheWrite5m, 0);
		const r2 = sim.request({ model: 'claude-opus-4-6', segments: [...segs, seg('a1', 40)], atMs: 30 * min, ttl: '1h' });
		assert.equal(r2.cacheRead, 5100);
		assert.equal(r2.cacheWrite1h, 40);
	});

	it('a compression that rewrites history loses everything after the system breakpoint', () => {
		const sim = new PromptCacheSimulator();
		const system = seg('sys', 3000);
		const history = Array.from({ length: 10 }, (_, i) => seg(`m${i}`, 500));
		sim.request({ model: 'claude-sonnet-4-5', segments: [system, ...history], atMs: 0, breakpoints: [1, 11] });
		// The agent replaces m0…m7 by a summary: only the system prefix is still cached.
		const compressed = [system, seg('summary', 600), history[8], history[9], seg('m10', 500)];
		const r = sim.request({ model: 'claude-sonnet-4-5', segments: compressed, atMs: 5 * sec, breakpoints: [1, 5] });
		assert.equal(r.input, 3000 + 600 + 1500);
		assert.equal(r.cacheRead, 3000);
		assert.equal(r.cacheWrite5m, 2100);
		// Without a breakpoint after the system prompt nothing is read at all.
		const sim2 = new PromptCacheSimulator();
		sim2.request({ model: 'claude-sonnet-4-5', segments: [system, ...history], atMs: 0 });
		const r2 = sim2.request({ model: 'claude-sonnet-4-5', segments: compressed, atMs: 5 * sec });
		assert.equal(r2.cacheRead, 0);
		assert.equal(r2.reason, 'prefixChanged');
	});

	it('Anthropic looks back at most 20 segments from a breakpoint', () => {
		const sim = new PromptCacheSimulator();
		const base = [seg('sys', 2000)];
		sim.request({ model: 'claude-sonnet-4-5', segments: base, atMs: 0 });
		const near = [...base, ...Array.from({ length: 20 }, (_, i) => seg(`x${i}`, 10))];
		assert.equal(sim.request({ model: 'claude-sonnet-4-5', segments: near, atMs: 1 }).cacheRead, 2000);
		const sim2 = new PromptCacheSimulator();
		sim2.request({ model: 'claude-sonnet-4-5', segments: base, atMs: 0 });
		const far = [...base, ...Array.from({ length: 21 }, (_, i) => seg(`x${i}`, 10))];
		assert.equal(sim2.request({ model: 'claude-sonnet-4-5', segments: far, atMs: 1 }).cacheRead, 0);
	});

	it('OpenAI: automatic, free writes, hits in 128-token blocks after the first 1024', () => {
		const sim = new PromptCacheSimulator();
		const r1 = sim.request({ model: 'gpt-4o', segments: [seg('sys', 1000), seg('u1', 500)], atMs: 0 });
		assert.deepEqual([r1.cacheRead, r1.cacheWrite5m, r1.reason], [0, 0, 'cold']);
		const r2 = sim.request({ model: 'gpt-4o', segments: [seg('sys', 1000), seg('u1', 500), seg('a1', 300)], atMs: 60 * sec });
		// matched prefix 1500 → 1024 + 3×128
		assert.equal(r2.cacheRead, 1408);
		assert.equal(r2.cacheWrite5m, 0);
	});

	it('OpenAI: a prefix shorter than 1024 tokens is never a hit', () => {
		const sim = new PromptCacheSimulator();
		sim.request({ model: 'gpt-4o-mini', segments: [seg('sys', 900), seg('u1', 500)], atMs: 0 });
		const r = sim.request({ model: 'gpt-4o-mini', segments: [seg('sys', 900), seg('u2', 500)], atMs: 1 });
		assert.equal(r.cacheRead, 0);
		assert.equal(r.reason, 'prefixChanged');
	});

	it('switching model loses the cache; switching back within the TTL finds it again', () => {
		const sim = new PromptCacheSimulator();
		const segs = [seg('sys', 4000), seg('u', 100)];
		sim.request({ model: 'gpt-4o', segments: segs, atMs: 0 });
		const other = sim.request({ model: 'gpt-4o-mini', segments: segs, atMs: 1000 });
		assert.equal(other.cacheRead, 0);
		assert.equal(other.reason, 'cold');
		assert.ok(sim.request({ model: 'gpt-4o', segments: segs, atMs: 2000 }).cacheRead > 0);
	});

	it('below the minimum and unknown vendors are reported as such', () => {
		const sim = new PromptCacheSimulator();
		assert.equal(sim.request({ model: 'claude-haiku-4-5', segments: [seg('s', 4000)], atMs: 0 }).reason, 'belowMinimum');
		assert.equal(sim.request({ model: 'mistral-large', segments: [seg('s', 40_000)], atMs: 0 }).reason, 'noCache');
	});

	it('an alternating prompt is still found after leaving the current path', () => {
		const sim = new PromptCacheSimulator();
		const a = [seg('A', 2000)];
		const b = [seg('B', 2000)];
		sim.request({ model: 'gpt-4o', segments: a, atMs: 0 });
		sim.request({ model: 'gpt-4o', segments: b, atMs: 1000 });
		assert.equal(sim.request({ model: 'gpt-4o', segments: a, atMs: 2000 }).cacheRead, 1920);
	});
});

/** A slow, obviously-correct model: every prefix spelled out as a string. */
class ReferenceCache {
	private readonly sent = new Map<string, number>();
	private readonly entries = new Map<string, { expiresAt: number; ttlMs: number }>();
	constructor(private readonly rules: (m: string) => PromptCacheRules = promptCacheRulesFor) {}
	request(req: PromptCacheRequest): { input: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number } {
		const rules = this.rules(req.model);
		const prefixes: string[] = [];
		const tokens: number[] = [];
		let key = req.model;
		let sum = 0;
		for (const s of req.segments) {
			key += '\u0000' + s.key;
			sum += s.tokens;
			prefixes.push(key);
			tokens.push(sum);
		}
		const input = sum;
		const now = req.atMs;
		let read = 0;
		let w5 = 0;
		let w1 = 0;
		if (rules.family !== 'none' && input >= rules.minTokens) {
			if (!rules.billedWrites) {
				let hit = 0;
				while (hit < prefixes.length && now - (this.sent.get(prefixes[hit]) ?? -Infinity) <= rules.ttlMs['5m']) hit++;
				const matched = hit > 0 ? tokens[hit - 1] : 0;
				if (matched >= rules.minTokens) read = rules.minTokens + Math.floor((matched - rules.minTokens) / rules.blockTokens) * rules.blockTokens;
			} else {
				const n = prefixes.length;
				const bps = [...new Set((req.breakpoints ?? [n]).filter(b => b >= 1 && b <= n))].sort((a, b) => a - b);
				let hit = 0;
				for (const b of bps) {
					for (let p = b; p >= Math.max(1, b - rules.lookbackSegments) && p > hit; p--) {
						const e = this.entries.get(prefixes[p - 1]);
						if (e && e.expiresAt >= now) {
							hit = p;
							break;
						}
					}
				}
				if (hit > 0) {
					read = tokens[hit - 1];
					const e = this.entries.get(prefixes[hit - 1])!;
					e.expiresAt = now + e.ttlMs;
					for (const b of bps) {
						const eb = this.entries.get(prefixes[b - 1]);
						if (b < hit && eb && eb.expiresAt >= now) eb.expiresAt = now + eb.ttlMs;
					}
				}
				const ttlMs = rules.ttlMs[req.ttl ?? '5m'];
				let last = hit;
				for (const b of bps) {
					if (b <= hit || tokens[b - 1] < rules.minTokens) continue;
					this.entries.set(prefixes[b - 1], { expiresAt: now + ttlMs, ttlMs });
					last = b;
				}
				const written = last > hit ? tokens[last - 1] - read : 0;
				if ((req.ttl ?? '5m') === '5m') w5 = written;
				else w1 = written;
			}
		}
		if (!rules.billedWrites) for (const p of prefixes) this.sent.set(p, now);
		return { input, cacheRead: read, cacheWrite5m: w5, cacheWrite1h: w1 };
	}
}

describe('PromptCacheSimulator agrees with a brute-force reference', () => {
	const models = ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash'];
	// Requests over a small vocabulary of segments so prefixes are shared, diverge and come back;
	// times advance by random gaps around the TTL.
	const requestArb = fc.record({
		model: fc.constantFrom(...models),
		keys: fc.array(fc.constantFrom('s', 'a', 'b', 'c', 'd'), { minLength: 1, maxLength: 12 }),
		gap: fc.constantFrom(0, 1000, 60_000, 299_000, 301_000, 3_700_000),
		ttl: fc.constantFrom<'5m' | '1h'>('5m', '1h'),
		bpSystem: fc.boolean(),
		extend: fc.boolean(),
	});
	it('on thousands of random request sequences (with and without the unchangedPrefix hint)', () => {
		fc.assert(
			fc.property(fc.array(requestArb, { minLength: 1, maxLength: 30 }), fc.boolean(), (reqs, useHint) => {
				const sim = new PromptCacheSimulator();
				const ref = new ReferenceCache();
				const lastByModel = new Map<string, PromptSegment[]>();
				let t = 0;
				for (const r of reqs) {
					t += r.gap;
					const prev = lastByModel.get(r.model) ?? [];
					// Half of the time, extend the previous prompt like an agent loop does.
					const tail = r.keys.map((k, i) => seg(`${k}${i % 3}`, 300 + 97 * ((k.charCodeAt(0) + (i % 3)) % 7)));
					const segments = r.extend && prev.length ? [...prev, ...tail.slice(0, 2)] : tail;
					let hint: number | undefined;
					if (useHint) {
						hint = 0;
						while (hint < Math.min(prev.length, segments.length) && prev[hint].key === segments[hint].key) hint++;
					}
					const req: PromptCacheRequest = {
						model: r.model,
						segments,
						atMs: t,
						ttl: r.ttl,
						breakpoints: r.bpSystem ? [1, segments.length] : undefined,
						unchangedPrefix: hint,
					};
					const got = sim.request(req);
					const want = ref.request(req);
					assert.deepEqual({ input: got.input, cacheRead: got.cacheRead, cacheWrite5m: got.cacheWrite5m, cacheWrite1h: got.cacheWrite1h }, want);
					assert.ok(got.cacheRead + got.cacheWrite5m + got.cacheWrite1h <= got.input);
					lastByModel.set(r.model, segments);
				}
			}),
			{ numRuns: 3000, seed: 20261127 },
		);
	});
});
