import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { defaultEngineConfig } from '../../../src/core/config/parseEngineConfig';
import type { TokenCounter } from '../../../src/core/ports/tokenCounter';
import { createPriceCatalog } from '../../../src/core/pricing/catalog';
import type { Usage } from '../../../src/core/pricing/usage';
import type { ReplayComparison, SweepResult } from '../../../src/core/replay/comparison';
import { compareScenarios } from '../../../src/core/replay/comparison';
import { PreparedRun } from '../../../src/core/replay/preparedRun';
import { asRecordedScenario, productDefaultScenario } from '../../../src/core/replay/scenario';
import type { ReplayStep, ScenarioResult } from '../../../src/core/replay/simulator';
import { countChat, countText } from '../../../src/core/tokens/count';
import { accountTranscript } from '../../../src/core/transcripts/accounting';
import { reportEntry } from '../../../src/core/transcripts/reportEntry';
import { readTranscriptFile } from '../../../src/node/transcriptFiles';
import type { TranscriptView } from '../../../src/protocol/replay';
import type { ProbeResult } from '../../../src/core/live/shadowProbe';
import {
	comparisonSeries,
	deltaText,
	moneyCell,
	parseSweepValues,
	probeStepTable,
	probeTierTable,
	reportCallsTable,
	reportTotals,
	riskHelp,
	riskTable,
	stepRiskText,
	stepTable,
	summaryTable,
	sweepTable,
	tokensCell,
	transcriptSummary,
	usageSourceText,
} from '../../../webview/replay/tableModels';
import { transcriptsDir } from '../../support/paths';

const usage = (input: number, output: number, cacheRead = 0): Usage => ({ input, cacheRead, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 }) as Usage;
const config = defaultEngineConfig();

function step(n: number, over: Partial<ReplayStep> = {}): ReplayStep {
	return {
		step: n,
		callIndex: n - 1,
		thread: 'main',
		recordedModel: 'gpt-4o',
		model: 'gpt-4o',
		routing: ['as recorded'],
		usage: usage(1000 * n, 100),
		recorded: true,
		outputEstimated: false,
		cache: 'asRecorded',
		costUsd: 0.01 * n,
		cumulativeUsd: 0.01 * n,
		baselineCostUsd: 0.01 * n,
		baselineCumulativeUsd: 0.01 * n,
		...over,
	};
}

function scenario(name: string, perStep: ReplayStep[], over: Partial<ScenarioResult> = {}): ScenarioResult {
	return {
		name,
		settings: { ...asRecordedScenario(config), name },
		costUsd: perStep.some(p => p.costUsd === null) ? null : perStep.reduce((s, p) => s + (p.costUsd ?? 0), 0),
		pricedCostUsd: perStep.reduce((s, p) => s + (p.costUsd ?? 0), 0),
		inputTokens: perStep.reduce((s, p) => s + p.usage.input, 0),
		outputTokens: perStep.reduce((s, p) => s + p.usage.output, 0),
		cacheReadTokens: 0,
		cacheWriteTokens: 0,
		steps: perStep.length,
		stoppedAtStep: null,
		unpricedSteps: perStep.filter(p => p.costUsd === null).length,
		estimated: perStep.some(p => !p.recorded),
		risk: { modelChangedSteps: 0, modelChangedTo: {}, observationsElided: 0, elidedReferencedLater: 0, contextTokensDropped: 0, semanticCacheHits: 0, budgetStopStep: null },
		perStep,
		notes: [],
		...over,
	};
}

const comparison = (scenarios: ScenarioResult[]): ReplayComparison => ({
	transcript: { file: 'x.json', format: 'openai-chat-messages', calls: 3, models: ['gpt-4o'] },
	baseline: {
		kind: 'recorded',
		costUsd: 0.06,
		pricedCostUsd: 0.06,
		inputTokens: 6000,
		outputTokens: 300,
		cacheReadTokens: 0,
		steps: 3,
		unpricedSteps: 0,
		cumulativeUsd: [0.01, 0.03, 0.06],
		inputPerStep: [1000, 2000, 3000],
	},
	scenarios,
});

describe('replay panel table models (DOM-free)', () => {
	it('money: an unknown price is "no price", never $0; estimates carry ≈', () => {
		assert.deepEqual(moneyCell(null).text, 'no price');
		assert.equal(moneyCell(null).cls, 'no-price');
		assert.equal(moneyCell(undefined).text, 'no price');
		assert.equal(moneyCell(Number.NaN).text, 'no price');
		assert.equal(moneyCell(0).text, '$0.00');
		assert.equal(moneyCell(0.1234, true).text, '≈$0.123');
		assert.equal(moneyCell(0.1234, true).cls, 'estimate');
		assert.equal(tokensCell(12345, true).text, '≈12,345');
		assert.equal(tokensCell(12345).text, '12,345');
	});

	it('Δ% against the baseline, signed, and n/a on a $0 baseline', () => {
		assert.equal(deltaText(0.068, 0.1), '-32.0%');
		assert.equal(deltaText(0.125, 0.1), '+25.0%');
		assert.equal(deltaText(0.1, 0.1), '0.0%');
		assert.equal(deltaText(0.1000001, 0.1), '0.0%');
		assert.equal(deltaText(0.5, 0), 'n/a');
		assert.equal(deltaText(0, 0), '0.0%');
	});

	it('usage sources not recorded by the provider are marked ≈', () => {
		assert.equal(usageSourceText('recorded'), 'recorded');
		for (const s of ['counted', 'rounded', 'placeholder-output'] as const) assert.match(usageSourceText(s), /^≈ /);
	});

	it('summary: baseline row then one row per scenario with cost, Δ, tokens, steps and stop step', () => {
		const cheap = scenario('Cheap', [step(1, { model: 'gpt-4o-mini', recorded: false, costUsd: 0.001 }), step(2, { model: 'gpt-4o-mini', recorded: false, costUsd: 0.002 })], {
			stoppedAtStep: 3,
			stopReason: 'step limit 2 reached',
			estimated: true,
		});
		const unpriced = scenario('Unknown model', [step(1, { model: 'my-private-model', costUsd: null, recorded: false })], { estimated: true });
		const t = summaryTable(comparison([cheap, unpriced]), 1);
		assert.deepEqual(
			t.rows.map(r => r.key),
			['baseline', 'scenario-0', 'scenario-1'],
		);
		assert.deepEqual(
			t.rows[0].cells.map(c => c.text),
			['Baseline (as recorded)', '$0.060', '—', '6,000', '0', '300', '3', '—'],
		);
		assert.deepEqual(
			t.rows[1].cells.map(c => c.text),
			['Cheap', '≈$0.003', '-95.0%', '≈3,000', '≈0', '≈200', '2', '3'],
		);
		assert.equal(t.rows[1].cells[2].cls, 'better');
		assert.equal(t.rows[1].cells[7].title, 'step limit 2 reached');
		// Every step unpriced: the scenario's cost is unknown, not $0.
		assert.equal(t.rows[2].cells[1].text, 'no price');
		assert.equal(t.rows[2].cls, 'selected');
		assert.equal(t.columns.length, t.rows[0].cells.length);
	});

	it('steps: model changes, estimates, cache, routing, compression and budget events; a stop row at the end', () => {
		const s = scenario(
			'Compressed',
			[
				step(1),
				step(2, {
					model: 'gpt-4o-mini',
					recorded: false,
					outputEstimated: true,
					cache: 'prefixChanged',
					routing: ['simple task'],
					compression: { strategy: 'summarize', trigger: 'over 4000 tokens', tokensBefore: 5200, tokensAfter: 1800, summaryUsd: 0.0004 },
					budget: { kind: 'warn', text: 'budget: 85% of the $0.5 run budget' },
				}),
			],
			{ stoppedAtStep: 3, stopReason: 'run budget $0.50 reached' },
		);
		const t = stepTable(s);
		assert.equal(t.rows.length, 3);
		const [first, second, stop] = t.rows;
		assert.equal(first.cells[1].text, 'gpt-4o');
		assert.equal(first.cells[2].text, '1,000');
		assert.equal(second.cells[1].text, 'gpt-4o-mini (was gpt-4o)');
		assert.equal(second.cells[2].text, '≈2,000');
		assert.equal(second.cells[3].text, '≈100');
		assert.equal(second.cells[6].text, 'prefix changed');
		assert.equal(second.cells[7].text, '≈$0.020');
		assert.equal(second.cells[9].text, 'simple task');
		assert.equal(second.cells[10].text, 'summarize (over 4000 tokens): 5,200 → 1,800 tokens, summary <$0.001');
		assert.equal(second.cells[11].text, 'budget: 85% of the $0.5 run budget');
		assert.equal(stop.key, 'stopped');
		assert.match(stop.cells[1].text, /run budget \$0\.50 reached/);
		assert.equal(stop.cells.length, t.columns.length);
		// A limit leaves rows out and says how many (no stop row until all steps show).
		const limited = stepTable(s, 1);
		assert.equal(limited.rows.length, 1);
		assert.equal(limited.omitted, 1);
	});

	it('risk next to savings: one plainly named column per risk with its definition, per-step risk in words, no single score', () => {
		const risky = scenario('masked + cheap', [step(1), step(2, { model: 'gpt-4o-mini', risk: { observationsElided: 2, elidedReferenced: 1, contextTokensDropped: 4117 } })], {
			risk: { modelChangedSteps: 1, modelChangedTo: { cheap: 1 }, observationsElided: 2, elidedReferencedLater: 1, contextTokensDropped: 4117, semanticCacheHits: 0, budgetStopStep: null },
		});
		const safe = scenario('as recorded', [step(1), step(2)]);
		const t = riskTable(comparison([safe, risky]), 1);
		assert.deepEqual(
			t.columns.map(c => c.label),
			['Scenario', 'Steps on another model', 'Observations elided', 'Elided, needed later', 'Context tokens dropped', 'Semantic cache hits', 'Budget stop'],
		);
		assert.ok(
			t.columns.slice(1).every(c => (c.title ?? '').length > 40),
			'every column carries its definition',
		);
		assert.deepEqual(
			t.rows[1]!.cells.map(c => c.text),
			['masked + cheap', '1 (1 → cheap)', '2', '1', '4,117', '0', '—'],
		);
		assert.equal(t.rows[1]!.cls, 'selected');
		assert.equal(t.rows[1]!.cells[3]!.cls, 'worse', 'an elided observation the run needed later stands out');
		assert.ok(
			t.rows[0]!.cells.slice(1).every(c => c.cls === 'muted'),
			'nothing at risk reads muted',
		);
		assert.equal(riskHelp.length, 6);
		assert.match(riskHelp.find(h => h.label === 'Elided, needed later')!.definition, /file path, identifier or error message/);
		assert.equal(stepRiskText(risky.perStep[1]!), '2 observations elided · 1 elided one needed here · −4,117 tokens of context');
		assert.equal(stepRiskText(risky.perStep[0]!), '');
		const st = stepTable(risky);
		assert.equal(st.columns[st.columns.length - 1]!.label, 'Risk');
		assert.equal(st.rows[1]!.cells[12]!.text, '2 observations elided · 1 elided one needed here · −4,117 tokens of context');
	});

	it('chart series: the dashed baseline first, then each scenario by its step numbers', () => {
		const a = scenario('A', [step(1), step(2)]);
		const series = comparisonSeries(comparison([a]), 'cumulativeCost');
		assert.deepEqual(series[0], { name: 'Baseline', xs: [1, 2, 3], ys: [0.01, 0.03, 0.06], dashed: true });
		assert.deepEqual(series[1], { name: 'A', xs: [1, 2], ys: [0.01, 0.02] });
		assert.deepEqual(comparisonSeries(comparison([a]), 'inputTokens')[1].ys, [1000, 2000]);
		const long = comparisonSeries(comparison([scenario('x'.repeat(40), [step(1)])]), 'inputTokens')[1].name;
		assert.equal(long.length, 28);
	});

	it('sweep: the best value is highlighted; runs that stopped are said so', () => {
		const s: SweepResult = {
			parameter: 'budget.maxSteps',
			label: 'Max steps',
			base: 'Product defaults',
			points: [
				{ value: 5, costUsd: 0.01, inputTokens: 100, steps: 5, stoppedAtStep: 6, unpricedSteps: 0 },
				{ value: 0, costUsd: 0.05, inputTokens: 900, steps: 13, stoppedAtStep: null, unpricedSteps: 0 },
			],
			best: 0,
		};
		const t = sweepTable(s);
		assert.equal(t.rows[0].cls, undefined);
		assert.equal(t.rows[1].cls, 'best');
		assert.equal(t.rows[0].cells[5].text, 'run stopped early');
		assert.equal(t.rows[1].cells[5].text, 'lowest cost (run completes)');
	});

	it('sweep values: commas or spaces, deduplicated; bad input is explained', () => {
		assert.deepEqual(parseSweepValues('1000, 2000 4000;2000', true), { values: [1000, 2000, 4000] });
		assert.deepEqual(parseSweepValues('0.25 0.5', false), { values: [0.25, 0.5] });
		assert.match((parseSweepValues('', true) as { error: string }).error, /at least one value/);
		assert.match((parseSweepValues('1000, abc', true) as { error: string }).error, /"abc" is not a number/);
		assert.match((parseSweepValues('1.5', true) as { error: string }).error, /whole numbers/);
		assert.match((parseSweepValues('-1', false) as { error: string }).error, /0 or more/);
		assert.match((parseSweepValues(Array.from({ length: 51 }, (_, i) => i).join(','), true) as { error: string }).error, /At most 50/);
	});

	it('a real transcript: report totals, one row per call, and a comparison whose tables match it', async () => {
		const counter: TokenCounter = { countText, countChat };
		const catalog = createPriceCatalog({ overrides: {} });
		const file = join(transcriptsDir(), 'claude_code', 'spotter_tool_heavy.jsonl');
		const transcript = await readTranscriptFile(file, { counter, displayName: 'spotter_tool_heavy.jsonl' });
		const account = accountTranscript(transcript, catalog);
		const view: TranscriptView = {
			report: reportEntry(transcript, account, 'spotter_tool_heavy.jsonl'),
			calls: transcript.calls.map((c, i) => ({
				index: c.index,
				model: c.model,
				thread: c.thread,
				usage: c.usage,
				usageSource: c.usageSource,
				usageExact: c.usageExact,
				computedCostUsd: account.calls[i].computed.kind === 'priced' ? account.calls[i].computed.usd : null,
			})),
			threads: ['main'],
		};
		const summary = Object.fromEntries(transcriptSummary(view).map(i => [i.label, i.value]));
		assert.equal(summary.Format, 'claude-code');
		assert.equal(summary.Calls, '4');
		assert.equal(summary['Recorded cost'], 'not in the file');
		// Placeholder output counts were corrected: the computed cost is an estimate.
		assert.match(summary['Computed cost'], /^≈\$/);
		assert.match(summary.Usage, /4 ≈ output corrected/);
		const totals = reportTotals(view);
		assert.equal(totals.rows[0].cells[0].text, `≈${view.report.usage.input.toLocaleString('en-US')}`);
		const calls = reportCallsTable(view);
		assert.equal(calls.rows.length, 4);
		assert.equal(calls.rows[0].cells[2].text, '≈ output corrected');
		assert.equal(calls.columns.length, calls.rows[0].cells.length);

		const run = new PreparedRun(transcript, { counter, catalog });
		const c = await compareScenarios(run, [asRecordedScenario(config), productDefaultScenario(config)]);
		const summaryRows = summaryTable(c, 0).rows;
		assert.equal(summaryRows.length, 3);
		assert.equal(summaryRows[1].cells[2].text, '0.0%', 'as recorded = baseline');
		assert.equal(stepTable(c.scenarios[1]).rows.filter(r => r.key.startsWith('step-')).length, c.scenarios[1].perStep.length);
	});

	it('shadow probe: agreement per tier with the total, each step with its verdict in words, costs never a silent $0', () => {
		const probe: ProbeResult = {
			scenario: 'Cheap tier',
			sampled: 4,
			sent: 3,
			steps: [
				{ step: 2, tier: 'cheap', model: 'gpt-4o-mini', status: 'agreed', verdict: { kind: 'sameAction', tool: 'bash' }, costUsd: 0.0012, answer: 'bash: ls' },
				{ step: 5, tier: 'cheap', model: 'gpt-4o-mini', status: 'disagreed', verdict: { kind: 'otherArguments', tool: 'bash', recorded: 'cat a.py', probed: 'cat b.py' }, costUsd: 0.0011 },
				{ step: 7, tier: 'medium', model: 'my-org/unpriced', status: 'disagreed', verdict: { kind: 'text', similarity: 0.42 } },
				{ step: 9, tier: 'medium', model: 'gpt-4o', status: 'notSent', reason: 'the $0.005 cap was used up at step 9' },
			],
			byTier: { cheap: { sent: 2, agreed: 1 }, medium: { sent: 1, agreed: 0 } },
			costUsd: 0.0023,
			maxUsd: 0.005,
			cappedAt: 9,
		};
		const tiers = probeTierTable(probe);
		assert.match(tiers.caption, /"Cheap tier": 3 of 4 sampled steps sent, \$0\.0023 spent of the \$0\.005 cap/);
		assert.deepEqual(
			tiers.rows.map(r => r.cells.map(c => c.text)),
			[
				['cheap', '2', '1 of 2 (50%)'],
				['medium', '1', '0 of 1 (0%)'],
				['All', '3', '1 of 3 (33%)'],
			],
		);
		const steps = probeStepTable(probe);
		const rows = steps.rows.map(r => r.cells.map(c => c.text));
		assert.deepEqual(rows[0], ['2', 'cheap', 'gpt-4o-mini', 'agrees', 'same bash call', '$0.0012']);
		assert.deepEqual(rows[1]!.slice(3, 5), ['differs', 'same tool, other arguments: recorded cat a.py, probed cat b.py']);
		assert.deepEqual(rows[2]!.slice(3), ['differs', 'text similarity 0.42 (below 0.80)', 'no price'], 'a sent call without a cost has no price, never $0');
		assert.deepEqual(rows[3]!.slice(3), ['not sent', 'the $0.005 cap was used up at step 9', '—']);
		assert.match(steps.rows[0]!.cells[4]!.title ?? '', /Answer: bash: ls/);
	});
});
