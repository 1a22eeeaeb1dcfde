/**
 * The product's metrics for people who run agents at scale: spend, tokens by direction, calls by
 * status, call and run durations, budget events. Fed live by the call path and the budget guard,
 * or rebuilt from recorded calls by the CLI — both render the same registry.
 *
 * Money is never silently wrong: a call without a price adds nothing to the USD counter and is
 * counted in `agent_cost_unpriced_calls_total` instead.
 */
import type { ProviderErrorReason } from '../providers/providerError';
import { uncachedInput, type Usage } from '../pricing/usage';
import { MetricsRegistry, type Counter, type Histogram, type MetricFamilySnapshot } from './registry';

/**
 * How a call ended: answered, served from the response cache, refused by the budget, a provider
 * failure by reason, or `error` when a recording says it failed without saying why.
 */
export type CallStatus = 'ok' | 'cacheHit' | 'refused' | 'error' | ProviderErrorReason;

/** One call as the metrics see it (what a recording line or the live call path provides). */
export interface CallMetricRecord {
	readonly model: string;
	/** Usage the provider reported (or that was billed before a failure); undefined when unknown. */
	readonly usage?: Usage;
	/** Undefined when the model has no price: counted as unpriced, never as $0. */
	readonly costUsd?: number;
	readonly status: CallStatus;
	readonly durationMs: number;
}

export type BudgetEventKind = 'warn' | 'downgrade' | 'refused';
export type BudgetScope = 'run' | 'day';

/** Call latencies in seconds: interactive calls up to long agent steps. */
const callDurationBuckets: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Agent run durations in seconds. */
const runDurationBuckets: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Label values are snake_case, as is usual in Prometheus. */
const statusLabel: Record<CallStatus, string> = {
	ok: 'ok',
	cacheHit: 'cache_hit',
	refused: 'budget_refused',
	error: 'error',
	auth: 'auth',
	quota: 'quota',
	rateLimit: 'rate_limit',
	server: 'server',
	timeout: 'timeout',
	unreachable: 'unreachable',
	network: 'network',
	badResponse: 'bad_response',
	cancelled: 'cancelled',
	badRequest: 'bad_request',
};

function count(v: number): number {
	return Number.isFinite(v) && v > 0 ? v : 0;
}

export class AgentMetrics {
	readonly registry: MetricsRegistry;
	private readonly costUsd: Counter;
	private readonly tokens: Counter;
	private readonly reasoning: Counter;
	private readonly calls: Counter;
	private readonly unpriced: Counter;
	private readonly callDuration: Histogram;
	private readonly runDuration: Histogram;
	private readonly budgetEvents: Counter;

	constructor() {
		const r = (this.registry = new MetricsRegistry());
		this.costUsd = r.counter('agent_cost_usd_total', 'Spend in USD: reported usage priced with the price catalog (unpriced calls are not included, see agent_cost_unpriced_calls_total).', ['model']);
		this.tokens = r.counter(
			'agent_cost_tokens_total',
			'Tokens by direction: input = uncached input, cache_read, cache_write (5-minute + 1-hour), output (reasoning included). The directions add up to all tokens.',
			['model', 'direction'],
		);
		this.reasoning = r.counter('agent_cost_reasoning_tokens_total', 'Reasoning tokens, a part of the output tokens.', ['model']);
		this.calls = r.counter('agent_cost_calls_total', 'LLM calls by outcome: ok, cache_hit, budget_refused, or the provider error reason.', ['model', 'status']);
		this.unpriced = r.counter('agent_cost_unpriced_calls_total', 'Calls with usage but no known price: their cost is missing from agent_cost_usd_total.', ['model']);
		this.callDuration = r.histogram('agent_cost_call_duration_seconds', 'Wall time of one LLM call.', ['model'], callDurationBuckets);
		this.runDuration = r.histogram('agent_cost_run_duration_seconds', 'Wall time of one agent run (first call start to last call end).', [], runDurationBuckets);
		this.budgetEvents = r.counter('agent_cost_budget_events_total', 'Budget events: warn (threshold reached), downgrade (soft policy moved a call to a cheaper tier), refused (hard limit).', [
			'kind',
			'scope',
		]);
	}

	recordCall(call: CallMetricRecord): void {
		const model = call.model || 'unknown';
		this.calls.inc({ model, status: statusLabel[call.status] ?? 'unknown' });
		this.callDuration.observe({ model }, count(call.durationMs) / 1000);
		const u = call.usage;
		if (u) {
			this.tokens.inc({ model, direction: 'input' }, count(uncachedInput(u)));
			this.tokens.inc({ model, direction: 'cache_read' }, count(u.cacheRead));
			this.tokens.inc({ model, direction: 'cache_write' }, count(u.cacheWrite5m) + count(u.cacheWrite1h));
			this.tokens.inc({ model, direction: 'output' }, count(u.output));
			if (u.reasoning > 0) this.reasoning.inc({ model }, count(u.reasoning));
		}
		if (call.costUsd !== undefined && Number.isFinite(call.costUsd)) this.costUsd.inc({ model }, Math.max(0, call.costUsd));
		else if (u && u.input + u.output > 0) this.unpriced.inc({ model });
	}

	recordRun(durationMs: number): void {
		this.runDuration.observe({}, count(durationMs) / 1000);
	}

	recordBudgetEvent(kind: BudgetEventKind, scope: BudgetScope): void {
		this.budgetEvents.inc({ kind, scope });
	}

	/** Prometheus text exposition. */
	render(): string {
		return this.registry.render();
	}

	/** The same numbers as data (for `--json`). */
	snapshot(): MetricFamilySnapshot[] {
		return this.registry.snapshot();
	}
}

/** Metrics of recorded calls, plus the runs they belong to (start and end wall times in ms). */
export function metricsFromCalls(calls: Iterable<CallMetricRecord>, runs: Iterable<{ readonly startMs: number; readonly endMs: number }> = []): AgentMetrics {
	const m = new AgentMetrics();
	for (const c of calls) m.recordCall(c);
	for (const r of runs) m.recordRun(r.endMs - r.startMs);
	return m;
}
