import type { BudgetStatus, Reservation } from '../budget/budgetGuard';
import { BudgetGuard } from '../budget/budgetGuard';
import type { CacheableParams, Sha256 } from '../caching/cacheKey';
import { requestCacheKey, semanticPartition, semanticText } from '../caching/cacheKey';
import { createOfflineEmbedder } from '../caching/embedder';
import { ExactCache } from '../caching/exactCache';
import { SemanticCache } from '../caching/semanticCache';
import type { PolicySettings } from '../config/defaults';
import type { EngineMessage } from '../compression/messages';
import { countMessages, isObservation } from '../compression/messages';
import { truncateToolOutput } from '../compression/toolOutput';
import { fastHash } from '../lib/fastHash';
import type { BudgetStore } from '../ports/budgetStore';
import type { Clock, Random } from '../ports/clock';
import type { Embedder } from '../ports/embedder';
import { contextWindowOf, type PricingPort } from '../ports/pricing';
import type { SharedResponseCache } from '../ports/snapshotStore';
import type { Summarizer } from '../ports/summarizer';
import type { TokenCounter } from '../ports/tokenCounter';
import type { CostResult } from '../pricing/types';
import type { Usage } from '../pricing/usage';
import type { BudgetExceededError, UnpricedModelError } from '../budget/budgetErrors';
import type { CachedDecision, CallDecision, CacheHit, RefusedDecision, SideCall, SideCallPurpose, StepPrompt } from '../policy/policyStep';
import { plainCallDecision, plainExplanations, policyStep, runStepAsync, toolOutputLimit } from '../policy/policyStep';
import { mayHaveBilled, type ProviderFailure } from '../providers/providerFailure';
import type { StepInfo } from '../routing/classifier';
import type { RunSignals } from '../routing/escalation';
import { classifyComplexity } from '../routing/classifier';
import type { ToolDefinitionLike } from '../tokens/types';
import { memoizingCounter } from './memoizingCounter';

export type { PlanExplanation, SideCall, SideCallPurpose } from '../policy/policyStep';

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
	readonly config: PolicySettings;
	readonly counter: TokenCounter;
	readonly pricing: PricingPort;
	/** The list prices the budget never counts below (see `BudgetGuardDeps.floorPricing`). */
	readonly floorPricing?: PricingPort;
	readonly clock: Clock;
	readonly random: Random;
	readonly budgetStore: BudgetStore;
	/** Live: calls `summary_model`; tests: `estimatingSummarizer`. */
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
	/** The request's messages as the agent built them (this engine applies the policies). */
	readonly messages: readonly EngineMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly params?: CacheableParams;
	readonly step?: StepInfo;
	/** The model the request names (the agent's own through the gateway; routing may override it). */
	readonly requestedModel?: string;
	/** The user's explicit model: never routed elsewhere or downgraded. */
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

/** Served from the response cache: no call, no cost. */
export interface CachedPlan extends CachedDecision {
	readonly response: CachedResponse;
	readonly source: 'exact' | 'semantic';
	readonly similarity?: number;
	readonly ageMs: number;
}

/** Make this call (see {@link CallDecision}); `downgradedFrom` is the routed model when the soft budget picked a cheaper one. */
export interface CallPlan extends CallDecision {
	readonly downgradedFrom?: string;
	readonly tools?: readonly ToolDefinitionLike[];
}

export type Plan = CachedPlan | CallPlan;

/** The budget refused every candidate model (see {@link PolicyEngine.decide}). */
export interface RefusedPlan extends RefusedDecision {
	readonly error: BudgetExceededError | UnpricedModelError;
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

/** What a run's earlier compression replaced: while the agent's history still starts with those messages, the replacement stands in for them. */
interface CompressionMemory {
	/** Content keys of the agent's messages the replacement stands for. */
	readonly replacedKeys: readonly number[];
	readonly replacement: readonly EngineMessage[];
}

/** What the escalate routing mode remembers of a run between its calls. */
interface RunMemory {
	/** Content keys of the agent's messages at the run's previous call (what is new is what follows them). */
	readonly keys: readonly number[];
	readonly signals?: RunSignals;
}

const maxRememberedRuns = 1000;

/** How many leading keys two lists share. */
function commonPrefix(a: readonly number[], b: readonly number[]): number {
	let i = 0;
	while (i < a.length && i < b.length && a[i] === b[i]) i++;
	return i;
}

function messageKey(m: EngineMessage): number {
	return fastHash(`${m.role}\u0000${m.name ?? ''}\u0000${m.toolCallIds?.join(',') ?? ''}\u0000${m.toolResultIds?.join(',') ?? ''}\u0000${m.content}`);
}

/**
 * The live shell of the ONE policy step (`src/core/policy/policyStep.ts`): `plan` runs the step with
 * real answers to its effects — the in-process and shared response caches, the semantic cache and
 * its embedder, the budget store, the summary model — and `settle` records what the call really
 * cost and fills the caches. A run's compression is remembered, so an agent that re-sends its whole
 * history gets the same compressed prefix on every call (as a replay models it), not a new summary
 * each time. Pure apart from its ports.
 */
export class PolicyEngine {
	readonly budget: BudgetGuard;
	readonly exactCache: ExactCache<CachedResponse>;
	readonly semanticCache: SemanticCache<CachedResponse> | undefined;
	private settings: PolicySettings;
	private readonly counter: TokenCounter;
	private readonly memory = new Map<string, CompressionMemory>();
	private readonly runs = new Map<string, RunMemory>();

	constructor(private readonly deps: PolicyEngineDeps) {
		this.settings = deps.config;
		this.counter = deps.memoizeCounts === false ? deps.counter : memoizingCounter(deps.counter);
		this.budget = new BudgetGuard({ store: deps.budgetStore, pricing: deps.pricing, floorPricing: deps.floorPricing, clock: deps.clock, random: deps.random }, deps.config.budget);
		const c = deps.config.cache;
		this.exactCache = deps.exactCache ?? new ExactCache<CachedResponse>({ maxEntries: c.maxEntries, ttlMs: c.ttlSeconds * 1000, clock: deps.clock });
		this.semanticCache =
			deps.semanticCache ??
			(c.semanticEnabled
				? new SemanticCache<CachedResponse>({
						embedder: deps.embedder ?? createOfflineEmbedder(),
						threshold: c.similarityThreshold,
						ttlMs: c.ttlSeconds * 1000,
						maxEntries: c.semanticMaxEntries,
						clock: deps.clock,
					})
				: undefined);
	}

	/** Budget settings take effect at once; cache sizes and strategies on the next plan. */
	updateConfig(settings: PolicySettings): void {
		this.settings = settings;
		this.budget.updateSettings(settings.budget);
	}

	/** The agent's messages with the run's remembered compression and the tool-output limit applied. */
	private promptOf(req: PlanRequest, settings: PolicySettings, recent?: () => readonly EngineMessage[]): StepPrompt {
		const counter = this.counter;
		let head: readonly EngineMessage[] = [];
		let tail: readonly EngineMessage[] = req.messages;
		const mem = this.memory.get(req.runId);
		if (mem && mem.replacedKeys.length <= tail.length && mem.replacedKeys.every((k, i) => messageKey(tail[i]!) === k)) {
			head = mem.replacement;
			tail = tail.slice(mem.replacedKeys.length);
		} else if (mem) this.memory.delete(req.runId);
		// The remembered part was truncated when it was new; only the messages after it are.
		let truncated = 0;
		let savedTokens = 0;
		const limit = toolOutputLimit(settings, req.pinnedModel ?? req.requestedModel);
		if (limit) {
			tail = tail.map(m => {
				if (!isObservation(m)) return m;
				const t = truncateToolOutput(m.content, limit.maxTokens, limit.model, counter);
				if (!t.truncated) return m;
				truncated++;
				savedTokens += t.tokensBefore - t.tokensAfter;
				return { ...m, content: t.text };
			});
		}
		const messages = head.length ? [...head, ...tail] : tail;
		const tools = req.tools;
		const toolTokens = (model: string) => (tools?.length ? counter.countChat(model, [], tools).tokens - counter.countChat(model, []).tokens : 0);
		const sha = this.deps.sha256;
		const current = messages;
		return {
			messages: current,
			...(truncated > 0 && { toolOutputs: { truncated, savedTokens } }),
			...(recent && { recent }),
			tokens: (model, msgs = current) => {
				const c = countMessages(counter, model, msgs);
				return { tokens: c.tokens + toolTokens(model), exact: c.exact };
			},
			complexity: () =>
				classifyComplexity({
					messages: req.messages,
					tools,
					step: req.step,
					promptTokens: countMessages(counter, settings.tiers.medium, req.messages).tokens + toolTokens(settings.tiers.medium),
				}),
			cacheKey: (model, params) => requestCacheKey({ model, messages: current, tools, params }, sha),
		};
	}

	/**
	 * Decides a call (see `policyStep`): served from the cache, or a call with its model, messages
	 * and budget reservation. Throws the budget's {@link BudgetExceededError} / `UnpricedModelError`
	 * when it refuses every candidate model ({@link decide} returns the refusal instead).
	 */
	async plan(req: PlanRequest): Promise<Plan> {
		const d = await this.decide(req);
		if (d.kind === 'refused') throw d.error;
		return d;
	}

	/** {@link plan}, with a refusal returned as a decision of its own (its explanation says why). */
	async decide(req: PlanRequest): Promise<Plan | RefusedPlan> {
		const settings = this.settings;
		// Escalation routing reads the run's signals from what the agent added since its previous call.
		const escalating = settings.routing.mode === 'escalate';
		const keys = escalating ? req.messages.map(messageKey) : undefined;
		const previous = escalating ? this.runs.get(req.runId) : undefined;
		const recent = keys ? () => req.messages.slice(commonPrefix(previous?.keys ?? [], keys)) : undefined;
		const prompt = this.promptOf(req, settings, recent);
		const semanticCache = this.semanticCache;
		const embedder = semanticCache?.embedder;
		const step = policyStep(
			{
				runId: req.runId,
				prompt,
				tools: req.tools,
				params: req.params,
				requestedModel: req.pinnedModel ?? req.requestedModel,
				pinned: req.pinnedModel !== undefined,
				step: req.step,
				cache: req.cache,
				...(previous?.signals && { run: previous.signals }),
			},
			{
				settings,
				counter: this.counter,
				pricing: this.deps.pricing,
				contextWindowOf: model => contextWindowOf(this.deps.pricing, model),
				onSideCall: c => req.onSideCall?.(c.purpose, c),
				...(semanticCache &&
					embedder && {
						semantic: {
							billedModel: embedder.billedModel,
							maxInputTokens: embedder.maxInputTokens,
							query: (model: string, params: CacheableParams) => {
								const r = { model, messages: req.messages, tools: req.tools, params };
								return { partition: semanticPartition(r), text: semanticText(r) };
							},
						},
					}),
			},
		);
		const decision = await runStepAsync(step, {
			cacheGet: async ({ key }) => {
				const hit = this.exactCache.get(key);
				if (hit) return { source: 'exact', response: hit.value, ageMs: hit.ageMs };
				if (!this.deps.sharedCache) return undefined;
				// A shared cache that is down is a miss, never a failed call.
				const shared = await this.deps.sharedCache.get(key).catch(() => undefined);
				if (!isCachedResponse(shared)) return undefined;
				this.exactCache.set(key, shared);
				return { source: 'exact', response: shared, ageMs: 0, shared: true };
			},
			embed: async ({ text }) => (await embedder!.embed([text], req.signal))[0]!,
			semanticGet: ({ partition, vector }) => {
				const s = semanticCache?.lookupVector(partition, vector);
				return s ? { source: 'semantic', response: s.value, ageMs: s.ageMs, similarity: s.similarity } : undefined;
			},
			budgetStatus: ({ runId }) => this.budget.status(runId),
			reserve: ({ input }) => this.budget.tryReserve(input),
			settle: ({ reservation, usage }) => this.budget.settle(reservation, usage),
			release: async ({ reservation }) => {
				await this.budget.release(reservation);
				return undefined;
			},
			summarize: ({ messages, model, maxTokens, inputTokens }) => this.deps.summarizer.summarize({ messages, model, maxTokens, inputTokens, signal: req.signal }),
		});
		if (decision.kind !== 'cached' && decision.compression?.applied) this.remember(req, decision.compression.messages);
		if (keys) this.rememberRun(req.runId, { keys, ...(decision.run && { signals: decision.run }) });
		// Plans travel to the extension host and into recordings: explanations as plain objects.
		const explanation = plainExplanations(decision.explanation);
		if (decision.kind === 'refused') return { ...decision, explanation, error: decision.budget.error };
		if (decision.kind === 'cached') {
			const hit: CacheHit = decision.hit;
			return { ...decision, explanation, response: hit.response as CachedResponse, source: hit.source, ageMs: hit.ageMs, ...(hit.similarity !== undefined && { similarity: hit.similarity }) };
		}
		return { ...plainCallDecision(decision), explanation, ...(decision.budget.kind === 'downgrade' && { downgradedFrom: decision.budget.from }), ...(req.tools && { tools: req.tools }) };
	}

	/** Remembers a compression for the run's next calls (see {@link CompressionMemory}). */
	private remember(req: PlanRequest, replacement: readonly EngineMessage[]): void {
		// The replacement stands for every message of this request (a remembered part included).
		this.memory.delete(req.runId);
		this.memory.set(req.runId, { replacedKeys: req.messages.map(messageKey), replacement });
		if (this.memory.size > maxRememberedRuns) this.memory.delete(this.memory.keys().next().value!);
	}

	private rememberRun(runId: string, memory: RunMemory): void {
		this.runs.delete(runId);
		this.runs.set(runId, memory);
		if (this.runs.size > maxRememberedRuns) this.runs.delete(this.runs.keys().next().value!);
	}

	/**
	 * Reserves budget for a fallback model of a plan (a retry of the same step: no new step). Returns
	 * undefined when the budget cannot cover it under the soft or warn policy — skip that model; under
	 * the hard policy it throws {@link BudgetExceededError}.
	 */
	async reserveFallback(plan: CallPlan, model: string): Promise<Reservation | undefined> {
		const count = countMessages(this.counter, model, plan.messages);
		const toolsPart = plan.inputTokens - countMessages(this.counter, plan.model, plan.messages).tokens;
		const r = await this.budget.tryReserve({
			runId: plan.reservation.runId,
			model,
			inputTokens: count.tokens + toolsPart,
			maxOutputTokens: plan.maxOutputTokens,
			exactCount: count.exact,
			newStep: false,
		});
		if (r.ok) return r.reservation;
		if (this.settings.budget.policy === 'hard') throw r.error;
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
			afterModelFailed: async (model: string, failure: ProviderFailure, result?: R): Promise<void> => {
				const r = reservations.get(model);
				if (!r) return;
				reservations.delete(model);
				const usage = result !== undefined ? usageOf(result) : undefined;
				if (usage) await this.budget.settle(r, usage);
				else if (failure.reason === 'badResponse' || mayHaveBilled(failure)) await this.budget.settleUsd(r, r.usd);
				else await this.budget.release(r);
			},
		};
	}

	/** Records a call's outcome against `reservation` (the plan's own by default) and caches a completed response. */
	async settle(plan: CallPlan, outcome: CallOutcome, reservation: Reservation = plan.reservation): Promise<SettleResult> {
		let cost: CostResult | undefined;
		let estimated = false;
		const settings = this.settings;
		if (outcome.kind === 'failed') await this.budget.release(reservation);
		else if (outcome.kind === 'cancelled' && !outcome.usage) {
			// Unknown how much was billed: keep the worst case (never undercount).
			await this.budget.settleUsd(reservation, reservation.usd);
			estimated = true;
		} else {
			cost = await this.budget.settle(reservation, outcome.usage!);
			if (outcome.kind === 'completed' && outcome.cacheable !== false && settings.cache.enabled && plan.cacheKey !== '' && reservation.model === plan.model) {
				this.exactCache.set(plan.cacheKey, outcome.response);
				// A shared cache that is down must not fail a call that already succeeded.
				await this.deps.sharedCache?.set(plan.cacheKey, outcome.response, settings.cache.ttlSeconds * 1000).catch(() => undefined);
				if (this.semanticCache && plan.semantic) this.semanticCache.storeVector(plan.semantic.partition, plan.semantic.vector, outcome.response);
			}
		}
		return { cost, estimated, status: await this.budget.status(reservation.runId) };
	}

	status(runId: string): Promise<BudgetStatus> {
		return this.budget.status(runId);
	}
}

/** Creates the live policy shell (see {@link PolicyEngine}). */
export function createPolicyEngine(deps: PolicyEngineDeps): PolicyEngine {
	return new PolicyEngine(deps);
}
