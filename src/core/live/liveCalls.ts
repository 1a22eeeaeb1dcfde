/**
 * Real, budgeted calls: one request goes router → cache → compression → budget reservation (the
 * policy engine's `plan`) → provider transport with retries and fallbacks (the routing policy's
 * `callWithFallback`) → settle (real usage replaces the reservation) → recording and metrics.
 *
 * Spend accounting rules, so the budget never undercounts:
 * - a completed call settles the provider's usage, plus whatever earlier attempts of the same model
 *   were billed for (a stream cut mid-way still cost tokens);
 * - an attempt that failed after its response started is charged an estimate: usage the provider
 *   had already reported (Anthropic sends the input side first) or the counted prompt, plus the
 *   counted output that arrived;
 * - cancelled or timed-out attempts with nothing received are charged the counted prompt (it may
 *   have been processed); other failures before a response (429, 5xx, auth, network) cost nothing
 *   and release their reservation;
 * - a response without usage (some OpenAI-compatible servers) is counted and marked estimated.
 *
 * Pure apart from its ports (engine stores, transports, recorder, clock), so the same code runs in
 * the extension host and the CLI.
 */
import { BudgetExceededError, UnpricedModelError } from '../budget/budgetErrors';
import type { Reservation } from '../budget/budgetGuard';
import type { EngineConfig } from '../config/defaults';
import type { CachedPlan, CallPlan, Plan, PolicyEngine, RefusedPlan, SideCall } from '../engine/policyEngine';
import { decisionRecord } from '../policy/policyStep';
import type { Clock, Random } from '../ports/clock';
import type { TokenCounter } from '../ports/tokenCounter';
import { CancelledError, EngineError, describeError } from '../lib/errors';
import type { AgentMetrics, CallStatus } from '../metrics/agentMetrics';
import type { CostResult } from '../pricing/types';
import { addUsage, type Usage } from '../pricing/usage';
import { ProviderError, type PartialResponse } from '../providers/providerError';
import { classifyFailure } from '../providers/providerFailure';
import {
	collectResponse,
	type FinishReason,
	type LlmTransport,
	type ProviderChunk,
	type ProviderId,
	type ProviderMessage,
	type ProviderResponse,
	type ProviderToolCall,
	type ProviderToolChoice,
} from '../ports/llmTransport';
import type { StepInfo } from '../routing/classifier';
import { abortableSleep, callWithFallback, CircuitBreaker, FallbackExhaustedError, type AttemptRecord } from '../routing/fallback';
import type { ToolDefinitionLike } from '../tokens/types';
import type { CallRecorder, LiveCallRecord } from './liveCallRecord';
import { toEngineMessages, toProviderMessages } from './messageMapping';

/** Claude models go to Anthropic, everything else to the OpenAI(-compatible) client. */
export function defaultProviderOf(model: string): ProviderId {
	return /^(anthropic\/|claude)/i.test(model) ? 'anthropic' : 'openai';
}

/** The id the provider expects: a catalog-style `anthropic/` prefix is not part of Anthropic's ids. */
function wireModel(provider: ProviderId, model: string): string {
	return provider === 'anthropic' ? model.replace(/^anthropic\//i, '') : model;
}

export interface LiveCallDeps {
	readonly engine: PolicyEngine;
	readonly transports: Readonly<Partial<Record<ProviderId, LlmTransport>>>;
	/** Counts what providers did not report (missing usage, cut or cancelled streams). */
	readonly counter: TokenCounter;
	readonly config: EngineConfig;
	readonly clock: Clock;
	/** Backoff jitter. */
	readonly random: Random;
	readonly providerOf?: (model: string) => ProviderId;
	readonly recorder?: CallRecorder;
	readonly metrics?: AgentMetrics;
	/** Abortable wait between retries (injected so tests need not wait). */
	readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly newId?: () => string;
}

export interface LiveCallRequest {
	readonly runId: string;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly toolChoice?: ProviderToolChoice;
	readonly step?: StepInfo;
	/** Skip routing: call exactly this model (fallbacks and budget downgrades still apply to routed calls only). */
	readonly pinnedModel?: string;
	/** The model the request names without pinning it (the agent's own): used in the asRequested routing mode. */
	readonly requestedModel?: string;
	/** Defaults to `agentCost.defaults.maxOutputTokens`. */
	readonly maxOutputTokens?: number;
	/** Defaults to `agentCost.defaults.temperature`. */
	readonly temperature?: number;
	/** Default true. */
	readonly stream?: boolean;
	/** 'bypass' forces a fresh answer (it is still cached). */
	readonly cache?: 'use' | 'bypass';
	/** An answer this returns a complaint for (e.g. "not valid JSON") is charged, then the next model is tried. */
	readonly validate?: (text: string) => string | undefined;
}

interface AttemptInfo {
	readonly model: string;
	readonly retry: number;
}

/**
 * Callbacks must not throw: an exception from one is ignored, so a bug in a view can never look
 * like a provider failure and trigger retries or fallbacks.
 */
export interface LiveCallOptions {
	/** Cancellation (the VS Code adapter bridges its CancellationToken to an AbortSignal). */
	readonly signal?: AbortSignal;
	/** The plan, before any provider call (routing, compression and budget explanations). */
	readonly onPlan?: (plan: Plan) => void;
	/** A new attempt starts: text streamed by an earlier attempt is void. */
	readonly onAttempt?: (attempt: AttemptInfo) => void;
	readonly onChunk?: (chunk: ProviderChunk, attempt: AttemptInfo) => void;
}

export interface LiveCallResult {
	readonly source: 'provider' | 'exactCache' | 'semanticCache';
	readonly model: string;
	readonly provider?: ProviderId;
	readonly text: string;
	readonly toolCalls: readonly ProviderToolCall[];
	readonly finishReason: FinishReason;
	/** Charged usage (undefined for cache hits: they cost nothing). */
	readonly usage?: Usage;
	/** Undefined for cache hits and unpriced models (see `costResult`). */
	readonly costUsd?: number;
	readonly costResult?: CostResult;
	/** Usage or cost is an estimate (≈). */
	readonly estimated: boolean;
	readonly plan: Plan;
	readonly attempts: readonly AttemptRecord[];
	readonly latencyMs: number;
	readonly record: LiveCallRecord;
	/** Set when the call worked but could not be recorded (disk full…): the caller should say so. */
	readonly recordError?: string;
}

interface Charge {
	readonly model: string;
	readonly usage: Usage;
	readonly costUsd?: number;
	readonly estimated: boolean;
	/** How that model's last attempt failed. */
	readonly status: CallStatus;
}

interface ModelState {
	reservation?: Reservation;
	/** Usage billed by failed attempts of this model. */
	billed: Usage[];
	estimated: boolean;
	lastError?: unknown;
	lastReason?: CallStatus;
	settled: boolean;
	/** What a failed model was charged, once settled. */
	charge?: Charge;
}

function chargeFields(c: Charge | undefined): Pick<LiveCallRecord, 'usage' | 'usageSource' | 'costUsd'> {
	return c ? { usage: c.usage, usageSource: 'estimated', costUsd: c.costUsd } : {};
}

type OtherCharge = NonNullable<LiveCallRecord['otherCharges']>[number];

function sideCharge(c: SideCall, purpose: NonNullable<OtherCharge['purpose']>): OtherCharge {
	return { model: c.model, usage: c.usage, ...(c.cost?.kind === 'priced' && { costUsd: c.cost.usd }), estimated: c.estimated, status: c.status === 'ok' ? 'ok' : 'error', purpose };
}

/**
 * Charges besides the answering model's: the side calls the plan paid for (semantic-cache embedding,
 * history summary — as the engine reported them through `onSideCall`), and failed attempts billed
 * before a fallback.
 */
function otherCharges(sides: readonly OtherCharge[], states?: Map<string, ModelState>, model?: string): LiveCallRecord['otherCharges'] {
	const list = [...sides];
	for (const [m, st] of states ?? []) if (m !== model && st.charge) list.push(st.charge);
	return list.length ? list : undefined;
}

function sameMessages(a: readonly ProviderMessage[], b: readonly ProviderMessage[]): boolean {
	return a.length === b.length && a.every((m, i) => m === b[i] || JSON.stringify(m) === JSON.stringify(b[i]));
}

function quietly(f: () => void): void {
	try {
		f();
	} catch {
		// see LiveCallOptions: a callback's bug is not the call's failure
	}
}

function zero(): Usage {
	return { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

export class LiveCalls {
	private config: EngineConfig;
	private readonly breaker: CircuitBreaker;
	private seq = 0;

	constructor(private readonly deps: LiveCallDeps) {
		this.config = deps.config;
		this.breaker = new CircuitBreaker({ cooldownMs: deps.config.routing.cooldownSeconds * 1000, clock: deps.clock });
	}

	/** New retry/timeout settings apply to the next call (the engine has its own `updateConfig`). */
	updateConfig(config: EngineConfig): void {
		this.config = config;
	}

	private providerOf(model: string): ProviderId {
		return (this.deps.providerOf ?? defaultProviderOf)(model);
	}

	private newId(): string {
		return this.deps.newId?.() ?? `${this.deps.clock.now().toString(36)}-${(++this.seq).toString(36)}-${Math.floor(this.deps.random.next() * 2 ** 32).toString(36)}`;
	}

	/**
	 * Runs one call. Throws {@link BudgetExceededError} / {@link UnpricedModelError} when the budget
	 * refuses it, {@link FallbackExhaustedError} when every model failed (its `attempts` say why),
	 * {@link CancelledError} on cancellation. Every outcome is recorded and counted in the metrics.
	 */
	async run(req: LiveCallRequest, options: LiveCallOptions = {}): Promise<LiveCallResult> {
		const { engine } = this.deps;
		const started = this.deps.clock.now();
		const id = this.newId();
		const engineMessages = toEngineMessages(req.messages);
		const params = {
			maxOutputTokens: req.maxOutputTokens ?? this.config.defaults.maxOutputTokens,
			temperature: req.temperature ?? this.config.defaults.temperature,
			...(req.toolChoice !== undefined ? { toolChoice: req.toolChoice } : {}),
		};
		const named = req.pinnedModel ?? req.requestedModel;
		const base = {
			id,
			...(named !== undefined && { requested: { model: named, pinned: req.pinnedModel !== undefined } }),
			runId: req.runId,
			step: req.step?.index,
			startedAt: new Date(started).toISOString(),
			tools: req.tools,
			params: { maxOutputTokens: params.maxOutputTokens, temperature: params.temperature },
		};

		// Side calls charged while planning, for a plan that then throws (its record still owes them).
		const sides: OtherCharge[] = [];
		let decided: Plan | RefusedPlan;
		try {
			decided = await engine.decide({
				runId: req.runId,
				messages: engineMessages,
				tools: req.tools,
				params,
				step: req.step,
				pinnedModel: req.pinnedModel,
				requestedModel: req.requestedModel,
				cache: req.cache,
				signal: options.signal,
				onSideCall: (purpose, c) => sides.push(sideCharge(c, purpose)),
			});
		} catch (e) {
			// Cancelled (or a store failed) after an embedding or summary was paid for: record that spend.
			if (sides.length) {
				const status = CancelledError.is(e) ? 'cancelled' : 'error';
				await this.finish(
					{ ...base, status, model: req.pinnedModel ?? sides[0]!.model, messages: req.messages, costEstimated: false, attempts: [], explanation: [], error: errorInfo(e), otherCharges: sides },
					started,
				);
			}
			throw e;
		}
		if (decided.kind === 'refused') {
			const e = decided.error;
			if (BudgetExceededError.is(e)) this.deps.metrics?.recordBudgetEvent('refused', e.reason === 'daily' ? 'day' : 'run');
			const model = BudgetExceededError.is(e) ? e.details.model : e.model;
			await this.finish(
				{
					...base,
					status: 'refused',
					model,
					messages: req.messages,
					costEstimated: false,
					attempts: [],
					explanation: decided.explanation,
					policy: decisionRecord(decided),
					error: errorInfo(e),
					...(sides.length && { otherCharges: sides }),
				},
				started,
			);
			throw e;
		}
		const plan = decided;
		quietly(() => options.onPlan?.(plan));
		if (plan.kind === 'cached') return this.fromCache(plan, sides, base, req, started);
		for (const w of plan.warnings) if (w.kind === 'threshold') this.deps.metrics?.recordBudgetEvent('warn', w.scope === 'daily' ? 'day' : 'run');
		if (plan.downgradedFrom) this.deps.metrics?.recordBudgetEvent('downgrade', 'run');
		return this.callProvider(plan, sides, req, options, base, started);
	}

	private async fromCache(plan: CachedPlan, sides: readonly OtherCharge[], base: RecordBase, req: LiveCallRequest, started: number): Promise<LiveCallResult> {
		const extra = (plan.response.extra ?? {}) as { toolCalls?: ProviderToolCall[]; finishReason?: FinishReason; provider?: ProviderId };
		const toolCalls = extra.toolCalls ?? [];
		const finishReason = extra.finishReason ?? 'stop';
		const source = plan.source === 'exact' ? 'exactCache' : 'semanticCache';
		const { record, recordError } = await this.finish(
			{
				...base,
				status: 'cacheHit',
				provider: extra.provider,
				model: plan.response.model,
				routedModel: plan.routing.model,
				cache: plan.source,
				messages: req.messages,
				response: { text: plan.response.content, toolCalls, finishReason },
				costEstimated: false,
				otherCharges: otherCharges(sides),
				attempts: [],
				explanation: plan.explanation,
				policy: decisionRecord(plan),
			},
			started,
		);
		return {
			source,
			model: plan.response.model,
			provider: extra.provider,
			text: plan.response.content,
			toolCalls,
			finishReason,
			estimated: false,
			plan,
			attempts: [],
			latencyMs: record.latencyMs,
			record,
			recordError,
		};
	}

	private async callProvider(plan: CallPlan, sides: readonly OtherCharge[], req: LiveCallRequest, options: LiveCallOptions, base: RecordBase, started: number): Promise<LiveCallResult> {
		const { engine, counter } = this.deps;
		const sentMessages = toProviderMessages(plan.messages, req.messages);
		// The record keeps the agent's own messages too when the policies sent something else.
		const sentFields = sameMessages(sentMessages, req.messages) ? {} : { requestMessages: req.messages };
		const stream = req.stream ?? true;
		const temperature = plan.params?.temperature;
		const states = new Map<string, ModelState>();
		const state = (model: string) => {
			let s = states.get(model);
			if (!s) states.set(model, (s = { billed: [], estimated: false, settled: false }));
			return s;
		};
		const inputTokensFor = (model: string) => (model === plan.model ? plan.inputTokens : counter.countChat(model, plan.messages, plan.tools).tokens);
		/** What a failed attempt most likely cost, or undefined when nothing was billed. */
		const billedBy = (model: string, e: unknown): Usage | undefined => {
			if (!ProviderError.is(e)) return undefined;
			if (e.partial) return estimateUsage(counter, model, inputTokensFor(model), e.partial);
			if (e.reason === 'cancelled' || e.reason === 'timeout') return { ...zero(), input: inputTokensFor(model) };
			return undefined;
		};
		/** Ends a model's reservation: released when nothing was billed, else charged what was. */
		const settleFailed = async (model: string, extra?: Usage) => {
			const s = state(model);
			if (s.settled || !s.reservation) return;
			s.settled = true;
			if (extra) s.billed.push(extra);
			if (s.billed.length === 0) {
				await engine.settle(plan, { kind: 'failed' }, s.reservation);
				return;
			}
			const usage = s.billed.reduce(addUsage, zero());
			const settled = await engine.settle(plan, { kind: 'cancelled', usage }, s.reservation);
			s.charge = { model, usage, costUsd: settled.cost?.kind === 'priced' ? settled.cost.usd : undefined, estimated: true, status: s.lastReason ?? 'server' };
		};

		let outcome: Awaited<ReturnType<typeof callWithFallback<ProviderResponse>>>;
		try {
			outcome = await callWithFallback<ProviderResponse>({
				models: [plan.model, ...plan.fallbacks],
				call: async (model, { retry, signal }) => {
					const provider = this.providerOf(model);
					const transport = this.deps.transports[provider];
					if (!transport) throw new ProviderError('badRequest', `No ${provider} client is configured for ${model}.`, { provider, model, retryable: false });
					const attempt = { model, retry };
					quietly(() => options.onAttempt?.(attempt));
					try {
						const gen = transport.send(
							{
								provider,
								model: wireModel(provider, model),
								messages: sentMessages,
								tools: req.tools,
								toolChoice: req.toolChoice,
								maxOutputTokens: plan.maxOutputTokens,
								temperature,
								stream,
								timeoutMs: this.config.defaults.toolCallTimeoutSeconds * 1000,
							},
							signal,
						);
						return await collectResponse(gen, c => quietly(() => options.onChunk?.(c, attempt)));
					} catch (e) {
						const s = state(model);
						s.lastError = e;
						s.lastReason = ProviderError.is(e) ? e.reason : undefined;
						const billed = billedBy(model, e);
						if (billed) {
							s.billed.push(billed);
							s.estimated = true;
						}
						throw e;
					}
				},
				validate: req.validate ? r => req.validate!(r.text) : undefined,
				beforeModel: async (model, index) => {
					const s = state(model);
					if (index === 0) s.reservation = plan.reservation;
					else {
						const r = await engine.reserveFallback(plan, model);
						if (!r) return 'skip';
						s.reservation = r;
					}
					return 'ok';
				},
				onSkipped: async (model, index) => {
					// The routed model's reservation was made at planning time: a breaker skip frees it.
					if (index === 0) state(model).reservation = plan.reservation;
					await settleFailed(model);
				},
				afterModelFailed: async (model, _failure, result) => {
					if (result) {
						// An answer the validator rejected was still billed.
						state(model).lastReason = 'badResponse';
						if (!result.usage) state(model).estimated = true;
					}
					await settleFailed(model, result ? (result.usage ?? estimateUsage(counter, model, inputTokensFor(model), result)) : undefined);
				},
				retry: { maxRetries: this.config.routing.maxRetries },
				breaker: this.breaker,
				random: this.deps.random,
				clock: this.deps.clock,
				sleep: this.deps.sleep ?? abortableSleep,
				classify: classifyFailure,
				signal: options.signal,
			});
		} catch (e) {
			// Settle whatever is still reserved: the model in flight when cancelled, or a chain stopped by the budget.
			for (const [m, s] of states) if (!s.settled && s.reservation) await settleFailed(m);
			const tried = [...states.entries()].filter(([, s]) => s.reservation !== undefined);
			const [model, last] = tried[tried.length - 1] ?? [plan.model, state(plan.model)];
			const cancelled = CancelledError.is(e) || options.signal?.aborted === true;
			const status: CallStatus = cancelled ? 'cancelled' : BudgetExceededError.is(e) || UnpricedModelError.is(e) ? 'refused' : (last.lastReason ?? 'server');
			if (BudgetExceededError.is(e)) this.deps.metrics?.recordBudgetEvent('refused', e.reason === 'daily' ? 'day' : 'run');
			await this.finish(
				{
					...base,
					status,
					provider: this.providerOf(model),
					model,
					routedModel: plan.routing.model,
					downgradedFrom: plan.downgradedFrom,
					messages: sentMessages,
					...chargeFields(last.charge),
					otherCharges: otherCharges(sides, states, model),
					costEstimated: last.charge !== undefined,
					attempts: FallbackExhaustedError.is(e) ? e.attempts : [],
					explanation: plan.explanation,
					policy: decisionRecord(plan),
					...sentFields,
					error: errorInfo(cancelled && ProviderError.is(last.lastError) ? last.lastError : e),
				},
				started,
			);
			if (cancelled && !CancelledError.is(e)) throw new CancelledError();
			throw e;
		}

		const { result: response, model, attempts } = outcome;
		const s = state(model);
		const reported = response.usage;
		const usage = reported ?? estimateUsage(counter, model, inputTokensFor(model), response);
		const charged = s.billed.reduce(addUsage, usage);
		const settled = await engine.settle(
			plan,
			{
				kind: 'completed',
				usage: charged,
				response: { model, content: response.text, usage, extra: { toolCalls: response.toolCalls, finishReason: response.finishReason, provider: response.provider } },
				// Only complete answers with real usage are reused.
				cacheable: reported !== undefined && (response.finishReason === 'stop' || response.finishReason === 'toolCalls'),
			},
			s.reservation,
		);
		s.settled = true;
		const estimated = reported === undefined || s.estimated || settled.estimated;
		const costUsd = settled.cost?.kind === 'priced' ? settled.cost.usd : undefined;
		const { record, recordError } = await this.finish(
			{
				...base,
				status: 'ok',
				provider: response.provider,
				model,
				routedModel: plan.routing.model,
				downgradedFrom: plan.downgradedFrom,
				messages: sentMessages,
				response: {
					text: response.text,
					toolCalls: response.toolCalls,
					finishReason: response.finishReason,
					servedModel: response.model,
					responseId: response.responseId,
					requestId: response.requestId,
				},
				usage: charged,
				usageSource: estimated ? 'estimated' : 'provider',
				costUsd,
				costEstimated: estimated || (settled.cost?.kind === 'priced' && settled.cost.estimated === true),
				otherCharges: otherCharges(sides, states, model),
				attempts,
				explanation: plan.explanation,
				policy: decisionRecord(plan),
				...sentFields,
			},
			started,
		);
		return {
			source: 'provider',
			model,
			provider: response.provider,
			text: response.text,
			toolCalls: response.toolCalls,
			finishReason: response.finishReason,
			usage: charged,
			costUsd,
			costResult: settled.cost,
			estimated,
			plan,
			attempts,
			latencyMs: record.latencyMs,
			record,
			recordError,
		};
	}

	/** Records and counts one finished call; a recorder failure is reported, never thrown. */
	private async finish(fields: Omit<LiveCallRecord, 'kind' | 'v' | 'endedAt' | 'latencyMs'>, started: number): Promise<{ record: LiveCallRecord; recordError?: string }> {
		const ended = this.deps.clock.now();
		const record: LiveCallRecord = { kind: 'liveCall', v: 1, ...fields, endedAt: new Date(ended).toISOString(), latencyMs: ended - started };
		this.deps.metrics?.recordCall({ model: record.model, usage: record.usage, costUsd: record.costUsd, status: record.status, durationMs: record.latencyMs });
		// A model that failed after being billed, before a fallback: its spend counts under its own name.
		for (const c of record.otherCharges ?? []) this.deps.metrics?.recordCall({ model: c.model, usage: c.usage, costUsd: c.costUsd, status: c.status, durationMs: 0 });
		if (!this.deps.recorder) return { record };
		try {
			await this.deps.recorder.append(record);
			return { record };
		} catch (e) {
			return { record, recordError: describeError(e) };
		}
	}
}

type RecordBase = Pick<LiveCallRecord, 'id' | 'runId' | 'step' | 'startedAt' | 'tools' | 'params' | 'requested'>;

function errorInfo(e: unknown): LiveCallRecord['error'] {
	if (e instanceof EngineError) return { kind: e.kind, reason: e.reason, message: e.message };
	return { kind: 'unknown', reason: 'unknown', message: describeError(e) };
}

/**
 * Usage for an answer the provider did not report usage for (or only partly): the prompt as counted
 * (or the input side the provider already reported) plus the counted output text and tool calls.
 */
export function estimateUsage(counter: TokenCounter, model: string, inputTokens: number, got: Pick<PartialResponse, 'text' | 'toolCalls' | 'usage'>): Usage {
	const outputText = got.text + got.toolCalls.map(c => c.name + c.arguments).join('');
	const output = outputText ? counter.countText(model, outputText).tokens : 0;
	if (got.usage) return { ...got.usage, output: Math.max(got.usage.output, output) };
	return { ...zero(), input: inputTokens, output };
}

export function createLiveCalls(deps: LiveCallDeps): LiveCalls {
	return new LiveCalls(deps);
}
