import { throwIfAborted } from '../lib/errors';
import { roundForOutput } from '../lib/outputNumbers';
import { formatUsd } from '../pricing/format';
import type { EngineConfig } from '../config/defaults';
import type { PreparedRun } from './preparedRun';
import type { ReplaySettings, SweepParameter } from './replaySettings';
import { asRecordedSettings, sweepParameters, withParameter } from './replaySettings';
import type { ScenarioResult, SimulateOptions } from './simulator';
import { baselineOf, simulateScenario } from './simulator';

/** Between scenarios: let the host deliver a cancel, and honour it. */
async function between(options: SimulateOptions): Promise<void> {
	if (options.yieldToEventLoop) await options.yieldToEventLoop();
	throwIfAborted(options.signal);
}

/** The run as it happened, which every scenario is compared with. */
export interface ReplayBaseline {
	/**
	 * - `recorded`: the file's own per-call usage priced with the catalog;
	 * - `simulated`: the file has no usage (counted tokens), so the baseline is the as-recorded run
	 *   with the provider's prompt cache simulated — the same model the scenarios use, so the
	 *   comparison is like for like.
	 */
	readonly kind: 'recorded' | 'simulated';
	readonly costUsd: number;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheReadTokens: number;
	readonly steps: number;
	readonly unpricedSteps: number;
	/** Cumulative cost after each step. */
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

/** The baseline of a prepared run (see {@link ReplayBaseline.kind}). */
export async function replayBaseline(run: PreparedRun, config: EngineConfig, options: SimulateOptions = {}): Promise<ReplayBaseline> {
	if (run.calls.every(c => c.anchorable)) {
		const b = baselineOf(run);
		return {
			kind: 'recorded',
			costUsd: b.costUsd,
			inputTokens: b.inputTokens,
			outputTokens: b.outputTokens,
			cacheReadTokens: b.cacheReadTokens,
			steps: b.steps,
			unpricedSteps: b.unpricedSteps,
			cumulativeUsd: b.perStep.map(s => s.cumulativeUsd),
			inputPerStep: b.perStep.map(s => s.inputTokens),
		};
	}
	const s = await simulateScenario(run, asRecordedSettings(config), options);
	return {
		kind: 'simulated',
		costUsd: s.costUsd,
		inputTokens: s.inputTokens,
		outputTokens: s.outputTokens,
		cacheReadTokens: s.cacheReadTokens,
		steps: s.steps,
		unpricedSteps: s.unpricedSteps,
		cumulativeUsd: s.perStep.map(p => p.cumulativeUsd),
		inputPerStep: s.perStep.map(p => p.usage.input),
		note: 'the file records no per-call usage: tokens are counted and the provider prompt cache is simulated (≈)',
	};
}

/** Runs every scenario over one prepared run, in order (deterministic), with shared progress. */
export async function compareScenarios(run: PreparedRun, config: EngineConfig, scenarios: readonly ReplaySettings[], options: SimulateOptions = {}): Promise<ReplayComparison> {
	const total = run.calls.length * (scenarios.length + 1);
	let offset = 0;
	const sub = (): SimulateOptions => {
		const base = offset;
		offset += run.calls.length;
		return { ...options, onProgress: (done: number) => options.onProgress?.(base + done, total) };
	};
	const baseline = await replayBaseline(run, config, sub());
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

export interface SweepPoint {
	readonly value: number;
	readonly costUsd: number;
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
export async function sweepParameter(run: PreparedRun, base: ReplaySettings, parameter: SweepParameter, values: readonly number[], options: SimulateOptions = {}): Promise<SweepResult> {
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
	const complete = points.filter(p => p.stoppedAtStep === null);
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
			inputTokens: c.baseline.inputTokens,
			outputTokens: c.baseline.outputTokens,
			steps: c.baseline.steps,
			unpricedSteps: c.baseline.unpricedSteps,
			...(c.baseline.note && { note: c.baseline.note }),
		},
		scenarios: c.scenarios.map(s => ({
			name: s.name,
			costUsd: s.costUsd,
			inputTokens: s.inputTokens,
			outputTokens: s.outputTokens,
			steps: s.steps,
			stoppedAtStep: s.stoppedAtStep,
			...(s.stopReason && { stopReason: s.stopReason }),
			unpricedSteps: s.unpricedSteps,
			estimated: s.estimated,
			notes: s.notes,
			settings: s.settings,
			perStep: s.perStep,
		})),
	};
}

function pct(a: number, b: number): string {
	if (b === 0) return a === 0 ? '0%' : 'n/a';
	const d = ((a - b) / b) * 100;
	return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`;
}

function money(usd: number, estimate: boolean): string {
	return formatUsd(usd, { estimate });
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
		`| Baseline (${c.baseline.kind}) | ${money(c.baseline.costUsd, c.baseline.kind === 'simulated')} | — | ${c.baseline.inputTokens.toLocaleString('en-US')} | ${c.baseline.outputTokens.toLocaleString('en-US')} | ${c.baseline.steps} | — |`,
	);
	for (const s of c.scenarios) {
		lines.push(
			`| ${cell(s.name)} | ${money(s.costUsd, s.estimated)} | ${pct(s.costUsd, c.baseline.costUsd)} | ${s.inputTokens.toLocaleString('en-US')} | ${s.outputTokens.toLocaleString('en-US')} | ${s.steps} | ${s.stoppedAtStep ?? '—'} |`,
		);
	}
	if (c.baseline.note) lines.push('', `Baseline: ${cell(c.baseline.note)}.`);
	for (const s of c.scenarios) {
		const events = s.perStep.filter(p => p.compression || p.budget || p.model !== p.recordedModel);
		lines.push('', `## ${cell(s.name)}`, '');
		if (s.stopReason) lines.push(`Stopped at step ${s.stoppedAtStep}: ${cell(s.stopReason)}.`, '');
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
				]
					.map(q)
					.join(','),
			);
		}
	}
	return rows.join('\r\n') + '\r\n';
}
