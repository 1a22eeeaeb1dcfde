/**
 * The metrics of recorded calls (the `agent-cost metrics` command): the same families the live
 * endpoint serves, computed from recordings instead of counted as calls happen.
 */
import type { PricingPort } from '../ports/pricing';
import type { Transcript } from '../transcripts/model';
import { AgentMetrics, type BudgetScope, type CallMetricRecord, type CallStatus } from './agentMetrics';

function durationMs(startedAt: string | undefined, endedAt: string | undefined): number {
	if (!startedAt || !endedAt) return 0;
	const d = Date.parse(endedAt) - Date.parse(startedAt);
	return Number.isFinite(d) && d > 0 ? d : 0;
}

/** One call of a transcript as a metrics record: the recorded cost wins (it is what was charged), else the catalog's price. */
function callMetricRecords(t: Transcript, pricing: PricingPort): CallMetricRecord[] {
	return t.calls.map(c => {
		const status: CallStatus = c.servedFrom ? 'cacheHit' : c.status === 'refused' ? 'refused' : c.status === 'cancelled' ? 'cancelled' : c.status === 'error' ? 'error' : 'ok';
		let costUsd = c.recordedCostUsd;
		if (costUsd === undefined && !c.servedFrom && c.status !== 'refused') {
			const priced = pricing.cost(c.model, c.usage, c.provider ? { provider: c.provider } : undefined);
			if (priced.kind === 'priced') costUsd = priced.usd;
		}
		return { model: c.model || 'unknown', usage: c.servedFrom || c.status === 'refused' ? undefined : c.usage, costUsd, status, durationMs: durationMs(c.startedAt, c.endedAt) };
	});
}

/** The wall time of a run: first call start to last call end (undefined without timestamps). */
function runSpan(t: Transcript): { startMs: number; endMs: number } | undefined {
	const starts = t.calls.map(c => Date.parse(c.startedAt ?? '')).filter(Number.isFinite);
	const ends = t.calls.map(c => Date.parse(c.endedAt ?? c.startedAt ?? '')).filter(Number.isFinite);
	if (starts.length === 0 || ends.length === 0) return undefined;
	return { startMs: Math.min(...starts), endMs: Math.max(...ends) };
}

export interface RecordedBudgetEvent {
	readonly kind: 'refused';
	readonly scope: BudgetScope;
}

/** Metrics of several recordings (one run each) and the budget events found in them. */
export function metricsFromTranscripts(transcripts: readonly Transcript[], pricing: PricingPort, budgetEvents: readonly RecordedBudgetEvent[] = []): AgentMetrics {
	const m = new AgentMetrics();
	for (const t of transcripts) {
		for (const r of callMetricRecords(t, pricing)) m.recordCall(r);
		const span = runSpan(t);
		if (span) m.recordRun(span.endMs - span.startMs);
	}
	for (const e of budgetEvents) m.recordBudgetEvent(e.kind, e.scope);
	return m;
}
