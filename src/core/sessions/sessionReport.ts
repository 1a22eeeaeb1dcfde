/**
 * Totals of deduplicated agent calls, grouped by session, day, week, month or project in one time
 * zone. Every call is priced at its own date (historic prices); a call whose model has no price
 * is counted as such (`unpricedCalls`, `computedCostUsd` covers the priced ones, `null` when none
 * is) — never as $0. `approximate` marks totals with an estimate in them: a corrected placeholder
 * output, an unpriced call, a price the catalog had to approximate.
 */
import { describeError } from '../lib/errors';
import type { PriceCatalog } from '../pricing/types';
import type { Usage } from '../pricing/usage';
import type { AgentId } from './agents';
import { agentIds } from './agents';
import type { LedgerCall } from './callLedger';
import { TimeBuckets } from './timeBuckets';

export type SessionGroupBy = 'session' | 'day' | 'week' | 'month' | 'project';
export const sessionGroupings: readonly SessionGroupBy[] = ['session', 'day', 'week', 'month', 'project'];

/** Token totals in the report's shape: `input` is the whole prompt (cache reads and writes included), `output` includes reasoning. */
export interface UsageTotals {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite: number;
	readonly output: number;
	readonly reasoning: number;
}

export interface SessionsTotals {
	readonly sessions: number;
	readonly calls: number;
	readonly usage: UsageTotals;
	/** USD of the priced calls; null when no call could be priced. */
	readonly computedCostUsd: number | null;
	readonly approximate: boolean;
	readonly unpricedCalls: number;
	/** Claude Code calls whose recorded output was a streaming placeholder (corrected in `usage.output`). */
	readonly placeholderCalls: number;
	/** `usage.output` as the logs recorded it, before placeholder correction. */
	readonly outputAsRecorded: number;
}

export interface SessionsGroup extends SessionsTotals {
	/** Session id, local date (day, the week's Monday), `YYYY-MM` or project folder; "(no date)" for calls without a timestamp. */
	readonly key: string;
	readonly agent: AgentId;
	readonly models: readonly string[];
	/** Session groups: the session's folder, first and last call, and how many calls its subagents made. */
	readonly project?: string;
	readonly firstAt?: string;
	readonly lastAt?: string;
	readonly sidechainCalls?: number;
}

export interface SessionsReport {
	readonly groups: readonly SessionsGroup[];
	readonly totals: SessionsTotals;
}

/** A call with its local date and price. */
export interface PricedCall {
	readonly call: LedgerCall;
	readonly day?: string;
	readonly usd: number | null;
	/** The catalog approximated a rule (see its notes). */
	readonly estimatedPrice: boolean;
	/** Why there is no price (unpriced calls only). */
	readonly unpricedReason?: string;
}

/** Prices each call at its own date, and dates it in the buckets' time zone. */
export function priceCalls(calls: Iterable<LedgerCall>, catalog: PriceCatalog, buckets: TimeBuckets): PricedCall[] {
	const out: PricedCall[] = [];
	for (const call of calls) {
		const day = buckets.day(call.at);
		let usd: number | null = null;
		let estimatedPrice = false;
		let unpricedReason: string | undefined;
		if (call.model === '') unpricedReason = 'the log names no model';
		else {
			try {
				const at = call.at !== undefined ? new Date(call.at) : undefined;
				const r = catalog.cost(call.model, call.usage, { ...(at !== undefined && !Number.isNaN(at.getTime()) && { at }), ...(call.provider !== undefined && { provider: call.provider }) });
				if (r.kind === 'priced') {
					usd = r.usd;
					estimatedPrice = r.estimated === true;
				} else unpricedReason = r.reason;
			} catch (e) {
				unpricedReason = `the price lookup failed: ${describeError(e)}`;
			}
		}
		out.push({ call, ...(day !== undefined && { day }), usd, estimatedPrice, ...(unpricedReason !== undefined && { unpricedReason }) });
	}
	return out;
}

class Sum {
	readonly sessions = new Set<string>();
	readonly models = new Set<string>();
	calls = 0;
	input = 0;
	cacheRead = 0;
	cacheWrite = 0;
	output = 0;
	reasoning = 0;
	usd = 0;
	priced = 0;
	unpriced = 0;
	estimated = false;
	placeholders = 0;
	recordedOutput = 0;
	sidechainCalls = 0;
	firstAt?: string;
	lastAt?: string;
	project?: string;

	add(p: PricedCall): void {
		const c = p.call;
		const u: Usage = c.usage;
		this.sessions.add(`${c.agent}\u0000${c.sessionId}`);
		if (c.model !== '') this.models.add(c.model);
		this.calls++;
		this.input += u.input;
		this.cacheRead += u.cacheRead;
		this.cacheWrite += u.cacheWrite5m + u.cacheWrite1h;
		this.output += u.output;
		this.reasoning += u.reasoning;
		this.recordedOutput += c.recordedOutput ?? u.output;
		if (c.placeholder) this.placeholders++;
		if (c.sidechain) this.sidechainCalls++;
		if (p.usd === null) this.unpriced++;
		else {
			this.usd += p.usd;
			this.priced++;
		}
		if (p.estimatedPrice) this.estimated = true;
		if (c.at !== undefined) {
			if (this.firstAt === undefined || c.at < this.firstAt) this.firstAt = c.at;
			if (this.lastAt === undefined || c.at > this.lastAt) this.lastAt = c.at;
		}
		this.project ??= c.project;
	}

	get approximate(): boolean {
		return this.estimated || this.unpriced > 0 || this.placeholders > 0;
	}

	totals(): SessionsTotals {
		return {
			sessions: this.sessions.size,
			calls: this.calls,
			usage: { input: this.input, cacheRead: this.cacheRead, cacheWrite: this.cacheWrite, output: this.output, reasoning: this.reasoning },
			// No calls cost $0 (there is nothing to price); calls none of which has a price are null, never $0.
			computedCostUsd: this.priced > 0 || this.calls === 0 ? this.usd : null,
			approximate: this.approximate,
			unpricedCalls: this.unpriced,
			placeholderCalls: this.placeholders,
			outputAsRecorded: this.recordedOutput,
		};
	}
}

export interface GroupOptions {
	readonly group: SessionGroupBy;
	/** Local dates, inclusive. A call without a date is left out when either is set. */
	readonly since?: string;
	readonly until?: string;
	/** Only these agents (all when absent). */
	readonly agents?: ReadonlySet<AgentId>;
}

const noDate = '(no date)';

function groupKey(p: PricedCall, group: SessionGroupBy): string {
	switch (group) {
		case 'session':
			return p.call.sessionId;
		case 'project':
			return p.call.project ?? '(unknown project)';
		case 'day':
			return p.day ?? noDate;
		case 'week':
			return p.day !== undefined ? TimeBuckets.weekOf(p.day) : noDate;
		case 'month':
			return p.day !== undefined ? TimeBuckets.monthOf(p.day) : noDate;
	}
}

/** Does a priced call pass the date and agent filters? */
function inRange(p: PricedCall, options: Pick<GroupOptions, 'since' | 'until' | 'agents'>): boolean {
	if (options.agents && !options.agents.has(p.call.agent)) return false;
	if (options.since !== undefined || options.until !== undefined) {
		if (p.day === undefined) return false;
		if (options.since !== undefined && p.day < options.since) return false;
		if (options.until !== undefined && p.day > options.until) return false;
	}
	return true;
}

/** Groups priced calls (one group per key AND agent, so `agent` is always one agent). */
export function groupCalls(priced: readonly PricedCall[], options: GroupOptions): SessionsReport {
	const groups = new Map<string, { key: string; agent: AgentId; sum: Sum }>();
	const all = new Sum();
	for (const p of priced) {
		if (!inRange(p, options)) continue;
		const key = groupKey(p, options.group);
		const id = `${p.call.agent}\u0000${key}`;
		let g = groups.get(id);
		if (!g) groups.set(id, (g = { key, agent: p.call.agent, sum: new Sum() }));
		g.sum.add(p);
		all.add(p);
	}
	const agentOrder = (a: AgentId) => agentIds.indexOf(a);
	const list = [...groups.values()].sort((a, b) =>
		options.group === 'session' ? (a.sum.lastAt ?? '').localeCompare(b.sum.lastAt ?? '') || a.key.localeCompare(b.key) : a.key.localeCompare(b.key) || agentOrder(a.agent) - agentOrder(b.agent),
	);
	return {
		groups: list.map(({ key, agent, sum }) => {
			const t = sum.totals();
			return {
				key,
				agent,
				sessions: t.sessions,
				calls: t.calls,
				models: [...sum.models],
				usage: t.usage,
				computedCostUsd: t.computedCostUsd,
				approximate: t.approximate,
				unpricedCalls: t.unpricedCalls,
				placeholderCalls: t.placeholderCalls,
				outputAsRecorded: t.outputAsRecorded,
				...(options.group === 'session' && {
					...(sum.project !== undefined && { project: sum.project }),
					...(sum.firstAt !== undefined && { firstAt: sum.firstAt }),
					...(sum.lastAt !== undefined && { lastAt: sum.lastAt }),
					sidechainCalls: sum.sidechainCalls,
				}),
			};
		}),
		totals: all.totals(),
	};
}

/** Models without a price and how many calls each, for one warning per model. */
export function unpricedModels(priced: readonly PricedCall[]): { model: string; calls: number; reason: string }[] {
	const out = new Map<string, { model: string; calls: number; reason: string }>();
	for (const p of priced) {
		if (p.usd !== null) continue;
		const model = p.call.model || '(no model)';
		const m = out.get(model) ?? { model, calls: 0, reason: p.unpricedReason ?? 'no price' };
		m.calls++;
		out.set(model, m);
	}
	return [...out.values()];
}
