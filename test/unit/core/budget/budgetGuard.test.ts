import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { BudgetExceededError, UnpricedModelError } from '../../../../src/core/budget/budgetErrors';
import type { BudgetSettings, Reservation } from '../../../../src/core/budget/budgetGuard';
import { BudgetGuard, budgetStatus, worstCaseCost } from '../../../../src/core/budget/budgetGuard';
import { BudgetBook, RecordingBudgetStore } from '../../../../src/core/budget/budgetLedger';
import type { BudgetStore } from '../../../../src/core/ports/budgetStore';
import { dayKey } from '../../../../src/core/budget/dayKey';
import { costToNano, limitToNano, MoneyError } from '../../../../src/core/budget/money';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import { ManualClock, seededRandom } from '../../../../src/core/ports/clock';
import type { PricingPort } from '../../../../src/core/ports/pricing';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { parsePriceOverrides } from '../../../../src/core/pricing/overrides';
import { fakePricing } from '../../../support/policyFakes';

const settings = (over: Partial<BudgetSettings> = {}): BudgetSettings => ({ ...defaultEngineConfig().budget, ...over });
const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 });
const t0 = Date.UTC(2026, 10, 27, 12, 0, 0);

function guard(over: Partial<BudgetSettings> = {}, store: BudgetStore = new RecordingBudgetStore()) {
	const clock = new ManualClock(t0);
	return { g: new BudgetGuard({ store, pricing: fakePricing, clock, random: seededRandom(1) }, settings(over)), clock, store };
}

describe('budget: worst case and money', () => {
	it('reserves input at the dearer of input and cache-write price plus max output (hand-checked)', () => {
		// gpt-4o: 1,000 input × $2.50/M × 1.25 (cache write) + 2,048 × $10/M = 0.003125 + 0.02048
		const w = worstCaseCost(fakePricing, 'gpt-4o', 1000, 2048);
		assert.equal(w.kind, 'priced');
		assert.ok(w.kind === 'priced' && Math.abs(w.usd - 0.023605) < 1e-12);
		// An estimated count is inflated by 15 %: 1,150 tokens.
		const e = worstCaseCost(fakePricing, 'gpt-4o', 1000, 2048, false);
		assert.ok(e.kind === 'priced' && e.inputTokens === 1150);
		assert.equal(worstCaseCost(fakePricing, 'my-local-llama', 10, 10).kind, 'unpriced');
	});

	it('rounds costs up and never loses float noise', () => {
		assert.equal(costToNano(0.07), 70_000_000);
		assert.equal(costToNano(1e-10), 1);
		assert.equal(costToNano(0), 0);
		assert.equal(limitToNano(0.5), 500_000_000);
	});

	it('day boundaries follow the configured IANA zone', () => {
		const lateUtc = Date.UTC(2026, 10, 27, 23, 30);
		assert.equal(dayKey(lateUtc), '2026-11-27');
		assert.equal(dayKey(lateUtc, 'Europe/Berlin'), '2026-11-28');
		assert.equal(dayKey(lateUtc, 'America/Los_Angeles'), '2026-11-27');
		assert.equal(dayKey(Date.UTC(2026, 10, 27, 5, 0), 'America/Los_Angeles'), '2026-11-26');
	});
});

describe('budget: hard policy', () => {
	it('20-step run with 500 tokens/step on gpt-4o: reservations, the 80 % warning and the refusal (worked example)', async () => {
		const { g } = guard({ runUsd: 0.5, dailyUsd: 5, maxSteps: 20 });
		// Step k sends the whole history: 500·k input tokens; each reply is 500 tokens (the next step's growth).
		// Worst case reserves 2,048 output tokens; the settle uses the real 500.
		const log: string[] = [];
		let refusedAt: number | undefined;
		for (let step = 1; step <= 20; step++) {
			const r = await g.tryReserve({ runId: 'run-1', model: 'gpt-4o', inputTokens: 500 * step, maxOutputTokens: 2048 });
			if (!r.ok) {
				refusedAt = step;
				assert.ok(BudgetExceededError.is(r.error, 'run'));
				break;
			}
			if (r.reservation.warnings.some(w => w.kind === 'threshold')) log.push(`warn@${step}`);
			await g.settle(r.reservation, usage(500 * step, 500));
		}
		// Real cost of step k = 500k × 2.5e-6 + 500 × 1e-5 = 0.00125k + 0.005. Cumulative after n steps:
		// 0.00125·n(n+1)/2 + 0.005n. n=17 → 0.19125 + 0.085 = 0.27625; n=20 → 0.2625 + 0.1 = 0.3625.
		// Every step fits in $0.50 even at worst case (step 20 reserves 10,000×2.5e-6×1.25 + 0.02048 = 0.05173).
		assert.equal(refusedAt, undefined);
		const s = await g.status('run-1');
		assert.ok(Math.abs(s.run.spent - 0.3625) < 1e-9, `spent ${s.run.spent}`);
		assert.equal(s.steps.used, 20);
		// The 80 % threshold ($0.40) applies to spent + reserved; at its peak (step 20) that is
		// spent(19) = 0.00125·190 + 0.095 = 0.3325 plus the 0.05173 reservation = 0.38423 < 0.40: no warning.
		assert.deepEqual(log, []);
		// Step 21 is refused by the step limit (recursion_limit 20), not by money.
		await assert.rejects(g.reserve({ runId: 'run-1', model: 'gpt-4o', inputTokens: 10_500, maxOutputTokens: 2048 }), (e: unknown) => BudgetExceededError.is(e, 'steps'));
	});

	it('the same run on claude-opus-4-6 warns at 80 % and is refused before it can overshoot', async () => {
		const { g } = guard({ runUsd: 0.5, maxSteps: 20 });
		let warnedAt: number | undefined;
		let refusedAt: number | undefined;
		for (let step = 1; step <= 20; step++) {
			const r = await g.tryReserve({ runId: 'run-2', model: 'claude-opus-4-6', inputTokens: 500 * step, maxOutputTokens: 2048 });
			if (!r.ok) {
				refusedAt = step;
				assert.ok(BudgetExceededError.is(r.error, 'run'));
				assert.match(r.error.message, /run budget/);
				break;
			}
			if (warnedAt === undefined && r.reservation.warnings.some(w => w.kind === 'threshold' && w.scope === 'run')) warnedAt = step;
			await g.settle(r.reservation, usage(500 * step, 500));
		}
		// Real cost of step k = 500k × 5e-6 + 500 × 25e-6 = 0.0025k + 0.0125; cumulative n: 0.00125·n(n+1) + 0.0125n.
		// Worst case of step k = 500k × 6.25e-6 + 2048 × 25e-6 = 0.003125k + 0.0512.
		// n=10 spent 0.2625; step 11 worst 0.085575 → 0.348 (<0.4). n=11 spent 0.3025; step 12 worst 0.0887 → 0.3912.
		// n=12 spent 0.345; step 13 worst 0.091825 → 0.4368 ≥ 0.4 → warning at 13. n=13 spent 0.39; step 14 worst 0.09495 → 0.48495 ok.
		// n=14 spent 0.4375; step 15 worst 0.098075 → 0.5356 > 0.5 → refused at 15.
		assert.equal(warnedAt, 13);
		assert.equal(refusedAt, 15);
		const s = await g.status('run-2');
		assert.ok(Math.abs(s.run.spent - 0.4375) < 1e-9);
		assert.equal(s.kind, 'warning');
		assert.ok(s.run.spent + s.run.reserved <= 0.5);
	});

	it('the daily budget spans runs and is cut at local midnight', async () => {
		const { g, clock } = guard({ runUsd: 0, dailyUsd: 0.05, timeZone: 'Europe/Berlin' });
		clock.set(Date.UTC(2026, 10, 27, 22, 0)); // 23:00 in Berlin
		const a = await g.reserve({ runId: 'a', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		await g.settle(a, usage(1000, 2048));
		const b = await g.tryReserve({ runId: 'b', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		assert.ok(b.ok); // 0.02298 + 0.023605 = 0.046585 ≤ 0.05
		await g.release(b.reservation);
		const c = await g.tryReserve({ runId: 'c', model: 'gpt-4o', inputTokens: 3000, maxOutputTokens: 2048 });
		assert.ok(!c.ok && BudgetExceededError.is(c.error, 'daily'));
		clock.set(Date.UTC(2026, 10, 27, 23, 1)); // 00:01 the next day in Berlin: a fresh budget
		assert.ok((await g.tryReserve({ runId: 'c', model: 'gpt-4o', inputTokens: 3000, maxOutputTokens: 2048 })).ok);
	});

	it('a failed call releases its reservation; a cancelled call settles what was billed', async () => {
		const { g } = guard();
		const a = await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		assert.ok((await g.status('r')).run.reserved > 0.02);
		await g.release(a);
		let s = await g.status('r');
		assert.equal(s.run.reserved, 0);
		assert.equal(s.run.spent, 0);
		const b = await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		await g.settle(b, usage(1000, 37)); // cancelled after 37 output tokens: billed input + 37
		s = await g.status('r');
		assert.equal(s.run.reserved, 0);
		assert.ok(Math.abs(s.run.spent - (1000 * 2.5e-6 + 37 * 1e-5)) < 1e-9);
		// Settling twice is a no-op.
		await g.settle(b, usage(1000, 2000));
		assert.equal((await g.status('r')).run.spent, s.run.spent);
	});

	it('steps: retries and fallbacks of a step do not count, new steps do', async () => {
		const { g } = guard({ maxSteps: 2 });
		const r1 = await g.reserve({ runId: 'r', model: 'gpt-4o-mini', inputTokens: 10, maxOutputTokens: 10 });
		await g.release(r1);
		await g.release(await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 10, maxOutputTokens: 10, newStep: false }));
		await g.reserve({ runId: 'r', model: 'gpt-4o-mini', inputTokens: 10, maxOutputTokens: 10 });
		await assert.rejects(g.reserve({ runId: 'r', model: 'gpt-4o-mini', inputTokens: 10, maxOutputTokens: 10 }), (e: unknown) => BudgetExceededError.is(e, 'steps'));
		assert.equal((await g.status('r')).kind, 'exceeded');
	});

	it('an unpriced model is refused under hard, counted as a warning under warn', async () => {
		await assert.rejects(guard().g.reserve({ runId: 'r', model: 'local-llama', inputTokens: 10, maxOutputTokens: 10 }), (e: unknown) => UnpricedModelError.is(e));
		const r = await guard({ policy: 'warn' }).g.reserve({ runId: 'r', model: 'local-llama', inputTokens: 10, maxOutputTokens: 10 });
		assert.deepEqual(
			r.warnings.map(w => w.kind),
			['unpriced'],
		);
	});

	it('an unsettled reservation expires into spend at its worst case (a crashed caller never undercounts)', async () => {
		const { g, clock } = guard();
		const r = await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		clock.advance(15 * 60_000);
		const s = await g.status('r');
		assert.equal(s.run.reserved, 0);
		assert.ok(Math.abs(s.run.spent - r.usd) < 1e-12);
	});
});

describe('budget: warn-only and disabled', () => {
	it('warn never refuses, reports the limits it went past and shows exceeded', async () => {
		const { g } = guard({ policy: 'warn', runUsd: 0.01, maxSteps: 1 });
		await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		const r = await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		assert.deepEqual(
			r.warnings.filter(w => w.kind === 'overLimit').map(w => w.kind === 'overLimit' && w.scope),
			['steps', 'run'],
		);
		const s = await g.status('r');
		assert.equal(s.kind, 'exceeded');
		assert.equal(s.scope, 'run');
	});

	it('disabled still records spend (the status bar shows it) but never refuses', async () => {
		const { g } = guard({ enabled: false, runUsd: 0.000001 });
		const r = await g.reserve({ runId: 'r', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 2048 });
		await g.settle(r, usage(1000, 10));
		const s = await g.status('r');
		assert.equal(s.kind, 'disabled');
		assert.ok(s.spent > 0);
	});

	it('status names the binding scope', () => {
		const s = budgetStatus({ run: { spentNano: 100, reservedNano: 0, steps: 1 }, daily: { spentNano: 4_500_000_000, reservedNano: 0 } }, settings(), '2026-11-27');
		assert.equal(s.kind, 'warning');
		assert.equal(s.scope, 'daily');
		assert.equal(s.limit, 5);
		assert.equal(s.ratio, 0.9);
	});
});

describe('budget: never overshoots (property, random concurrent schedules)', () => {
	it('spent + reserved ≤ limit at every moment under any interleaving of reserve/settle/release', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.scheduler(),
				fc.array(
					fc.record({
						input: fc.integer({ min: 0, max: 20_000 }),
						out: fc.integer({ min: 1, max: 4096 }),
						used: fc.double({ min: 0, max: 1, noNaN: true }),
						fail: fc.boolean(),
						run: fc.constantFrom('a', 'b', 'c'),
					}),
					{ minLength: 1, maxLength: 30 },
				),
				fc.double({ min: 0.01, max: 0.5, noNaN: true }),
				async (s, calls, dailyUsd) => {
					const inner = new RecordingBudgetStore();
					const limit = limitToNano(dailyUsd);
					let violations = 0;
					const observe = () => {
						for (const day of ['2026-11-27']) {
							const t = inner.book.totals('x', day).daily;
							if (t.spentNano + t.reservedNano > limit) violations++;
						}
					};
					// Every store operation is delayed to a point the scheduler picks, so calls interleave arbitrarily.
					const store: BudgetStore = {
						reserve: r =>
							s
								.schedule(Promise.resolve())
								.then(() => inner.reserve(r))
								.finally(observe),
						settle: (id, n, at) =>
							s
								.schedule(Promise.resolve())
								.then(() => inner.settle(id, n, at))
								.finally(observe),
						release: (id, at) =>
							s
								.schedule(Promise.resolve())
								.then(() => inner.release(id, at))
								.finally(observe),
						totals: (r, d, at) => inner.totals(r, d, at),
					};
					const g = new BudgetGuard({ store, pricing: fakePricing, clock: new ManualClock(t0), random: seededRandom(7) }, settings({ runUsd: 0, dailyUsd, maxSteps: 0 }));
					const running = calls.map(async c => {
						const r = await g.tryReserve({ runId: c.run, model: 'gpt-4o', inputTokens: c.input, maxOutputTokens: c.out });
						if (!r.ok) return;
						const res: Reservation = r.reservation;
						if (c.fail) await g.release(res);
						else await g.settle(res, usage(c.input, Math.floor(c.out * c.used)));
					});
					await s.waitFor(Promise.all(running));
					assert.equal(violations, 0);
					const final = inner.book.totals('x', '2026-11-27').daily;
					assert.equal(final.reservedNano, 0);
					assert.ok(final.spentNano <= limit);
				},
			),
			{ numRuns: 200 },
		);
	});

	it('replaying the records rebuilds identical totals', () => {
		const records: import('../../../../src/core/budget/budgetLedger').LedgerRecord[] = [];
		const store = new RecordingBudgetStore({ append: r => records.push(...r) });
		const limits = { runNano: 0, dailyNano: 10_000, maxSteps: 0 };
		for (let i = 0; i < 50; i++) {
			const o = store.reserveSync({ id: `i${i}`, runId: `r${i % 3}`, day: 'd', nano: 300 + i, model: 'm', at: i, limits, enforce: true, newStep: true, expiresAt: 1e12 });
			if (o.ok && i % 2) store.finishSync(`i${i}`, 'settle', i, i);
			else if (o.ok && i % 5 === 0) store.finishSync(`i${i}`, 'release', 0, i);
		}
		const book = new BudgetBook();
		for (const r of records) book.apply(r);
		for (const run of ['r0', 'r1', 'r2']) assert.deepEqual(book.totals(run, 'd'), store.book.totals(run, 'd'));
	});
});

describe('budget: with the real price catalog', () => {
	it('worst case of the default tiers uses the dataset prices, including the cache-write premium', async () => {
		const { defaultPriceCatalog } = await import('../../../../src/core/pricing/catalog');
		const catalog = defaultPriceCatalog();
		for (const model of ['gpt-4o-mini', 'gpt-4o', 'claude-opus-4-6']) {
			const info = catalog.describe(model);
			assert.equal(info.kind, 'known', model);
			if (info.kind !== 'known') continue;
			const w = worstCaseCost(catalog, model, 10_000, 2048);
			assert.equal(w.kind, 'priced');
			const inputRate = Math.max(info.prices.input, info.prices.cacheWrite5m ?? 0);
			const expected = (10_000 * inputRate + 2048 * (info.prices.output ?? 0)) / 1e6;
			assert.ok(w.kind === 'priced' && Math.abs(w.usd - expected) < 1e-9, `${model}: ${w.kind === 'priced' && w.usd} vs ${expected}`);
		}
		assert.equal(worstCaseCost(catalog, 'no-such-model-xyz', 10, 10).kind, 'unpriced');
	});
});

describe('budget: a workspace price cannot lower what is counted (the list-price floor)', () => {
	const listed = createPriceCatalog();
	// What a cloned repository's .agent-cost/prices.json said: gpt-4o is free.
	const zeroed = createPriceCatalog({ overrides: parsePriceOverrides({ 'gpt-4o': { input: 0, output: 0 } }).overrides });
	const call = usage(2000, 1000); // $0.015 at gpt-4o's list price

	async function sixCalls(floorPricing: typeof listed | undefined): Promise<{ accepted: number; spent: number; shown: number[] }> {
		const store = new RecordingBudgetStore();
		const g = new BudgetGuard({ store, pricing: zeroed, floorPricing, clock: new ManualClock(t0), random: seededRandom(1) }, settings({ dailyUsd: 0.05, runUsd: 0 }));
		let accepted = 0;
		const shown: number[] = [];
		for (let i = 0; i < 6; i++) {
			const r = await g.tryReserve({ runId: 'ws', model: 'gpt-4o', inputTokens: 2000, maxOutputTokens: 1000 });
			if (!r.ok) continue;
			accepted++;
			const cost = await g.settle(r.reservation, call);
			if (cost.kind === 'priced') shown.push(cost.usd);
		}
		return { accepted, spent: (await g.status('ws')).daily.spent, shown };
	}

	it('a $0 workspace price let 6 of 6 calls through a $0.05 daily budget; with the floor it is 3, as at list prices', async () => {
		const without = await sixCalls(undefined);
		assert.deepEqual({ accepted: without.accepted, spent: without.spent }, { accepted: 6, spent: 0 });
		const withFloor = await sixCalls(listed);
		assert.equal(withFloor.accepted, 3);
		assert.ok(Math.abs(withFloor.spent - 0.045) < 1e-9, `spent ${withFloor.spent}`);
		// The call itself is still shown at the confirmed workspace price.
		assert.deepEqual(withFloor.shown, [0, 0, 0]);
	});

	it('a workspace price above the list price raises the reservation (an estimate may go up)', () => {
		const dear = createPriceCatalog({ overrides: parsePriceOverrides({ 'gpt-4o': { input: 25, output: 100 } }).overrides });
		const up = worstCaseCost(dear, 'gpt-4o', 2000, 1000, true, listed);
		const list = worstCaseCost(listed, 'gpt-4o', 2000, 1000, true);
		assert.ok(up.kind === 'priced' && list.kind === 'priced' && Math.abs(up.usd - 10 * list.usd) < 1e-12);
		const down = worstCaseCost(zeroed, 'gpt-4o', 2000, 1000, true, listed);
		assert.ok(down.kind === 'priced' && down.usd === list.usd);
	});
});

describe('budget: money that is not a number fails closed', () => {
	const broken = (usd: number): PricingPort => ({
		cost: (model, u) => ({
			kind: 'priced',
			usd: u.output > 0 ? usd : 0.001,
			breakdown: { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 },
			priceId: model,
			source: 'test',
			notes: [],
		}),
	});

	it('costToNano and limitToNano refuse NaN, Infinity and amounts too large to count (they returned 0)', () => {
		for (const v of [NaN, Infinity, -Infinity]) {
			assert.throws(
				() => costToNano(v),
				(e: unknown) => MoneyError.is(e, 'nonFinite'),
			);
			assert.throws(
				() => limitToNano(v),
				(e: unknown) => MoneyError.is(e, 'nonFinite'),
			);
		}
		assert.throws(
			() => costToNano(2.5e14),
			(e: unknown) => MoneyError.is(e, 'outOfRange'),
		);
	});

	it('a worst case of $Infinity or $NaN is refused under hard and soft policies, never reserved as $0', async () => {
		for (const usd of [Infinity, NaN, 1e300]) {
			for (const policy of ['hard', 'soft'] as const) {
				const g = new BudgetGuard({ store: new RecordingBudgetStore(), pricing: broken(usd), clock: new ManualClock(t0), random: seededRandom(1) }, settings({ policy }));
				const r = await g.tryReserve({ runId: 'x', model: 'm', inputTokens: 10, maxOutputTokens: 10 });
				assert.ok(!r.ok && UnpricedModelError.is(r.error), `${usd} ${policy}`);
				assert.match(r.ok ? '' : r.error.message, /The price of m cannot be used \(the prices in effect make this call cost \$/);
			}
		}
	});

	it('a settlement whose cost is NaN or whose usage is invalid counts the reservation, not $0', async () => {
		const store = new RecordingBudgetStore();
		const real = createPriceCatalog();
		const pricing: PricingPort = { cost: (m, u) => (u.output === 7 ? broken(NaN).cost(m, u) : real.cost(m, u)) };
		const g = new BudgetGuard({ store, pricing, clock: new ManualClock(t0), random: seededRandom(1) }, settings({ runUsd: 0, dailyUsd: 0 }));
		const a = await g.reserve({ runId: 'x', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 100 });
		const shown = await g.settle(a, usage(1000, 7));
		assert.equal(shown.kind, 'unpriced');
		const b = await g.reserve({ runId: 'x', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 100 });
		// A provider's negative token count: the catalog rejects it; the cost is unknown, not zero.
		assert.equal((await g.settle(b, usage(-5, 10))).kind, 'unpriced');
		const c = await g.reserve({ runId: 'x', model: 'gpt-4o', inputTokens: 1000, maxOutputTokens: 100 });
		await g.settleUsd(c, Infinity);
		assert.ok(Math.abs((await g.status('x')).run.spent - 3 * a.usd) < 1e-12);
	});
});
