// The promise of replay: it shows what the live policy would have done. Proved here end to end: an
// agent makes real calls through PolicyEngine and LiveCalls (the official SDKs against the local
// fake provider server), the calls are recorded in the product's recording format, and replaying
// that recording under the same settings decides every step the same way — routing, response
// cache, compression, budget — for every routing mode, compression strategy and budget policy.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetExceededError, UnpricedModelError } from '../../../src/core/budget/budgetErrors';
import { RecordingBudgetStore } from '../../../src/core/budget/budgetLedger';
import { estimatingSummarizer } from '../../../src/core/compression/history';
import type { EngineConfig } from '../../../src/core/config/defaults';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { createPolicyEngine } from '../../../src/core/engine/policyEngine';
import type { LiveCallRecord } from '../../../src/core/live/liveCallRecord';
import { LiveCalls } from '../../../src/core/live/liveCalls';
import type { ProviderMessage } from '../../../src/core/ports/llmTransport';
import { seededRandom, systemClock } from '../../../src/core/ports/clock';
import { defaultPriceCatalog } from '../../../src/core/pricing/catalog';
import { PreparedRun } from '../../../src/core/replay/preparedRun';
import type { ReplayScenario } from '../../../src/core/replay/scenario';
import { simulateScenario, type ScenarioResult } from '../../../src/core/replay/simulator';
import { parseChatJson } from '../../../src/core/tokens/chatShapes';
import { parseRecording } from '../../../src/core/transcripts/recording';
import { JsonlCallRecorder } from '../../../src/node/jsonlCallRecorder';
import { AnthropicTransport } from '../../../src/node/providers/anthropicTransport';
import { OpenAITransport } from '../../../src/node/providers/openaiTransport';
import { startFakeProviderServer, type FakeProviderServer } from '../../support/fakeProviderServer';
import { wordCounter, words } from '../../support/policyFakes';
import { canary, secretsOf } from './providers/providerTestKit';

const catalog = defaultPriceCatalog();

/** What a live call decided, as its recording line keeps it. */
interface LiveStep {
	readonly model: string;
	readonly status: LiveCallRecord['status'];
	readonly policy: LiveCallRecord['policy'];
}

/**
 * A small coding agent: a task, then N steps that each call a tool and append its (large, sometimes
 * failing) output; step 5 repeats step 4's request verbatim (a retry the response cache can answer).
 */
async function runAgent(server: FakeProviderServer, settings: Record<string, unknown>, steps: number): Promise<{ config: EngineConfig; live: LiveStep[]; recording: string }> {
	const { config, problems } = parseEngineConfig(settings);
	assert.deepEqual(problems, []);
	const engine = createPolicyEngine({
		config,
		counter: wordCounter,
		pricing: catalog,
		clock: systemClock,
		random: seededRandom(7),
		budgetStore: new RecordingBudgetStore(),
		summarizer: estimatingSummarizer,
	});
	const recording = join(mkdtempSync(join(tmpdir(), 'equivalence-')), 'run.agent-cost.jsonl');
	const file = new JsonlCallRecorder(recording, { fsync: false });
	const records: LiveCallRecord[] = [];
	const secrets = secretsOf({ openai: canary.openai, anthropic: canary.anthropic });
	const live = new LiveCalls({
		engine,
		config,
		counter: wordCounter,
		clock: systemClock,
		random: seededRandom(3),
		transports: { openai: new OpenAITransport({ secrets, baseUrl: server.openaiBaseUrl }), anthropic: new AnthropicTransport({ secrets, baseUrl: server.anthropicBaseUrl }) },
		recorder: {
			append: async r => {
				records.push(r);
				await file.append(r);
			},
		},
		sleep: async () => {},
	});
	const history: ProviderMessage[] = [
		{ role: 'system', content: `You are a coding agent. ${words(40, 'rules')}` },
		{ role: 'user', content: 'Fix the failing test in the parser module and explain the fix.' },
	];
	let previous: readonly ProviderMessage[] | undefined;
	for (let step = 1; step <= steps; step++) {
		const messages = step === 5 && previous ? previous : [...history];
		previous = messages;
		try {
			const r = await live.run({ runId: 'agent-run', messages, requestedModel: 'gpt-4o', step: { index: step }, stream: step % 2 === 0 });
			if (step === 5) continue; // the retry changes nothing in the agent's history
			const call = r.toolCalls[0];
			if (!call) break;
			history.push({ role: 'assistant', content: r.text, toolCalls: r.toolCalls });
			const failing = step % 3 === 0;
			history.push({ role: 'tool', toolCallId: call.id, content: failing ? `Traceback: AssertionError in test_parse ${words(700, 'frame')}` : `ok ${words(300 + 60 * step, 'line')}` });
		} catch (e) {
			if (BudgetExceededError.is(e) || UnpricedModelError.is(e)) break;
			throw e;
		}
	}
	return { config, live: records.map(r => ({ model: r.model, status: r.status, policy: r.policy })), recording: readFileSync(recording, 'utf8') };
}

async function replay(recording: string, config: EngineConfig): Promise<ScenarioResult> {
	const transcript = parseRecording(recording, { file: 'run.agent-cost.jsonl', counter: wordCounter });
	const run = new PreparedRun(transcript, { counter: wordCounter, catalog });
	const scenario: ReplayScenario = { ...config, name: 'as configured', promptCache: { mode: 'simulate', ttl: 'asRecorded', systemBreakpoint: true, fromStep: 0 }, assumedStepGapSeconds: 10 };
	return simulateScenario(run, scenario);
}

/** Every live decision, step by step, equals the replay's; a live refusal is where the replay stops. */
function assertSameDecisions(live: readonly LiveStep[], replayed: ScenarioResult, label: string): void {
	const steps = replayed.perStep.filter(s => s.tier !== 'recorded');
	const refused = live.findIndex(s => s.status === 'refused');
	const decided = refused >= 0 ? live.slice(0, refused) : live;
	assert.ok(decided.length >= 2, `${label}: the agent made at least two calls`);
	assert.equal(steps.length, decided.length, `${label}: one replayed step per live call`);
	decided.forEach((l, i) => {
		const r = steps[i]!;
		assert.ok(l.policy, `${label}: live call ${i + 1} recorded its decision`);
		assert.deepEqual(r.decision, l.policy, `${label}: step ${i + 1} decided alike (live ${JSON.stringify(l.policy)})`);
		if (l.status !== 'cacheHit') assert.equal(r.model, l.model, `${label}: step ${i + 1} used the same model`);
	});
	if (refused >= 0) {
		assert.equal(replayed.stoppedAtStep, refused + 1, `${label}: the replay stops where the live budget refused`);
		assert.equal(live[refused]!.policy?.budget, 'refuse');
	} else assert.equal(replayed.stoppedAtStep, null, `${label}: neither run was stopped`);
}

describe('one policy pipeline: replaying live calls decides every step the same way', function () {
	this.timeout(60_000);
	let server: FakeProviderServer;
	before(async () => {
		server = await startFakeProviderServer({
			keys: { openai: canary.openai, anthropic: canary.anthropic },
			// The provider reports the prompt as the product counts it, so recorded and replayed budgets meet.
			countInput: (_provider, body) => {
				const chat = parseChatJson(body);
				return chat ? wordCounter.countChat('any', chat.messages).tokens : 1;
			},
			defaultReply: { text: 'Running the tests.', toolCalls: [{ name: 'shell', arguments: { cmd: 'pytest -x' } }], usage: { output: 40 } },
		});
	});
	after(() => server.close());
	beforeEach(() => server.reset());

	const base = {
		'agentCost.cache.enabled': true,
		'agentCost.budget.dailyUsd': 0,
		'agentCost.budget.maxSteps': 0,
		'agentCost.budget.runUsd': 0,
		'agentCost.compression.strategy': 'none',
		'agentCost.compression.toolResponseMaxTokens': 0,
		'agentCost.defaults.maxOutputTokens': 500,
	};
	const cases: readonly [label: string, settings: Record<string, unknown>][] = [
		['tiered routing', { 'agentCost.routing.mode': 'tiered' }],
		['fixed routing', { 'agentCost.routing.mode': 'fixed', 'agentCost.routing.model': 'gpt-4.1-mini' }],
		['asRequested routing', { 'agentCost.routing.mode': 'asRequested' }],
		[
			'truncate + tool outputs',
			{
				'agentCost.compression.strategy': 'truncate',
				'agentCost.compression.maxTokensBeforeCompression': 1500,
				'agentCost.compression.tokensToKeepRecent': 600,
				'agentCost.compression.toolResponseMaxTokens': 250,
			},
		],
		['sliding window', { 'agentCost.compression.strategy': 'window', 'agentCost.compression.maxTokensBeforeCompression': 1500, 'agentCost.compression.windowMessages': 2 }],
		['summarize', { 'agentCost.compression.strategy': 'summarize', 'agentCost.compression.maxTokensBeforeCompression': 1800, 'agentCost.compression.tokensToKeepRecent': 500 }],
		['every 3 steps', { 'agentCost.compression.strategy': 'truncate', 'agentCost.compression.triggerSteps': 3, 'agentCost.compression.tokensToKeepRecent': 400 }],
		['hard budget', { 'agentCost.routing.mode': 'asRequested', 'agentCost.budget.runUsd': 0.03 }],
		['soft budget', { 'agentCost.routing.mode': 'asRequested', 'agentCost.budget.policy': 'soft', 'agentCost.budget.runUsd': 0.03 }],
		['warn budget', { 'agentCost.routing.mode': 'asRequested', 'agentCost.budget.policy': 'warn', 'agentCost.budget.runUsd': 0.01 }],
		['step limit', { 'agentCost.budget.maxSteps': 4 }],
		['response cache off', { 'agentCost.cache.enabled': false }],
		['observation masking', { 'agentCost.compression.strategy': 'observationMask', 'agentCost.compression.keepObservations': 2, 'agentCost.compression.maskEverySteps': 3 }],
		[
			'observation masking + tool outputs',
			{
				'agentCost.compression.strategy': 'observationMask',
				'agentCost.compression.keepObservations': 1,
				'agentCost.compression.maskEverySteps': 2,
				'agentCost.compression.toolResponseMaxTokens': 250,
			},
		],
		[
			'escalation routing',
			{
				'agentCost.routing.mode': 'escalate',
				'agentCost.routing.escalation.toolErrors': 1,
				'agentCost.routing.escalation.repeatedCalls': 3,
				'agentCost.routing.escalation.deescalateAfter': 2,
			},
		],
		[
			'escalation + masking + soft budget',
			{
				'agentCost.routing.mode': 'escalate',
				'agentCost.compression.strategy': 'observationMask',
				'agentCost.compression.keepObservations': 2,
				'agentCost.compression.maskEverySteps': 2,
				'agentCost.budget.policy': 'soft',
				'agentCost.budget.runUsd': 0.05,
			},
		],
	];
	for (const [label, settings] of cases) {
		it(label, async () => {
			const { config, live, recording } = await runAgent(server, { ...base, ...settings }, 9);
			assertSameDecisions(live, await replay(recording, config), label);
		});
	}

	it('the cases exercise what they are named for', async () => {
		const rules = async (settings: Record<string, unknown>) => {
			const { live } = await runAgent(server, { ...base, ...settings }, 9);
			return new Set(live.flatMap(s => s.policy?.rules ?? []));
		};
		const all = new Map<string, Set<string>>();
		for (const [label, settings] of cases) all.set(label, await rules(settings));
		assert.ok(all.get('tiered routing')!.has('agent.toolError'), 'a failing tool output moved the tier');
		assert.ok(all.get('fixed routing')!.has('route.fixed'));
		assert.ok(all.get('asRequested routing')!.has('route.asRequested'));
		assert.ok(all.get('truncate + tool outputs')!.has('compress.truncate') && all.get('truncate + tool outputs')!.has('compress.toolOutputs'));
		assert.ok(all.get('sliding window')!.has('compress.window'));
		assert.ok(all.get('summarize')!.has('compress.summarize'));
		assert.ok(all.get('hard budget')!.has('budget.refused.run'));
		assert.ok(all.get('soft budget')!.has('budget.downgraded'));
		assert.ok(all.get('warn budget')!.has('budget.overLimit'));
		assert.ok(all.get('step limit')!.has('budget.refused.steps'));
		assert.ok(all.get('tiered routing')!.has('cache.exact'), 'the repeated request was answered by the response cache');
		assert.ok(all.get('observation masking')!.has('compress.observationMask'));
		assert.ok(all.get('observation masking + tool outputs')!.has('compress.observationMask') && all.get('observation masking + tool outputs')!.has('compress.toolOutputs'));
		for (const rule of ['route.escalate.start', 'route.escalate.toolErrors', 'route.escalate.up', 'route.escalate.down', 'route.escalate.repeatedCall'])
			assert.ok(all.get('escalation routing')!.has(rule), `escalation routing fired ${rule}`);
	});
});
