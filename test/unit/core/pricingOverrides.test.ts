import * as assert from 'node:assert/strict';
import { createOverrideMatcher, findPriceOverride, mergePriceOverrides, parsePriceOverrides } from '../../../src/core/pricing/overrides';

describe('parsePriceOverrides', () => {
	it('parses the documented shape (every field)', () => {
		const { overrides, problems } = parsePriceOverrides({
			$schema: 'ignored',
			'Claude-Sonnet-4-5': {
				input: 3,
				output: 15,
				cacheRead: 0.3,
				cacheWrite: 3.75,
				cacheWrite1h: 6,
				contextWindow: 200_000,
				longContext: { threshold: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 },
				batchDiscount: 0.5,
			},
			'my-org/*': { input: 0.5, output: 0 },
		});
		assert.deepEqual(problems, []);
		assert.deepEqual(Object.keys(overrides), ['claude-sonnet-4-5', 'my-org/*']);
		assert.deepEqual(overrides['claude-sonnet-4-5'], {
			input: 3,
			output: 15,
			cacheRead: 0.3,
			cacheWrite: 3.75,
			cacheWrite1h: 6,
			contextWindow: 200_000,
			longContext: { threshold: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 },
			batchDiscount: 0.5,
		});
		assert.deepEqual(overrides['my-org/*'], { input: 0.5, output: 0 });
	});

	it('an absurd price (1e308, which made every cost $Infinity) is a problem and the entry is dropped', () => {
		const r = parsePriceOverrides({ 'gpt-4o': { input: 1e308, output: 10 }, 'gpt-4o-mini': { input: 0.15, output: 0.6, longContext: { threshold: 1000, output: 50_000 } } });
		assert.deepEqual(r.overrides, {});
		assert.match(r.problems.join('\n'), /"gpt-4o": "input" is \$1e\+308 per million tokens — no model costs that much/);
		assert.match(r.problems.join('\n'), /"gpt-4o-mini"\.longContext: "output" is \$50000 per million tokens/);
	});

	it('is total: unset is empty; a non-object root is one problem; it never throws', () => {
		assert.deepEqual(parsePriceOverrides(undefined), { overrides: {}, problems: [] });
		assert.deepEqual(parsePriceOverrides(null), { overrides: {}, problems: [] });
		for (const raw of [42, 'gpt-4o', [1, 2], true]) {
			const r = parsePriceOverrides(raw);
			assert.deepEqual(r.overrides, {});
			assert.equal(r.problems.length, 1);
			assert.match(r.problems[0], /must be a JSON object/);
		}
		const cyclic: Record<string, unknown> = { input: 1 };
		cyclic.self = cyclic;
		assert.doesNotThrow(() => parsePriceOverrides({ x: cyclic, y: { input: 1, output: 1, contextWindow: cyclic } }));
	});

	it('drops bad entries, keeps good ones, and names the key in every problem', () => {
		const { overrides, problems } = parsePriceOverrides({
			good: { input: 1, output: 2 },
			'no-output': { input: 1 },
			'neg-input': { input: -1, output: 2 },
			'string-price': { input: '3', output: 2 },
			'not-an-object': 3,
			'bad-window': { input: 1, output: 1, contextWindow: 1.5 },
			'bad-batch': { input: 1, output: 1, batchDiscount: 50 },
			'bad-tier': { input: 1, output: 1, longContext: { input: 2 } },
			'bad-tier-price': { input: 1, output: 1, longContext: { threshold: 1000, output: 'x' } },
		});
		assert.deepEqual(Object.keys(overrides), ['good']);
		for (const key of ['no-output', 'neg-input', 'string-price', 'not-an-object', 'bad-window', 'bad-batch', 'bad-tier', 'bad-tier-price']) {
			assert.ok(
				problems.some(p => p.startsWith(`"${key}"`)),
				`a problem names ${key}: ${problems.join('\n')}`,
			);
		}
		assert.ok(problems.some(p => p.includes('"output" is required')));
		assert.ok(problems.some(p => p.includes('"threshold" must be a positive whole number')));
	});

	it('a required price given as undefined (an object built in code, not JSON) is missing, not a price of undefined', () => {
		const { overrides, problems } = parsePriceOverrides({ 'gpt-x': { input: undefined, output: 2 } });
		assert.deepEqual(overrides, {});
		assert.ok(
			problems.some(p => p.includes('"gpt-x": "input" is required')),
			problems.join('\n'),
		);
	});

	it('keeps an entry with an unknown field but reports it, suggesting the right name', () => {
		const { overrides, problems } = parsePriceOverrides({ 'gpt-x': { input: 1, output: 2, cache_read: 0.1 } });
		assert.deepEqual(overrides['gpt-x'], { input: 1, output: 2 });
		assert.equal(problems.length, 1);
		assert.match(problems[0], /"gpt-x": unknown field "cache_read" ignored \(did you mean "cacheRead"\?\)/);
	});

	it('warns about per-token prices (a million times too small) but keeps them', () => {
		const { overrides, problems } = parsePriceOverrides({ m: { input: 0.000003, output: 0.000015 } });
		assert.ok(overrides.m);
		assert.equal(problems.length, 2);
		assert.match(problems[0], /per MILLION tokens/);
	});

	it('keys are case-insensitive: a duplicate is reported and the first kept', () => {
		const { overrides, problems } = parsePriceOverrides({ 'GPT-4o': { input: 1, output: 1 }, 'gpt-4o': { input: 2, output: 2 } });
		assert.equal(overrides['gpt-4o'].input, 1);
		assert.equal(problems.length, 1);
		assert.match(problems[0], /duplicate/);
	});
});

describe('mergePriceOverrides', () => {
	it('the earlier layer (the setting) wins over the later (the workspace file) on the same key; other keys are kept', () => {
		const setting = parsePriceOverrides({ 'gpt-4o': { input: 1, output: 1 } }).overrides;
		const file = parsePriceOverrides({ 'gpt-4o': { input: 9, output: 9 }, 'team-model': { input: 2, output: 4 } }).overrides;
		const merged = mergePriceOverrides(setting, file);
		assert.equal(merged['gpt-4o'].input, 1);
		assert.equal(merged['team-model'].input, 2);
	});
});

describe('findPriceOverride', () => {
	const overrides = parsePriceOverrides({
		'*': { input: 9, output: 9 },
		'my-org/*': { input: 1, output: 1 },
		'my-org/special-*': { input: 2, output: 2 },
		'my-org/special-one': { input: 3, output: 3 },
		'local-llm': { input: 0, output: 0 },
		'a.b+c': { input: 4, output: 4 },
	}).overrides;

	it('exact beats glob; the most specific glob wins; * is a catch-all', () => {
		assert.equal(findPriceOverride(overrides, 'my-org/special-one')?.key, 'my-org/special-one');
		assert.equal(findPriceOverride(overrides, 'my-org/special-two')?.key, 'my-org/special-*');
		assert.equal(findPriceOverride(overrides, 'MY-ORG/other')?.key, 'my-org/*');
		assert.equal(findPriceOverride(overrides, 'anything-else')?.key, '*');
	});

	it('regex characters in keys are literal', () => {
		assert.equal(findPriceOverride(overrides, 'a.b+c')?.key, 'a.b+c');
		const noStar = parsePriceOverrides({ 'a.b': { input: 1, output: 1 } }).overrides;
		assert.equal(findPriceOverride(noStar, 'axb'), undefined);
	});

	it('matches <provider>/<model> when a provider is given', () => {
		const o = parsePriceOverrides({ 'ollama/*': { input: 0, output: 0 } }).overrides;
		assert.equal(findPriceOverride(o, 'llama3'), undefined);
		assert.equal(findPriceOverride(o, 'llama3', 'ollama')?.key, 'ollama/*');
	});

	it('a compiled matcher gives the same answers', () => {
		const match = createOverrideMatcher(overrides);
		for (const m of ['my-org/special-one', 'my-org/special-two', 'my-org/x', 'zzz', 'local-llm']) {
			assert.deepEqual(match(m), findPriceOverride(overrides, m));
		}
	});
});
