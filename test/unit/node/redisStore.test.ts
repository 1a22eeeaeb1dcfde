import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetExceededError } from '../../../src/core/budget/budgetErrors';
import { BudgetGuard } from '../../../src/core/budget/budgetGuard';
import { defaultEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { ManualClock, seededRandom } from '../../../src/core/ports/clock';
import { RedisStore } from '../../../src/node/redisStore';
import { runKillLoop } from '../../support/killLoop';
import { bundleChild } from '../../support/bundleChild';
import { fakePricing } from '../../support/policyFakes';
import type { RedisServer } from '../../support/redisServer';
import { startRedis } from '../../support/redisServer';

const day = '2026-11-27';
const req = (id: string, nano: number, over: Partial<{ run: string; dailyNano: number; runNano: number; maxSteps: number; exp: number; at: number }> = {}) => ({
	id,
	runId: over.run ?? 'r',
	day,
	nano,
	model: 'gpt-4o',
	at: over.at ?? 1,
	limits: { runNano: over.runNano ?? 0, dailyNano: over.dailyNano ?? 0, maxSteps: over.maxSteps ?? 0 },
	enforce: true,
	newStep: true,
	expiresAt: over.exp ?? 1e15,
});

describe('RedisStore against a real redis-server', function () {
	this.timeout(60_000);
	let server: RedisServer;
	let dir: string;
	let store: RedisStore;
	let n = 0;
	const prefix = () => `t${n}:`;

	before(async () => {
		server = await startRedis(); // throws (fails loudly) when redis-server is missing
		dir = mkdtempSync(join(tmpdir(), 'acl-redis-child-'));
	});
	after(async () => {
		await server?.stop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});
	beforeEach(() => {
		n++;
		store = new RedisStore({ url: server.url, keyPrefix: prefix() });
	});
	afterEach(async () => store.close());

	it('reserves, settles and releases with the same rules as the in-memory store', async () => {
		assert.equal((await store.reserve(req('a', 500, { dailyNano: 1000 }))).ok, true);
		const refused = await store.reserve(req('b', 600, { dailyNano: 1000 }));
		assert.deepEqual(refused, { ok: false, reason: 'daily', totals: { run: { spentNano: 0, reservedNano: 500, steps: 1 }, daily: { spentNano: 0, reservedNano: 500 } } });
		assert.equal(await store.settle('a', 420), 'settled');
		assert.equal(await store.settle('a', 420), 'missing'); // idempotent
		assert.equal((await store.reserve(req('c', 580, { dailyNano: 1000 }))).ok, true);
		assert.equal(await store.release('c'), 'released');
		assert.deepEqual(await store.totals('r', day, 2), { run: { spentNano: 420, reservedNano: 0, steps: 2 }, daily: { spentNano: 420, reservedNano: 0 } });
		assert.deepEqual(await store.reserve(req('d', 1, { maxSteps: 2 })), {
			ok: false,
			reason: 'steps',
			totals: { run: { spentNano: 420, reservedNano: 0, steps: 2 }, daily: { spentNano: 420, reservedNano: 0 } },
		});
		assert.equal((await store.reserve(req('e', 10_000, { runNano: 1000, run: 'other' }))).ok, false);
	});

	it('an expired reservation turns into spend at its reserved amount', async () => {
		const now = Date.now();
		await store.reserve(req('x', 700, { at: now, exp: now + 150 }));
		assert.deepEqual((await store.totals('r', day, now)).daily, { spentNano: 0, reservedNano: 700 });
		await new Promise(r => setTimeout(r, 250));
		assert.deepEqual((await store.totals('r', day, now)).daily, { spentNano: 700, reservedNano: 0 });
		assert.equal(await store.settle('x', 1), 'missing');
	});

	it("expiry runs on the server's clock: a client whose clock is hours ahead cannot expire another client's reservation", async () => {
		const now = Date.now();
		await store.reserve(req('honest', 700, { at: now, exp: now + 60_000 }));
		const ahead = new RedisStore({ url: server.url, keyPrefix: prefix() });
		try {
			const later = now + 3 * 3_600_000;
			// The old scripts swept with the caller's `at`: this turned the call in flight into spend.
			assert.deepEqual((await ahead.totals('r', day, later)).daily, { spentNano: 0, reservedNano: 700 });
			await ahead.reserve(req('skewed', 100, { at: later, exp: later + 60_000 }));
			assert.deepEqual((await store.totals('r', day, now)).daily, { spentNano: 0, reservedNano: 800 });
			assert.equal(await store.settle('honest', 650), 'settled');
		} finally {
			await ahead.close();
		}
	});

	it('drives the BudgetGuard (hard policy refusal comes from the Lua check)', async () => {
		const g = new BudgetGuard({ store, pricing: fakePricing, clock: new ManualClock(Date.UTC(2026, 10, 27, 12)), random: seededRandom(4) }, { ...defaultEngineConfig().budget, runUsd: 0.05 });
		const r = await g.reserve({ runId: 'g', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		await g.settle(r, { input: 1000, output: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 });
		await g.reserve({ runId: 'g', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		await assert.rejects(g.reserve({ runId: 'g', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 }), (e: unknown) => BudgetExceededError.is(e, 'run'));
		const s = await g.status('g');
		assert.ok(Math.abs(s.run.spent - 0.0035) < 1e-12);
		assert.ok(s.run.spent + s.run.reserved <= 0.05);
	});

	it('a server without persistence is a warning, and a day whose keys vanish (restart) is detected by its marker', async () => {
		// The test server runs with --save "" --appendonly no, like a default container image.
		await store.checkPersistence();
		assert.deepEqual(
			store.warnings().map(w => w.kind),
			['noPersistence'],
		);
		assert.match(store.warnings()[0].message, /in memory only \(appendonly no, save ""\)/);
		await store.reserve(req('before', 500, { dailyNano: 1000 }));
		await store.settle('before', 500);
		await server.restart();
		// Redis forgot the $500 spent; the client notices on its next look at the day.
		assert.deepEqual((await store.totals('r', day, 1)).daily, { spentNano: 0, reservedNano: 0 });
		assert.deepEqual(
			store.warnings().map(w => w.kind),
			['noPersistence', 'dataLost'],
		);
		assert.match(store.warnings()[1].message, new RegExp(`lost the budget of ${day}`));
		assert.ok(!store.warnings().some(w => w.message.includes('redis://') && w.message.includes('@')));
	});

	it('cache snapshots round-trip', async () => {
		await store.save('responses', { v: 1, entries: [['k', { content: 'x' }, 1, 0]] });
		assert.deepEqual(await store.load('responses'), { v: 1, entries: [['k', { content: 'x' }, 1, 0]] });
		assert.equal(await store.load('nothing'), undefined);
	});

	it('shares responses between engines on different "machines" (second-level cache with TTL)', async () => {
		const { createPolicyEngine } = await import('../../../src/core/engine/policyEngine');
		const { parseEngineConfig } = await import('../../../src/core/config/parseEngineConfig');
		const { estimatingSummarizer } = await import('../../../src/core/compression/history');
		const { wordCounter } = await import('../../support/policyFakes');
		const clock = new ManualClock(Date.UTC(2026, 10, 27, 12));
		const make = () =>
			createPolicyEngine({
				config: parseEngineConfig({ 'agentCost.cache.ttlSeconds': 1 }).config,
				counter: wordCounter,
				pricing: fakePricing,
				clock,
				random: seededRandom(1),
				budgetStore: store,
				summarizer: estimatingSummarizer,
				sharedCache: store,
			});
		const request = { runId: 'shared', messages: [{ role: 'user', content: 'Classify: is this spam?' }] };
		const a = make();
		const p = await a.plan(request);
		assert.equal(p.kind, 'call');
		if (p.kind === 'call')
			await a.settle(p, { kind: 'completed', usage: { input: 8, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 }, response: { model: p.model, content: 'no' } });
		const b = make(); // another machine: empty in-process cache
		const hit = await b.plan(request);
		assert.ok(hit.kind === 'cached' && hit.response.content === 'no');
		assert.ok(hit.explanation.some(x => x.rule === 'cache.shared'));
		await new Promise(r => setTimeout(r, 1100)); // Redis expires the entry with the cache TTL
		assert.equal((await make().plan(request)).kind, 'call');
	});

	it('ACCEPTANCE: 200 concurrent reservations from 4 processes against one daily budget never exceed it', async () => {
		const childJs = await bundleChild('redisChild', dir);
		const nano = 1_000_000; // $0.001 worst case per call
		const daily = 120 * nano; // room for exactly 120 of the 200
		const startAt = Date.now() + 1500;
		const outs = await Promise.all(
			[0, 1, 2, 3].map(
				w =>
					new Promise<{ accepted: number; refused: number }>((resolve, reject) => {
						const c = spawn(process.execPath, [childJs, server.url, prefix(), `w${w}`, '50', String(nano), String(daily), String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
						let out = '';
						let err = '';
						c.stdout.on('data', (d: Buffer) => (out += d.toString()));
						c.stderr.on('data', (d: Buffer) => (err += d.toString()));
						c.once('exit', code => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${w} exited ${code}: ${err}`))));
					}),
			),
		);
		const accepted = outs.reduce((s, o) => s + o.accepted, 0);
		const refused = outs.reduce((s, o) => s + o.refused, 0);
		assert.equal(accepted + refused, 200);
		assert.equal(accepted, 120, `accepted ${accepted}: the budget admits exactly 120 worst-case reservations`);
		const t = await store.totals('x', day, Date.now());
		assert.deepEqual(t.daily, { spentNano: daily, reservedNano: 0 });
		// Started together, the processes competed for the budget (not one after another).
		assert.ok(outs.filter(o => o.accepted > 0).length >= 2, `accepted per process: ${outs.map(o => o.accepted).join(', ')}`);
	});

	it('kill -9 stress: 5 processes, one killed every 100 ms, never grant past a daily limit; killed calls count at their worst case', async () => {
		const childJs = await bundleChild('redisStressChild', dir);
		const limit = 6_000;
		const run = await runKillLoop({ workers: 5, args: w => [childJs, server.url, prefix(), String(w), String(limit), '1500'], durationMs: 8_000, killEveryMs: 100 });
		assert.deepEqual(run.crashes, []);
		const grantedByDay = new Map<string, number>();
		for (const line of run.lines) {
			const [kind, d, , nano] = line.split(' ');
			if (kind === 'granted') grantedByDay.set(d, (grantedByDay.get(d) ?? 0) + Number(nano));
		}
		const refused = run.lines.filter(l => l === 'refused').length;
		assert.ok(run.kills >= 40 && grantedByDay.size >= 3 && refused >= 50, `${run.kills} kills, ${grantedByDay.size} days, ${refused} refused`);
		await new Promise(r => setTimeout(r, 600)); // reservations of killed workers expire (500 ms)
		for (const [d, granted] of grantedByDay) {
			assert.ok(granted <= limit, `${d}: ${granted} granted > ${limit}`);
			// Everything granted is spent or expired as spent, never lost: settled at the reserved amount,
			// so the day holds at least what the workers were told.
			const t = (await store.totals('x', d, Date.now())).daily;
			assert.ok(t.reservedNano === 0 && t.spentNano >= granted && t.spentNano <= limit, `${d}: ${JSON.stringify(t)}, granted ${granted}`);
		}
	});
});
