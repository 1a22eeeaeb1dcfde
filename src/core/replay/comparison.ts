import { throwIfAborted } from '../lib/errors';
import { roundForOutput } from '../lib/outputNumbers';
import { formatUsd } from '../pricing/format';
import type { PreparedRun } from './preparedRun';
import type { ReplayScenario, SweepParameter } from './scenario';
import { sweepParameters, withParameter } from './scenario';
import type { ScenarioResult, ScenarioRisk, SimulateOptions } from './simulator';
import { baselineOf, simulateScenario } from './simulator';

/** Between scenarios: let the host deliver a cancel, and honour it. */
async function between(options: SimulateOptions): Promise<void> {
	if (options.yieldToEventLoop) await options.yieldToEventLoop();
	throwIfAborted(options.signal);
}

/** The run as it happened, which every scenario is compared with: the number `agent-cost report` gives. */
interface ReplayBaseline {
	/**
	 * - `recorded`: every call's own recorded usage, priced with the catalog;
	 * - `counted`: some calls record no usage (tokens counted, or rounded): those are priced as
	 *   counted, without a prompt cache — exactly as `report` prices them.
	 */
	readonly kind: 'recorded' | 'counted';
	/** Null when a call has no price (see `unpriced`): never a silent $0. */
	readonly costUsd: number | null;
	/** The part that could be priced (what charts plot). */
	readonly pricedCostUsd: number;
	readonly unpriced?: string;
	/** What the file itself says the run cost, when it says (shown next to an unknown cost). */
	readonly recordedCostUsd?: number;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheReadTokens: number;
	readonly steps: number;
	readonly unpricedSteps: number;
	/** Cumulative (priced) cost after each step. */
	readonly cumulativeUsd: readonly number[];
	/** Input tokens of each step. */
	readonly inputPerStep: readonly number[];
	readonly note?: string;
}

export interface ReplayComparison {
	readonly transcript: { readonly file?: string; readonly format: string; readonly calls: number; readonly models: readonly string[] };
	readonly baseline: ReplayBaseline;
	readonly scenarios: readonly ScenarioResult[];
}

/** The file's own total cost, when it records one for the run or for every call. */
function recordedCostOf(run: PreparedRun): number | undefined {
	const t = run.transcript;
	if (t.recordedTotals?.costUsd !== undefined) return t.recordedTotals.costUsd;
	const calls = t.calls.filter(c => c.status !== 'refused');
	return calls.length > 0 && calls.every(c => c.recordedCostUsd !== undefined) ? calls.reduce((sum, c) => sum + (c.recordedCostUsd ?? 0), 0) : undefined;
}

/**
 * The baseline of a prepared run: each call keeps its recorded usage, counted calls are priced as
 * counted — the same number `agent-cost report` prints. Scenarios may simulate the provider's
 * prompt cache for counted calls; the baseline never does.
 */
function replayBaseline(run: PreparedRun): ReplayBaseline {
	const b = baselineOf(run);
	const counted = run.calls.filter(c => !c.anchorable && !c.call.servedFrom && c.call.status !== 'refused').length;
	const recorded = recordedCostOf(run);
	return {
		kind: counted > 0 ? 'counted' : 'recorded',
		costUsd: b.costUsd,
		pricedCostUsd: b.pricedCostUsd,
		...(b.unpriced !== undefined && { unpriced: b.unpriced }),
		...(recorded !== undefined && { recordedCostUsd: recorded }),
		inputTokens: b.inputTokens,
		outputTokens: b.outputTokens,
		cacheReadTokens: b.cacheReadTokens,
		steps: b.steps,
		unpricedSteps: b.unpricedSteps,
		cumulativeUsd: b.perStep.map(s => s.cumulativeUsd),
		inputPerStep: b.perStep.map(s => s.inputTokens),
		...(counted > 0 && { note: `${counted} call(s) record no usage: their tokens are counted (≈) and priced without a prompt cache, as the report prices them` }),
	};
}

/** Runs every scenario over one prepared run, in order (deterministic), with shared progress. */
export async function compareScenarios(run: PreparedRun, scenarios: readonly ReplayScenario[], options: SimulateOptions = {}): Promise<ReplayComparison> {
	const total = run.calls.length * (scenarios.length + 1);
	let offset = 0;
	const sub = (): SimulateOptions => {
		const base = offset;
		offset += run.calls.length;
		return { ...options, onProgress: (done: number) => options.onProgress?.(base + done, total) };
	};
	const baseline = replayBaseline(run);
	sub();
	const results: ScenarioResult[] = [];
	for (const s of scenarios) {
		await between(options);
		results.push(await simulateScenario(run, s, sub()));
	}
	return {
		transcript: { file: run.transcript.file, format: run.transcript.format, calls: run.calls.length, models: run.transcript.models },
		baseline,
		scenarios: results,
	};
}

interface SweepPoint {
	readonly value: number;
	/** Null when a step has no price. */
	readonly costUsd: number | null;
	readonly inputTokens: number;
	readonly steps: number;
	readonly stoppedAtStep: number | null;
	readonly unpricedSteps: number;
}

export interface SweepResult {
	readonly parameter: SweepParameter;
	readonly label: string;
	readonly base: string;
	readonly points: readonly SweepPoint[];
	/** The value with the lowest cost among points that completed the run (null if none did). */
	readonly best: number | null;
}

/** Varies one numeric setting of `base` over `values` and prices the run for each. */
export async function sweepParameter(run: PreparedRun, base: ReplayScenario, parameter: SweepParameter, values: readonly number[], options: SimulateOptions = {}): Promise<SweepResult> {
	const points: SweepPoint[] = [];
	let done = 0;
	const total = values.length * run.calls.length;
	for (const value of values) {
		await between(options);
		const r = await simulateScenario(run, withParameter(base, parameter, value), {
			...options,
			onProgress: d => options.onProgress?.(done + d, total),
		});
		done += run.calls.length;
		points.push({ value, costUsd: r.costUsd, inputTokens: r.inputTokens, steps: r.steps, stoppedAtStep: r.stoppedAtStep, unpricedSteps: r.unpricedSteps });
	}
	// A point whose cost is unknown (a model without a price) cannot be the cheapest.
	const complete = points.filter((p): p is SweepPoint & { costUsd: number } => p.stoppedAtStep === null && p.costUsd !== null);
	const best = complete.length ? complete.reduce((a, b) => (b.costUsd < a.costUsd ? b : a)).value : null;
	return { parameter, label: sweepParameters[parameter].label, base: base.name, points, best };
}

/** The CLI's `--json` shape (and the JSON export). */
export function comparisonJson(c: ReplayComparison): unknown {
	return {
		transcript: c.transcript,
		baseline: {
			kind: c.baseline.kind,
			costUsd: c.baseline.costUsd,
			...(c.baseline.unpriced && { unpriced: c.baseline.unpriced }),
			...(c.baseline.recordedCostUsd !== undefined && { recordedCostUsd: c.baseline.recordedCostUsd }),
			inputTokens: c.baseline.inputTokens,
			outputTokens: c.baseline.outputTokens,
			steps: c.baseline.steps,
			unpricedSteps: c.baseline.unpricedSteps,
			...(c.baseline.note && { note: c.baseline.note }),
		},
		scenarios: c.scenarios.map(s => ({
			name: s.name,
			costUsd: s.costUsd,
			...(s.unpriced && { unpriced: s.unpriced }),
			inputTokens: s.inputTokens,
			outputTokens: s.outputTokens,
			steps: s.steps,
			stoppedAtStep: s.stoppedAtStep,
			...(s.stopReason && { stopReason: s.stopReason }),
			unpricedSteps: s.unpricedSteps,
			estimated: s.estimated,
			risk: s.risk,
			notes: s.notes,
			settings: s.settings,
			perStep: s.perStep,
		})),
	};
}

/**
 * The risk columns every output shows, with one short label and a value each (the definitions are in
 * `ScenarioRisk` and docs/policies.md). Never folded into a single score.
 */
export const riskColumns: readonly { readonly key: keyof ScenarioRisk; readonly label: string; readonly definition: string; readonly value: (r: ScenarioRisk) => string }[] = [
	{
		key: 'modelChangedSteps',
		label: 'Steps on another model',
		definition: 'Agent steps answered by another model than the one the run used, and the tier each moved to. A cheaper model may not have answered the same way (the shadow probe checks a sample).',
		value: r => (r.modelChangedSteps === 0 ? '0' : `${r.modelChangedSteps} (${modelChangeText(r.modelChangedTo)})`),
	},
	{
		key: 'observationsElided',
		label: 'Observations elided',
		definition: 'Tool outputs (observations) of the run that the model no longer saw in full at some step: masked, dropped, summarized away or truncated. Each counted once.',
		value: r => String(r.observationsElided),
	},
	{
		key: 'elidedReferencedLater',
		label: 'Elided, needed later',
		definition:
			'Of the elided observations, those a later step’s recorded answer refers to: it names a file path, identifier or error message that only they held, and nothing the model is still shown at that step contains it. The run used that information; a model shown the scenario’s prompt did not have it.',
		value: r => String(r.elidedReferencedLater),
	},
	{
		key: 'contextTokensDropped',
		label: 'Context tokens dropped',
		definition: 'Tokens of history the scenario removed from the prompt (compression and tool-output truncation), each removal counted once at the step it happened.',
		value: r => r.contextTokensDropped.toLocaleString('en-US'),
	},
	{
		key: 'semanticCacheHits',
		label: 'Semantic cache hits',
		definition: 'Steps the response cache answered for a request that differed from the cached one (merely similar). An identical request (an exact hit) risks nothing and is not counted.',
		value: r => String(r.semanticCacheHits),
	},
	{
		key: 'budgetStopStep',
		label: 'Budget stop',
		definition: 'The step at which the budget or step limit refused to go on: the scenario’s cost covers an unfinished run.',
		value: r => (r.budgetStopStep === null ? '—' : `step ${r.budgetStopStep}`),
	},
];

/** `12 → cheap, 3 → expensive`: where the steps that changed model went. */
export function modelChangeText(to: Readonly<Record<string, number>>): string {
	return Object.entries(to)
		.sort((a, b) => b[1] - a[1])
		.map(([tier, n]) => `${n} → ${tier}`)
		.join(', ');
}

function pct(a: number | null, b: number | null): string {
	if (a === null || b === null) return 'n/a (no price)';
	if (b === 0) return a === 0 ? '0%' : 'n/a';
	const d = ((a - b) / b) * 100;
	return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

function money(usd: number | null, estimate: boolean): string {
	return usd === null ? 'no price' : formatUsd(usd, { estimate });
}

/** A Markdown report: summary table, then each scenario's notable steps. Cells are escaped. */
export function comparisonMarkdown(c: ReplayComparison): string {
	const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
	const lines: string[] = [];
	lines.push(`# Replay of ${cell(c.transcript.file ?? 'transcript')}`, '');
	lines.push(`Format ${c.transcript.format}, ${c.transcript.calls} calls, models: ${c.transcript.models.map(cell).join(', ') || 'unknown'}.`, '');
	lines.push('| Scenario | Cost | vs baseline | Input tokens | Output tokens | Steps | Stopped at |');
	lines.push('|---|---:|---:|---:|---:|---:|---:|');
	lines.push(
		`| Baseline (${c.baseline.kind}) | ${money(c.baseline.costUsd, c.baseline.kind === 'counted')}${c.baseline.costUsd === null && c.baseline.recordedCostUsd !== undefined ? ` (the file says ${money(c.baseline.recordedCostUsd, false)})` : ''} | — | ${c.baseline.inputTokens.toLocaleString('en-US')} | ${c.baseline.outputTokens.toLocaleString('en-US')} | ${c.baseline.steps} | — |`,
	);
	for (const s of c.scenarios) {
		lines.push(
			`| ${cell(s.name)} | ${money(s.costUsd, s.estimated)} | ${pct(s.costUsd, c.baseline.costUsd)} | ${s.inputTokens.toLocaleString('en-US')} | ${s.outputTokens.toLocaleString('en-US')} | ${s.steps} | ${s.stoppedAtStep ?? '—'} |`,
		);
	}
	lines.push('', 'What each scenario risks besides its cost (definitions: docs/policies.md, "Risk next to savings"):', '');
	lines.push(`| Scenario | ${riskColumns.map(r => r.label).join(' | ')} |`);
	lines.push(`|---|${riskColumns.map(() => '---:').join('|')}|`);
	for (const s of c.scenarios) lines.push(`| ${cell(s.name)} | ${riskColumns.map(r => cell(r.value(s.risk))).join(' | ')} |`);
	if (c.baseline.note) lines.push('', `Baseline: ${cell(c.baseline.note)}.`);
	if (c.baseline.unpriced) lines.push('', `Baseline has no price: ${cell(c.baseline.unpriced)}.`);
	for (const s of c.scenarios) {
		const events = s.perStep.filter(p => p.compression || p.budget || p.model !== p.recordedModel);
		lines.push('', `## ${cell(s.name)}`, '');
		if (s.stopReason) lines.push(`Stopped at step ${s.stoppedAtStep}: ${cell(s.stopReason)}.`, '');
		if (s.unpriced) lines.push(`No price: ${cell(s.unpriced)}.`, '');
		for (const n of s.notes) lines.push(`- ${cell(n)}`);
		if (events.length) {
			lines.push('', '| Step | Model | Input | Cache read | Cost | Event |', '|---:|---|---:|---:|---:|---|');
			for (const p of events.slice(0, 200)) {
				const ev = [
					p.compression && `compressed (${p.compression.strategy}): ${p.compression.tokensBefore} → ${p.compression.tokensAfter} tokens`,
					p.budget?.text,
					p.model !== p.recordedModel && `model ${p.recordedModel || '?'} → ${p.model}`,
				]
					.filter(Boolean)
					.join('; ');
				lines.push(`| ${p.step} | ${cell(p.model)} | ${p.usage.input} | ${p.usage.cacheRead} | ${p.costUsd === null ? 'no price' : money(p.costUsd, !p.recorded)} | ${cell(ev)} |`);
			}
			if (events.length > 200) lines.push(`| … | ${events.length - 200} more steps | | | | |`);
		}
	}
	return lines.join('\n') + '\n';
}

/** One CSV row per scenario step (RFC 4180 quoting), baseline columns alongside. */
export function comparisonCsv(c: ReplayComparison): string {
	const q = (v: unknown) => {
		const s = v === null || v === undefined ? '' : String(typeof v === 'number' ? roundForOutput(v) : v);
		return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
	};
	const header = [
		'scenario',
		'step',
		'thread',
		'recorded_model',
		'model',
		'input_tokens',
		'cache_read',
		'cache_write_5m',
		'cache_write_1h',
		'output_tokens',
		'cost_usd',
		'cumulative_usd',
		'baseline_cost_usd',
		'baseline_cumulative_usd',
		'cache',
		'recorded',
		'compression',
		'budget',
		'routing',
		'observations_elided',
		'elided_referenced',
		'context_tokens_dropped',
		'semantic_cache_hit',
	];
	const rows = [header.join(',')];
	for (const s of c.scenarios) {
		for (const p of s.perStep) {
			rows.push(
				[
					s.name,
					p.step,
					p.thread,
					p.recordedModel,
					p.model,
					p.usage.input,
					p.usage.cacheRead,
					p.usage.cacheWrite5m,
					p.usage.cacheWrite1h,
					p.usage.output,
					p.costUsd,
					p.cumulativeUsd,
					p.baselineCostUsd,
					p.baselineCumulativeUsd,
					p.cache,
					p.recorded,
					p.compression ? `${p.compression.strategy}: ${p.compression.tokensBefore}->${p.compression.tokensAfter}` : '',
					p.budget?.text ?? '',
					p.routing.join('; '),
					p.risk?.observationsElided ?? 0,
					p.risk?.elidedReferenced ?? 0,
					p.risk?.contextTokensDropped ?? 0,
					p.risk?.semanticCacheHit === true,
				]
					.map(q)
					.join(','),
			);
		}
	}
	return rows.join('\r\n') + '\r\n';
}
