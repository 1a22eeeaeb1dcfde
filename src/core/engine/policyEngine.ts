import type { BudgetWarning, Reservation, BudgetStatus } from '../budget/budgetGuard';
import { BudgetGuard } from '../budget/budgetGuard';
import type { BudgetExceededError, UnpricedModelError } from '../budget/budgetErrors';
import type { BudgetStore } from '../budget/budgetStore';
import type { CacheableParams, Sha256 } from '../caching/cacheKey';
import { requestCacheKey, semanticPartition, semanticText } from '../caching/cacheKey';
import type { Embedder } from '../caching/embedder';
import { createOfflineEmbedder } from '../caching/embedder';
import type { SharedResponseCache } from '../caching/snapshotStore';
import { ExactCache } from '../caching/exactCache';
import { SemanticCache } from '../caching/semanticCache';
import type { CompressionTrigger, Summarizer } from '../compression/history';
import { compressHistory, compressionTrigger, describeTrigger, summaryPromptOverheadTokens, truncateHistory } from '../compression/history';
import type { EngineMessage } from '../compression/messages';
import { countMessages } from '../compression/messages';
import { truncateToolOutputs } from '../compression/toolOutput';
import type { HistoryCompressionResult } from '../compression/types';
import type { EngineConfig } from '../config/defaults';
import type { CostResult } from '../pricing/types';
import { zeroUsage, type Usage } from '../pricing/usage';
import type { StepInfo, Tier } from '../routing/classifier';
import { tierOrder } from '../routing/classifier';
import type { RoutingDecision } from '../routing/router';
import { routeRequest } from '../routing/router';
import type { CallFailure } from '../routing/fallback';
import { mayHaveBilled } from '../routing/fallback';
import { classifyProviderFailure } from '../providers/providerFailure';
import type { ToolDefinitionLike } from '../tokens/types';
import type { Clock, PricingPort, Random, TokenCounter } from './ports';
import { contextWindowOf } from './ports';
import { memoizingCounter } from './memoizingCounter';

/** A response as the caches keep it. */
export interface CachedResponse {
	readonly model: string;
	readonly content: string;
	/** What the original call used (a hit costs nothing; this is what it saved). */
	readonly usage?: Usage;
	/** Tool calls, finish reason… in the caller's own shape (JSON-serializable). */
	readonly extra?: unknown;
}

export interface PolicyEngineDeps {
	readonly config: EngineConfig;
	readonly counter: TokenCounter;
	readonly pricing: PricingPort;
	/** The list prices the budget never counts below (see `BudgetGuardDeps.floorPricing`). */
	readonly floorPricing?: PricingPort;
	readonly clock: Clock;
	readonly random: Random;
	readonly budgetStore: BudgetStore;
	/** Live: calls `summary_model`; replay: `estimatingSummarizer`. */
	readonly summarizer: Summarizer;
	/** For the semantic cache. @default the offline n-gram embedder */
	readonly embedder?: Embedder;
	/** Inject to persist them (see `SnapshotStore`); created from the config otherwise. */
	readonly exactCache?: ExactCache<CachedResponse>;
	readonly semanticCache?: SemanticCache<CachedResponse>;
	/** A second-level response cache shared across machines (Redis); the in-process cache is checked first. */
	readonly sharedCache?: SharedResponseCache;
	/** SHA-256 for cache keys. @default core's pure implementation (Node hosts may pass `nodeSha256`) */
	readonly sha256?: Sha256;
	/**
	 * Memoize token counts per message object (see `memoizingCounter`): histories are re-counted
	 * only for their new messages. @default true
	 */
	readonly memoizeCounts?: boolean;
}

export interface PlanRequest {
	readonly runId: string;
	readonly messages: readonly EngineMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly params?: CacheableParams;
	readonly step?: StepInfo;
	/** The user's explicit model (or "as recorded" in replay): routing is skipped. */
	readonly pinnedModel?: string;
	/** 'bypass' skips the cache look-up (a forced fresh answer); the response is still stored. */
	readonly cache?: 'use' | 'bypass';
	readonly signal?: AbortSignal;
	/**
	 * Told of every side call the moment it is charged (the semantic cache's embedding, the history
	 * summary) — also when `plan` then throws (a budget refusal, cancellation), so the caller can
	 * record what was spent on a request that never ran.
	 */
	readonly onSideCall?: (purpose: SideCallPurpose, call: SideCall) => void;
}

export type SideCallPurpose = 'summary' | 'embedding';

/** One line of "why": which policy did what. */
export interface PlanExplanation {
	readonly stage: 'routing' | 'cache' | 'compression' | 'budget';
	readonly rule: string;
	readonly text: string;
}

interface PlanBase {
	readonly routing: RoutingDecision;
	readonly explanation: readonly PlanExplanation[];
	/** Exact-cache key of the request ('' when the response cache is off: no hashing cost). */
	readonly cacheKey: string;
	/**
	 * The semantic cache's embedding of the request, when a paid embedder made it: charged to the
	 * run even when the answer then comes from the cache.
	 */
	readonly embeddingCall?: SideCall;
}

/** Served from the response cache: no call, no cost. */
export interface CachedPlan extends PlanBase {
	readonly kind: 'cached';
	readonly source: 'exact' | 'semantic';
	readonly response: CachedResponse;
	readonly similarity?: number;
	readonly ageMs: number;
}

/** Make this call: the model, the (compressed) messages and the budget reservation that covers it. */
export interface CallPlan extends PlanBase {
	readonly kind: 'call';
	readonly model: string;
	readonly tier: Tier | 'pinned';
	readonly messages: readonly EngineMessage[];
	readonly maxOutputTokens: number;
	readonly inputTokens: number;
	readonly exactCount: boolean;
	readonly reservation: Reservation;
	/** More capable models to try if this one fails (each needs {@link PolicyEngine.reserveFallback}). */
	readonly fallbacks: readonly string[];
	/** The routed model when the soft budget policy picked a cheaper one. */
	readonly downgradedFrom?: string;
	readonly trigger?: CompressionTrigger;
	readonly compression?: HistoryCompressionResult;
	readonly toolOutputs?: HistoryCompressionResult;
	/** The summary call's cost, when history was summarized (estimated in replay). */
	readonly summaryCost?: CostResult;
	/**
	 * The summary call itself — a provider call of its own, charged to the run: reported next to the
	 * main call (recordings, metrics) so recorded costs add up to what the budget was charged. A
	 * failed summary that may still have been billed (timeout, cut connection) is here too.
	 */
	readonly summaryCall?: SideCall;
	readonly warnings: readonly BudgetWarning[];
	readonly params?: CacheableParams;
	readonly tools?: readonly ToolDefinitionLike[];
	/** For storing the response after the call (under the vector embedded while planning: one embedding per request). */
	readonly semantic?: { readonly partition: string; readonly text: string; readonly vector: Float32Array };
}

export type Plan = CachedPlan | CallPlan;

/** A provider call the engine made for a request besides the request itself: the history summary, the semantic cache's embedding. */
export interface SideCall {
	readonly model: string;
	readonly usage: Usage;
	readonly cost: CostResult | undefined;
	/** The usage is an estimate (no provider usage: replay, or a failed call settled at its prompt). */
	readonly estimated: boolean;
	readonly status: 'ok' | 'failed';
}

export type CallOutcome =
	| { readonly kind: 'completed'; readonly usage: Usage; readonly response: CachedResponse; readonly cacheable?: boolean }
	/** Failed before anything was billed: the reservation is released. */
	| { readonly kind: 'failed' }
	/** Cancelled mid-call: settles what was billed — pass the usage (e.g. counted streamed output); without it the worst case is kept. */
	| { readonly kind: 'cancelled'; readonly usage?: Usage };

export interface SettleResult {
	readonly cost: CostResult | undefined;
	/** True when no usage was known and the reserved worst case was kept as spend. */
	readonly estimated: boolean;
	readonly status: BudgetStatus;
}

function isCachedResponse(v: unknown): v is CachedResponse {
	return typeof v === 'object' && v !== null && typeof (v as CachedResponse).model === 'string' && typeof (v as CachedResponse).content === 'string';
}

function tierOf(model: string, tiers: EngineConfig['tiers']): Tier | undefined {
	return tierOrder.find(t => tiers[t] === model);
}

/**
 * The ONE facade over routing, caching, compression and budgets that both live calls and the replay
 * simulator use. `plan` runs router → cache look-up → compression → budget reservation and explains
 * every decision; `settle` records what the call really cost and fills the caches. Pure apart from
 * its ports (stores, clock, counter, catalog, summarizer, embedder).
 */
export class PolicyEngine {
	readonly budget: BudgetGuard;
	readonly exactCache: ExactCache<CachedResponse>;
	readonly semanticCache: SemanticCache<CachedResponse> | undefined;
	private config: EngineConfig;
	private readonly counter: TokenCounter;

	constructor(private readonly deps: PolicyEngineDeps) {
		this.config = deps.config;
		this.counter = deps.memoizeCounts === false ? deps.counter : memoizingCounter(deps.counter);
		this.budget = new BudgetGuard({ store: deps.budgetStore, pricing: deps.pricing, floorPricing: deps.floorPricing, clock: deps.clock, random: deps.random }, deps.config.budget);
		this.exactCache = deps.exactCache ?? new ExactCache<CachedResponse>({ maxEntries: deps.config.cache.maxEntries, ttlMs: deps.config.cache.ttlSeconds * 1000, clock: deps.clock });
		this.semanticCache =
			deps.semanticCache ??
			(deps.config.cache.semanticEnabled
				? new SemanticCache<CachedResponse>({
						embedder: deps.embedder ?? createOfflineEmbedder(),
						threshold: deps.config.cache.similarityThreshold,
						ttlMs: deps.config.cache.ttlSeconds * 1000,
						maxEntries: deps.config.cache.semanticMaxEntries,
						clock: deps.clock,
					})
				: undefined);
	}

	/** Budget settings take effect at once; cache sizes and strategies on the next plan. */
	updateConfig(config: EngineConfig): void {
		this.config = config;
		this.budget.updateSettings(config.budget);
	}

	async plan(req: PlanRequest): Promise<Plan> {
		const config = this.config;
		const counter = this.counter;
		const explanation: PlanExplanation[] = [];
		// Counting a long history is the expensive part of a plan: count each (messages, model) once.
		const counts = new WeakMap<readonly EngineMessage[], Map<string, { tokens: number; exact: boolean }>>();
		const count = (model: string, msgs: readonly EngineMessage[]) => {
			let byModel = counts.get(msgs);
			if (!byModel) counts.set(msgs, (byModel = new Map()));
			let c = byModel.get(model);
			if (!c) byModel.set(model, (c = countMessages(counter, model, msgs)));
			return c;
		};
		const toolTokens = (model: string) => (req.tools?.length ? counter.countChat(model, [], req.tools).tokens - counter.countChat(model, []).tokens : 0);

		// 1. Routing.
		const routing = routeRequest(
			{ messages: req.messages, tools: req.tools, step: req.step, pinnedModel: req.pinnedModel, promptTokens: count(config.tiers.medium, req.messages).tokens + toolTokens(config.tiers.medium) },
			config,
		);
		for (const r of routing.reasons) explanation.push({ stage: 'routing', rule: r.rule, text: r.text });
		explanation.push({ stage: 'routing', rule: 'route.model', text: `${routing.tier} → ${routing.model}` });

		// 2. Cache look-up (on the request as the agent built it, before compression).
		const params: CacheableParams = { temperature: config.defaults.temperature, maxOutputTokens: config.defaults.maxOutputTokens, ...req.params };
		const cacheReq = { model: routing.model, messages: req.messages, tools: req.tools, params };
		const cacheKey = config.cache.enabled ? requestCacheKey(cacheReq, this.deps.sha256) : '';
		const useCache = config.cache.enabled && req.cache !== 'bypass';
		if (useCache) {
			const hit = this.exactCache.get(cacheKey);
			if (hit) {
				explanation.push({ stage: 'cache', rule: 'cache.exact', text: `identical request answered ${Math.round(hit.ageMs / 1000)} s ago: served from the cache at no cost` });
				return { kind: 'cached', source: 'exact', response: hit.value, ageMs: hit.ageMs, routing, explanation, cacheKey };
			}
			if (this.deps.sharedCache) {
				const shared = await this.deps.sharedCache.get(cacheKey).catch(() => undefined);
				if (isCachedResponse(shared)) {
					this.exactCache.set(cacheKey, shared);
					explanation.push({ stage: 'cache', rule: 'cache.shared', text: 'identical request answered on another machine or window: served from the shared cache at no cost' });
					return { kind: 'cached', source: 'exact', response: shared, ageMs: 0, routing, explanation, cacheKey };
				}
			}
		}
		// The semantic cache embeds the request once: the vector serves the look-up and, after the
		// call, storing the answer (a bypassed request is still stored, so it is embedded too).
		let semantic: CallPlan['semantic'];
		let embeddingCall: SideCall | undefined;
		if (config.cache.enabled && this.semanticCache) {
			const partition = semanticPartition(cacheReq);
			const text = semanticText(cacheReq);
			const e = await this.embedForCache(this.semanticCache.embedder, text, req, explanation);
			embeddingCall = e.call;
			if (e.call) req.onSideCall?.('embedding', e.call);
			if (e.vector) {
				semantic = { partition, text, vector: e.vector };
				const s = useCache ? this.semanticCache.lookupVector(partition, e.vector) : undefined;
				if (s) {
					explanation.push({
						stage: 'cache',
						rule: 'cache.semantic',
						text: `a similar request (cosine ${s.similarity.toFixed(3)} ≥ ${config.cache.similarityThreshold}) was answered ${Math.round(s.ageMs / 1000)} s ago`,
					});
					return { kind: 'cached', source: 'semantic', response: s.value, similarity: s.similarity, ageMs: s.ageMs, routing, explanation, cacheKey, ...(embeddingCall && { embeddingCall }) };
				}
			}
		}
		if (useCache) explanation.push({ stage: 'cache', rule: 'cache.miss', text: 'not in the response cache' });
		else explanation.push({ stage: 'cache', rule: 'cache.off', text: config.cache.enabled ? 'cache bypassed for this request' : 'response cache is off' });

		// 3. Compression.
		let messages = req.messages;
		let toolOutputs: HistoryCompressionResult | undefined;
		let compression: HistoryCompressionResult | undefined;
		let trigger: CompressionTrigger | undefined;
		let summaryCost: CostResult | undefined;
		let summaryCall: SideCall | undefined;
		const strategy = config.compression.strategy;
		if (strategy !== 'none') {
			const t = truncateToolOutputs(messages, config.compression.toolResponseMaxTokens, routing.model, counter);
			if (t.applied) {
				toolOutputs = t;
				messages = t.messages;
				explanation.push({
					stage: 'compression',
					rule: 'compress.toolOutputs',
					text: `${t.changes.length} tool output(s) over ${config.compression.toolResponseMaxTokens} tokens truncated: −${t.saved.toLocaleString('en-US')} tokens`,
				});
			}
			const tokens = count(routing.model, messages).tokens;
			trigger = compressionTrigger({ tokens, step: req.step?.index, contextWindow: contextWindowOf(this.deps.pricing, routing.model) }, config);
			if (trigger) {
				const r = await this.compress(strategy, messages, routing.model, req, explanation);
				compression = r.result;
				summaryCost = r.summaryCost;
				summaryCall = r.summaryCall;
				if (r.summaryCall) req.onSideCall?.('summary', r.summaryCall);
				if (compression.applied) {
					messages = compression.messages;
					explanation.push({
						stage: 'compression',
						rule: `compress.${compression.strategy}`,
						text: `${describeTrigger(trigger)}: ${compression.strategy} ${compression.tokensBefore.toLocaleString('en-US')} → ${compression.tokensAfter.toLocaleString('en-US')} tokens`,
					});
				} else explanation.push({ stage: 'compression', rule: 'compress.nothing', text: `${describeTrigger(trigger)}, but there was no older history to compress` });
			}
		}

		// 4. Budget: reserve the worst case; under the soft policy step down the tiers until one fits.
		const maxOutputTokens = params.maxOutputTokens ?? config.defaults.maxOutputTokens;
		const candidates = this.budgetCandidates(routing);
		let firstError: BudgetExceededError | UnpricedModelError | undefined;
		for (const model of candidates) {
			const c = count(model, messages);
			const inputTokens = c.tokens + toolTokens(model);
			const r = await this.budget.tryReserve({ runId: req.runId, model, inputTokens, maxOutputTokens, exactCount: c.exact, newStep: (req.step?.attempt ?? 0) === 0 });
			if (!r.ok) {
				firstError ??= r.error;
				explanation.push({ stage: 'budget', rule: `budget.refused.${r.error.reason}`, text: r.error.message });
				if (r.error.reason === 'steps') break; // a cheaper model does not help with the step limit
				continue;
			}
			const downgraded = model !== routing.model;
			explanation.push({
				stage: 'budget',
				rule: downgraded ? 'budget.downgraded' : 'budget.reserved',
				text: `${downgraded ? `soft budget: downgraded ${routing.model} → ${model}; ` : ''}reserved up to $${r.reservation.usd.toFixed(4)} (${inputTokens.toLocaleString('en-US')} input + ${maxOutputTokens.toLocaleString('en-US')} max output tokens)`,
			});
			for (const w of r.reservation.warnings)
				explanation.push({
					stage: 'budget',
					rule: `budget.${w.kind}`,
					text:
						w.kind === 'threshold'
							? `${w.scope} budget ${Math.round(w.ratio * 100)}% used (incl. reservations)`
							: w.kind === 'overLimit'
								? `over the ${w.scope} limit (warn-only policy)`
								: `${w.model} has no price: not counted. ${w.hint}`,
				});
			const tier = tierOf(model, config.tiers) ?? routing.tier;
			const fallbacks =
				tier === 'pinned'
					? []
					: tierOrder
							.slice(tierOrder.indexOf(tier) + 1)
							.map(t => config.tiers[t])
							.filter((m, i, a) => m !== model && a.indexOf(m) === i);
			return {
				kind: 'call',
				model,
				tier,
				messages,
				maxOutputTokens,
				inputTokens,
				exactCount: c.exact,
				reservation: r.reservation,
				fallbacks,
				downgradedFrom: downgraded ? routing.model : undefined,
				trigger,
				compression,
				toolOutputs,
				summaryCost,
				summaryCall,
				warnings: r.reservation.warnings,
				routing,
				explanation,
				cacheKey,
				params,
				tools: req.tools,
				semantic,
				...(embeddingCall && { embeddingCall }),
			};
		}
		throw firstError!;
	}

	/**
	 * The routed model, then (soft policy only) every cheaper tier model. A model the user chose
	 * explicitly (pinned) is never swapped for another: it is that model or a refusal.
	 */
	private budgetCandidates(routing: RoutingDecision): string[] {
		const tiers = this.config.tiers;
		const out = [routing.model];
		if (this.config.budget.policy === 'soft' && this.config.budget.enabled && routing.tier !== 'pinned') {
			const from = tierOrder.indexOf(routing.tier);
			for (let i = from - 1; i >= 0; i--) if (!out.includes(tiers[tierOrder[i]])) out.push(tiers[tierOrder[i]]);
		}
		return out;
	}

	private async compress(
		strategy: Exclude<EngineConfig['compression']['strategy'], 'none'>,
		messages: readonly EngineMessage[],
		model: string,
		req: PlanRequest,
		explanation: PlanExplanation[],
	): Promise<{ result: HistoryCompressionResult; summaryCost?: CostResult; summaryCall?: SideCall }> {
		const c = this.config.compression;
		const o = { model, counter: this.counter };
		if (strategy !== 'summarize') return { result: await compressHistory(strategy, messages, { ...o, config: c, summarizer: this.deps.summarizer, signal: req.signal }) };
		// The summary is a call too: it needs its own reservation. If the budget cannot cover it, truncate instead.
		const counted = countMessages(this.counter, c.summaryModel, messages);
		// What the summary call sends: the history plus the summarizer's instruction.
		const input = counted.tokens + summaryPromptOverheadTokens;
		const r = await this.budget.tryReserve({
			runId: req.runId,
			model: c.summaryModel,
			inputTokens: input,
			maxOutputTokens: c.summaryMaxTokens,
			exactCount: counted.exact,
			newStep: false,
			purpose: 'summary',
		});
		if (!r.ok) {
			explanation.push({ stage: 'compression', rule: 'compress.summaryUnaffordable', text: `the budget cannot cover a summary by ${c.summaryModel} (${r.error.message}); truncating instead` });
			return { result: truncateHistory(messages, c.tokensToKeepRecent, o) };
		}
		try {
			const result = await compressHistory('summarize', messages, { ...o, config: c, summarizer: this.deps.summarizer, signal: req.signal });
			if (!result.summary) {
				await this.budget.release(r.reservation);
				return { result };
			}
			const summaryCost = await this.budget.settle(r.reservation, result.summary.usage);
			return { result, summaryCost, summaryCall: { model: c.summaryModel, usage: result.summary.usage, cost: summaryCost, estimated: result.summary.estimated, status: 'ok' } };
		} catch (e) {
			const { failure, call } = await this.settleFailedSideCall(e, r.reservation, input, 'summary', req);
			// The user's call still goes ahead: a failed summary falls back to truncation.
			explanation.push({ stage: 'compression', rule: 'compress.summaryFailed', text: `the summary by ${c.summaryModel} failed (${failure.message}); truncating instead` });
			return { result: truncateHistory(messages, c.tokensToKeepRecent, o), ...(call && { summaryCall: call }) };
		}
	}

	/**
	 * Embeds a request for the semantic cache. A paid embedder's call is reserved and charged like
	 * any other (its input counted with the embedding model's tokenizer, which is how it is billed);
	 * when the budget cannot cover it or it fails, the semantic cache is skipped for this request —
	 * the user's call itself still goes ahead.
	 */
	private async embedForCache(embedder: Embedder, text: string, req: PlanRequest, explanation: PlanExplanation[]): Promise<{ vector?: Float32Array; call?: SideCall }> {
		const model = embedder.billedModel;
		if (model === undefined) return { vector: (await embedder.embed([text], req.signal))[0] };
		const counted = this.counter.countText(model, text);
		if (embedder.maxInputTokens !== undefined && counted.tokens > embedder.maxInputTokens) {
			explanation.push({
				stage: 'cache',
				rule: 'cache.embeddingTooLong',
				text: `semantic cache skipped: the request is ${counted.tokens.toLocaleString('en-US')} tokens, over ${model}'s ${embedder.maxInputTokens.toLocaleString('en-US')}-token input limit`,
			});
			return {};
		}
		// A call the step limit will refuse is not worth an embedding: it would be paid for nothing.
		const budget = this.config.budget;
		if (budget.enabled && budget.policy !== 'warn' && budget.maxSteps > 0 && (req.step?.attempt ?? 0) === 0) {
			const s = await this.budget.status(req.runId);
			if (s.steps.used >= budget.maxSteps) return {};
		}
		const r = await this.budget.tryReserve({ runId: req.runId, model, inputTokens: counted.tokens, maxOutputTokens: 0, exactCount: counted.exact, newStep: false, purpose: 'embedding' });
		if (!r.ok) {
			explanation.push({ stage: 'cache', rule: 'cache.embeddingUnaffordable', text: `semantic cache skipped: the budget cannot cover embedding the request with ${model} (${r.error.message})` });
			return {};
		}
		try {
			const [vector] = await embedder.embed([text], req.signal);
			const usage: Usage = { ...zeroUsage, input: counted.tokens };
			return { vector, call: { model, usage, cost: await this.budget.settle(r.reservation, usage), estimated: !counted.exact, status: 'ok' } };
		} catch (e) {
			const { failure, call } = await this.settleFailedSideCall(e, r.reservation, counted.tokens, 'embedding', req);
			explanation.push({ stage: 'cache', rule: 'cache.embeddingFailed', text: `semantic cache skipped: embedding the request with ${model} failed (${failure.message})` });
			return { ...(call && { call }) };
		}
	}

	/**
	 * Ends the reservation of a failed side call (summary, embedding): charged its input when the
	 * request may have reached the provider (timeout, cut connection, cancellation) or was answered
	 * with something unusable (billed all the same), else released. Cancellation is re-thrown: it
	 * stops the user's call too.
	 */
	private async settleFailedSideCall(e: unknown, reservation: Reservation, inputTokens: number, purpose: SideCallPurpose, req: PlanRequest): Promise<{ failure: CallFailure; call?: SideCall }> {
		const failure = classifyProviderFailure(e, this.deps.clock.now());
		let call: SideCall | undefined;
		if (mayHaveBilled(failure.kind) || failure.kind === 'cancelled' || failure.kind === 'invalidResponse') {
			const usage: Usage = { ...zeroUsage, input: inputTokens };
			call = { model: reservation.model, usage, cost: await this.budget.settle(reservation, usage), estimated: true, status: 'failed' };
		} else {
			await this.budget.release(reservation);
		}
		if (failure.kind === 'cancelled') {
			// The plan ends here: report the charge now, nobody else will.
			if (call) req.onSideCall?.(purpose, call);
			throw e;
		}
		return { failure, call };
	}

	/**
	 * Reserves budget for a fallback model of a plan (a retry of the same step: no new step). Returns
	 * undefined when the budget cannot cover it under the soft or warn policy — skip that model; under
	 * the hard policy it throws {@link BudgetExceededError}.
	 */
	async reserveFallback(plan: CallPlan, model: string): Promise<Reservation | undefined> {
		const count = countMessages(this.counter, model, plan.messages);
		const r = await this.budget.tryReserve({
			runId: plan.reservation.runId,
			model,
			inputTokens: count.tokens + (plan.inputTokens - countMessages(this.counter, plan.model, plan.messages).tokens),
			maxOutputTokens: plan.maxOutputTokens,
			exactCount: count.exact,
			newStep: false,
		});
		if (r.ok) return r.reservation;
		if (this.config.budget.policy === 'hard') throw r.error;
		return undefined;
	}

	/**
	 * Hooks for `callWithFallback` that keep the budget right across a fallback chain: each fallback
	 * model gets its own reservation first (skipped when the soft/warn budget cannot cover it; a hard
	 * refusal throws), and a model given up on is released — or, when the provider may have billed
	 * it (timeout, cut connection) or answered invalidly, settled (with the usage `usageOf` finds in
	 * the rejected result, else at its worst case). After success, settle with
	 * `settle(plan, outcome, hooks.reservationFor(model))`.
	 */
	fallbackHooks<R>(plan: CallPlan, usageOf: (result: R) => Usage | undefined = () => undefined) {
		const reservations = new Map<string, Reservation>([[plan.model, plan.reservation]]);
		return {
			models: [plan.model, ...plan.fallbacks],
			reservationFor: (model: string): Reservation | undefined => reservations.get(model),
			beforeModel: async (model: string, index: number): Promise<'ok' | 'skip'> => {
				if (index === 0 && model === plan.model) return 'ok';
				const r = await this.reserveFallback(plan, model);
				if (!r) return 'skip';
				reservations.set(model, r);
				return 'ok';
			},
			/** A model passed over by its circuit breaker: nothing was sent, so its reservation is released. */
			onSkipped: async (model: string): Promise<void> => {
				const r = reservations.get(model);
				if (!r) return;
				reservations.delete(model);
				await this.budget.release(r);
			},
			afterModelFailed: async (model: string, failure: CallFailure, result?: R): Promise<void> => {
				const r = reservations.get(model);
				if (!r) return;
				reservations.delete(model);
				const usage = result !== undefined ? usageOf(result) : undefined;
				if (usage) await this.budget.settle(r, usage);
				else if (failure.kind === 'invalidResponse' || mayHaveBilled(failure.kind)) await this.budget.settleUsd(r, r.usd);
				else await this.budget.release(r);
			},
		};
	}

	/** Records a call's outcome against `reservation` (the plan's own by default) and caches a completed response. */
	async settle(plan: CallPlan, outcome: CallOutcome, reservation: Reservation = plan.reservation): Promise<SettleResult> {
		let cost: CostResult | undefined;
		let estimated = false;
		if (outcome.kind === 'failed') await this.budget.release(reservation);
		else if (outcome.kind === 'cancelled' && !outcome.usage) {
			// Unknown how much was billed: keep the worst case (never undercount).
			await this.budget.settleUsd(reservation, reservation.usd);
			estimated = true;
		} else {
			cost = await this.budget.settle(reservation, outcome.usage!);
			if (outcome.kind === 'completed' && outcome.cacheable !== false && this.config.cache.enabled && plan.cacheKey !== '' && reservation.model === plan.model) {
				this.exactCache.set(plan.cacheKey, outcome.response);
				// A shared cache that is down must not fail a call that already succeeded.
				await this.deps.sharedCache?.set(plan.cacheKey, outcome.response, this.config.cache.ttlSeconds * 1000).catch(() => undefined);
				if (this.semanticCache && plan.semantic) this.semanticCache.storeVector(plan.semantic.partition, plan.semantic.vector, outcome.response);
			}
		}
		return { cost, estimated, status: await this.budget.status(reservation.runId) };
	}

	status(runId: string): Promise<BudgetStatus> {
		return this.budget.status(runId);
	}
}

/** Creates the engine facade (see {@link PolicyEngine}). */
export function createPolicyEngine(deps: PolicyEngineDeps): PolicyEngine {
	return new PolicyEngine(deps);
}
