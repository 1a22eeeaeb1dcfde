import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { calcPrice, waitForUpdate, type ModelInfo, type ModelPrice, type Provider } from '@pydantic/genai-prices';
import { createPriceCatalog } from '../../../src/core/pricing/catalog';
import { genaiPricesVersion, selectModelPrice, supplementedPriceIds } from '../../../src/core/pricing/genaiPricesData';
import type { CostResult } from '../../../src/core/pricing/types';
import { fromOpenAIChatUsage, type Usage } from '../../../src/core/pricing/usage';
import { repoRoot, transcriptsDir } from '../../support/paths';

/**
 * Our arithmetic against the dataset's own `calcPrice`, and our price selection against its
 * selection. They must agree wherever both apply the same rules; the few rules where we differ on
 * purpose are listed (and tested) explicitly below.
 */

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function randomUsage(next: () => number): Usage {
	// Totals on both sides of the common 128k/200k/272k tier thresholds.
	const input = Math.floor(next() * 400_000);
	const cacheRead = Math.floor(next() * input * 0.6);
	const cacheWrite5m = Math.floor(next() * (input - cacheRead) * 0.5);
	const cacheWrite1h = Math.floor(next() * (input - cacheRead - cacheWrite5m) * 0.5);
	const output = Math.floor(next() * 20_000);
	const reasoning = Math.floor(next() * output);
	return { input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning };
}

function genaiUsage(u: Usage): Record<string, number> {
	return {
		input_tokens: u.input,
		cache_read_tokens: u.cacheRead,
		cache_write_tokens: u.cacheWrite5m + u.cacheWrite1h,
		cache_write_1h_tokens: u.cacheWrite1h,
		output_tokens: u.output,
		output_reasoning_tokens: u.reasoning,
	};
}

function priceRecords(m: ModelInfo): ModelPrice[] {
	return Array.isArray(m.prices) ? m.prices.map(p => p.prices) : [m.prices];
}

let providers: Provider[];

before(async () => {
	providers = (await waitForUpdate()) ?? [];
	assert.ok(providers.length > 10, 'bundled dataset loaded');
});

describe('price dataset: version pin', () => {
	it('genaiPricesVersion matches the installed package and the exact pin in package.json', () => {
		const root = repoRoot();
		const installed = JSON.parse(readFileSync(join(root, 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8')).version;
		const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies['@pydantic/genai-prices'];
		assert.equal(installed, genaiPricesVersion);
		assert.equal(pinned, genaiPricesVersion);
	});
});

describe('price dataset: supplements', () => {
	it('every supplemented entry still exists and still lacks tiers in the dataset (delete the supplement when this fails)', () => {
		for (const id of supplementedPriceIds) {
			const [providerId, ...rest] = id.split('/');
			const model = providers.find(p => p.id === providerId)?.models.find(m => m.id === rest.join('/'));
			assert.ok(model, `${id} is in the dataset`);
			for (const record of priceRecords(model)) {
				for (const [key, value] of Object.entries(record)) assert.equal(typeof value, 'number', `${id} ${key} is now tiered in the dataset`);
			}
		}
	});
});

describe('price dataset: our arithmetic agrees with calcPrice', () => {
	const at = new Date('2026-06-01T12:00:00Z');
	const catalog = createPriceCatalog({ now: () => at });

	it('for every text model of the main providers and a sample of the rest, on random usages', () => {
		const next = rng(42);
		let compared = 0;
		const mismatches: string[] = [];
		for (const provider of providers) {
			const models = ['openai', 'anthropic', 'google', 'perplexity', 'x-ai', 'deepseek', 'mistral'].includes(provider.id) ? provider.models : provider.models.slice(0, 15);
			for (const model of models) {
				// Only ids that resolve to this very entry (some entries' ids are not matched by their own patterns).
				const probe = calcPrice({}, model.id, { providerId: provider.id, timestamp: at });
				if (!probe || probe.model !== model || probe.provider.id !== provider.id) continue;
				const prices = probe.model_price;
				if (prices.input_mtok === undefined || prices.output_mtok === undefined) continue; // see "differences" below
				const supplemented = supplementedPriceIds.includes(`${provider.id}/${model.id}`); // difference 4
				for (let i = 0; i < 5; i++) {
					let u = randomUsage(next);
					// Difference 1 (below): 1-hour writes on a Claude entry without a 1-hour price.
					if (prices.cache_write_1h_mtok === undefined && /claude/i.test(model.id)) u = { ...u, cacheWrite1h: 0 };
					if (supplemented && u.input > 200_000) u = { ...u, input: u.input - 200_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
					// Reasoning only matters to calcPrice when priced separately; otherwise it is part of output for both.
					const theirs = calcPrice(genaiUsage(u), model.id, { providerId: provider.id, timestamp: at });
					const ours: CostResult = catalog.cost(model.id, u, { provider: provider.id, at });
					compared++;
					if (!theirs || ours.kind !== 'priced') {
						mismatches.push(`${provider.id}/${model.id}: ours ${ours.kind}, theirs ${theirs ? theirs.total_price : null}`);
						continue;
					}
					const tolerance = 1e-9 * Math.max(1, theirs.total_price);
					if (Math.abs(ours.usd - theirs.total_price) > tolerance) {
						mismatches.push(`${provider.id}/${model.id} ${JSON.stringify(u)}: ours ${ours.usd}, theirs ${theirs.total_price}`);
					}
				}
			}
		}
		assert.ok(compared > 1500, `compared ${compared} calls`);
		assert.deepEqual(mismatches.slice(0, 10), []);
	});

	it("difference 1: 1-hour writes on a Claude entry without a 1-hour price — calcPrice bills the 5-minute price, we bill 2× input (Anthropic's published rule) and mark it estimated", () => {
		// Claude Sonnet 4.5 on Vertex lists $3 input, $3.75 write, no 1h price. 10,000 1-hour writes:
		//   calcPrice: 10,000 × $3.75 = $0.0375     ours: 10,000 × $6 = $0.06
		const u: Usage = { input: 10_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 10_000, output: 0, reasoning: 0 };
		const theirs = calcPrice(genaiUsage(u), 'claude-sonnet-4-5', { providerId: 'google', timestamp: at });
		const ours = catalog.cost('claude-sonnet-4-5', u, { provider: 'google' });
		assert.ok(theirs && ours.kind === 'priced');
		assert.ok(Math.abs(theirs.total_price - 0.0375) < 1e-12);
		assert.ok(Math.abs(ours.usd - 0.06) < 1e-12);
		assert.equal(ours.estimated, true);
	});

	it('difference 2: output tokens on a model without an output price — calcPrice silently bills $0 for them, we return "unpriced"', () => {
		const u: Usage = { input: 1_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 50, reasoning: 0 };
		const theirs = calcPrice(genaiUsage(u), 'text-embedding-3-small', { providerId: 'openai', timestamp: at });
		assert.ok(theirs && Math.abs(theirs.total_price - 0.00002) < 1e-15);
		assert.equal(catalog.cost('text-embedding-3-small', u).kind, 'unpriced');
	});

	it('difference 3: an entry without token prices — calcPrice returns $0, we say "unpriced" unless the dataset lists it as free', () => {
		const u: Usage = { input: 1_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 50, reasoning: 0 };
		assert.equal(calcPrice(genaiUsage(u), 'gpt-4o', { providerId: 'github-copilot', timestamp: at })?.total_price, 0);
		assert.equal(catalog.cost('gpt-4o', u, { provider: 'github-copilot' }).kind, 'unpriced');
	});

	it("difference 4: a tier the dataset lacks (Sonnet 4 above 200k) — calcPrice bills base prices, we bill Anthropic's long-context price", () => {
		const u: Usage = { input: 300_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1_000, reasoning: 0 };
		// calcPrice: 300,000 × $3 + 1,000 × $15 = $0.915     ours: 300,000 × $6 + 1,000 × $22.50 = $1.8225
		const theirs = calcPrice(genaiUsage(u), 'claude-sonnet-4-0', { providerId: 'anthropic', timestamp: at });
		const ours = catalog.cost('claude-sonnet-4-0', u);
		assert.ok(theirs && ours.kind === 'priced');
		assert.ok(Math.abs(theirs.total_price - 0.915) < 1e-12);
		assert.ok(Math.abs(ours.usd - 1.8225) < 1e-12);
	});
});

describe('price dataset: our price selection agrees with calcPrice', () => {
	it('for every model with dated or time-of-day prices, at many instants', () => {
		const instants: Date[] = [];
		for (const day of ['2023-06-01', '2024-12-31', '2025-06-09', '2025-06-10', '2025-11-01', '2026-03-12', '2026-03-13', '2026-07-30', '2026-08-21', '2026-11-27', '2030-01-01']) {
			for (const time of ['00:00:00', '00:29:59', '00:30:00', '02:00:00', '05:00:00', '12:00:00', '16:29:59', '16:30:00', '23:59:59']) instants.push(new Date(`${day}T${time}Z`));
		}
		let checked = 0;
		for (const provider of providers) {
			for (const model of provider.models) {
				if (!Array.isArray(model.prices)) continue;
				for (const at of instants) {
					const theirs = calcPrice({}, model.id, { provider, timestamp: at });
					if (!theirs || theirs.model.id !== model.id) continue;
					assert.deepEqual(selectModelPrice(model, at).price, theirs.model_price, `${provider.id}/${model.id} at ${at.toISOString()}`);
					checked++;
				}
			}
		}
		assert.ok(checked > 500, `checked ${checked}`);
	});

	it('every price record in the dataset converts without throwing', () => {
		const catalog = createPriceCatalog({ now: () => new Date('2026-06-01') });
		let n = 0;
		for (const provider of providers) {
			for (const model of provider.models) {
				for (const _ of priceRecords(model)) n++;
				const d = catalog.describe(model.id, { provider: provider.id });
				assert.ok(d.kind === 'known' || d.kind === 'unpriced');
			}
		}
		assert.ok(n > 1500);
	});
});

describe('price dataset: real transcripts with recorded cost', () => {
	it('mini-SWE-agent (OpenRouter → Gemini 3 Pro): recomputed per-call and run costs equal the recorded ones', () => {
		// OpenRouter passed Google's list price through; each call records usage.cost and the run
		// records info.model_stats.instance_cost. Every call is below 200k, so base prices apply.
		const dir = join(transcriptsDir(), 'mini_swe_agent');
		const catalog = createPriceCatalog();
		let calls = 0;
		for (const file of readdirSync(dir).filter(f => f.endsWith('.traj.json'))) {
			const traj = JSON.parse(readFileSync(join(dir, file), 'utf8'));
			let run = 0;
			for (const message of traj.messages) {
				const response = message.extra?.response;
				if (!response?.usage) continue;
				const r = catalog.cost(response.model, fromOpenAIChatUsage(response.usage), { provider: 'openrouter', at: new Date(response.created * 1000) });
				assert.equal(r.kind, 'priced', `${file}: ${response.model}`);
				if (r.kind !== 'priced') continue;
				assert.ok(Math.abs(r.usd - response.usage.cost) < 1e-9, `${file} call ${calls}: ours ${r.usd}, recorded ${response.usage.cost}`);
				run += r.usd;
				calls++;
			}
			assert.ok(Math.abs(run - traj.info.model_stats.instance_cost) < 1e-9, `${file}: run ${run} vs recorded ${traj.info.model_stats.instance_cost}`);
		}
		assert.ok(calls >= 20, `priced ${calls} calls`);
	});
});
