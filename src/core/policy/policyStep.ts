/**
 * THE policy decision of one agent step — routing → response cache → compression → budget — used by
 * every caller: live calls (`PolicyEngine`, async, real caches and stores), the gateway (through the
 * same engine) and replays (`simulateScenario`, synchronous, simulated caches and an in-memory
 * budget). It is written once, as a generator: wherever it needs the outside world (a cache look-up,
 * a budget reservation, a summary call, an embedding) it YIELDS an effect and the caller's driver
 * answers it ({@link runStepSync} / {@link runStepAsync}). So a replay calls exactly the code live
 * calls run; only the answers to the effects differ.
 */
import type { BudgetExceededError, UnpricedModelError } from '../budget/budgetErrors';
import type { BudgetStatus, BudgetWarning, Reservation, ReserveInput, TryReserveResult, WorstCase } from '../budget/budgetGuard';
import { worstCaseCost } from '../budget/budgetGuard';
import type { CacheableParams } from '../caching/cacheKey';
import type { PolicySettings } from '../config/defaults';
import type { CompressionTrigger } from '../compression/history';
import { applySummary, compressionTrigger, describeTrigger, planSummary, slidingWindow, summaryPromptOverheadTokens, truncateHistory } from '../compression/history';
import { maskObservations, maskTrigger, wholeObservations } from '../compression/observationMask';
import type { EngineMessage } from '../compression/messages';
import type { HistoryCompressionResult } from '../compression/types';
import type { PricingPort } from '../ports/pricing';
import type { SummaryResult } from '../ports/summarizer';
import type { TokenCounter } from '../ports/tokenCounter';
import type { CostResult } from '../pricing/types';
import { zeroUsage, type Usage } from '../pricing/usage';
import { classifyFailure, mayHaveBilled, type ProviderFailure } from '../providers/providerFailure';
import type { ComplexityDecision, StepInfo } from '../routing/classifier';
import { tierOrder } from '../routing/classifier';
import type { EscalationDecision, RunSignals } from '../routing/escalation';
import { escalationRoute } from '../routing/escalation';
import type { RoutingDecision } from '../routing/router';
import { fallbackChain, routeRequest, tierOf } from '../routing/router';
import type { ToolDefinitionLike } from '../tokens/types';
import type { PolicyDecisionRecord } from '../transcripts/recording';

/** One line of "why": which policy did what. `rule` is a stable id (`route.fixed`, `budget.downgraded`…). */
export interface PlanExplanation {
	readonly stage: 'routing' | 'cache' | 'compression' | 'budget';
	readonly rule: string;
	readonly text: string;
}

/**
 * An explanation whose text is written only when read: a replay decides 100,000 steps and reads a
 * handful of texts. A class getter is not an own property, so callers that post explanations
 * across a thread or into JSON copy them with {@link plainExplanations} first.
 */
class LazyExplanation implements PlanExplanation {
	private written?: string;
	constructor(
		readonly stage: PlanExplanation['stage'],
		readonly rule: string,
		private readonly write: string | (() => string),
	) {}
	get text(): string {
		return (this.written ??= typeof this.write === 'string' ? this.write : this.write());
	}
}

/** Explanations as plain objects (texts written out), for JSON and `postMessage`. */
export function plainExplanations(list: readonly PlanExplanation[]): PlanExplanation[] {
	return list.map(e => ({ stage: e.stage, rule: e.rule, text: e.text }));
}

type Explain = (stage: PlanExplanation['stage'], rule: string, text: string | (() => string)) => void;

/**
 * The step's prompt as the policies see it: the agent's messages after what earlier steps' policies
 * did to the history (a remembered compression, truncated tool outputs). Implemented by each caller
 * over its own bookkeeping — live counts the messages, a replay keeps running sums per model and
 * calibrates them to the recorded usage — but the decisions are made here.
 */
export interface StepPrompt {
	readonly messages: readonly EngineMessage[];
	/** Input tokens of a call for `model` with `messages` (default: this prompt's), the request's tools and the provider's framing included. */
	tokens(model: string, messages?: readonly EngineMessage[]): { readonly tokens: number; readonly exact: boolean };
	/** The complexity router's verdict on the request as the agent built it (asked in tiered mode only). */
	complexity(): ComplexityDecision;
	/** Response-cache key of this prompt for `model` with the request's tools and `params`. */
	cacheKey(model: string, params: CacheableParams): string;
	/** What the caller already did to tool outputs under {@link toolOutputLimit} (for the explanation). */
	readonly toolOutputs?: { readonly truncated: number; readonly savedTokens: number };
	/**
	 * The agent's own messages added since the run's previous step (before any policy touched them):
	 * what escalation routing reads its signals from. Asked in the escalate mode only.
	 */
	recent?(): readonly EngineMessage[];
}

export interface StepRequest {
	readonly runId: string;
	readonly prompt: StepPrompt;
	readonly tools?: readonly ToolDefinitionLike[];
	/** Sampling parameters the request asks for (defaults fill the rest). */
	readonly params?: CacheableParams;
	/** The model the request names (a prompt file's, the agent's, the recorded call's). */
	readonly requestedModel?: string;
	/** The user chose `requestedModel` explicitly: never routed elsewhere, never downgraded. */
	readonly pinned?: boolean;
	readonly step?: StepInfo;
	/** 'bypass' skips the cache look-up (a forced fresh answer); the response is still stored. */
	readonly cache?: 'use' | 'bypass';
	/** The run's signals as the previous step left them (escalate mode; kept by the caller, see {@link DecisionBase.run}). */
	readonly run?: RunSignals;
}

/** A paid embedder for the semantic cache, as the step needs to know it (live only). */
interface SemanticCachePort {
	/** The priced model each embedding bills (undefined: a free, offline embedder). */
	readonly billedModel?: string;
	readonly maxInputTokens?: number;
	/** The request as the embedder sees it: partition (what must match exactly) and text. */
	query(model: string, params: CacheableParams): { readonly partition: string; readonly text: string };
}

export interface StepContext {
	readonly settings: PolicySettings;
	/** Counts inside compression strategies (what to keep, markers). */
	readonly counter: TokenCounter;
	readonly pricing: PricingPort;
	/** The model's context window, when the catalog knows it (compression triggers fill a share of it). */
	readonly contextWindowOf: (model: string) => number | undefined;
	/** Present when the caller has a semantic cache (live): the step decides whether to embed and look up. */
	readonly semantic?: SemanticCachePort;
	/**
	 * Told of each side call the moment it is charged — also when the step then throws (a
	 * cancellation mid-summary), so the caller can record what was spent on a request that never ran.
	 */
	readonly onSideCall?: (call: SideCall) => void;
}

/** A response the cache answered with. */
export interface CacheHit<R = unknown> {
	readonly source: 'exact' | 'semantic';
	readonly response: R;
	readonly ageMs: number;
	readonly similarity?: number;
	/** Answered by the cache shared with other machines (Redis). */
	readonly shared?: boolean;
}

/** What the step asks of its caller; the answer types are in {@link EffectAnswer}. */
type StepEffect =
	| { readonly kind: 'cacheGet'; readonly key: string }
	| { readonly kind: 'embed'; readonly text: string }
	| { readonly kind: 'semanticGet'; readonly partition: string; readonly vector: Float32Array }
	| { readonly kind: 'budgetStatus'; readonly runId: string }
	| { readonly kind: 'reserve'; readonly input: ReserveInput }
	| { readonly kind: 'settle'; readonly reservation: Reservation; readonly usage: Usage }
	| { readonly kind: 'release'; readonly reservation: Reservation }
	| {
			readonly kind: 'summarize';
			readonly messages: readonly EngineMessage[];
			readonly model: string;
			readonly maxTokens: number;
			readonly inputTokens: number;
	  };

interface EffectAnswer {
	readonly cacheGet: CacheHit | undefined;
	readonly embed: Float32Array;
	readonly semanticGet: CacheHit | undefined;
	readonly budgetStatus: BudgetStatus;
	readonly reserve: TryReserveResult;
	readonly settle: CostResult;
	readonly release: undefined;
	readonly summarize: SummaryResult;
}

export type SideCallPurpose = 'summary' | 'embedding';

/** A provider call the policies made for a request besides the request itself: the history summary, the semantic cache's embedding. */
export interface SideCall {
	readonly purpose: SideCallPurpose;
	readonly model: string;
	readonly usage: Usage;
	readonly cost: CostResult | undefined;
	/** The usage is an estimate (no provider usage: replay, or a failed call settled at its prompt). */
	readonly estimated: boolean;
	readonly status: 'ok' | 'failed';
}

/** What the budget decided for the call. */
type BudgetVerdict =
	| { readonly kind: 'allow'; readonly model: string }
	| { readonly kind: 'downgrade'; readonly model: string; readonly from: string }
	/** Warn-only policy past a limit, or a model without a price that is not enforced: the call goes ahead. */
	| { readonly kind: 'warn'; readonly model: string }
	| { readonly kind: 'refuse'; readonly model: string; readonly error: BudgetExceededError | UnpricedModelError };

interface DecisionBase {
	readonly routing: RoutingDecision;
	readonly explanation: readonly PlanExplanation[];
	/** Response-cache key ('' when the response cache is off: nothing is hashed). */
	readonly cacheKey: string;
	/** Side calls the step paid for (an embedding, a summary), in the order they were made. */
	readonly sideCalls: readonly SideCall[];
	/** Escalate mode: the run's signals after this step, for the caller to pass with the run's next step. */
	readonly run?: RunSignals;
}

/** Served from the response cache: no call, no cost. */
export interface CachedDecision extends DecisionBase {
	readonly kind: 'cached';
	readonly hit: CacheHit;
}

/** Make this call: the model, the (compressed) messages and the reservation that covers it. */
export interface CallDecision extends DecisionBase {
	readonly kind: 'call';
	readonly model: string;
	readonly tier: RoutingDecision['tier'];
	readonly messages: readonly EngineMessage[];
	readonly maxOutputTokens: number;
	readonly inputTokens: number;
	readonly exactCount: boolean;
	readonly reservation: Reservation;
	readonly budget: Exclude<BudgetVerdict, { kind: 'refuse' }>;
	/** Models to try, in order, if this one fails (each needs its own reservation). */
	readonly fallbacks: readonly string[];
	readonly trigger?: CompressionTrigger;
	/** The history compression applied at this step (absent: none fired or it changed nothing). */
	readonly compression?: HistoryCompressionResult;
	readonly warnings: readonly BudgetWarning[];
	readonly params: CacheableParams;
	/** For storing the answer in the semantic cache under the vector embedded while deciding. */
	readonly semantic?: { readonly partition: string; readonly text: string; readonly vector: Float32Array };
}

/** The budget refused every candidate model. */
export interface RefusedDecision extends DecisionBase {
	readonly kind: 'refused';
	readonly budget: Extract<BudgetVerdict, { kind: 'refuse' }>;
	readonly compression?: HistoryCompressionResult;
}

export type StepDecision = CachedDecision | CallDecision | RefusedDecision;

/** The policy step as a generator of effects (see the module comment). */
export type PolicyStep = Generator<StepEffect, StepDecision, EffectAnswer[StepEffect['kind']]>;

/**
 * Tool outputs are measured with the model the request names (else the medium tier's), not the
 * routed one: a truncation then does not change when routing switches models, so it keeps the
 * provider's cached prefix. Undefined: tool outputs are kept whole.
 */
export function toolOutputLimit(settings: PolicySettings, requestedModel: string | undefined): { readonly maxTokens: number; readonly model: string } | undefined {
	const maxTokens = settings.compression.toolResponseMaxTokens;
	return maxTokens > 0 ? { maxTokens, model: requestedModel?.trim() || settings.tiers.medium } : undefined;
}

/** The maximum output the call is sent (and the budget reserves). */
function maxOutputTokensOf(settings: PolicySettings, params: CacheableParams | undefined): number {
	return params?.maxOutputTokens ?? settings.defaults.maxOutputTokens;
}

/** 12345 → "12,345" (toLocaleString is too slow for a replay's 100,000 steps). */
function fmt(n: number): string {
	return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function budgetWarningText(w: BudgetWarning): string {
	return w.kind === 'threshold'
		? `${w.scope} budget ${Math.round(w.ratio * 100)}% used (incl. reservations)`
		: w.kind === 'overLimit'
			? `over the ${w.scope} limit (warn-only policy)`
			: `${w.model} has no price: not counted. ${w.hint}`;
}

/**
 * The models a soft budget may step down to after the routed model was refused: every configured
 * tier whose worst case for this call is cheaper, dearest first (so it steps down as little as it
 * must). None under the other policies, or for a model the user pinned.
 */
function downgradeCandidates(routing: RoutingDecision, settings: PolicySettings, worstOf: (model: string) => WorstCase): string[] {
	const b = settings.budget;
	if (b.policy !== 'soft' || !b.enabled || routing.tier === 'pinned') return [];
	const own = worstOf(routing.model);
	if (own.kind !== 'priced') return [];
	return [...new Set(tierOrder.map(t => settings.tiers[t]))]
		.filter(m => m !== routing.model)
		.map(m => ({ m, w: worstOf(m) }))
		.filter((x): x is { m: string; w: Extract<WorstCase, { kind: 'priced' }> } => x.w.kind === 'priced' && x.w.usd < own.usd)
		.sort((a, b) => b.w.usd - a.w.usd)
		.map(x => x.m);
}

/**
 * Fallbacks of a call on `model`: by default only tiers no dearer than it (nearest first) — a
 * failure never silently moves a run to a pricier model — or, with `routing.fallbacks: escalate`,
 * the tiers above it first. A pinned model has none.
 */
function fallbacksFor(model: string, tier: RoutingDecision['tier'], settings: PolicySettings, worstOf: (model: string) => WorstCase): string[] {
	if (tier === 'pinned' || settings.routing.fallbacks === 'off') return [];
	const own = worstOf(model);
	const tiers = [...new Set(tierOrder.map(t => settings.tiers[t]))].filter(m => m !== model);
	if (settings.routing.fallbacks === 'escalate') {
		const start = tierOf(model, settings.tiers);
		return start ? fallbackChain(start, settings.tiers).filter(m => m !== model) : tiers;
	}
	if (own.kind !== 'priced') return [];
	return tiers
		.map(m => ({ m, w: worstOf(m) }))
		.filter(x => x.w.kind === 'priced' && x.w.usd <= own.usd)
		.sort((a, b) => (b.w.kind === 'priced' ? b.w.usd : 0) - (a.w.kind === 'priced' ? a.w.usd : 0))
		.map(x => x.m);
}

const paramsMemo = new WeakMap<PolicySettings, { readonly none: CacheableParams; readonly byRequest: WeakMap<CacheableParams, CacheableParams> }>();

/**
 * The request's parameters over the settings' defaults. The same object for the same settings and
 * request parameters, so callers may key memos on it (a replay asks at every step).
 */
function requestParams(settings: PolicySettings, own: CacheableParams | undefined): CacheableParams {
	let memo = paramsMemo.get(settings);
	if (!memo) {
		memo = { none: { temperature: settings.defaults.temperature, maxOutputTokens: settings.defaults.maxOutputTokens }, byRequest: new WeakMap() };
		paramsMemo.set(settings, memo);
	}
	if (!own) return memo.none;
	let p = memo.byRequest.get(own);
	if (!p) memo.byRequest.set(own, (p = { ...memo.none, ...own }));
	return p;
}

/** The policy decision of one step (see the module comment). */
export function* policyStep(req: StepRequest, ctx: StepContext): PolicyStep {
	const { settings } = ctx;
	const explanation: PlanExplanation[] = [];
	const sideCalls = sideCallList(ctx);
	const prompt = req.prompt;
	const explain: Explain = (stage, rule, text) => explanation.push(new LazyExplanation(stage, rule, text));

	// 1. Routing (the escalate mode reads the run's signals from the messages the agent added).
	let escalation: EscalationDecision | undefined;
	const routing = routeRequest(
		{
			requestedModel: req.requestedModel,
			pinned: req.pinned,
			complexity: () => prompt.complexity(),
			escalation: () =>
				(escalation = escalationRoute(
					{
						state: req.run,
						recent: prompt.recent?.() ?? [],
						step: req.step,
						cheapPromptTokens: () => prompt.tokens(settings.tiers.cheap).tokens,
						cheapContextWindow: () => Math.min(ctx.contextWindowOf(settings.tiers.cheap) ?? settings.contextWindowMax, settings.contextWindowMax),
					},
					settings,
				)),
		},
		settings,
	);
	for (const r of routing.reasons) explain('routing', r.rule, r.text);
	explain('routing', 'route.model', () => `${routing.tier} → ${routing.model}`);
	// A pinned request leaves the run's signals where they were.
	const run = escalation?.state ?? req.run;

	// 2. Response cache (on the request as it stands before this step's compression).
	const params = requestParams(settings, req.params);
	const cacheOn = settings.cache.enabled;
	const lookup = cacheOn && req.cache !== 'bypass';
	const cacheKey = cacheOn ? prompt.cacheKey(routing.model, params) : '';
	if (lookup) {
		const hit = (yield { kind: 'cacheGet', key: cacheKey }) as CacheHit | undefined;
		if (hit) {
			explain(
				'cache',
				hit.shared ? 'cache.shared' : 'cache.exact',
				hit.shared
					? 'identical request answered on another machine or window: served from the shared cache at no cost'
					: `identical request answered ${Math.round(hit.ageMs / 1000)} s ago: served from the cache at no cost`,
			);
			return { kind: 'cached', hit, routing, explanation, cacheKey, sideCalls, run };
		}
	}
	let semantic: CallDecision['semantic'];
	if (cacheOn && settings.cache.semanticEnabled && ctx.semantic) {
		const q = ctx.semantic.query(routing.model, params);
		const vector = yield* embedForCache(ctx, ctx.semantic, q.text, req, explain, sideCalls);
		if (vector) {
			semantic = { partition: q.partition, text: q.text, vector };
			const hit = lookup ? ((yield { kind: 'semanticGet', partition: q.partition, vector }) as CacheHit | undefined) : undefined;
			if (hit) {
				explain('cache', 'cache.semantic', `a similar request (cosine ${(hit.similarity ?? 1).toFixed(3)} ≥ ${settings.cache.similarityThreshold}) was answered ${Math.round(hit.ageMs / 1000)} s ago`);
				return { kind: 'cached', hit, routing, explanation, cacheKey, sideCalls, run };
			}
		}
	}
	if (lookup) explain('cache', 'cache.miss', 'not in the response cache');
	else explain('cache', 'cache.off', cacheOn ? 'cache bypassed for this request' : 'response cache is off');

	// 3. Compression: tool outputs (applied by the caller as the history arrives), then the history strategy when a trigger fires.
	if (prompt.toolOutputs && prompt.toolOutputs.truncated > 0) {
		explain(
			'compression',
			'compress.toolOutputs',
			`${prompt.toolOutputs.truncated} tool output(s) over ${settings.compression.toolResponseMaxTokens} tokens truncated: −${fmt(prompt.toolOutputs.savedTokens)} tokens`,
		);
	}
	// The prompt's own messages are materialized only when a compression needs them (a replay builds them per step).
	let messages: readonly EngineMessage[] | undefined;
	let compression: HistoryCompressionResult | undefined;
	let trigger: CompressionTrigger | undefined;
	const strategy = settings.compression.strategy;
	if (strategy === 'observationMask') {
		// Masking runs on its own cadence (a batch every K steps), not on the size triggers: that
		// cadence is what keeps the provider's cached prefix stable between batches.
		const c = settings.compression;
		trigger = maskTrigger(req.step?.index, c.maskEverySteps);
		if (trigger) {
			const fired = trigger;
			const result = maskObservations(prompt.messages, c.keepObservations, { model: routing.model, counter: ctx.counter });
			if (result.applied) {
				compression = result;
				messages = result.messages;
				const n = result.changes.length;
				explain(
					'compression',
					'compress.observationMask',
					() =>
						`${describeTrigger(fired)}: ${n} older observation${n === 1 ? '' : 's'} masked, the last ${c.keepObservations} kept whole: ${fmt(result.tokensBefore)} → ${fmt(result.tokensAfter)} tokens`,
				);
			} else {
				const whole = wholeObservations(prompt.messages);
				explain(
					'compression',
					'compress.nothing',
					() => `${describeTrigger(fired)}, but only ${whole} observation${whole === 1 ? ' is' : 's are'} whole (≤ ${c.keepObservations} kept): nothing to mask`,
				);
			}
		}
	} else if (strategy !== 'none') {
		const before = prompt.tokens(routing.model).tokens;
		trigger = compressionTrigger({ tokens: before, step: req.step?.index, contextWindow: ctx.contextWindowOf(routing.model) }, settings);
		if (trigger) {
			const result = yield* compressHistory(ctx, strategy, prompt.messages, routing.model, req, explain, sideCalls);
			if (result.applied) {
				compression = result;
				messages = result.messages;
				const fired = trigger;
				const after = prompt.tokens(routing.model, messages).tokens;
				explain('compression', `compress.${result.strategy}`, () => `${describeTrigger(fired)}: ${result.strategy} ${fmt(before)} → ${fmt(after)} tokens`);
			} else {
				const fired = trigger;
				explain('compression', 'compress.nothing', () => `${describeTrigger(fired)}, but there was no older history to compress`);
			}
		}
	}

	// 4. Budget: reserve the worst case; under the soft policy step down the tiers until one fits.
	const maxOutputTokens = maxOutputTokensOf(settings, params);
	// Almost always only the routed model is counted: the map exists only once a second one is.
	let firstModel: string | undefined;
	let firstCount: { tokens: number; exact: boolean } | undefined;
	let counts: Map<string, { tokens: number; exact: boolean }> | undefined;
	const countFor = (model: string) => {
		if (model === firstModel) return firstCount!;
		if (firstModel === undefined) {
			firstModel = model;
			return (firstCount = prompt.tokens(model, messages));
		}
		counts ??= new Map();
		let c = counts.get(model);
		if (!c) counts.set(model, (c = prompt.tokens(model, messages)));
		return c;
	};
	const worstOf = (model: string) => {
		const c = countFor(model);
		return worstCaseCost(ctx.pricing, model, c.tokens, maxOutputTokens, c.exact);
	};
	let firstError: BudgetExceededError | UnpricedModelError | undefined;
	// The routed model first; the cheaper ones are worked out only when it is refused.
	const candidates = [routing.model];
	for (let i = 0; i < candidates.length; i++) {
		const model = candidates[i]!;
		const c = countFor(model);
		const r = (yield { kind: 'reserve', input: { runId: req.runId, model, inputTokens: c.tokens, maxOutputTokens, exactCount: c.exact, newStep: (req.step?.attempt ?? 0) === 0 } }) as TryReserveResult;
		if (!r.ok) {
			firstError ??= r.error;
			const error = r.error;
			explain('budget', `budget.refused.${error.reason}`, () => error.message);
			if (r.error.reason === 'steps') break; // a cheaper model does not help with the step limit
			if (i === 0) candidates.push(...downgradeCandidates(routing, settings, worstOf));
			continue;
		}
		const downgraded = model !== routing.model;
		explain(
			'budget',
			downgraded ? 'budget.downgraded' : 'budget.reserved',
			() =>
				`${downgraded ? `soft budget: downgraded ${routing.model} → ${model}; ` : ''}reserved up to $${r.reservation.usd.toFixed(4)} (${fmt(c.tokens)} input + ${fmt(maxOutputTokens)} max output tokens)`,
		);
		for (const w of r.reservation.warnings) explain('budget', `budget.${w.kind}`, () => budgetWarningText(w));
		const warned = r.reservation.warnings.some(w => w.kind === 'overLimit' || w.kind === 'unpriced');
		// The tier the model serves as, when it is one (a pinned or requested tier model too); else how it was chosen.
		const tier = tierOf(model, settings.tiers) ?? routing.tier;
		const budget: CallDecision['budget'] = downgraded ? { kind: 'downgrade', model, from: routing.model } : warned ? { kind: 'warn', model } : { kind: 'allow', model };
		return new CallDecisionOf(
			model,
			tier,
			messages,
			prompt,
			maxOutputTokens,
			c,
			r.reservation,
			budget,
			() => fallbacksFor(model, routing.tier, settings, worstOf),
			trigger,
			compression,
			params,
			semantic,
			routing,
			explanation,
			cacheKey,
			sideCalls,
			run,
		);
	}
	return { kind: 'refused', budget: { kind: 'refuse', model: routing.model, error: firstError! }, compression, routing, explanation, cacheKey, sideCalls, run };
}

/**
 * A call decision. A class, not a literal with getters: a replay makes one per step of every
 * scenario, and its two lazy parts — the prompt's messages (a replay materializes them only when
 * asked) and the fallbacks (they price every tier) — then live on the prototype.
 */
class CallDecisionOf implements CallDecision {
	readonly kind = 'call';
	readonly inputTokens: number;
	readonly exactCount: boolean;
	readonly warnings: readonly BudgetWarning[];
	private fallbackList: readonly string[] | undefined;
	constructor(
		readonly model: string,
		readonly tier: RoutingDecision['tier'],
		private readonly sent: readonly EngineMessage[] | undefined,
		private readonly prompt: StepPrompt,
		readonly maxOutputTokens: number,
		count: { readonly tokens: number; readonly exact: boolean },
		readonly reservation: Reservation,
		readonly budget: CallDecision['budget'],
		private readonly workOutFallbacks: () => string[],
		readonly trigger: CompressionTrigger | undefined,
		readonly compression: HistoryCompressionResult | undefined,
		readonly params: CacheableParams,
		readonly semantic: CallDecision['semantic'],
		readonly routing: RoutingDecision,
		readonly explanation: readonly PlanExplanation[],
		readonly cacheKey: string,
		readonly sideCalls: readonly SideCall[],
		readonly run: RunSignals | undefined,
	) {
		this.inputTokens = count.tokens;
		this.exactCount = count.exact;
		this.warnings = reservation.warnings;
	}

	get messages(): readonly EngineMessage[] {
		return this.sent ?? this.prompt.messages;
	}

	/** Worked out on first use: only a failed call needs them. */
	get fallbacks(): readonly string[] {
		return (this.fallbackList ??= this.workOutFallbacks());
	}
}

/** A call decision as a plain object (its lazy parts worked out), for callers that extend or send it. */
export function plainCallDecision(d: CallDecision): CallDecision {
	return {
		kind: 'call',
		model: d.model,
		tier: d.tier,
		messages: d.messages,
		maxOutputTokens: d.maxOutputTokens,
		inputTokens: d.inputTokens,
		exactCount: d.exactCount,
		reservation: d.reservation,
		budget: d.budget,
		fallbacks: d.fallbacks,
		...(d.trigger && { trigger: d.trigger }),
		...(d.compression && { compression: d.compression }),
		warnings: d.warnings,
		params: d.params,
		...(d.semantic && { semantic: d.semantic }),
		routing: d.routing,
		explanation: d.explanation,
		cacheKey: d.cacheKey,
		sideCalls: d.sideCalls,
		...(d.run && { run: d.run }),
	};
}

/** An array of side calls that tells the context of each one as it is added. */
function sideCallList(ctx: StepContext): SideCall[] {
	const list: SideCall[] = [];
	// Replays decide every step of 100s of scenarios and listen to nothing: a plain array then.
	if (!ctx.onSideCall) return list;
	const push = list.push.bind(list);
	list.push = (...calls: SideCall[]) => {
		for (const c of calls) ctx.onSideCall?.(c);
		return push(...calls);
	};
	return list;
}

/** Runs a history strategy. Summaries are calls of their own: reserved, paid, and replaced by truncation when the budget cannot cover them or they fail. */
function* compressHistory(
	ctx: StepContext,
	strategy: Exclude<PolicySettings['compression']['strategy'], 'none' | 'observationMask'>,
	messages: readonly EngineMessage[],
	model: string,
	req: StepRequest,
	explain: Explain,
	sideCalls: SideCall[],
): Generator<StepEffect, HistoryCompressionResult, EffectAnswer[StepEffect['kind']]> {
	const c = ctx.settings.compression;
	const o = { model, counter: ctx.counter };
	if (strategy === 'truncate') return truncateHistory(messages, c.tokensToKeepRecent, o);
	if (strategy === 'window') return slidingWindow(messages, c.windowMessages, o);
	const plan = planSummary(messages, { ...o, keepRecentTokens: c.tokensToKeepRecent, summaryModel: c.summaryModel });
	if (!plan) return truncateHistory(messages, c.tokensToKeepRecent, o);
	// What the summary call sends: the older history plus the summarizer's instruction.
	const input = plan.inputTokens + summaryPromptOverheadTokens;
	const counted = req.prompt.tokens(c.summaryModel, plan.older);
	const r = (yield {
		kind: 'reserve',
		input: { runId: req.runId, model: c.summaryModel, inputTokens: input, maxOutputTokens: c.summaryMaxTokens, exactCount: counted.exact, newStep: false, purpose: 'summary' },
	}) as TryReserveResult;
	if (!r.ok) {
		explain('compression', 'compress.summaryUnaffordable', `the budget cannot cover a summary by ${c.summaryModel} (${r.error.message}); truncating instead`);
		return truncateHistory(messages, c.tokensToKeepRecent, o);
	}
	let s: SummaryResult;
	try {
		s = (yield { kind: 'summarize', messages: plan.older, model: c.summaryModel, maxTokens: c.summaryMaxTokens, inputTokens: plan.inputTokens }) as SummaryResult;
	} catch (e) {
		const failure = yield* settleFailedSideCall(e, r.reservation, input, 'summary', sideCalls);
		// The user's call still goes ahead: a failed summary falls back to truncation.
		explain('compression', 'compress.summaryFailed', `the summary by ${c.summaryModel} failed (${failure.message}); truncating instead`);
		return truncateHistory(messages, c.tokensToKeepRecent, o);
	}
	const cost = (yield { kind: 'settle', reservation: r.reservation, usage: s.usage }) as CostResult;
	sideCalls.push({ purpose: 'summary', model: c.summaryModel, usage: s.usage, cost, estimated: s.estimated, status: 'ok' });
	return applySummary(messages, plan, s, { ...o, summaryModel: c.summaryModel });
}

/**
 * Embeds a request for the semantic cache. A paid embedder's call is reserved and charged like any
 * other (its input counted with the embedding model's tokenizer, which is how it is billed); when
 * the budget cannot cover it or it fails, the semantic cache is skipped for this request — the
 * user's call itself still goes ahead.
 */
function* embedForCache(
	ctx: StepContext,
	port: SemanticCachePort,
	text: string,
	req: StepRequest,
	explain: Explain,
	sideCalls: SideCall[],
): Generator<StepEffect, Float32Array | undefined, EffectAnswer[StepEffect['kind']]> {
	const model = port.billedModel;
	if (model === undefined) return (yield { kind: 'embed', text }) as Float32Array;
	const counted = ctx.counter.countText(model, text);
	if (port.maxInputTokens !== undefined && counted.tokens > port.maxInputTokens) {
		explain('cache', 'cache.embeddingTooLong', `semantic cache skipped: the request is ${fmt(counted.tokens)} tokens, over ${model}'s ${fmt(port.maxInputTokens)}-token input limit`);
		return undefined;
	}
	// A call the step limit will refuse is not worth an embedding: it would be paid for nothing.
	const budget = ctx.settings.budget;
	if (budget.enabled && budget.policy !== 'warn' && budget.maxSteps > 0 && (req.step?.attempt ?? 0) === 0) {
		const s = (yield { kind: 'budgetStatus', runId: req.runId }) as BudgetStatus;
		if (s.steps.used >= budget.maxSteps) return undefined;
	}
	const r = (yield {
		kind: 'reserve',
		input: { runId: req.runId, model, inputTokens: counted.tokens, maxOutputTokens: 0, exactCount: counted.exact, newStep: false, purpose: 'embedding' },
	}) as TryReserveResult;
	if (!r.ok) {
		explain('cache', 'cache.embeddingUnaffordable', `semantic cache skipped: the budget cannot cover embedding the request with ${model} (${r.error.message})`);
		return undefined;
	}
	let vector: Float32Array;
	try {
		vector = (yield { kind: 'embed', text }) as Float32Array;
	} catch (e) {
		const failure = yield* settleFailedSideCall(e, r.reservation, counted.tokens, 'embedding', sideCalls);
		explain('cache', 'cache.embeddingFailed', `semantic cache skipped: embedding the request with ${model} failed (${failure.message})`);
		return undefined;
	}
	const usage: Usage = { ...zeroUsage, input: counted.tokens };
	const cost = (yield { kind: 'settle', reservation: r.reservation, usage }) as CostResult;
	sideCalls.push({ purpose: 'embedding', model, usage, cost, estimated: !counted.exact, status: 'ok' });
	return vector;
}

/**
 * Ends the reservation of a failed side call (summary, embedding): charged its input when the
 * request may have reached the provider (timeout, cut connection, cancellation) or was answered
 * with something unusable (billed all the same), else released. Cancellation is re-thrown after
 * the charge is recorded: it stops the user's call too.
 */
function* settleFailedSideCall(
	e: unknown,
	reservation: Reservation,
	inputTokens: number,
	purpose: SideCallPurpose,
	sideCalls: SideCall[],
): Generator<StepEffect, ProviderFailure, EffectAnswer[StepEffect['kind']]> {
	const failure = classifyFailure(e);
	if (mayHaveBilled(failure) || failure.reason === 'cancelled' || failure.reason === 'badResponse') {
		const usage: Usage = { ...zeroUsage, input: inputTokens };
		const cost = (yield { kind: 'settle', reservation, usage }) as CostResult;
		sideCalls.push({ purpose, model: reservation.model, usage, cost, estimated: true, status: 'failed' });
	} else {
		yield { kind: 'release', reservation };
	}
	if (failure.reason === 'cancelled') throw e;
	return failure;
}

/** The decision in brief, as recordings keep it and replays report it per step. */
export function decisionRecord(d: StepDecision): PolicyDecisionRecord {
	const compression = d.kind === 'cached' ? undefined : d.compression;
	const trigger = d.kind === 'call' ? d.trigger : undefined;
	return {
		outcome: d.kind,
		rules: d.explanation.map(e => e.rule),
		...(d.kind !== 'cached' && { budget: d.budget.kind }),
		...(compression && { compression: { strategy: compression.strategy, ...(trigger && { trigger: trigger.kind }) } }),
	};
}

/** The effects' answers of a synchronous caller (a replay). */
export type SyncEffects = { readonly [K in StepEffect['kind']]: (effect: Extract<StepEffect, { kind: K }>) => EffectAnswer[K] };
/** The effects' answers of an asynchronous caller (live calls, the gateway). */
export type AsyncEffects = { readonly [K in StepEffect['kind']]: (effect: Extract<StepEffect, { kind: K }>) => EffectAnswer[K] | Promise<EffectAnswer[K]> };

/** Drives a step synchronously. An effect that throws is thrown into the step (it may recover). */
export function runStepSync(step: PolicyStep, effects: SyncEffects): StepDecision {
	let next = step.next();
	while (!next.done) {
		const effect = next.value;
		let answer: EffectAnswer[StepEffect['kind']];
		try {
			answer = (effects[effect.kind] as (e: StepEffect) => EffectAnswer[StepEffect['kind']])(effect);
		} catch (e) {
			next = step.throw(e);
			continue;
		}
		next = step.next(answer);
	}
	return next.value;
}

/** Drives a step asynchronously (see {@link runStepSync}). */
export async function runStepAsync(step: PolicyStep, effects: AsyncEffects): Promise<StepDecision> {
	let next = step.next();
	while (!next.done) {
		const effect = next.value;
		let answer: EffectAnswer[StepEffect['kind']];
		try {
			answer = await (effects[effect.kind] as (e: StepEffect) => Promise<EffectAnswer[StepEffect['kind']]>)(effect);
		} catch (e) {
			next = step.throw(e);
			continue;
		}
		next = step.next(answer);
	}
	return next.value;
}
