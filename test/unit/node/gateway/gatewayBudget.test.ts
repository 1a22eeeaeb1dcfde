import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { dayKey } from '../../../../src/core/budget/dayKey';
import type { BudgetStore } from '../../../../src/core/ports/budgetStore';
import { FileLedgerStore } from '../../../../src/node/fileLedger';
import { RedisStore } from '../../../../src/node/redisStore';
import { startFakeProviderServer, type FakeProviderServer } from '../../../support/fakeProviderServer';
import { startRedis, type RedisServer } from '../../../support/redisServer';
import { eventually, startTestGateway, type TestGateway } from './gatewayKit';

const limitUsd = 0.01;

/**
 * 200 streaming calls at once against a run budget that covers a handful of worst cases: the
 * budget must hold at EVERY moment (spent + reserved ≤ limit, sampled while the streams run), every
 * call must be answered or refused in OpenAI's shape, and the ledger must equal the recorded costs.
 */
async function concurrentRun(t: TestGateway, fake: FakeProviderServer, sample: () => Promise<number>): Promise<{ ok: number; refused: number; maxSeen: number }> {
	fake.enqueue(
		Array.from({ length: 200 }, () => ({ type: 'reply' as const, text: 'a streamed answer of several chunks', chunkChars: 4, chunkDelayMs: 10, usage: { input: 20, output: 9 } })),
		{ endpoint: 'chat' },
	);
	const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/run/concurrent/v1`, maxRetries: 0 });
	let maxSeen = 0;
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			maxSeen = Math.max(maxSeen, await sample());
			await new Promise(r => setTimeout(r, 2));
		}
	})();
	const results = await Promise.all(
		Array.from({ length: 200 }, async () => {
			try {
				const stream = await client.chat.completions.create({
					model: 'gpt-4o-mini',
					max_tokens: 1000,
					messages: [{ role: 'user', content: 'hello there' }],
					stream: true,
					stream_options: { include_usage: true },
				});
				for await (const _ of stream) {
					// drain
				}
				return 'ok';
			} catch (e) {
				assert.ok(e instanceof OpenAI.APIError && e.status === 400 && /run budget/.test(e.message), String(e));
				return 'refused';
			}
		}),
	);
	await eventually('every call settled', () => t.gateway.inFlight === 0, 10_000);
	sampling = false;
	await sampler;
	maxSeen = Math.max(maxSeen, await sample());
	return { ok: results.filter(r => r === 'ok').length, refused: results.filter(r => r === 'refused').length, maxSeen };
}

async function assertLedgerMatchesRecording(t: TestGateway): Promise<number> {
	const calls = await eventually('the recording of every admitted call', () => {
		// Refused requests are in the recording too (status refused, no usage: kept for replays).
		const c = t.recordings().flatMap(r => r.transcript.calls.filter(x => x.status !== 'refused'));
		const run = t.gateway.snapshot().runs[0];
		return run && c.length === run.calls ? c : undefined;
	});
	const now = Date.now();
	const totals = await t.store.totals('concurrent', dayKey(now), now);
	const recorded = calls.reduce((n, c) => n + (c.recordedCostUsd ?? 0), 0);
	assert.equal(totals.run.reservedNano, 0, 'nothing stays reserved');
	assert.ok(Math.abs(totals.run.spentNano / 1e9 - recorded) < 1e-6, `ledger ${totals.run.spentNano / 1e9} = recordings ${recorded}`);
	return totals.run.spentNano / 1e9;
}

/** The concurrent run, with a second reader of the same store sampling spent + reserved throughout. */
async function assertNeverOvershoots(t: TestGateway, fake: FakeProviderServer, observer: BudgetStore): Promise<void> {
	const r = await concurrentRun(t, fake, async () => {
		const now = Date.now();
		const x = await observer.totals('concurrent', dayKey(now), now);
		return (x.run.spentNano + x.run.reservedNano) / 1e9;
	});
	assert.equal(r.ok + r.refused, 200);
	assert.ok(r.ok >= 10 && r.refused > 0, `admitted ${r.ok}, refused ${r.refused}`);
	assert.ok(r.maxSeen <= limitUsd + 1e-12, `spent + reserved peaked at $${r.maxSeen}`);
	assert.ok((await assertLedgerMatchesRecording(t)) <= limitUsd);
}

describe('gateway: budgets under concurrency', () => {
	let fake: FakeProviderServer;
	before(async () => {
		fake = await startFakeProviderServer();
	});
	after(() => fake.close());
	beforeEach(() => fake.reset());

	it('200 concurrent streams never overshoot the run budget (file ledger)', async () => {
		const t = await startTestGateway(fake, { settings: { 'agentCost.budget.runUsd': limitUsd } });
		const observer = new FileLedgerStore(t.ledgerDir, { fsync: false });
		try {
			await assertNeverOvershoots(t, fake, observer);
		} finally {
			observer.close();
			await t.close();
		}
	});

	describe('with the Redis store', () => {
		let redis: RedisServer;
		before(async () => {
			redis = await startRedis();
		});
		after(() => redis.stop());

		it('200 concurrent streams never overshoot the run budget (Redis)', async () => {
			const keyPrefix = `gw${Date.now()}:`;
			const store = new RedisStore({ url: redis.url, keyPrefix });
			const observer = new RedisStore({ url: redis.url, keyPrefix });
			const t = await startTestGateway(fake, { settings: { 'agentCost.budget.runUsd': limitUsd }, store });
			try {
				await assertNeverOvershoots(t, fake, observer);
			} finally {
				await observer.close();
				await t.close();
			}
		});
	});

	it('the step limit and the daily budget refuse in the provider’s shape, saying which limit and what is left', async () => {
		const t = await startTestGateway(fake, { settings: { 'agentCost.budget.maxSteps': 2, 'agentCost.budget.dailyUsd': 500 } });
		try {
			const client = new Anthropic({ apiKey: 'sk-ant-c', baseURL: `${t.gateway.url}/run/steps`, maxRetries: 0 });
			const call = () => client.messages.create({ model: 'claude-opus-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
			await call();
			await call();
			const e = await call().catch((err: unknown) => err);
			assert.ok(e instanceof Anthropic.APIError && e.status === 400, String(e));
			assert.match(e.message, /Step limit reached: this run already made 2 of 2 allowed calls/);
			const events = await eventually('the refusal event', () => {
				const text = t.recordings()[0]?.text ?? '';
				return text.includes('budgetRefused') ? text : undefined;
			});
			assert.match(events, /"trigger":"steps"/);
			assert.equal(t.gateway.snapshot().runs[0]?.refused, 1);
		} finally {
			await t.close();
		}
		const daily = await startTestGateway(fake, { settings: { 'agentCost.budget.dailyUsd': 0.0001, 'agentCost.budget.runUsd': 0 } });
		try {
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${daily.gateway.url}/v1`, maxRetries: 0 });
			const e = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
			assert.ok(e instanceof OpenAI.APIError && e.status === 400 && (e.error as { code?: string }).code === 'budget_exceeded', String(e));
			assert.match(e.message, /daily budget \(agentCost\.budget\.dailyUsd\) has \$0\.000100 left/);
		} finally {
			await daily.close();
		}
	});

	it('the warn policy never refuses; the run’s budget in the status says it went over', async () => {
		const t = await startTestGateway(fake, { settings: { 'agentCost.budget.policy': 'warn', 'agentCost.budget.runUsd': 0.000001 } });
		try {
			const client = new OpenAI({ apiKey: 'sk-c', baseURL: `${t.gateway.url}/v1`, maxRetries: 0 });
			await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
			const run = await eventually('the run and its budget', () => (t.gateway.snapshot().runs[0]?.budget ? t.gateway.snapshot().runs[0] : undefined));
			assert.equal(run.budget?.kind, 'exceeded');
			const text = await eventually('the over-limit event', () => (t.recordings()[0]?.text.includes('budgetOverLimit') ? t.recordings()[0]?.text : undefined));
			assert.match(text, /over the run limit/);
		} finally {
			await t.close();
		}
	});
});
