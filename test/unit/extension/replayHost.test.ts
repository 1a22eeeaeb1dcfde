import { fixedModelOf } from '../../../src/core/config/defaults';
import * as assert from 'node:assert/strict';
import { deserializeError, EngineJobError, serializeError } from '../../../src/core/jobs/jobProtocol';
import { CancelledError } from '../../../src/core/lib/errors';
import type { ReplayComparison } from '../../../src/core/replay/comparison';
import { ReplayJobError } from '../../../src/core/jobs/replayJobs';
import { LiveJobError } from '../../../src/core/jobs/liveJobs';
import { EngineError } from '../../../src/core/lib/errors';
import { TranscriptImportError } from '../../../src/core/transcripts/importErrors';
import { replayConfig, sweepParameterList } from '../../../src/extension/webviews/replayDefaults';
import { replayErrorInfo, ReplayRequestError } from '../../../src/extension/webviews/replayErrors';
import { renderComparisonExport } from '../../../src/extension/webviews/replayExport';

/** What the host gets when an error thrown in the engine worker crosses the thread boundary. */
const fromWorker = (e: unknown) => deserializeError(JSON.parse(JSON.stringify(serializeError(e))));

describe('replay panel host: errors → user text (one place)', () => {
	it('import failures keep their reason and say what to do, naming the file and line', () => {
		const malformed = replayErrorInfo(fromWorker(new TranscriptImportError('malformed', 'invalid JSON: Unexpected token', { file: 'runs/a.jsonl', line: 7 })));
		assert.equal(malformed.reason, 'malformed');
		assert.match(malformed.message, /runs\/a\.jsonl:7/);
		assert.match(malformed.message, /Fix or remove that line/);
		const unknown = replayErrorInfo(fromWorker(new TranscriptImportError('unknownFormat', 'no importer recognized the content', { file: 'notes.md', formatsTried: ['aider', 'claude-code'] })));
		assert.equal(unknown.reason, 'unknownFormat');
		assert.match(unknown.message, /Formats tried: aider, claude-code\./);
		assert.match(unknown.message, /Supported: Claude Code/);
		for (const reason of ['truncated', 'badStructure', 'empty', 'tooLarge', 'unreadable', 'internal'] as const) {
			const info = replayErrorInfo(fromWorker(new TranscriptImportError(reason, 'x', { file: 'f.json' })));
			assert.equal(info.reason, reason);
			assert.match(info.message, /f\.json: x/);
		}
	});

	it("cancellation, a lost worker and the panel's own failures map to their reasons", () => {
		assert.deepEqual(replayErrorInfo(fromWorker(new CancelledError())), { reason: 'cancelled', message: 'Cancelled.' });
		assert.equal(replayErrorInfo(new EngineJobError('crashed', 'engine worker exited with code 1')).reason, 'engineCrashed');
		assert.match(replayErrorInfo(new EngineJobError('crashed', 'engine worker exited with code 1')).message, /restarts on the next run/);
		assert.equal(replayErrorInfo(new EngineJobError('timeout', 't')).reason, 'engineCrashed');
		assert.equal(replayErrorInfo(new EngineJobError('disposed', 'd')).reason, 'engineStopped');
		assert.equal(replayErrorInfo(new ReplayJobError('unknownTranscript', 'gone')).reason, 'engineCrashed');
		assert.deepEqual(replayErrorInfo(new ReplayRequestError('noComparison', 'Run a comparison first.')), { reason: 'noComparison', message: 'Run a comparison first.' });
		// An unexpected error in the worker is a bug: said so, with its first line only.
		const bug = replayErrorInfo(fromWorker(new TypeError('x is undefined\n    at stack')));
		assert.deepEqual(bug, { reason: 'internal', message: 'The engine failed: x is undefined' });
		assert.equal(replayErrorInfo('weird').reason, 'internal');
	});

	it('the probe: Restricted Mode, a model without a price and an unreachable budget store get their own reasons', () => {
		class Untrusted extends EngineError<'untrusted'> {
			readonly kind = 'trust';
		}
		assert.deepEqual(replayErrorInfo(new Untrusted('untrusted', 'Live calls need a trusted workspace.')), { reason: 'untrusted', message: 'Live calls need a trusted workspace.' });
		const typo = replayErrorInfo(fromWorker(new LiveJobError('unknownModel', 'gpt-4o-minni has no price (did you mean gpt-4o-mini?)')));
		assert.equal(typo.reason, 'badRequest');
		assert.match(typo.message, /did you mean gpt-4o-mini\?\) Fix the model in the scenario's settings\./);
		const store = replayErrorInfo(fromWorker(new LiveJobError('storeUnavailable', 'Redis at 127.0.0.1:6390 is unreachable')));
		assert.deepEqual(store, { reason: 'liveUnavailable', message: 'The live path cannot run as configured: Redis at 127.0.0.1:6390 is unreachable' });
	});
});

describe('replay panel host: defaults from the user settings', () => {
	it('builds the form defaults from agentCost.* settings, reading the old routing.enabled as the fixed mode', () => {
		const { defaults } = replayConfig({ tiers: { cheap: 'claude-haiku-4-5' }, compression: { strategy: 'window' }, budget: { runUsd: 2 } });
		assert.equal(defaults.productDefaults.tiers.cheap, 'claude-haiku-4-5');
		assert.equal(defaults.productDefaults.compression.strategy, 'window');
		assert.equal(defaults.productDefaults.budget.runUsd, 2);
		assert.equal(defaults.productDefaults.routing.mode, 'tiered');
		assert.equal(defaults.asRecorded.routing.mode, 'asRequested');
		assert.equal(defaults.asRecorded.compression.strategy, 'none');
		assert.deepEqual(defaults.settingsProblems, []);
		const off = replayConfig({ routing: { enabled: false }, tiers: { medium: 'gpt-4.1' } }).defaults.productDefaults;
		assert.deepEqual([off.routing.mode, fixedModelOf(off)], ['fixed', 'gpt-4.1']);
	});

	it('bad settings fall back and are reported; nothing secret-bearing reaches the webview', () => {
		const secret = 'hunter2-s3cr3t';
		const { defaults, problems } = replayConfig({
			budget: { runUsd: -3 },
			store: { redisUrl: `redis://:${secret}@cache.internal:6379/0`, keyPrefix: secret },
			providers: { openai: { baseUrl: `https://user:${secret}@proxy.example` } },
		});
		assert.equal(defaults.productDefaults.budget.runUsd, 0.5);
		assert.equal(defaults.settingsProblems.length, 1);
		assert.match(defaults.settingsProblems[0], /^agentCost\.budget\.runUsd: must be ≥ 0/);
		assert.ok(
			problems.some(p => p.key === 'agentCost.store.redisUrl'),
			'the store problem goes to the log, not the webview',
		);
		assert.ok(!JSON.stringify(defaults).includes(secret));
		assert.ok(!JSON.stringify(sweepParameterList()).includes(secret));
	});

	it('lists every sweep parameter with its label', () => {
		const list = sweepParameterList();
		assert.ok(list.some(p => p.id === 'compression.maxTokensBeforeCompression' && p.integer && p.label === 'Compression trigger (tokens)'));
		assert.ok(list.some(p => p.id === 'budget.runUsd' && !p.integer));
	});
});

describe('replay panel host: exports', () => {
	const { defaults } = replayConfig({});
	const c: ReplayComparison = {
		transcript: { file: 'runs/a|b.json', format: 'mini-swe-agent', calls: 1, models: ['gpt-4o'] },
		baseline: {
			kind: 'recorded',
			costUsd: 0.01,
			pricedCostUsd: 0.01,
			inputTokens: 1000,
			outputTokens: 10,
			cacheReadTokens: 0,
			steps: 1,
			unpricedSteps: 0,
			cumulativeUsd: [0.01],
			inputPerStep: [1000],
		},
		scenarios: [
			{
				name: 'Cheap, "quoted"',
				settings: defaults.productDefaults,
				costUsd: 0.002,
				pricedCostUsd: 0.002,
				inputTokens: 900,
				outputTokens: 12,
				cacheReadTokens: 0,
				cacheWriteTokens: 0,
				steps: 1,
				stoppedAtStep: null,
				unpricedSteps: 0,
				estimated: true,
				risk: { modelChangedSteps: 1, modelChangedTo: { cheap: 1 }, observationsElided: 0, elidedReferencedLater: 0, contextTokensDropped: 0, semanticCacheHits: 0, budgetStopStep: null },
				notes: [],
				perStep: [
					{
						step: 1,
						callIndex: 0,
						thread: 'main',
						recordedModel: 'gpt-4o',
						model: 'gpt-4o-mini',
						routing: ['simple'],
						usage: { input: 900, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 12, reasoning: 0 } as never,
						recorded: false,
						outputEstimated: true,
						cache: 'cold',
						costUsd: 0.002,
						cumulativeUsd: 0.002,
						baselineCostUsd: 0.01,
						baselineCumulativeUsd: 0.01,
					},
				],
			},
		],
	};

	it('renders Markdown, CSV and JSON with the matching editor language', () => {
		const md = renderComparisonExport(c, 'markdown');
		assert.equal(md.language, 'markdown');
		assert.match(md.content, /^# Replay of runs\/a\\\|b\.json/);
		assert.match(md.content, /\| Cheap, "quoted" \| ≈\$0\.002 \| -80\.0% \|/);
		const csv = renderComparisonExport(c, 'csv');
		assert.equal(csv.language, 'plaintext');
		const rows = csv.content.trimEnd().split('\r\n');
		assert.equal(rows.length, 2);
		assert.match(rows[1], /^"Cheap, ""quoted""",1,main,gpt-4o,gpt-4o-mini,900,/);
		const json = renderComparisonExport(c, 'json');
		assert.equal(json.language, 'json');
		const parsed = JSON.parse(json.content) as { baseline: { costUsd: number }; scenarios: { name: string; perStep: unknown[] }[] };
		assert.equal(parsed.baseline.costUsd, 0.01);
		assert.equal(parsed.scenarios[0].perStep.length, 1);
	});
});
