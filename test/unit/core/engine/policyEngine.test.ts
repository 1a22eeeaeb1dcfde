import * as assert from 'node:assert/strict';
import { BudgetExceededError } from '../../../../src/core/budget/budgetErrors';
import { RecordingBudgetStore } from '../../../../src/core/budget/budgetLedger';
import type { Summarizer } from '../../../../src/core/ports/summarizer';
import { estimatingSummarizer } from '../../../../src/core/compression/history';
import type { EngineMessage } from '../../../../src/core/compression/messages';
import type { EngineConfig } from '../../../../src/core/config/defaults';
import { parseEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import type { CallPlan } from '../../../../src/core/engine/policyEngine';
import { createPolicyEngine } from '../../../../src/core/engine/policyEngine';
import type { SideCall } from '../../../../src/core/policy/policyStep';
import { ManualClock, seededRandom } from '../../../../src/core/ports/clock';
import { fakePricing, wordCounter, words } from '../../../support/policyFakes';
import { createOfflineEmbedder } from '../../../../src/core/caching/embedder';
import { type Embedder } from '../../../../src/core/ports/embedder';
import { CancelledError } from '../../../../src/core/lib/errors';
import { ProviderError } from '../../../../src/core/providers/providerError';

const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 });

function engine(settings: Record<string, unknown> = {}, summarizer: Summarizer = estimatingSummarizer) {
	const { config, problems } = parseEngineConfig(settings);
	assert.deepEqual(problems, []);
	const clock = new ManualClock(Date.UTC(2026, 10, 27, 12));
	const store = new RecordingBudgetStore();
	return {
		e: createPolicyEngine({ config, counter: wordCounter, pricing: fakePricing, clock, random: seededRandom(1), budgetStore: store, summarizer }),
		clock,
		config: config as EngineConfig,
		store,
	};
}

const sys: EngineMessage = { role: 'system', content: 'You are a coding agent.' };
const task: EngineMessage = { role: 'user', content: 'Explain how HTTP caching headers work.' };

/** The plan's side call of a purpose (its embedding, its summary). */
const side = (p: { readonly sideCalls: readonly SideCall[] }, purpose: SideCall['purpose']) => p.sideCalls.find(c => c.purpose === purpose);

describe('policy engine: the 20-step run with 500 tokens per step (worked example)', () => {
	it('routes, compresses at the triggers and stops at the step limit; the history is rebuilt as the agent would', async () => {
		const { e } = engine({ 'agentCost.compression.strategy': 'truncate' });
		let history: EngineMessage[] = [sys, task];
		const log: string[] = [];
		let stoppedAt: number | undefined;
		for (let step = 1; step <= 21; step++) {
			let plan;
			try {
				plan = await e.plan({ runId: 'run', messages: history, step: { index: step } });
			} catch (err) {
				assert.ok(BudgetExceededError.is(err, 'steps'));
				stoppedAt = step;
				break;
			}
			assert.equal(plan.kind, 'call');
			const p = plan as CallPlan;
			if (p.trigger && p.compression?.applied) log.push(`${step}:${p.trigger.kind}:${p.compression.tokensBefore}→${p.compression.tokensAfter}`);
			// The agent continues from the compressed history: reply (500 words) + next tool exchange.
			history = [...p.messages, { role: 'assistant', content: words(246, `a${step}`) }, { role: 'user', content: `${words(245, `u${step}`)} continue` }];
			await e.settle(p, { kind: 'completed', usage: usage(p.inputTokens, 250), response: { model: p.model, content: 'x' } });
		}
		// Step 1 sends 22 tokens (system 5+4, task 6+4, primer 3); each step adds 500 (two messages of
		// 246 words + 4). Step 9: 22 + 8·500 = 4,022 > 4,000 → truncate to system + last user turn + the
		// newest 1,500 tokens = 9 + 250 + 1,500 + 3 = 1,762. Step 10 is a step trigger (2,262 → 1,762);
		// then +500/step until 4,262 > 4,000 at step 15 and again at 20 (tokens win over the step trigger).
		assert.deepEqual(log, ['9:tokens:4022→1762', '10:steps:2262→1762', '15:tokens:4262→1762', '20:tokens:4262→1762']);
		assert.equal(stoppedAt, 21); // recursion_limit 20
		const s = await e.status('run');
		assert.equal(s.steps.used, 20);
		assert.equal(s.run.reserved, 0);
	});

	it('replay summarization: a 600-token estimated summary, priced on gpt-4o-mini and charged to the run', async () => {
		const { e } = engine();
		const history: EngineMessage[] = [sys, task];
		for (let i = 0; i < 9; i++) history.push({ role: 'assistant', content: words(496, `a${i}`) }, { role: 'user', content: words(496, `u${i}`) });
		const p = (await e.plan({ runId: 'r', messages: history, step: { index: 9 } })) as CallPlan;
		assert.equal(p.compression?.strategy, 'summarize');
		assert.equal(p.compression?.summary?.estimated, true);
		const summary = p.messages.find(m => m.compression?.kind === 'summary')!;
		assert.equal(summary.compression?.tokens, 600);
		assert.equal(side(p, 'summary')?.cost?.kind, 'priced');
		// The summary call: input = summarized history + 60 instruction tokens at $0.15/M, output 600 at $0.60/M.
		const u = p.compression!.summary!.usage;
		const summaryCost = side(p, 'summary')?.cost;
		assert.ok(summaryCost?.kind === 'priced' && Math.abs(summaryCost.usd - (u.input * 0.15e-6 + 600 * 0.6e-6)) < 1e-12);
		const s = await e.status('r');
		assert.ok(Math.abs(s.run.spent - summaryCost.usd) < 1e-8);
		assert.ok(p.explanation.some(x => x.rule === 'compress.summarize'));
	});
});

describe('policy engine: routing, cache and budget together', () => {
	it('serves the second identical request from the exact cache at no cost', async () => {
		const { e, clock } = engine();
		const req = { runId: 'r', messages: [sys, { role: 'user', content: 'Classify this ticket: app crashes' }] };
		const p = (await e.plan(req)) as CallPlan;
		assert.equal(p.model, 'gpt-4o-mini');
		await e.settle(p, { kind: 'completed', usage: usage(p.inputTokens, 3), response: { model: p.model, content: 'bug' } });
		clock.advance(5000);
		const again = await e.plan(req);
		assert.equal(again.kind, 'cached');
		assert.ok(again.kind === 'cached' && again.response.content === 'bug' && again.ageMs === 5000);
		assert.equal((await e.status('r')).steps.used, 1);
		// After the TTL it is a miss again.
		clock.advance(3600_000);
		assert.equal((await e.plan(req)).kind, 'call');
	});

	it('semantic cache (opt-in) serves a near-identical request', async () => {
		const { e } = engine({ 'agentCost.cache.semanticEnabled': true });
		const p = (await e.plan({ runId: 'r', messages: [sys, { role: 'user', content: 'How do I reverse a linked list in Python?' }] })) as CallPlan;
		await e.settle(p, { kind: 'completed', usage: usage(10, 10), response: { model: p.model, content: 'answer' } });
		const q = await e.plan({ runId: 'r', messages: [sys, { role: 'user', content: 'how do I reverse a linked list in python' }] });
		assert.equal(q.kind, 'cached');
		assert.ok(q.kind === 'cached' && q.source === 'semantic' && q.similarity! >= 0.95);
	});

	describe('a paid embedder (provider embeddings) for the semantic cache', () => {
		/** The offline vectors, but billed as `model` and counting its calls; `fail` makes the next call throw. */
		function paidEmbedder(model: string, maxInputTokens?: number) {
			const inner = createOfflineEmbedder();
			const calls: string[][] = [];
			const state: { fail?: unknown } = {};
			const embedder: Embedder = {
				id: `paid:${model}`,
				dims: inner.dims,
				billedModel: model,
				...(maxInputTokens !== undefined && { maxInputTokens }),
				async embed(texts, signal) {
					calls.push([...texts]);
					if (state.fail) throw state.fail;
					return inner.embed(texts, signal);
				},
			};
			return { embedder, calls, state };
		}
		function paidEngine(model: string, settings: Record<string, unknown> = {}, maxInputTokens?: number) {
			const { config } = parseEngineConfig({ 'agentCost.cache.semanticEnabled': true, 'agentCost.compression.strategy': 'none', ...settings });
			const paid = paidEmbedder(model, maxInputTokens);
			const e = createPolicyEngine({
				config,
				counter: wordCounter,
				pricing: fakePricing,
				clock: new ManualClock(Date.UTC(2026, 10, 27, 12)),
				random: seededRandom(1),
				budgetStore: new RecordingBudgetStore(),
				summarizer: estimatingSummarizer,
				embedder: paid.embedder,
			});
			return { e, ...paid };
		}
		const ask = (content: string) => ({ runId: 'r', messages: [sys, { role: 'user', content }] as EngineMessage[] });

		it('embeds each request once, charges it to the run (also on a cache hit) and stores the answer under the same vector', async () => {
			const { e, calls } = paidEngine('gpt-4o-mini');
			const p = (await e.plan(ask('How do I reverse a linked list in Python?'))) as CallPlan;
			assert.equal(p.kind, 'call');
			assert.equal(calls.length, 1);
			const emb = side(p, 'embedding')!;
			assert.equal(emb.model, 'gpt-4o-mini');
			// Billed as counted with the embedding model's tokenizer (one token per word here).
			assert.equal(emb.usage.input, wordCounter.countText('gpt-4o-mini', calls[0][0]).tokens);
			assert.ok(emb.cost?.kind === 'priced' && Math.abs(emb.cost.usd - emb.usage.input * 0.15e-6) < 1e-15);
			assert.equal(emb.status, 'ok');
			await e.settle(p, { kind: 'completed', usage: usage(10, 10), response: { model: p.model, content: 'answer' } });
			assert.equal(calls.length, 1, 'storing the answer re-used the vector: no second paid embedding');
			const callCost = fakePricing.cost(p.model, usage(10, 10));
			let s = await e.status('r');
			assert.ok(callCost.kind === 'priced' && emb.cost?.kind === 'priced');
			assert.ok(Math.abs(s.run.spent - (callCost.usd + emb.cost.usd)) < 1e-12, `spent ${s.run.spent}`);

			const q = await e.plan(ask('how do I reverse a linked list in python'));
			assert.ok(q.kind === 'cached' && q.source === 'semantic');
			assert.equal(calls.length, 2);
			const hitCost = side(q, 'embedding')?.cost;
			assert.ok(hitCost?.kind === 'priced' && hitCost.usd > 0, 'a hit still paid for its embedding');
			s = await e.status('r');
			assert.ok(Math.abs(s.run.spent - (callCost.usd + emb.cost.usd + (side(q, 'embedding')!.cost as { usd: number }).usd)) < 1e-12);
			assert.equal(s.run.reserved, 0);
		});

		it('an embedding the budget cannot cover (no price) is not made: the semantic cache is skipped, the call goes ahead', async () => {
			const { e, calls } = paidEngine('no-price-embedding-model');
			const p = (await e.plan(ask('Summarize the release notes.'))) as CallPlan;
			assert.equal(p.kind, 'call');
			assert.equal(calls.length, 0);
			assert.equal(side(p, 'embedding'), undefined);
			assert.equal(p.semantic, undefined, 'nothing to store the answer under');
			assert.ok(p.explanation.some(x => x.rule === 'cache.embeddingUnaffordable' && /no-price-embedding-model/.test(x.text)));
		});

		it('a failed embedding skips the semantic cache: released when not billed, charged its input when it may have been', async () => {
			const { e, state } = paidEngine('gpt-4o-mini');
			state.fail = new ProviderError('server', 'OpenAI server error (HTTP 500).', { provider: 'openai', model: 'gpt-4o-mini', status: 500 });
			const p = (await e.plan(ask('Explain closures in JavaScript.'))) as CallPlan;
			assert.equal(p.kind, 'call');
			assert.equal(side(p, 'embedding'), undefined);
			assert.ok(p.explanation.some(x => x.rule === 'cache.embeddingFailed' && /HTTP 500/.test(x.text)));
			await e.settle(p, { kind: 'failed' });
			assert.deepEqual([(await e.status('r')).run.spent, (await e.status('r')).run.reserved], [0, 0]);

			state.fail = new ProviderError('timeout', 'OpenAI did not answer within 30 s.', { provider: 'openai', model: 'gpt-4o-mini' });
			const t = (await e.plan(ask('Explain generators in Python.'))) as CallPlan;
			assert.equal(side(t, 'embedding')?.status, 'failed');
			assert.equal(side(t, 'embedding')?.estimated, true);
			assert.ok(side(t, 'embedding')!.usage.input > 0);

			// A 200 with an unusable body was billed all the same.
			state.fail = new ProviderError('badResponse', 'OpenAI answered with something that is not an embeddings list.', { provider: 'openai', model: 'gpt-4o-mini' });
			const bad = (await e.plan(ask('Explain decorators in Python.'))) as CallPlan;
			assert.equal(side(bad, 'embedding')?.status, 'failed');
			await e.settle(bad, { kind: 'failed' });

			// Cancelled mid-embedding: the plan throws, but the charge is reported to the caller first.
			const before = (await e.status('r')).run.spent;
			state.fail = new CancelledError();
			const told: string[] = [];
			await assert.rejects(e.plan({ ...ask('Explain iterators.'), onSideCall: (purpose, c) => told.push(`${purpose}:${c.status}`) }), (x: unknown) => CancelledError.is(x));
			assert.deepEqual(told, ['embedding:failed']);
			assert.ok((await e.status('r')).run.spent > before, 'the cancelled embedding was charged');
			await e.settle(t, { kind: 'failed' });
			assert.equal((await e.status('r')).run.reserved, 0, 'no reservation left open');
		});

		it('a refused call still reports the embedding it paid for; requests over the input limit or past the step limit are not embedded', async () => {
			const { e, calls } = paidEngine('gpt-4o-mini', { 'agentCost.budget.runUsd': 0.0001 });
			const told: string[] = [];
			await assert.rejects(e.plan({ ...ask(`Design a distributed system. ${words(400)}`), onSideCall: (purpose, c) => told.push(`${purpose}:${c.status}`) }), (x: unknown) =>
				BudgetExceededError.is(x, 'run'),
			);
			assert.equal(calls.length, 1);
			assert.deepEqual(told, ['embedding:ok'], 'the caller can record the spend of a refused request');

			const limited = paidEngine('gpt-4o-mini', { 'agentCost.budget.maxSteps': 1 });
			const first = (await limited.e.plan(ask('First question about sorting.'))) as CallPlan;
			await limited.e.settle(first, { kind: 'completed', usage: usage(5, 5), response: { model: first.model, content: 'x' } });
			assert.equal(limited.calls.length, 1);
			await assert.rejects(limited.e.plan(ask('Second question about hashing.')), (x: unknown) => BudgetExceededError.is(x, 'steps'));
			assert.equal(limited.calls.length, 1, 'a step the limit refuses is not embedded');

			const small = paidEngine('gpt-4o-mini', {}, 20);
			const long = (await small.e.plan(ask(words(50)))) as CallPlan;
			assert.equal(small.calls.length, 0);
			assert.ok(long.explanation.some(x => x.rule === 'cache.embeddingTooLong'));
		});
	});

	it('soft policy downgrades to a cheaper tier instead of refusing; hard refuses', async () => {
		const big = { role: 'user', content: `Design a distributed system with novel trade-offs. ${words(1500)}` };
		const soft = engine({ 'agentCost.budget.policy': 'soft', 'agentCost.budget.runUsd': 0.03, 'agentCost.compression.strategy': 'none' });
		const p = (await soft.e.plan({ runId: 'r', messages: [sys, big] })) as CallPlan;
		// Opus worst case: 1,520 × $5/M × 1.25 + 2,048 × $25/M = 0.0607 > 0.03; gpt-4o: 0.00475 + 0.02048 fits.
		assert.equal(p.routing.model, 'claude-opus-4-6');
		assert.equal(p.model, 'gpt-4o');
		assert.equal(p.downgradedFrom, 'claude-opus-4-6');
		assert.ok(p.explanation.some(x => x.rule === 'budget.downgraded'));
		const hard = engine({ 'agentCost.budget.runUsd': 0.03, 'agentCost.compression.strategy': 'none' });
		await assert.rejects(hard.e.plan({ runId: 'r', messages: [sys, big] }), (err: unknown) => BudgetExceededError.is(err, 'run'));
		// Nothing stays reserved after a refusal.
		assert.equal((await hard.e.status('r')).run.reserved, 0);
	});

	it('soft policy never swaps a model the user pinned: that model, or a refusal', async () => {
		const big = { role: 'user', content: `Design a distributed system with novel trade-offs. ${words(1500)}` };
		const soft = engine({ 'agentCost.budget.policy': 'soft', 'agentCost.budget.runUsd': 0.03, 'agentCost.compression.strategy': 'none' });
		await assert.rejects(soft.e.plan({ runId: 'r', messages: [sys, big], pinnedModel: 'claude-opus-4-6' }), (err: unknown) => BudgetExceededError.is(err, 'run'));
		// An unpriced pinned model is refused as unpriced, not sent to another vendor's medium tier.
		await assert.rejects(soft.e.plan({ runId: 'r', messages: [sys, task], pinnedModel: 'claude-new-x' }), (err: unknown) => err instanceof Error && err.name === 'UnpricedModelError');
		assert.equal((await soft.e.status('r')).run.reserved, 0);
	});

	it('fallbacks never go to a pricier model unless escalation is on', async () => {
		const list = { runId: 'r', messages: [sys, { role: 'user', content: 'List the files.' }] };
		const cheap = (await engine({ 'agentCost.compression.strategy': 'none' }).e.plan(list)) as CallPlan;
		assert.equal(cheap.model, 'gpt-4o-mini');
		assert.deepEqual(cheap.fallbacks, [], 'nothing is cheaper than the cheap tier');
		const medium = (await engine({ 'agentCost.compression.strategy': 'none', 'agentCost.routing.mode': 'fixed', 'agentCost.routing.model': 'claude-opus-4-6' }).e.plan(list)) as CallPlan;
		assert.deepEqual(medium.fallbacks, ['gpt-4o', 'gpt-4o-mini'], 'no dearer than the failing model, nearest first');
		const off = (await engine({ 'agentCost.compression.strategy': 'none', 'agentCost.routing.fallbacks': 'off' }).e.plan(list)) as CallPlan;
		assert.deepEqual(off.fallbacks, []);
	});

	it('fallback reservations, failed and cancelled calls settle correctly', async () => {
		const { e } = engine({ 'agentCost.compression.strategy': 'none', 'agentCost.routing.fallbacks': 'escalate' });
		const p = (await e.plan({ runId: 'r', messages: [sys, { role: 'user', content: 'List the files.' }] })) as CallPlan;
		assert.deepEqual(p.fallbacks, ['gpt-4o', 'claude-opus-4-6']);
		await e.settle(p, { kind: 'failed' });
		const fb = await e.reserveFallback(p, 'gpt-4o');
		assert.ok(fb);
		const r = await e.settle(p, { kind: 'cancelled', usage: usage(p.inputTokens, 7) }, fb);
		assert.ok(r.cost?.kind === 'priced' && Math.abs(r.cost.usd - (p.inputTokens * 2.5e-6 + 7e-5)) < 1e-12);
		assert.equal(r.status.run.reserved, 0);
		assert.equal(r.status.steps.used, 1); // the fallback is the same step
		// A cancelled call with unknown usage keeps its worst case.
		const p2 = (await e.plan({ runId: 'r2', messages: [sys, { role: 'user', content: 'List them again.' }] })) as CallPlan;
		const r2 = await e.settle(p2, { kind: 'cancelled' });
		assert.equal(r2.estimated, true);
		assert.ok(Math.abs(r2.status.run.spent - p2.reservation.usd) < 1e-9);
	});

	it('a summary the budget cannot cover falls back to truncation', async () => {
		// Summary worst case ≈ 5,000 × $0.1875/M + 600 × $0.60/M ≈ $0.0013 > $0.0005; the truncated call ≈ 1,770 × $0.1875/M + 100 × $0.60/M ≈ $0.0004 fits.
		const { e } = engine({ 'agentCost.budget.runUsd': 0.0005, 'agentCost.tiers.medium': 'gpt-4o-mini', 'agentCost.defaults.maxOutputTokens': 100 });
		const history: EngineMessage[] = [sys, task];
		for (let i = 0; i < 5; i++) history.push({ role: 'assistant', content: words(496) }, { role: 'user', content: words(496) });
		const p = (await e.plan({ runId: 'r', messages: history })) as CallPlan;
		assert.equal(p.compression?.strategy, 'truncate');
		assert.ok(p.explanation.some(x => x.rule === 'compress.summaryUnaffordable'));
	});

	it('every plan explains routing, cache, compression and budget', async () => {
		const { e } = engine();
		const p = await e.plan({ runId: 'r', messages: [sys, task] });
		const stages = new Set(p.explanation.map(x => x.stage));
		assert.deepEqual([...stages].sort(), ['budget', 'cache', 'routing']);
		assert.ok(p.explanation.every(x => x.text.length > 5));
	});
});

describe('policy engine + callWithFallback', () => {
	it('reserves each fallback, releases 5xx failures, settles an invalid billed answer, settles the success', async () => {
		const { callWithFallback, validJson } = await import('../../../../src/core/routing/fallback');
		const { e } = engine({ 'agentCost.compression.strategy': 'none', 'agentCost.routing.fallbacks': 'escalate' });
		const p = (await e.plan({ runId: 'r', messages: [sys, { role: 'user', content: 'Extract the totals as JSON.' }] })) as CallPlan;
		type Resp = { text: string; usage: ReturnType<typeof usage> };
		const hooks = e.fallbackHooks<Resp>(p, r => r.usage);
		const answers: Record<string, () => Resp> = {
			'gpt-4o-mini': () => {
				throw Object.assign(new Error('overloaded'), { status: 503 });
			},
			'gpt-4o': () => ({ text: 'not json', usage: usage(20, 5) }),
			'claude-opus-4-6': () => ({ text: '{"total":3}', usage: usage(20, 6) }),
		};
		const r = await callWithFallback<Resp>({
			...hooks,
			call: async model => answers[model](),
			validate: x => validJson(x.text),
			retry: { maxRetries: 1 },
			random: seededRandom(1),
			clock: new ManualClock(0),
			sleep: async () => {},
		});
		assert.equal(r.model, 'claude-opus-4-6');
		const s = await e.settle(p, { kind: 'completed', usage: r.result.usage, response: { model: r.model, content: r.result.text } }, hooks.reservationFor(r.model));
		// Spent: gpt-4o's invalid answer (20 × 2.5e-6 + 5 × 1e-5) + opus (20 × 5e-6 + 6 × 25e-6); the 503s cost nothing.
		assert.ok(Math.abs(s.status.run.spent - (20 * 2.5e-6 + 5e-5 + 20 * 5e-6 + 6 * 25e-6)) < 1e-12, `${s.status.run.spent}`);
		assert.equal(s.status.run.reserved, 0);
		assert.equal(s.status.steps.used, 1);
	});
});
