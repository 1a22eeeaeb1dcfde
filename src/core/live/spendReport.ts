/**
 * Today's spend for the Spend view, built from what live calls leave behind: the day's recording
 * file (this workspace's calls, cache hits and budget events) and the spend ledger's day (every
 * window and workspace sharing the global ledger: the amount the daily budget is judged on).
 * Pure: the caller reads the files.
 */
import { isLedgerRecord, type LedgerRecord } from '../budget/budgetLedger';
import { dayKey } from '../budget/dayKey';
import { nanoToUsd } from '../budget/money';
import { budgetEventKinds } from './budgetEvents';

export interface SpendCallRow {
	readonly at: string;
	readonly runId?: string;
	readonly model: string;
	readonly status: 'ok' | 'error' | 'cancelled';
	readonly servedFrom?: 'exactCache' | 'semanticCache';
	/** Undefined when unpriced (or a cache hit: see `servedFrom`). */
	readonly costUsd?: number;
	readonly estimated: boolean;
	/** Total prompt tokens (cache reads and writes included) and output tokens. */
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly routedModel?: string;
	readonly durationMs?: number;
	/** The error reason of a failed call. */
	readonly error?: string;
}

export interface SpendModelRow {
	readonly model: string;
	readonly calls: number;
	readonly cacheHits: number;
	readonly errors: number;
	readonly costUsd: number;
	/** Calls with usage but no price: their cost is missing from `costUsd`. */
	readonly unpricedCalls: number;
	readonly estimated: boolean;
	readonly inputTokens: number;
	readonly outputTokens: number;
}

export interface SpendEvent {
	readonly at?: string;
	readonly runId?: string;
	readonly kind: 'refused' | 'warning' | 'downgrade' | 'overLimit' | 'unpriced';
	readonly message: string;
}

export interface LedgerDaySpend {
	/** Settled (and expired) spend of the day, every workspace and window. */
	readonly spentUsd: number;
	/** Reserved by calls in flight. */
	readonly reservedUsd: number;
	readonly byModel: readonly { readonly model: string; readonly usd: number; readonly charges: number }[];
}

export interface SpendReport {
	readonly day: string;
	readonly timeZone: string;
	/** The recording read (absent when there is none for today yet). */
	readonly recordingFile?: string;
	/** Newest first, at most {@link maxSpendRows}. */
	readonly calls: readonly SpendCallRow[];
	/** Calls in the recording (the list may be capped). */
	readonly totalCalls: number;
	/** Dearest first. */
	readonly byModel: readonly SpendModelRow[];
	/** Newest first. */
	readonly events: readonly SpendEvent[];
	/** Sum of the recording's priced calls (this workspace). */
	readonly recordedUsd: number;
	/** From the ledger, when the store is the file ledger. */
	readonly ledger?: LedgerDaySpend;
	/** Lines of the recording that were not valid records (a torn line after a crash). */
	readonly skippedLines: number;
}

export const maxSpendRows = 200;

const eventKinds = new Map<string, SpendEvent['kind']>(Object.entries(budgetEventKinds).map(([k, v]) => [v, k as SpendEvent['kind']]));

function rec(v: unknown): Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function nonNeg(v: unknown): number {
	return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The file name of a budget day's recording. */
export function liveRecordingFileName(day: string): string {
	return `live-${day}.agent-cost.jsonl`;
}

/**
 * Aggregates a recording's text (calls of `day` in `timeZone` only) and, optionally, the ledger
 * records of that day.
 */
export function buildSpendReport(input: {
	readonly day: string;
	readonly timeZone: string;
	readonly recordingText?: string;
	readonly recordingFile?: string;
	readonly ledgerRecords?: readonly unknown[];
}): SpendReport {
	const { day, timeZone } = input;
	const calls: SpendCallRow[] = [];
	const events: SpendEvent[] = [];
	let skippedLines = 0;
	for (const line of (input.recordingText ?? '').split('\n')) {
		if (line.trim() === '') continue;
		let v: Record<string, unknown>;
		try {
			v = rec(JSON.parse(line));
		} catch {
			skippedLines++;
			continue;
		}
		const at = typeof v.at === 'string' ? v.at : undefined;
		const t = at ? Date.parse(at) : NaN;
		if (at && Number.isFinite(t) && dayKey(t, timeZone) !== day) continue;
		if (v.type === 'event') {
			const kind = eventKinds.get(String(v.kind));
			if (kind) events.push({ ...(at && { at }), ...(typeof v.runId === 'string' && { runId: v.runId }), kind, message: typeof v.message === 'string' ? v.message : kind });
			continue;
		}
		// A refused call was never sent: its `budgetRefused` event lists it.
		if (v.type !== 'call' || typeof v.model !== 'string' || !at || v.status === 'refused') continue;
		const usage = rec(v.usage);
		const status = v.status === 'error' || v.status === 'cancelled' ? v.status : 'ok';
		const servedFrom = v.servedFrom === 'exactCache' || v.servedFrom === 'semanticCache' ? v.servedFrom : undefined;
		const cost = typeof v.costUsd === 'number' && Number.isFinite(v.costUsd) ? v.costUsd : undefined;
		const routing = rec(v.routing);
		const error = rec(v.error);
		calls.push({
			at,
			...(typeof v.runId === 'string' && { runId: v.runId }),
			model: v.model,
			status,
			...(servedFrom && { servedFrom }),
			...(cost !== undefined && { costUsd: cost }),
			estimated: v.usageExact === false,
			inputTokens: nonNeg(usage.input),
			outputTokens: nonNeg(usage.output),
			...(typeof routing.requestedModel === 'string' && { routedModel: routing.requestedModel }),
			...(typeof v.durationMs === 'number' && { durationMs: v.durationMs }),
			...(status !== 'ok' && typeof error.reason === 'string' && { error: error.reason }),
		});
	}
	const models = new Map<
		string,
		{ model: string; calls: number; cacheHits: number; errors: number; costUsd: number; unpricedCalls: number; estimated: boolean; inputTokens: number; outputTokens: number }
	>();
	let recordedUsd = 0;
	for (const c of calls) {
		let m = models.get(c.model);
		if (!m) models.set(c.model, (m = { model: c.model, calls: 0, cacheHits: 0, errors: 0, costUsd: 0, unpricedCalls: 0, estimated: false, inputTokens: 0, outputTokens: 0 }));
		m.calls++;
		if (c.servedFrom) m.cacheHits++;
		if (c.status !== 'ok') m.errors++;
		if (c.costUsd !== undefined) {
			m.costUsd += c.costUsd;
			recordedUsd += c.costUsd;
		} else if (!c.servedFrom && c.inputTokens + c.outputTokens > 0) m.unpricedCalls++;
		if (c.estimated && !c.servedFrom) m.estimated = true;
		m.inputTokens += c.inputTokens;
		m.outputTokens += c.outputTokens;
	}
	const byTime = (a: { at?: string }, b: { at?: string }) => (b.at ?? '').localeCompare(a.at ?? '');
	return {
		day,
		timeZone,
		...(input.recordingFile && { recordingFile: input.recordingFile }),
		calls: [...calls].sort(byTime).slice(0, maxSpendRows),
		totalCalls: calls.length,
		byModel: [...models.values()].sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls || a.model.localeCompare(b.model)),
		events: events.sort(byTime).slice(0, maxSpendRows),
		recordedUsd,
		...(input.ledgerRecords && { ledger: ledgerDaySpend(input.ledgerRecords, day) }),
		skippedLines,
	};
}

/** Replays a day's ledger records: what was spent (settled or expired) and reserved, by model. */
export function ledgerDaySpend(records: readonly unknown[], day: string): LedgerDaySpend {
	const open = new Map<string, Extract<LedgerRecord, { t: 'reserve' }>>();
	const byModel = new Map<string, { model: string; usd: number; charges: number }>();
	let spent = 0;
	const charge = (model: string, nano: number) => {
		spent += nano;
		let m = byModel.get(model);
		if (!m) byModel.set(model, (m = { model, usd: 0, charges: 0 }));
		m.usd += nanoToUsd(nano);
		m.charges++;
	};
	let held = 0;
	for (const r of records) {
		if (!isLedgerRecord(r)) continue;
		if (r.t === 'reserve') {
			// A reservation past its own daily limit in file order is void (see BudgetBook.apply).
			if (r.day === day && !(r.lim !== undefined && spent + held + r.nano > r.lim)) {
				open.set(r.id, r);
				held += r.nano;
			}
			continue;
		}
		const o = open.get(r.id);
		if (!o) continue;
		open.delete(r.id);
		held -= o.nano;
		if (r.t === 'settle') charge(o.model, r.nano);
		else if (r.t === 'expire') charge(o.model, o.nano);
	}
	let reserved = 0;
	for (const o of open.values()) reserved += o.nano;
	return { spentUsd: nanoToUsd(spent), reservedUsd: nanoToUsd(reserved), byModel: [...byModel.values()].sort((a, b) => b.usd - a.usd) };
}
