// What the panel's tables and charts show, computed from the host's snapshot without touching the
// DOM (unit-tested in plain Node). Money is never silently wrong: a missing price reads "no price",
// never $0, and every estimate carries ≈.
import type { ReplayComparison, SweepResult } from '../../src/core/replay/comparison';
import { riskColumns } from '../../src/core/replay/comparison';
import type { ReportCallRow } from '../../src/core/jobs/replayJobs';
import type { ReplayStep, ScenarioResult } from '../../src/core/replay/simulator';
import { formatTokens, formatUsd, formatUsdPrecise } from '../../src/core/pricing/format';
import type { UsageSource } from '../../src/core/transcripts/model';
import type { TranscriptView } from '../../src/protocol/replay';
import { probeVerdictText } from '../../src/core/live/probeVerdictText';
import type { ProbeResult, ProbeStepResult } from '../../src/core/live/shadowProbe';

export interface Cell {
	readonly text: string;
	/** Right-aligned, tabular figures. */
	readonly numeric?: boolean;
	/** Extra CSS classes: `estimate`, `no-price`, `better`, `worse`, `event`, `muted`. */
	readonly cls?: string;
	/** Tooltip (full text of a shortened cell). */
	readonly title?: string;
}

export interface TableModel {
	readonly caption: string;
	readonly columns: readonly { readonly label: string; readonly numeric?: boolean; readonly title?: string }[];
	readonly rows: readonly { readonly key: string; readonly cells: readonly Cell[]; readonly cls?: string }[];
	/** Rows left out (the view offers to show them). */
	readonly omitted?: number;
}

/** `$0.112`, `≈$0.076`, or `no price` (never $0 for an unknown price). */
export function moneyCell(usd: number | null | undefined, estimate = false, why?: string): Cell {
	if (usd === null || usd === undefined || !Number.isFinite(usd))
		return { text: 'no price', numeric: true, cls: 'no-price', title: `${why ? `${why}. ` : ''}Add a price in agentCost.pricing.overrides.` };
	return { text: formatUsd(usd, { estimate }), numeric: true, ...(estimate && { cls: 'estimate' }) };
}

export function tokensCell(n: number, estimate = false): Cell {
	return { text: `${estimate ? '≈' : ''}${formatTokens(n)}`, numeric: true, ...(estimate && { cls: 'estimate' }) };
}

/** Signed change against the baseline: `-32.0%`, `+4.1%`, `0.0%`, or `n/a` when the baseline is $0. */
export function deltaText(cost: number, baseline: number): string {
	if (baseline === 0) return cost === 0 ? '0.0%' : 'n/a';
	const d = ((cost - baseline) / baseline) * 100;
	const r = Math.abs(d) < 0.05 ? 0 : d;
	return `${r > 0 ? '+' : ''}${r.toFixed(1)}%`;
}

function deltaCell(cost: number | null, baseline: number | null): Cell {
	// An unknown cost is no saving: never a green "−100 %".
	if (cost === null || baseline === null) return { text: 'n/a', numeric: true, cls: 'muted', title: 'no price: the change is unknown' };
	const text = deltaText(cost, baseline);
	return { text, numeric: true, ...(cost < baseline ? { cls: 'better' } : cost > baseline ? { cls: 'worse' } : {}) };
}

/** How a call's usage was obtained; anything not recorded by the provider is marked ≈. */
export function usageSourceText(source: UsageSource): string {
	switch (source) {
		case 'recorded':
			return 'recorded';
		case 'counted':
			return '≈ counted';
		case 'rounded':
			return '≈ rounded';
		case 'placeholder-output':
			return '≈ output corrected';
	}
}

const usageSourceTitle: Record<UsageSource, string> = {
	recorded: 'Usage as the provider reported it in the file.',
	counted: 'The file records no usage: tokens counted with the tokenizer (an estimate).',
	rounded: 'The file records rounded counts (e.g. "1.2k").',
	'placeholder-output': 'The recorded output count was a streaming placeholder; taken as max(recorded, counted content).',
};

// ── the transcript report ──────────────────────────────────────────────────────────────────────

/** One line under the title: format, calls, models, costs. */
export function transcriptSummary(t: TranscriptView): { readonly label: string; readonly value: string; readonly cls?: string }[] {
	const r = t.report;
	const approx = r.approximate;
	const items: { label: string; value: string; cls?: string }[] = [
		{ label: 'Format', value: r.dialects?.length ? `${r.format} (${r.dialects.join(', ')})` : r.format },
		{ label: 'Calls', value: String(r.calls) },
		{ label: 'Models', value: r.models.length ? r.models.join(', ') : 'unknown' },
		{ label: 'Recorded cost', value: r.recordedCostUsd === null ? 'not in the file' : formatUsd(r.recordedCostUsd), ...(r.recordedCostUsd === null && { cls: 'muted' }) },
		r.computedCostUsd === null
			? { label: 'Computed cost', value: 'no price', cls: 'no-price' }
			: {
					label: 'Computed cost',
					value: `${formatUsd(r.computedCostUsd, { estimate: approx })}${r.computedCostComplete ? '' : ' (some calls have no price)'}`,
					...(approx || !r.computedCostComplete ? { cls: 'estimate' } : {}),
				},
	];
	const sources = Object.entries(r.usageSources)
		.filter(([, n]) => (n ?? 0) > 0)
		.map(([s, n]) => `${n} ${usageSourceText(s as UsageSource)}`);
	if (sources.length) items.push({ label: 'Usage', value: sources.join(', ') });
	return items;
}

/** Totals of the report: one row, the usage columns and both costs. */
export function reportTotals(t: TranscriptView): TableModel {
	const r = t.report;
	const approx = r.approximate;
	return {
		caption: 'Totals',
		columns: [{ label: 'Input' }, { label: 'Cache read' }, { label: 'Cache write' }, { label: 'Output' }, { label: 'Reasoning' }, { label: 'Recorded cost' }, { label: 'Computed cost' }].map(c => ({
			...c,
			numeric: true,
		})),
		rows: [
			{
				key: 'totals',
				cells: [
					tokensCell(r.usage.input, approx),
					tokensCell(r.usage.cacheRead, approx),
					tokensCell(r.usage.cacheWrite, approx),
					tokensCell(r.usage.output, approx),
					tokensCell(r.usage.reasoning, approx),
					r.recordedCostUsd === null ? { text: '—', numeric: true, cls: 'muted', title: 'The file records no cost.' } : moneyCell(r.recordedCostUsd),
					r.computedCostUsd === null ? moneyCell(null) : moneyCell(r.computedCostUsd, approx || !r.computedCostComplete),
				],
			},
		],
	};
}

function callModelText(c: ReportCallRow): string {
	return c.sidechain ? `${c.model || 'unknown'} · ${c.sidechain}` : c.model || 'unknown';
}

/** The per-call table (first `limit` rows). */
export function reportCallsTable(t: TranscriptView, limit = Number.POSITIVE_INFINITY): TableModel {
	const threads = t.threads.length > 1;
	const rows = t.calls.slice(0, limit).map(c => {
		const est = !c.usageExact;
		const cells: Cell[] = [
			{ text: String(c.index + 1), numeric: true },
			{ text: callModelText(c) },
			...(threads ? [{ text: c.thread, cls: 'muted' }] : []),
			{ text: usageSourceText(c.usageSource), title: usageSourceTitle[c.usageSource], ...(c.usageSource !== 'recorded' && { cls: 'estimate' }) },
			tokensCell(c.usage.input, est),
			tokensCell(c.usage.cacheRead, est),
			tokensCell(c.usage.cacheWrite5m + c.usage.cacheWrite1h, est),
			tokensCell(c.usage.output, est),
			c.recordedCostUsd === undefined ? { text: '—', numeric: true, cls: 'muted' } : moneyCell(c.recordedCostUsd),
			moneyCell(c.computedCostUsd, est),
		];
		return { key: `call-${c.index}`, cells };
	});
	return {
		caption: 'Calls',
		columns: [
			{ label: '#', numeric: true },
			{ label: 'Model' },
			...(threads ? [{ label: 'Thread' }] : []),
			{ label: 'Usage' },
			{ label: 'Input', numeric: true, title: 'Total input tokens, cache reads and writes included' },
			{ label: 'Cache read', numeric: true },
			{ label: 'Cache write', numeric: true },
			{ label: 'Output', numeric: true },
			{ label: 'Recorded', numeric: true },
			{ label: 'Computed', numeric: true },
		],
		rows,
		...(t.calls.length > rows.length && { omitted: t.calls.length - rows.length }),
	};
}

// ── the comparison ─────────────────────────────────────────────────────────────────────────────

/** Baseline vs each scenario: cost, Δ%, tokens, steps, where it stopped. */
export function summaryTable(c: ReplayComparison, selected: number): TableModel {
	const b = c.baseline;
	const countedBaseline = b.kind === 'counted';
	return {
		caption: 'Baseline vs scenarios (select a scenario to see its steps)',
		columns: [
			{ label: 'Scenario' },
			{ label: 'Cost', numeric: true },
			{ label: 'vs baseline', numeric: true },
			{ label: 'Input tokens', numeric: true },
			{ label: 'Cache read', numeric: true },
			{ label: 'Output tokens', numeric: true },
			{ label: 'Steps', numeric: true },
			{ label: 'Stopped at', numeric: true },
		],
		rows: [
			{
				key: 'baseline',
				cls: 'baseline',
				cells: [
					{ text: `Baseline (${b.kind === 'recorded' ? 'as recorded' : '≈ counted'})`, ...(b.note && { title: b.note }) },
					b.costUsd === null && b.recordedCostUsd !== undefined
						? { ...moneyCell(null, false, b.unpriced), text: `no price (file: ${formatUsd(b.recordedCostUsd)})` }
						: moneyCell(b.costUsd, countedBaseline, b.unpriced),
					{ text: '—', numeric: true, cls: 'muted' },
					tokensCell(b.inputTokens, countedBaseline),
					tokensCell(b.cacheReadTokens, countedBaseline),
					tokensCell(b.outputTokens, countedBaseline),
					{ text: String(b.steps), numeric: true },
					{ text: '—', numeric: true, cls: 'muted' },
				],
			},
			...c.scenarios.map((s, i) => ({
				key: `scenario-${i}`,
				...(i === selected && { cls: 'selected' }),
				cells: [
					{ text: s.name, ...(s.notes.length && { title: s.notes.join('\n') }) },
					moneyCell(s.costUsd, s.estimated, s.unpriced),
					deltaCell(s.costUsd, b.costUsd),
					tokensCell(s.inputTokens, s.estimated),
					tokensCell(s.cacheReadTokens, s.estimated),
					tokensCell(s.outputTokens, s.estimated),
					{ text: String(s.steps), numeric: true },
					s.stoppedAtStep === null ? { text: '—', numeric: true, cls: 'muted' } : { text: String(s.stoppedAtStep), numeric: true, cls: 'worse', ...(s.stopReason && { title: s.stopReason }) },
				],
			})),
		],
	};
}

/**
 * What each scenario risks next to what it saves: one column per risk, plainly named, with its
 * definition as the column's tooltip (and in {@link riskHelp}); never folded into one score.
 */
export function riskTable(c: ReplayComparison, selected: number): TableModel {
	return {
		caption: 'What each scenario risks (definitions below the table)',
		columns: [{ label: 'Scenario' }, ...riskColumns.map(r => ({ label: r.label, numeric: true, title: r.definition }))],
		rows: c.scenarios.map((s, i) => ({
			key: `risk-${i}`,
			...(i === selected && { cls: 'selected' }),
			cells: [
				{ text: s.name },
				...riskColumns.map(r => {
					const text = r.value(s.risk);
					const zero = text === '0' || text === '—';
					return { text, numeric: true, ...(zero ? { cls: 'muted' } : r.key === 'elidedReferencedLater' || r.key === 'budgetStopStep' || r.key === 'semanticCacheHits' ? { cls: 'worse' } : {}) };
				}),
			],
		})),
	};
}

/** The help text of the risk columns: each plain name with its definition. */
export const riskHelp: readonly { readonly label: string; readonly definition: string }[] = riskColumns.map(r => ({ label: r.label, definition: r.definition }));

/** A step's risk in a few words (empty when it risked nothing). */
export function stepRiskText(p: ReplayStep): string {
	const r = p.risk;
	if (!r) return '';
	return [
		r.observationsElided && `${r.observationsElided} observation${r.observationsElided === 1 ? '' : 's'} elided`,
		r.elidedReferenced && `${r.elidedReferenced} elided one${r.elidedReferenced === 1 ? '' : 's'} needed here`,
		r.contextTokensDropped && `−${formatTokens(r.contextTokensDropped)} tokens of context`,
		r.semanticCacheHit && 'semantic cache hit (a different request’s answer)',
	]
		.filter(Boolean)
		.join(' · ');
}

const cacheText: Record<ReplayStep['cache'], string> = {
	hit: 'prefix hit',
	cold: 'cold (written)',
	expired: 'expired',
	prefixChanged: 'prefix changed',
	belowMinimum: 'below minimum',
	noCache: 'not cacheable',
	asRecorded: 'as recorded',
	responseCache: 'response cache',
	off: 'off',
};

/** The compression event of a step, in words. */
function compressionText(p: ReplayStep): string {
	if (!p.compression) return '';
	const c = p.compression;
	return `${c.strategy} (${c.trigger}): ${formatTokens(c.tokensBefore)} → ${formatTokens(c.tokensAfter)} tokens${c.summaryUsd !== undefined ? `, summary ${formatUsd(c.summaryUsd, { estimate: true })}` : ''}`;
}

/** The per-step table of one scenario (first `limit` rows). */
export function stepTable(s: ScenarioResult, limit = Number.POSITIVE_INFINITY): TableModel {
	const rows = s.perStep.slice(0, limit).map(p => {
		const est = !p.recorded;
		const changed = p.model !== p.recordedModel;
		return {
			key: `step-${p.step}`,
			...(p.budget?.kind === 'overLimit' || p.budget?.kind === 'downgrade' ? { cls: 'budget-event' } : {}),
			cells: [
				{ text: String(p.step), numeric: true },
				{ text: changed ? `${p.model} (was ${p.recordedModel || 'unknown'})` : p.model, ...(changed && { cls: 'changed' }) },
				tokensCell(p.usage.input, est),
				tokensCell(p.usage.output, est || p.outputEstimated),
				tokensCell(p.usage.cacheRead, est),
				tokensCell(p.usage.cacheWrite5m + p.usage.cacheWrite1h, est),
				{ text: cacheText[p.cache] },
				moneyCell(p.costUsd, est),
				{ ...moneyCell(p.cumulativeUsd, s.estimated && est) },
				{ text: p.routing.join('; '), cls: 'event' },
				{ text: compressionText(p), cls: 'event' },
				{ text: p.budget?.text ?? '', cls: 'event' },
				{ text: stepRiskText(p), cls: p.risk?.elidedReferenced || p.risk?.semanticCacheHit ? 'event worse' : 'event' },
			],
		};
	});
	const stopRow =
		s.stoppedAtStep !== null
			? [
					{
						key: 'stopped',
						cls: 'stopped',
						cells: [{ text: String(s.stoppedAtStep), numeric: true }, { text: `Run stopped: ${s.stopReason ?? 'limit reached'}` }, ...Array.from({ length: 11 }, () => ({ text: '' }))],
					},
				]
			: [];
	return {
		caption: `Steps of “${s.name}”`,
		columns: [
			{ label: 'Step', numeric: true },
			{ label: 'Model' },
			{ label: 'Tokens in', numeric: true, title: 'Total input tokens, cache reads and writes included' },
			{ label: 'Tokens out', numeric: true },
			{ label: 'Cache read', numeric: true },
			{ label: 'Cache write', numeric: true },
			{ label: 'Prompt cache' },
			{ label: 'Cost', numeric: true },
			{ label: 'Cumulative', numeric: true },
			{ label: 'Routing' },
			{ label: 'Compression' },
			{ label: 'Budget' },
			{ label: 'Risk', title: 'What this step risks: observations elided here, elided ones this step’s answer needed, context dropped, a semantic cache hit' },
		],
		rows: [...rows, ...(rows.length === s.perStep.length ? stopRow : [])],
		...(s.perStep.length > rows.length && { omitted: s.perStep.length - rows.length }),
	};
}

export interface LineSeries {
	readonly name: string;
	readonly xs: readonly number[];
	readonly ys: readonly number[];
	readonly dashed?: boolean;
}

/** Chart series: the baseline (dashed) then each scenario, by step. */
export function comparisonSeries(c: ReplayComparison, what: 'cumulativeCost' | 'inputTokens'): LineSeries[] {
	const base = what === 'cumulativeCost' ? c.baseline.cumulativeUsd : c.baseline.inputPerStep;
	return [
		{ name: 'Baseline', xs: base.map((_, i) => i + 1), ys: base, dashed: true },
		...c.scenarios.map(s => ({
			name: s.name.length > 28 ? `${s.name.slice(0, 27)}…` : s.name,
			xs: s.perStep.map(p => p.step),
			ys: s.perStep.map(p => (what === 'cumulativeCost' ? p.cumulativeUsd : p.usage.input)),
		})),
	];
}

// ── the sweep ──────────────────────────────────────────────────────────────────────────────────

export function sweepTable(s: SweepResult): TableModel {
	return {
		caption: `${s.label}: cost per value (base: ${s.base})`,
		columns: [
			{ label: s.label, numeric: true },
			{ label: 'Cost', numeric: true },
			{ label: 'Input tokens', numeric: true },
			{ label: 'Steps', numeric: true },
			{ label: 'Stopped at', numeric: true },
			{ label: '' },
		],
		rows: s.points.map(p => ({
			key: `v-${p.value}`,
			...(p.value === s.best && { cls: 'best' }),
			cells: [
				{ text: String(p.value), numeric: true },
				p.unpricedSteps === p.steps && p.steps > 0 ? moneyCell(null) : moneyCell(p.costUsd, true),
				tokensCell(p.inputTokens, true),
				{ text: String(p.steps), numeric: true },
				p.stoppedAtStep === null ? { text: '—', numeric: true, cls: 'muted' } : { text: String(p.stoppedAtStep), numeric: true, cls: 'worse' },
				{ text: p.value === s.best ? 'lowest cost (run completes)' : p.stoppedAtStep !== null ? 'run stopped early' : '', cls: p.value === s.best ? 'better' : 'muted' },
			],
		})),
	};
}

/**
 * Parses the sweep's values field: numbers separated by commas or spaces, e.g. "1000, 2000 4000".
 * Returns the values, or what is wrong with the input.
 */
export function parseSweepValues(text: string, integer: boolean): { readonly values: number[] } | { readonly error: string } {
	const parts = text.split(/[\s,;]+/).filter(Boolean);
	if (parts.length === 0) return { error: 'Enter at least one value, e.g. 1000, 2000, 4000.' };
	const values: number[] = [];
	for (const p of parts) {
		const n = Number(p);
		if (!Number.isFinite(n)) return { error: `"${p}" is not a number.` };
		if (n < 0) return { error: `${p}: values must be 0 or more.` };
		if (integer && !Number.isInteger(n)) return { error: `${p}: this setting takes whole numbers.` };
		if (!values.includes(n)) values.push(n);
	}
	if (values.length > 50) return { error: `At most 50 values (got ${values.length}).` };
	return { values };
}

// ── the shadow probe ───────────────────────────────────────────────────────────────────────────

/** `3 of 4 (75%)`, or `—` when nothing was sent. */
function agreementText(agreed: number, sent: number): string {
	return sent === 0 ? '—' : `${agreed} of ${sent} (${Math.round((agreed / sent) * 100)}%)`;
}

/** Agreement per tier (the scenario's model per step decides the tier) and what the probe spent. */
export function probeTierTable(p: ProbeResult): TableModel {
	const tiers = Object.entries(p.byTier);
	const sent = tiers.reduce((a, [, t]) => a + t.sent, 0);
	const agreed = tiers.reduce((a, [, t]) => a + t.agreed, 0);
	return {
		// Probe calls cost fractions of a cent: three significant digits, not three decimals.
		caption: `Shadow probe of "${p.scenario}": ${p.sent} of ${p.sampled} sampled steps sent, ${formatUsdPrecise(p.costUsd)} spent of the ${formatUsdPrecise(p.maxUsd)} cap`,
		columns: [{ label: 'Tier' }, { label: 'Answers sent', numeric: true }, { label: 'Agree with the recording', numeric: true }],
		rows: [
			...tiers.map(([tier, t]) => ({
				key: `tier-${tier}`,
				cells: [{ text: tier || 'model' }, { text: String(t.sent), numeric: true }, { text: agreementText(t.agreed, t.sent), numeric: true, ...(t.agreed < t.sent && { cls: 'worse' }) }],
			})),
			{ key: 'total', cls: 'total', cells: [{ text: 'All' }, { text: String(sent), numeric: true }, { text: agreementText(agreed, sent), numeric: true }] },
		],
	};
}

const probeStatusText: Record<ProbeStepResult['status'], string> = { agreed: 'agrees', disagreed: 'differs', notSent: 'not sent', failed: 'failed' };

/** One row per sampled step: the model asked, whether its answer went the recorded way and how, its cost. */
export function probeStepTable(p: ProbeResult): TableModel {
	const shorten = (text: string) => (text.length > 120 ? `${text.slice(0, 119)}…` : text);
	const sent = (s: ProbeStepResult) => s.status === 'agreed' || s.status === 'disagreed';
	return {
		caption: 'Each probed step: the scenario’s prompt at that step, sent to its model, and the answer compared with the recorded one',
		columns: [{ label: 'Step', numeric: true }, { label: 'Tier' }, { label: 'Model' }, { label: 'Answer' }, { label: 'How' }, { label: 'Cost', numeric: true }],
		rows: p.steps.map(s => ({
			key: `probe-${s.step}`,
			cells: [
				{ text: String(s.step), numeric: true },
				{ text: s.tier || 'model' },
				{ text: s.model },
				{ text: probeStatusText[s.status], cls: s.status === 'agreed' ? 'better' : s.status === 'disagreed' ? 'worse' : 'muted' },
				{ text: shorten(probeVerdictText(s)), title: [probeVerdictText(s), s.answer && `Answer: ${s.answer}`].filter(Boolean).join('\n') },
				// A sent call without a cost has no price (never $0); an unsent one cost nothing.
				s.costUsd !== undefined ? { text: formatUsdPrecise(s.costUsd), numeric: true } : sent(s) ? moneyCell(null, false, 'The model has no price') : { text: '—', numeric: true, cls: 'muted' },
			],
		})),
	};
}
