/**
 * Cost accounting of an imported run: every call priced from its usage with the catalog, next to
 * the cost the file recorded. Differences are reported with their numbers in `warnings`, never
 * hidden; a model without a price is reported as such (never $0). Pure: the catalog is injected and
 * calls are priced at their own timestamps (historic prices).
 */
import { describeError } from '../lib/errors';
import type { CostResult, PriceCatalog, UnpricedFee } from '../pricing/types';
import { addUsage, type Usage, zeroUsage } from '../pricing/usage';
import type { LlmCall, Transcript, TranscriptWarning, TranscriptWarningCode } from './model';

type CallPrice =
	| {
			readonly kind: 'priced';
			readonly usd: number;
			/** The price rests on an approximated rule (see the catalog's notes). */
			readonly estimated: boolean;
			readonly priceId: string;
			readonly source: string;
			readonly notes: readonly string[];
			/** Server-tool uses without a known fee: `usd` excludes them. */
			readonly unpricedFees?: readonly UnpricedFee[];
	  }
	| { readonly kind: 'unpriced'; readonly reason: string; readonly hint: string };

interface CallCost {
	readonly index: number;
	readonly model: string;
	readonly computed: CallPrice;
	/** Rounded usage (aider): the computed cost of the usage bounds. */
	readonly computedRange?: { readonly low: number; readonly high: number };
	readonly recordedUsd?: number;
	/** computed − recorded (USD), when both exist. */
	readonly differenceUsd?: number;
	/** Recorded and computed agree (exactly, or within the rounding of rounded formats). */
	readonly matches?: boolean;
}

interface ModelTotals {
	readonly model: string;
	readonly calls: number;
	readonly usage: Usage;
	/** Null when no call of this model could be priced. */
	readonly computedUsd: number | null;
	readonly unpricedCalls: number;
	readonly recordedUsd?: number;
}

export interface TranscriptAccount {
	readonly calls: readonly CallCost[];
	/** Sum of the calls' usage. */
	readonly usage: Usage;
	/** Sum over priced calls; null when no call could be priced. */
	readonly computedUsd: number | null;
	/** Every call was priced (otherwise `computedUsd` covers only the priced ones). */
	readonly computedComplete: boolean;
	/** The computed cost rests on estimates: counted, rounded or placeholder-corrected usage, or an approximated price rule. */
	readonly computedEstimated: boolean;
	readonly unpricedCalls: number;
	/** Server-tool uses, summed by tool, whose fee is unknown: `computedUsd` excludes them (a warning says so). */
	readonly unpricedFees: readonly UnpricedFee[];
	/** The run's recorded cost (the file's run total, or the sum of per-call recorded costs); null when the file records none. */
	readonly recordedUsd: number | null;
	readonly recordedSource?: 'run' | 'calls';
	/** Rounded recorded costs: the true value lies within ± this. */
	readonly recordedTolerance?: number;
	/** The file's recorded run totals (SWE-agent model_stats…) priced with the catalog, when they include tokens. */
	readonly recordedTotalsComputedUsd?: number;
	readonly byModel: readonly ModelTotals[];
	/** Findings of the accounting (the import's own warnings stay on the transcript). */
	readonly warnings: readonly TranscriptWarning[];
}

export interface AccountOptions {
	/** Price calls without timestamps as of this date (defaults to the catalog's clock). */
	readonly at?: Date;
}

function dateOf(iso: string | undefined): Date | undefined {
	if (iso === undefined) return undefined;
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? undefined : d;
}

function toPrice(r: CostResult): CallPrice {
	return r.kind === 'priced'
		? { kind: 'priced', usd: r.usd, estimated: r.estimated === true, priceId: r.priceId, source: r.source, notes: r.notes, ...(r.unpricedFees && { unpricedFees: r.unpricedFees }) }
		: { kind: 'unpriced', reason: r.reason, hint: r.hint };
}

/** Exact recorded costs agree when they differ by float noise only. */
function closeEnough(a: number, b: number): boolean {
	return Math.abs(a - b) <= Math.max(1e-9, 1e-7 * Math.max(Math.abs(a), Math.abs(b)));
}

function usd(v: number): string {
	if (v === 0) return '$0';
	return `$${Number(v.toPrecision(4))}`;
}

function pct(diff: number, base: number): string {
	return base > 0 ? `${diff >= 0 ? '+' : ''}${((diff / base) * 100).toFixed(1)}%` : 'n/a';
}

/**
 * Prices every call of `t` and compares with what the file recorded. A call the budget refused was
 * never sent: it costs nothing and is not counted as a call (it stays in the transcript for replays).
 */
export function accountTranscript(recorded: Transcript, catalog: PriceCatalog, options: AccountOptions = {}): TranscriptAccount {
	const warnings: TranscriptWarning[] = [];
	const warn = (code: TranscriptWarningCode, message: string) => warnings.push({ code, message });
	const refused = recorded.calls.filter(c => c.status === 'refused').length;
	const t = refused > 0 ? { ...recorded, calls: recorded.calls.filter(c => c.status !== 'refused') } : recorded;
	if (refused > 0) warn('refusedCalls', `${refused} request(s) were refused by the budget and not sent: they cost nothing and are not counted as calls`);
	const runAt = dateOf(t.startedAt) ?? options.at;
	const price = (call: LlmCall, usage: Usage): CostResult => {
		const at = dateOf(call.startedAt) ?? runAt;
		try {
			return catalog.cost(call.model, usage, { ...(at !== undefined && { at }), ...(call.provider !== undefined && { provider: call.provider }) });
		} catch (e) {
			// The catalog throws only for impossible arguments (usage the importers already sanitize).
			return { kind: 'unpriced', model: call.model, reason: `the price lookup failed: ${describeError(e)}`, hint: "Check the call's usage numbers in the file." };
		}
	};
	const calls: CallCost[] = [];
	const models = new Map<string, { calls: number; usage: Usage; usd: number; priced: number; unpriced: number; recorded: number; recordedCalls: number }>();
	const unpricedReasons = new Map<string, { calls: number; reason: string; hint: string }>();
	const unpricedFees = new Map<string, { uses: number; calls: number; models: Set<string> }>();
	let usage = zeroUsage;
	let computed = 0;
	let pricedCalls = 0;
	let estimated = false;
	let recordedSum = 0;
	let recordedCalls = 0;
	let recordedTol = 0;
	const mismatches: { index: number; recorded: number; computed: number }[] = [];
	for (const call of t.calls) {
		usage = addUsage(usage, call.usage);
		if (!call.usageExact || call.usageSource !== 'recorded') estimated = true;
		const r = call.model === '' || call.usageInvalid ? undefined : price(call, call.usage);
		const computedPrice: CallPrice = call.usageInvalid
			? { kind: 'unpriced', reason: `its token counts in the file are not counts (${call.usageInvalid.join('; ')})`, hint: 'Fix the usage numbers in the file; the cost stays unknown until then.' }
			: r
				? toPrice(r)
				: { kind: 'unpriced', reason: 'the file records no model for this call', hint: 'Pass the model (agent-cost report --model <id>) to price it.' };
		let range: { low: number; high: number } | undefined;
		if (computedPrice.kind === 'priced') {
			computed += computedPrice.usd;
			pricedCalls++;
			for (const fee of computedPrice.unpricedFees ?? []) {
				const f = unpricedFees.get(fee.tool) ?? { uses: 0, calls: 0, models: new Set<string>() };
				f.uses += fee.uses;
				f.calls++;
				f.models.add(call.model);
				unpricedFees.set(fee.tool, f);
			}
			if (computedPrice.estimated) estimated = true;
			if (call.usageRange) {
				const lo = price(call, call.usageRange.low);
				const hi = price(call, call.usageRange.high);
				if (lo.kind === 'priced' && hi.kind === 'priced') range = { low: Math.min(lo.usd, hi.usd), high: Math.max(lo.usd, hi.usd) };
			}
		} else {
			const key = call.model || '(no model)';
			const u = unpricedReasons.get(key) ?? { calls: 0, reason: computedPrice.reason, hint: computedPrice.hint };
			u.calls++;
			unpricedReasons.set(key, u);
		}
		let m = models.get(call.model);
		if (!m) models.set(call.model, (m = { calls: 0, usage: zeroUsage, usd: 0, priced: 0, unpriced: 0, recorded: 0, recordedCalls: 0 }));
		m.calls++;
		m.usage = addUsage(m.usage, call.usage);
		if (computedPrice.kind === 'priced') {
			m.usd += computedPrice.usd;
			m.priced++;
		} else m.unpriced++;
		const recorded = call.recordedCostUsd;
		let difference: number | undefined;
		let matches: boolean | undefined;
		if (recorded !== undefined) {
			recordedSum += recorded;
			recordedCalls++;
			recordedTol += call.recordedCostTolerance ?? 0;
			m.recorded += recorded;
			m.recordedCalls++;
			if (computedPrice.kind === 'priced') {
				difference = computedPrice.usd - recorded;
				const tol = call.recordedCostTolerance ?? 0;
				matches = range ? recorded + tol >= range.low - 1e-12 && recorded - tol <= range.high + 1e-12 : tol > 0 ? Math.abs(difference) <= tol + 1e-12 : closeEnough(computedPrice.usd, recorded);
				if (!matches) mismatches.push({ index: call.index, recorded, computed: computedPrice.usd });
			}
		}
		calls.push({
			index: call.index,
			model: call.model,
			computed: computedPrice,
			...(range !== undefined && { computedRange: range }),
			...(recorded !== undefined && { recordedUsd: recorded }),
			...(difference !== undefined && { differenceUsd: difference }),
			...(matches !== undefined && { matches }),
		});
	}
	for (const [model, u] of unpricedReasons) {
		warn('unpriced', `${u.calls} call(s) of ${model} have no price: ${u.reason}. ${u.hint}`);
	}
	for (const [tool, f] of unpricedFees) {
		warn(
			'unpricedFee',
			`unpriced fee: ${f.uses} ${tool} use(s) in ${f.calls} call(s) of ${[...f.models].join(', ')} — the price data has no per-use price for ${tool}, so the computed cost covers their tokens only. Add "serverToolFees": {"${tool}": <USD per 1,000>} to a price override (agentCost.pricing.overrides or .agent-cost/prices.json).`,
		);
	}
	if (mismatches.length > 0) {
		const worst = [...mismatches].sort((a, b) => Math.abs(b.computed - b.recorded) - Math.abs(a.computed - a.recorded)).slice(0, 3);
		warn(
			'costMismatch',
			`${mismatches.length} of ${recordedCalls} call(s) with a recorded cost differ from usage × prices: ` +
				worst.map(w => `call ${w.index + 1} recorded ${usd(w.recorded)} vs computed ${usd(w.computed)} (${pct(w.computed - w.recorded, w.recorded)})`).join('; '),
		);
	}
	// The run's recorded cost: the file's total, or the per-call sum when that is more precise.
	let recordedUsd: number | null = null;
	let recordedSource: 'run' | 'calls' | undefined;
	let tolerance: number | undefined;
	const totals = t.recordedTotals;
	const allCallsRecorded = t.calls.length > 0 && recordedCalls === t.calls.length;
	if (totals?.costUsd !== undefined && !(allCallsRecorded && recordedTol < (totals.costTolerance ?? 0))) {
		recordedUsd = totals.costUsd;
		recordedSource = 'run';
		tolerance = totals.costTolerance;
		if (allCallsRecorded) {
			const tol = recordedTol + (totals.costTolerance ?? 0);
			if (tol > 0 ? Math.abs(recordedSum - totals.costUsd) > tol + 1e-12 : !closeEnough(recordedSum, totals.costUsd)) {
				warn('totalsMismatch', `the per-call recorded costs sum to ${usd(recordedSum)} but the run total records ${usd(totals.costUsd)} (${pct(recordedSum - totals.costUsd, totals.costUsd)})`);
			}
		}
	} else if (recordedCalls > 0) {
		recordedUsd = recordedSum;
		recordedSource = 'calls';
		if (recordedTol > 0) tolerance = recordedTol;
		if (!allCallsRecorded) warn('noRecordedCost', `only ${recordedCalls} of ${t.calls.length} calls record a cost: the recorded total covers those calls only`);
	}
	const computedUsd = pricedCalls > 0 ? computed : null;
	if (recordedUsd !== null && computedUsd !== null && pricedCalls === t.calls.length && recordedSource === 'run') {
		const tol = (tolerance ?? 0) + calls.reduce((s, c) => s + (c.computedRange ? (c.computedRange.high - c.computedRange.low) / 2 : 0), 0);
		const differs = tol > 0 ? Math.abs(computedUsd - recordedUsd) > tol + 1e-12 : !closeEnough(computedUsd, recordedUsd);
		if (differs) {
			const counted = t.calls.some(c => c.usageSource === 'counted');
			warn(
				'costMismatch',
				`computed cost ${usd(computedUsd)}${counted ? ' (from re-counted tokens)' : ''} differs from the recorded run cost ${usd(recordedUsd)} by ${usd(Math.abs(computedUsd - recordedUsd))} (${pct(computedUsd - recordedUsd, recordedUsd)})`,
			);
		}
	}
	// Recorded run token totals (when the calls carry their own recorded usage, they must add up).
	let recordedTotalsComputedUsd: number | undefined;
	if (totals?.usage !== undefined) {
		const fields = totals.fields ?? (['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning'] as const);
		const allRecorded = t.calls.length > 0 && t.calls.every(c => c.usageSource === 'recorded');
		if (allRecorded) {
			const diffs = fields.filter(f => usage[f] !== totals.usage![f]).map(f => `${f} ${usage[f]} vs ${totals.usage![f]}`);
			if (diffs.length > 0) warn('totalsMismatch', `the calls' usage does not add up to the recorded run totals (${totals.source}): ${diffs.join(', ')}`);
		}
		const distinct = [...new Set(t.calls.map(c => c.model))];
		if (distinct.length === 1 && distinct[0] !== '' && t.calls.length > 0) {
			const r = price(t.calls[0]!, totals.usage);
			if (r.kind === 'priced') {
				recordedTotalsComputedUsd = r.usd;
				if (totals.costUsd !== undefined && !allRecorded && !closeEnough(r.usd, totals.costUsd)) {
					warn(
						'costMismatch',
						`the recorded run totals (${totals.source}) priced with current data give ${usd(r.usd)}, the run recorded ${usd(totals.costUsd)} (${pct(r.usd - totals.costUsd, totals.costUsd)}; prices at run time, cache discounts or requeries may explain it)`,
					);
				}
			}
		}
	}
	return {
		calls,
		usage,
		computedUsd,
		computedComplete: pricedCalls === t.calls.length,
		computedEstimated: estimated,
		unpricedCalls: t.calls.length - pricedCalls,
		unpricedFees: [...unpricedFees].map(([tool, f]) => ({ tool, uses: f.uses })),
		recordedUsd,
		...(recordedSource !== undefined && { recordedSource }),
		...(tolerance !== undefined && tolerance > 0 && { recordedTolerance: tolerance }),
		...(recordedTotalsComputedUsd !== undefined && { recordedTotalsComputedUsd }),
		byModel: [...models].map(([model, m]) => ({
			model,
			calls: m.calls,
			usage: m.usage,
			computedUsd: m.priced > 0 ? m.usd : null,
			unpricedCalls: m.unpriced,
			...(m.recordedCalls > 0 && { recordedUsd: m.recorded }),
		})),
		warnings,
	};
}
