import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetExceededError } from '../../../src/core/budget/budgetErrors';
import { RecordingBudgetStore } from '../../../src/core/budget/budgetLedger';
import type { BudgetStore } from '../../../src/core/ports/budgetStore';
import { estimatingSummarizer } from '../../../src/core/compression/history';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { createPolicyEngine, type Plan } from '../../../src/core/engine/policyEngine';
import { seededRandom, systemClock } from '../../../src/core/ports/clock';
import type { PricingPort } from '../../../src/core/ports/pricing';
import { CancelledError } from '../../../src/core/lib/errors';
import type { LiveCallRecord } from '../../../src/core/live/liveCallRecord';
import { LiveCalls, type LiveCallRequest } from '../../../src/core/live/liveCalls';
import { createLiveSummarizer } from '../../../src/core/live/liveSummarizer';
import { AgentMetrics } from '../../../src/core/metrics/agentMetrics';
import { toRecordedCalls } from '../../../src/core/live/recordingLines';
import { createPriceCatalog } from '../../../src/core/pricing/catalog';
import type { Usage } from '../../../src/core/pricing/usage';
import type { ProviderMessage } from '../../../src/core/ports/llmTransport';
import { accountTranscript } from '../../../src/core/transcripts/accounting';
import { FallbackExhaustedError } from '../../../src/core/routing/fallback';
import { FileLedgerStore } from '../../../src/node/fileLedger';
import { JsonlCallRecorder } from '../../../src/node/jsonlCallRecorder';
import type { Transcript } from '../../../src/core/transcripts/model';
import { parseRecording } from '../../../src/core/transcripts/recording';
import { AnthropicTransport } from '../../../src/node/providers/anthropicTransport';
import { startFakeProviderServer, type FakeProviderServer } from '../../support/fakeProviderServer';
import { OpenAITransport } from '../../../src/node/providers/openaiTransport';
import { parsePrometheusText, sampleValue } from '../../support/prometheusText';
import { fakePricing, wordCounter, words } from '../../support/policyFakes';
import { canary, secretsOf } from './providers/providerTestKit';

const usd = (model: 'gpt-4o-mini' | 'gpt-4o' | 'claude-opus-4-6', u: Usage) => {
	const c = fakePricing.cost(model, u);
	assert.equal(c.kind, 'priced');
	return c.kind === 'priced' ? c.usd : NaN;
};

interface Harness {
	live: LiveCalls;
	metrics: AgentMetrics;
	recordPath: string;
	store: BudgetStore;
	status: (runId: string) => ReturnType<ReturnType<typeof createPolicyEngine>['status']>;
	records: () => Promise<LiveCallRecord[]>;
	/** The recording file read back by the product's own recording importer. */
	transcript: () => Transcript;
	sleeps: number[];
}

function harness(server: FakeProviderServer, settings: Record<string, unknown> = {}, store: BudgetStore = new RecordingBudgetStore(), pricing: PricingPort = fakePricing): Harness {
	const { config, problems } = parseEngineConfig({
		'agentCost.compression.strategy': 'none',
		'agentCost.cache.enabled': false,
		'agentCost.budget.runUsd': 10,
		'agentCost.budget.dailyUsd': 0,
		'agentCost.budget.maxSteps': 0,
		...settings,
	});
	assert.deepEqual(problems, []);
	const engine = createPolicyEngine({ config, counter: wordCounter, pricing, clock: systemClock, random: seededRandom(7), budgetStore: store, summarizer: estimatingSummarizer });
	const secrets = secretsOf({ openai: canary.openai, anthropic: canary.anthropic });
	const metrics = new AgentMetrics();
	const recordPath = join(mkdtempSync(join(tmpdir(), 'live-calls-')), 'calls.jsonl');
	const sleeps: number[] = [];
	const captured: LiveCallRecord[] = [];
	const file = new JsonlCallRecorder(recordPath, { fsync: false });
	const live = new LiveCalls({
		engine,
		config,
		counter: wordCounter,
		clock: systemClock,
		random: seededRandom(3),
		transports: {
			openai: new OpenAITransport({ secrets, baseUrl: server.openaiBaseUrl }),
			anthropic: new AnthropicTransport({ secrets, baseUrl: server.anthropicBaseUrl }),
		},
		recorder: {
			append: async r => {
				captured.push(r);
				await file.append(r);
			},
		},
		metrics,
		sleep: async ms => {
			sleeps.push(ms);
		},
	});
	return {
		live,
		metrics,
		recordPath,
		store,
		status: runId => engine.status(runId),
		records: async () => captured,
		transcript: () => parseRecording(readFileSync(recordPath, 'utf8'), { file: recordPath, counter: wordCounter }),
		sleeps,
	};
}

/** 3 + (4 + 30) = 37 counted input tokens with wordCounter. */
const ask = (runId: string, extra: Partial<LiveCallRequest> = {}): LiveCallRequest => ({
	runId,
	messages: [{ role: 'user', content: words(30, 'please') }],
	pinnedModel: 'gpt-4o-mini',
	maxOutputTokens: 100,
	...extra,
});

describe('live calls: plan → provider (real SDKs, fake server) → settle → record', function () {
	this.timeout(20_000);
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: canary.openai, anthropic: canary.anthropic } });
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	it('streams an answer, settles the provider usage, records one line and counts the metrics', async () => {
		const h = harness(server);
		const u = { input: 37, output: 12 };
		server.enqueue({ type: 'reply', text: 'A short, streamed answer.', usage: u, chunkChars: 4 });
		const streamed: string[] = [];
		let planned: Plan | undefined;
		const r = await h.live.run(ask('run-1'), { onPlan: p => (planned = p), onChunk: c => c.type === 'text' && streamed.push(c.text) });

		assert.equal(planned?.kind, 'call');
		assert.equal(r.source, 'provider');
		assert.equal(r.text, 'A short, streamed answer.');
		assert.equal(streamed.join(''), r.text);
		const usage = { input: 37, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 12, reasoning: 0 };
		assert.deepEqual(r.usage, usage);
		assert.equal(r.estimated, false);
		assert.ok(Math.abs(r.costUsd! - usd('gpt-4o-mini', usage)) < 1e-12);
		const s = await h.status('run-1');
		assert.ok(Math.abs(s.run.spent - r.costUsd!) < 1e-8, 'the budget holds the real cost');
		assert.equal(s.run.reserved, 0, 'no reservation left behind');

		const [rec] = await h.records();
		assert.equal(rec.kind, 'liveCall');
		assert.equal(rec.status, 'ok');
		assert.equal(rec.model, 'gpt-4o-mini');
		assert.equal(rec.provider, 'openai');
		assert.deepEqual(rec.usage, usage);
		assert.equal(rec.usageSource, 'provider');
		assert.equal(rec.response?.text, r.text);
		assert.deepEqual(rec.messages, ask('run-1').messages);
		const p = parsePrometheusText(h.metrics.render());
		assert.equal(sampleValue(p, 'agent_cost_calls_total', { model: 'gpt-4o-mini', status: 'ok' }), 1);
		assert.equal(sampleValue(p, 'agent_cost_tokens_total', { model: 'gpt-4o-mini', direction: 'output' }), 12);
		assert.ok(!readFileSync(h.recordPath, 'utf8').includes('CANARY'), 'no key in the recording');

		// The file is the product's recording format: its own importer reads the call back for replay.
		const t = h.transcript();
		assert.equal(t.format, 'agent-cost-recording');
		assert.equal(t.runId, 'run-1');
		assert.equal(t.calls.length, 1);
		assert.deepEqual(t.calls[0].usage, usage);
		assert.equal(t.calls[0].usageExact, true);
		assert.equal(t.calls[0].recordedCostUsd, r.costUsd);
		assert.equal(t.calls[0].output?.text, r.text);
		assert.deepEqual(
			t.calls[0].input?.messages.map(m => m.content),
			[words(30, 'please')],
		);
	});

	it('50 parallel calls under a small budget never overshoot it (hard policy, file ledger)', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'live-ledger-'));
		const store = new FileLedgerStore(join(dir, 'ledger.jsonl'), { fsync: false });
		try {
			// Worst case per call: 37 input at the 5-minute write price + 100 output on gpt-4o-mini.
			const worst = usd('gpt-4o-mini', { input: 37, cacheRead: 0, cacheWrite5m: 37, cacheWrite1h: 0, output: 100, reasoning: 0 });
			const limit = Math.round(worst * 10.5 * 1e9) / 1e9; // room for 10 worst cases at a time
			const h = harness(server, { 'agentCost.budget.runUsd': limit }, store);
			server.enqueue(Array.from({ length: 50 }, () => ({ type: 'reply' as const, text: 'ok '.repeat(20), usage: { input: 37, output: 90 }, chunkChars: 6, chunkDelayMs: 5 })));

			const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => h.live.run(ask('shared-run', { messages: [{ role: 'user', content: words(30, `w${i}`) }] }))));
			const ok = results.filter(r => r.status === 'fulfilled');
			const refused = results.filter(r => r.status === 'rejected');
			for (const r of refused) assert.ok(r.status === 'rejected' && BudgetExceededError.is(r.reason, 'run'), String(r.status === 'rejected' && r.reason));
			assert.ok(ok.length >= 10, `${ok.length} calls fit`);
			assert.ok(refused.length > 0, 'some calls were refused');

			const s = await h.status('shared-run');
			const spentByCalls = ok.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.costUsd! : 0), 0);
			assert.ok(s.run.spent <= limit + 1e-9, `spent ${s.run.spent} > limit ${limit}`);
			assert.ok(Math.abs(s.run.spent - spentByCalls) < 1e-8, 'the ledger equals the sum of the settled calls');
			assert.equal(s.run.reserved, 0);
			assert.equal(server.requests.length, ok.length, 'no call reached the provider without a reservation');
			const records = await h.records();
			assert.equal(records.length, 50);
			assert.equal(records.filter(r => r.status === 'ok').length, ok.length);
			assert.equal(records.filter(r => r.status === 'refused').length, refused.length);
			const p = parsePrometheusText(h.metrics.render());
			assert.equal(sampleValue(p, 'agent_cost_budget_events_total', { kind: 'refused', scope: 'run' }), refused.length);
			const t = h.transcript();
			assert.equal(t.calls.filter(c => c.status !== 'refused').length, ok.length, 'only answered calls were sent');
			assert.equal(t.calls.filter(c => c.status === 'refused').length, refused.length, 'a refused request is kept for replays, with no usage');
			assert.ok(t.calls.filter(c => c.status === 'refused').every(c => c.usage.input === 0 && c.recordedCostUsd === undefined));
			assert.ok(Math.abs(t.calls.reduce((sum, c) => sum + (c.recordedCostUsd ?? 0), 0) - s.run.spent) < 1e-8, 'the recording adds up to the budget');
		} finally {
			store.close();
		}
	});

	it("429 with retry-after is retried after the server's wait; only the answered attempt is charged", async () => {
		const h = harness(server);
		server.enqueue([
			{ type: 'error', status: 429, retryAfter: '2' },
			{ type: 'reply', text: 'second time lucky', usage: { input: 37, output: 4 } },
		]);
		const r = await h.live.run(ask('run-429'));
		assert.equal(r.text, 'second time lucky');
		assert.deepEqual(h.sleeps, [2000]);
		assert.deepEqual(
			r.attempts.map(a => [a.model, a.retry, a.outcome]),
			[
				['gpt-4o-mini', 0, 'rateLimit'],
				['gpt-4o-mini', 1, 'ok'],
			],
		);
		assert.equal(server.requests.length, 2);
		assert.equal(r.estimated, false);
		const s = await h.status('run-429');
		assert.ok(Math.abs(s.run.spent - usd('gpt-4o-mini', r.usage!)) < 1e-8);
	});

	it('a failing cheap model falls back to the next tier; the chain is recorded', async () => {
		const h = harness(server, { 'agentCost.routing.maxRetries': 1, 'agentCost.routing.fallbacks': 'escalate' });
		server.enqueue(
			[
				{ type: 'error', status: 500 },
				{ type: 'error', status: 503 },
			],
			{ model: 'gpt-4o-mini' },
		);
		server.enqueue({ type: 'reply', text: 'from the medium tier', usage: { input: 20, output: 5 } }, { model: 'gpt-4o' });
		let planned: Plan | undefined;
		const r = await h.live.run({ runId: 'run-fb', messages: [{ role: 'user', content: 'Extract the date from: shipped on 2024-03-01.' }], maxOutputTokens: 50 }, { onPlan: p => (planned = p) });
		assert.equal(planned?.kind === 'call' && planned.model, 'gpt-4o-mini', 'routed to the cheap tier');
		assert.equal(r.model, 'gpt-4o');
		assert.deepEqual(
			r.attempts.map(a => [a.model, a.outcome]),
			[
				['gpt-4o-mini', 'server'],
				['gpt-4o-mini', 'server'],
				['gpt-4o', 'ok'],
			],
		);
		const s = await h.status('run-fb');
		assert.ok(Math.abs(s.run.spent - usd('gpt-4o', r.usage!)) < 1e-8, 'the failed cheap calls cost nothing');
		assert.equal(s.run.reserved, 0, "the cheap model's reservation was released");
		const [rec] = await h.records();
		assert.equal(rec.routedModel, 'gpt-4o-mini');
		assert.equal(rec.model, 'gpt-4o');
		assert.equal(rec.otherCharges, undefined);
	});

	it('a routed model skipped by its open circuit breaker gives its reservation back (no phantom charge)', async () => {
		const h = harness(server, { 'agentCost.routing.maxRetries': 0, 'agentCost.routing.fallbacks': 'escalate' });
		const extract = (runId: string): LiveCallRequest => ({ runId, messages: [{ role: 'user', content: 'Extract the date from: shipped on 2024-03-01.' }], maxOutputTokens: 50 });
		// Three failures of the cheap tier open its breaker (each call falls back to the medium tier).
		for (let i = 0; i < 3; i++) {
			server.enqueue({ type: 'error', status: 500 }, { model: 'gpt-4o-mini' });
			server.enqueue({ type: 'reply', text: 'medium', usage: { input: 20, output: 5 } }, { model: 'gpt-4o' });
			await h.live.run(extract(`warm-${i}`));
		}
		server.enqueue({ type: 'reply', text: 'medium again', usage: { input: 20, output: 5 } }, { model: 'gpt-4o' });
		const r = await h.live.run(extract('skipped'));
		assert.deepEqual(
			r.attempts.map(a => [a.model, a.outcome]),
			[
				['gpt-4o-mini', 'skipped'],
				['gpt-4o', 'ok'],
			],
		);
		const s = await h.status('skipped');
		assert.equal(s.run.reserved, 0, "the skipped model's planning-time reservation was released");
		assert.ok(Math.abs(s.run.spent - usd('gpt-4o', r.usage!)) < 1e-8, 'only the answering model is charged');
	});

	it("a stream cut mid-way is charged an estimate, then the retry's real usage is added", async () => {
		const h = harness(server);
		server.enqueue([
			{ type: 'cutStream', afterEvents: 6, text: words(40, 'partial'), chunkChars: 8 },
			{ type: 'reply', text: 'complete answer', usage: { input: 37, output: 3 } },
		]);
		const r = await h.live.run(ask('run-cut'));
		assert.equal(r.text, 'complete answer');
		assert.equal(r.estimated, true, 'part of the charge is an estimate');
		assert.ok(r.usage!.input === 74, `both attempts' prompts are charged: ${r.usage!.input}`);
		assert.ok(r.usage!.output > 3, "the cut attempt's streamed output is charged too");
		const s = await h.status('run-cut');
		assert.ok(Math.abs(s.run.spent - usd('gpt-4o-mini', r.usage!)) < 1e-8);
		const [rec] = await h.records();
		assert.equal(rec.usageSource, 'estimated');
		assert.equal(rec.costEstimated, true);
		const [call] = h.transcript().calls;
		assert.equal(call.usageSource, 'counted');
		assert.equal(call.usageExact, false);
	});

	it('cancellation mid-stream: CancelledError, the streamed part is charged as an estimate, the reservation is closed', async () => {
		const h = harness(server);
		server.enqueue({ type: 'reply', text: words(80, 'slow'), chunkChars: 5, chunkDelayMs: 20 });
		const ac = new AbortController();
		let chunks = 0;
		await assert.rejects(h.live.run(ask('run-cancel'), { signal: ac.signal, onChunk: () => ++chunks === 3 && ac.abort() }), (e: unknown) => CancelledError.is(e));
		const r = await server.waitFor(x => x.outcome !== 'pending');
		assert.equal(r.outcome, 'clientClosed');
		const s = await h.status('run-cancel');
		assert.equal(s.run.reserved, 0);
		const worst = usd('gpt-4o-mini', { input: 37, cacheRead: 0, cacheWrite5m: 37, cacheWrite1h: 0, output: 100, reasoning: 0 });
		assert.ok(s.run.spent > 0 && s.run.spent < worst, `spent ${s.run.spent}`);
		const [rec] = await h.records();
		assert.equal(rec.status, 'cancelled');
		assert.equal(rec.usage?.input, 37);
		assert.ok(rec.usage!.output > 0);
		assert.equal(rec.costEstimated, true);
		assert.equal(rec.error?.reason, 'cancelled');
	});

	it('a callback that throws is ignored: it never looks like a provider failure', async () => {
		const h = harness(server);
		server.enqueue({ type: 'reply', text: 'still answered', usage: { input: 37, output: 2 } });
		const r = await h.live.run(ask('run-cb'), {
			onPlan: () => {
				throw new Error('view bug');
			},
			onChunk: () => {
				throw new Error('view bug');
			},
		});
		assert.equal(r.text, 'still answered');
		assert.equal(server.requests.length, 1);
		assert.deepEqual(
			r.attempts.map(a => a.outcome),
			['ok'],
		);
	});

	it('a response without usage is counted (estimated) and not cached', async () => {
		const h = harness(server, { 'agentCost.cache.enabled': true });
		server.enqueue([
			{ type: 'reply', text: words(9, 'counted'), omitUsage: true },
			{ type: 'reply', text: 'fresh', usage: { input: 37, output: 1 } },
		]);
		const r = await h.live.run(ask('run-nousage'));
		assert.equal(r.estimated, true);
		assert.deepEqual(r.usage, { input: 37, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 0 });
		const again = await h.live.run(ask('run-nousage'));
		assert.equal(again.source, 'provider', 'an estimated answer is not reused from the cache');
		assert.equal(server.requests.length, 2);
	});

	it('an identical request is served from the exact cache: no provider call, no cost, recorded as a cache hit', async () => {
		const h = harness(server, { 'agentCost.cache.enabled': true });
		server.enqueue({ type: 'reply', text: 'cache me', toolCalls: [{ name: 'note', arguments: { k: 1 } }], usage: { input: 37, output: 8 } });
		const first = await h.live.run(ask('run-cache'));
		const second = await h.live.run(ask('run-cache'));
		assert.equal(second.source, 'exactCache');
		assert.equal(second.text, 'cache me');
		assert.deepEqual(second.toolCalls, first.toolCalls);
		assert.equal(second.finishReason, first.finishReason);
		assert.equal(second.costUsd, undefined);
		assert.equal(server.requests.length, 1);
		const s = await h.status('run-cache');
		assert.ok(Math.abs(s.run.spent - first.costUsd!) < 1e-8);
		const records = await h.records();
		assert.deepEqual(
			records.map(r => r.status),
			['ok', 'cacheHit'],
		);
	});

	it('a call the budget cannot cover is refused before any request and recorded as refused', async () => {
		const h = harness(server, { 'agentCost.budget.runUsd': 0.000001 });
		await assert.rejects(h.live.run(ask('run-poor')), (e: unknown) => BudgetExceededError.is(e, 'run'));
		assert.equal(server.requests.length, 0);
		const [rec] = await h.records();
		assert.equal(rec.status, 'refused');
		assert.equal(rec.error?.kind, 'budget');
		assert.match(rec.error!.message, /run budget/);
	});

	it('a wrong key stops the chain at once (no fallback, no retry); nothing is charged and no key is recorded', async () => {
		const { config } = parseEngineConfig({ 'agentCost.compression.strategy': 'none', 'agentCost.cache.enabled': false });
		const store = new RecordingBudgetStore();
		const engine = createPolicyEngine({ config, counter: wordCounter, pricing: fakePricing, clock: systemClock, random: seededRandom(1), budgetStore: store, summarizer: estimatingSummarizer });
		const recordPath = join(mkdtempSync(join(tmpdir(), 'live-auth-')), 'calls.jsonl');
		const wrongKey = 'sk-proj-WRONGliveCALLkey000000000000000XK3';
		const live = new LiveCalls({
			engine,
			config,
			counter: wordCounter,
			clock: systemClock,
			random: seededRandom(1),
			transports: { openai: new OpenAITransport({ secrets: secretsOf({ openai: wrongKey }), baseUrl: server.openaiBaseUrl }) },
			recorder: new JsonlCallRecorder(recordPath, { fsync: false }),
			sleep: async () => {},
		});
		await assert.rejects(live.run({ runId: 'run-auth', messages: [{ role: 'user', content: 'Extract the date from: 2024-03-01.' }], maxOutputTokens: 50 }), (e: unknown) =>
			FallbackExhaustedError.is(e, 'auth'),
		);
		assert.equal(server.requests.length, 1);
		const s = await engine.status('run-auth');
		assert.equal(s.run.spent, 0);
		assert.equal(s.run.reserved, 0);
		const text = readFileSync(recordPath, 'utf8');
		assert.ok(!text.includes('WRONGliveCALL') && !text.includes(wrongKey.slice(-6)), 'no key fragment in the recording');
		const [call] = parseRecording(text, { file: recordPath, counter: wordCounter }).calls;
		assert.equal(call.status, 'error');
		assert.deepEqual(call.usage, { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });
	});

	it('offline (nothing reachable): no walk up the fallback chain, no blame on a missing key; the message, the log line and the recording name the host', async () => {
		// Escalation allowed: even so, an unreachable provider says nothing about the model, so no other model is tried.
		const { config } = parseEngineConfig({ 'agentCost.compression.strategy': 'none', 'agentCost.cache.enabled': false, 'agentCost.routing.fallbacks': 'escalate', 'agentCost.routing.maxRetries': 1 });
		const store = new RecordingBudgetStore();
		const engine = createPolicyEngine({ config, counter: wordCounter, pricing: fakePricing, clock: systemClock, random: seededRandom(1), budgetStore: store, summarizer: estimatingSummarizer });
		const recordPath = join(mkdtempSync(join(tmpdir(), 'live-offline-')), 'calls.jsonl');
		const dead = await new Promise<number>(resolve => {
			const s = createServer();
			s.listen(0, '127.0.0.1', () => {
				const port = (s.address() as { port: number }).port;
				s.close(() => resolve(port));
			});
		});
		const live = new LiveCalls({
			engine,
			config,
			counter: wordCounter,
			clock: systemClock,
			random: seededRandom(1),
			// No Anthropic key at all: the old chain ended at claude-opus-4-6 and blamed it.
			transports: {
				openai: new OpenAITransport({ secrets: secretsOf({ openai: canary.openai }), baseUrl: `http://127.0.0.1:${dead}/v1` }),
				anthropic: new AnthropicTransport({ secrets: secretsOf({}), baseUrl: `http://127.0.0.1:${dead}` }),
			},
			recorder: new JsonlCallRecorder(recordPath, { fsync: false }),
			sleep: async () => {},
		});
		let error: unknown;
		await assert.rejects(
			live.run({ runId: 'run-offline', messages: [{ role: 'user', content: 'List the files in the folder.' }], maxOutputTokens: 50 }),
			(e: unknown) => ((error = e), FallbackExhaustedError.is(e, 'unreachable')),
		);
		const e = error as InstanceType<typeof FallbackExhaustedError>;
		assert.deepEqual([...new Set(e.attempts.map(a => a.model))], ['gpt-4o-mini'], 'only the routed model was tried (and retried)');
		assert.ok(e.attempts.every(a => a.outcome === 'unreachable'));
		assert.match(e.message, new RegExp(`endpoint http://127\\.0\\.0\\.1:${dead}/v1 could not be reached \\(.*ECONNREFUSED`));
		assert.equal(e.message.split(`127.0.0.1:${dead}`).length, 2, `the host is named once: ${e.message}`);
		assert.doesNotMatch(e.message, /key|credential|HTTP undefined/i);
		const s = await engine.status('run-offline');
		assert.deepEqual([s.run.spent, s.run.reserved], [0, 0], 'nothing was sent, nothing is charged');
		const [call] = parseRecording(readFileSync(recordPath, 'utf8'), { file: recordPath, counter: wordCounter }).calls;
		assert.equal(call!.status, 'error');
		assert.equal(call!.model, 'gpt-4o-mini');
		// The recording keeps the real cause, not "rejected the credentials … (HTTP undefined)".
		const line = JSON.parse(readFileSync(recordPath, 'utf8').trim().split('\n').pop()!) as { error?: { reason: string; message: string } };
		assert.equal(line.error?.reason, 'unreachable');
		assert.match(line.error?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${dead}`));
	});

	it('a missing key is named as such (which provider, where to set it), never as a rejected credential of "HTTP undefined"', async () => {
		const { config } = parseEngineConfig({ 'agentCost.compression.strategy': 'none', 'agentCost.cache.enabled': false });
		const engine = createPolicyEngine({
			config,
			counter: wordCounter,
			pricing: fakePricing,
			clock: systemClock,
			random: seededRandom(1),
			budgetStore: new RecordingBudgetStore(),
			summarizer: estimatingSummarizer,
		});
		const live = new LiveCalls({
			engine,
			config,
			counter: wordCounter,
			clock: systemClock,
			random: seededRandom(1),
			transports: { anthropic: new AnthropicTransport({ secrets: secretsOf({}), baseUrl: server.anthropicBaseUrl }) },
			sleep: async () => {},
		});
		let error: unknown;
		await assert.rejects(
			live.run({ runId: 'run-nokey', messages: [{ role: 'user', content: 'hi' }], pinnedModel: 'claude-opus-4-6', maxOutputTokens: 20 }),
			(e: unknown) => ((error = e), FallbackExhaustedError.is(e, 'auth')),
		);
		const message = (error as Error).message;
		assert.match(message, /Anthropic/);
		assert.match(message, /key/i);
		assert.doesNotMatch(message, /HTTP undefined|rejected the credentials/);
		assert.equal(server.requests.length, 0, 'nothing was sent without a key');
	});

	it('Claude models go through the Anthropic client, with cache-aware usage', async () => {
		const h = harness(server);
		server.enqueue({ type: 'reply', text: 'from claude', usage: { input: 37, cacheRead: 20, output: 5 } }, { provider: 'anthropic' });
		const r = await h.live.run(ask('run-claude', { pinnedModel: 'claude-opus-4-6' }));
		assert.equal(r.provider, 'anthropic');
		assert.equal(server.requests[0].path, '/v1/messages');
		assert.deepEqual(r.usage, { input: 37, cacheRead: 20, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 0 });
		assert.ok(Math.abs(r.costUsd! - usd('claude-opus-4-6', r.usage!)) < 1e-12);
	});

	it('server-tool fees: web searches the provider reports are billed with the real prices, recorded, and re-priced identically from the recording', async () => {
		const catalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });
		const h = harness(server, {}, new RecordingBudgetStore(), catalog);
		server.enqueue({ type: 'reply', text: 'searched', usage: { input: 2_000, output: 100, serverTools: { web_search: 2 } } }, { provider: 'anthropic' });
		const r = await h.live.run(ask('run-search', { pinnedModel: 'claude-sonnet-4-5' }));
		assert.deepEqual(r.usage?.serverTools, { web_search: 2 });
		// 2,000 × $3/M + 100 × $15/M + 2 × $10/1,000 = $0.0075 + $0.02
		assert.ok(Math.abs(r.costUsd! - 0.0275) < 1e-12, String(r.costUsd));
		const replayed = h.transcript();
		assert.deepEqual(replayed.calls[0].usage.serverTools, { web_search: 2 });
		const account = accountTranscript(replayed, catalog);
		assert.ok(Math.abs(account.computedUsd! - r.costUsd!) < 1e-12, 'report of the recording = the live cost');

		server.enqueue({ type: 'reply', text: 'ran code', usage: { input: 2_000, output: 100, serverTools: { code_execution: 1 } } }, { provider: 'anthropic' });
		const unpriced = await h.live.run(ask('run-search', { pinnedModel: 'claude-sonnet-4-5' }));
		assert.ok(Math.abs(unpriced.costUsd! - 0.0075) < 1e-12);
		assert.ok(unpriced.costResult?.kind === 'priced' && unpriced.costResult.unpricedFees?.[0]?.tool === 'code_execution');
	});

	it('live summarization: the summary model is really called, charged to the run, and its summary sent on', async () => {
		const { config } = parseEngineConfig({
			'agentCost.compression.strategy': 'summarize',
			'agentCost.compression.maxTokensBeforeCompression': 200,
			'agentCost.compression.tokensToKeepRecent': 50,
			'agentCost.cache.enabled': false,
		});
		const secrets = secretsOf({ openai: canary.openai });
		const transports = { openai: new OpenAITransport({ secrets, baseUrl: server.openaiBaseUrl }) };
		const store = new RecordingBudgetStore();
		const engine = createPolicyEngine({
			config,
			counter: wordCounter,
			pricing: fakePricing,
			clock: systemClock,
			random: seededRandom(1),
			budgetStore: store,
			summarizer: createLiveSummarizer({ transports, counter: wordCounter }),
		});
		const records: LiveCallRecord[] = [];
		const metrics = new AgentMetrics();
		const live = new LiveCalls({
			engine,
			config,
			counter: wordCounter,
			clock: systemClock,
			random: seededRandom(1),
			transports,
			sleep: async () => {},
			metrics,
			recorder: { append: async rec => void records.push(rec) },
		});
		server.enqueue({ type: 'reply', text: 'SUMMARY: the user asked about caching twice.', usage: { input: 260, output: 11 } }, { model: 'gpt-4o-mini' });
		server.enqueue({ type: 'reply', text: 'final answer', usage: { input: 90, output: 2 } });
		const history: ProviderMessage[] = [{ role: 'system', content: 'You are terse.' }];
		for (let i = 0; i < 4; i++) history.push({ role: 'user', content: words(40, `q${i}`) }, { role: 'assistant', content: words(40, `a${i}`) });
		history.push({ role: 'user', content: 'And now?' });
		const r = await live.run({ runId: 'run-sum', messages: history, pinnedModel: 'gpt-4o', maxOutputTokens: 20 });

		assert.equal(server.requests.length, 2);
		const summaryCall = server.requests[0].body as { model: string; messages: { role: string; content: string }[] };
		assert.equal(summaryCall.model, 'gpt-4o-mini');
		assert.equal(summaryCall.messages[0].role, 'system');
		assert.match(summaryCall.messages[0].content, /^Summarize the conversation/);
		const mainCall = server.requests[1].body as { model: string; messages: { role: string; content: string }[] };
		assert.equal(mainCall.model, 'gpt-4o');
		assert.ok(
			mainCall.messages.some(m => m.content.includes('SUMMARY: the user asked about caching twice.')),
			'the summary replaces the older history',
		);
		assert.equal(mainCall.messages[mainCall.messages.length - 1].content, 'And now?');
		assert.equal(r.text, 'final answer');
		const s = await engine.status('run-sum');
		const summaryUsd = usd('gpt-4o-mini', { input: 260, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 11, reasoning: 0 });
		assert.ok(Math.abs(s.run.spent - (summaryUsd + r.costUsd!)) < 1e-8, 'the summary call is charged to the run');
		assert.equal(s.run.reserved, 0);
		// …and reported: the recording has the summary as a call line of its own, so recorded costs
		// add up to what the budget was charged, and the metrics count it.
		const lines = toRecordedCalls(records[0]);
		assert.deepEqual(
			lines.map(l => [l.model, l.status ?? 'ok', l.purpose ?? 'step', l.thread ?? 'main']),
			[
				['gpt-4o-mini', 'ok', 'summary', 'summary'],
				['gpt-4o', 'ok', 'step', 'main'],
			],
			'the summary is marked as a side call, on a thread of its own (replays keep it at its recorded cost)',
		);
		assert.ok(Math.abs(lines.reduce((n, l) => n + (l.costUsd ?? 0), 0) - s.run.spent) < 1e-8);
		const cost = metrics
			.snapshot()
			.find(f => f.name === 'agent_cost_usd_total')!
			.samples.reduce((n, x) => n + x.value, 0);
		assert.ok(Math.abs(cost - s.run.spent) < 1e-8, 'the metrics count the summary too');
	});

	it('a summary that fails falls back to truncation; a possibly-billed failure (timeout) is charged its prompt', async () => {
		const { config } = parseEngineConfig({
			'agentCost.compression.strategy': 'summarize',
			'agentCost.compression.maxTokensBeforeCompression': 200,
			'agentCost.compression.tokensToKeepRecent': 50,
			'agentCost.cache.enabled': false,
		});
		const transports = { openai: new OpenAITransport({ secrets: secretsOf({ openai: canary.openai }), baseUrl: server.openaiBaseUrl }) };
		const store = new RecordingBudgetStore();
		const engine = createPolicyEngine({
			config,
			counter: wordCounter,
			pricing: fakePricing,
			clock: systemClock,
			random: seededRandom(1),
			budgetStore: store,
			summarizer: createLiveSummarizer({ transports, counter: wordCounter, timeoutMs: 300 }),
		});
		const records: LiveCallRecord[] = [];
		const live = new LiveCalls({
			engine,
			config,
			counter: wordCounter,
			clock: systemClock,
			random: seededRandom(1),
			transports,
			sleep: async () => {},
			recorder: { append: async rec => void records.push(rec) },
		});
		server.enqueue({ type: 'hang' }, { model: 'gpt-4o-mini' });
		server.enqueue({ type: 'reply', text: 'answered anyway', usage: { input: 60, output: 3 } }, { model: 'gpt-4o' });
		const history: ProviderMessage[] = [{ role: 'system', content: 'You are terse.' }];
		for (let i = 0; i < 4; i++) history.push({ role: 'user', content: words(40, `q${i}`) }, { role: 'assistant', content: words(40, `a${i}`) });
		history.push({ role: 'user', content: 'And now?' });
		let planned: Plan | undefined;
		const r = await live.run({ runId: 'run-sum-fail', messages: history, pinnedModel: 'gpt-4o', maxOutputTokens: 20 }, { onPlan: p => (planned = p) });
		assert.equal(r.text, 'answered anyway');
		assert.ok(
			planned?.explanation.some(e => e.rule === 'compress.summaryFailed'),
			'the explanation says the summary failed',
		);
		const s = await engine.status('run-sum-fail');
		assert.equal(s.run.reserved, 0);
		const charge = records[0].otherCharges?.find(c => c.purpose === 'summary');
		assert.ok(charge && charge.estimated && charge.usage.output === 0 && charge.usage.input > 0, 'the timed-out summary is charged its prompt, marked estimated');
		assert.ok(Math.abs(s.run.spent - (r.costUsd! + charge.costUsd!)) < 1e-8);
	});

	it('tool calls and results survive the neutral → engine → provider round trip', async () => {
		const h = harness(server);
		server.enqueue({ type: 'reply', text: 'done' });
		await h.live.run(
			ask('run-tools', {
				messages: [
					{ role: 'system', content: 'sys' },
					{ role: 'user', content: 'weather?' },
					{ role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' }] },
					{ role: 'tool', toolCallId: 'call_9', content: 'rain', isError: false },
				],
				tools: [{ name: 'weather', parameters: { type: 'object' } }],
			}),
		);
		const body = server.requests[0].body as { messages: unknown[] };
		assert.deepEqual(body.messages, [
			{ role: 'system', content: 'sys' },
			{ role: 'user', content: 'weather?' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
			{ role: 'tool', tool_call_id: 'call_9', content: 'rain' },
		]);
	});
});
