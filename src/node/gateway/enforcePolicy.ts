/**
 * Enforce mode's ONE link to the policy pipeline: every use of `PolicyEngine` by the gateway is in
 * this module, driven exactly as live calls drive it (`core/live/liveCalls.ts`): `plan` (routing →
 * response cache → compression → budget reservation) → `callWithFallback` with the engine's
 * `fallbackHooks` → `settle`. The gateway adds no policy of its own; it only says what the wire
 * allows:
 *
 * - the agent's model is pinned unless routing is on AND every tier model speaks the request's
 *   protocol — the gateway forwards an agent's request, it does not translate Anthropic Messages
 *   into Chat Completions or back;
 * - the plan's compressed history is written back into the agent's own body (`requestRewrite.ts`),
 *   keeping every entry the policy kept byte for byte.
 */
import type { BudgetStatus, Reservation } from '../../core/budget/budgetGuard';
import type { Sha256 } from '../../core/caching/cacheKey';
import type { Summarizer } from '../../core/ports/summarizer';
import type { EngineConfig } from '../../core/config/defaults';
import { createPolicyEngine, type CachedResponse, type CallPlan, type Plan, type PlanExplanation, type PolicyEngine, type SideCall, type SideCallPurpose } from '../../core/engine/policyEngine';
import type { Clock, Random } from '../../core/ports/clock';
import type { PricingPort } from '../../core/ports/pricing';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import type { CallRequest } from '../../core/gateway/callRequest';
import { providerOfProtocol } from '../../core/gateway/gatewayRoutes';
import { rewriteRequest, withModel, type RewrittenRequest } from '../../core/gateway/requestRewrite';
import { defaultProviderOf } from '../../core/live/liveCalls';
import { zeroUsage, type Usage } from '../../core/pricing/usage';
import { classifyFailure } from '../../core/providers/providerFailure';
import type { CostResult } from '../../core/pricing/types';
import { CancelledError } from '../../core/lib/errors';
import { abortableSleep, callWithFallback, CircuitBreaker, type AttemptRecord } from '../../core/routing/fallback';
import { type ProviderFailure } from '../../core/providers/providerFailure';
import type { ToolCall } from '../../core/transcripts/model';

export interface EnforcePolicyDeps {
	readonly config: EngineConfig;
	readonly counter: TokenCounter;
	readonly pricing: PricingPort;
	readonly clock: Clock;
	readonly random: Random;
	readonly budgetStore: import('../../core/ports/budgetStore').BudgetStore;
	readonly summarizer: Summarizer;
	readonly sha256?: Sha256;
	/** Abortable wait between retries (tests pass a fast one). */
	readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What the cache keeps of an answer, in `CachedResponse.extra`: enough to answer in any protocol. */
export interface CachedExtra {
	readonly toolCalls: readonly ToolCall[];
	readonly stopReason?: string;
}

/** A side call the plan paid for (history summary, semantic-cache embedding). */
export type PaidSideCall = SideCall & { readonly purpose: SideCallPurpose };

export type EnforceDecision =
	| { readonly kind: 'cached'; readonly source: 'exact' | 'semantic'; readonly response: CachedResponse; readonly explanation: readonly PlanExplanation[]; readonly sideCalls: readonly PaidSideCall[] }
	| {
			readonly kind: 'call';
			readonly plan: CallPlan;
			/** The body for the planned model, or undefined: forward the agent's bytes. */
			readonly rewrite?: RewrittenRequest;
			readonly explanation: readonly PlanExplanation[];
			readonly sideCalls: readonly PaidSideCall[];
	  };

/** One try of one model, as the gateway runs it: the body to send for that model. */
export interface EnforceAttempt {
	readonly model: string;
	/** Undefined: the agent's original bytes. */
	readonly body?: string;
	readonly retry: number;
	readonly signal?: AbortSignal;
}

/** How an answered (or cut, or cancelled) call is settled. */
export type EnforceOutcome =
	| {
			readonly kind: 'completed';
			readonly usage: Usage;
			readonly answer: { readonly model: string; readonly text: string; readonly toolCalls: readonly ToolCall[]; readonly stopReason?: string };
			readonly cacheable: boolean;
	  }
	/** Cut or cancelled after the response started: charge what was seen (estimated). */
	| { readonly kind: 'partial'; readonly usage?: Usage }
	/** Nothing was billed (the provider refused the request). */
	| { readonly kind: 'failed' };

export class EnforcePolicy {
	readonly engine: PolicyEngine;
	private config: EngineConfig;
	private readonly breaker: CircuitBreaker;

	constructor(private readonly deps: EnforcePolicyDeps) {
		this.config = deps.config;
		this.engine = createPolicyEngine({
			config: deps.config,
			counter: deps.counter,
			pricing: deps.pricing,
			clock: deps.clock,
			random: deps.random,
			budgetStore: deps.budgetStore,
			summarizer: deps.summarizer,
			...(deps.sha256 && { sha256: deps.sha256 }),
		});
		this.breaker = new CircuitBreaker({ cooldownMs: deps.config.routing.cooldownSeconds * 1000, clock: deps.clock });
	}

	updateConfig(config: EngineConfig): void {
		this.config = config;
		this.engine.updateConfig(config);
	}

	status(runId: string): Promise<BudgetStatus> {
		return this.engine.status(runId);
	}

	/** The model the plan may choose: the agent's own, unless routing can stay within the request's protocol. */
	private pinnedModel(req: CallRequest): string | undefined {
		const provider = providerOfProtocol(req.protocol);
		const tiers = this.config.tiers;
		// The gateway forwards, it does not translate: the policies may move the call (routing, a soft
		// downgrade) only among tier models that speak the request's protocol.
		const routable = [tiers.cheap, tiers.medium, tiers.expensive].every(m => defaultProviderOf(m) === provider);
		return routable ? undefined : req.model;
	}

	/**
	 * Plans a call. Throws what `PolicyEngine.plan` throws: `BudgetExceededError` / `UnpricedModelError`
	 * when the budget refuses it (the side calls already paid for are in `onSideCall`).
	 */
	async decide(input: {
		readonly runId: string;
		readonly request: CallRequest;
		readonly step: number;
		readonly signal?: AbortSignal;
		readonly onSideCall?: (c: PaidSideCall) => void;
	}): Promise<EnforceDecision> {
		const req = input.request;
		const sideCalls: PaidSideCall[] = [];
		const pinned = this.pinnedModel(req);
		const plan: Plan = await this.engine.plan({
			runId: input.runId,
			messages: req.messages,
			...(req.tools && { tools: req.tools }),
			params: { ...req.params, maxOutputTokens: req.maxOutputTokens ?? this.config.defaults.maxOutputTokens },
			step: { index: input.step },
			...(pinned !== undefined ? { pinnedModel: pinned } : { requestedModel: req.model }),
			...(input.signal && { signal: input.signal }),
			onSideCall: (purpose, c) => {
				const paid = { ...c, purpose };
				sideCalls.push(paid);
				input.onSideCall?.(paid);
			},
		});
		const explanation = [...plan.explanation];
		if (pinned !== undefined && this.config.routing.mode !== 'asRequested') {
			explanation.unshift({
				stage: 'routing',
				rule: 'gateway.protocol',
				text: `routing kept ${req.model}: the tier models do not all speak ${req.protocol}, and the gateway does not translate between protocols`,
			});
		}
		if (plan.kind === 'cached') return { kind: 'cached', source: plan.source, response: plan.response, explanation, sideCalls };
		const rewrite = rewriteRequest(req, plan.model, plan.messages);
		return { kind: 'call', plan, ...(rewrite && { rewrite }), explanation, sideCalls };
	}

	/**
	 * Runs the plan's model chain with the routing policy's retries and fallbacks. `attempt` sends one
	 * request and resolves once the response has STARTED (status and headers): a 2xx is the result
	 * (its body is then streamed to the client, so no retry can follow), anything else is thrown as a
	 * `ProviderError` for the policy to classify.
	 */
	async call<R>(
		decision: Extract<EnforceDecision, { kind: 'call' }>,
		request: CallRequest,
		attempt: (a: EnforceAttempt) => Promise<R>,
		signal?: AbortSignal,
	): Promise<{ readonly result: R; readonly model: string; readonly attempts: readonly AttemptRecord[]; readonly reservation: Reservation }> {
		const { plan } = decision;
		const hooks = this.engine.fallbackHooks<R>(plan);
		const base = decision.rewrite?.value ?? request.body;
		// The model whose request is on the wire: if the chain stops now (cancelled), its prompt may have been processed.
		let sending: string | undefined;
		let outcome: Awaited<ReturnType<typeof callWithFallback<R>>>;
		try {
			outcome = await callWithFallback<R>({
				// A fallback must speak the request's protocol: the gateway forwards, it does not translate.
				models: hooks.models.filter(m => defaultProviderOf(m) === providerOfProtocol(request.protocol)),
				call: async (model, info) => {
					const body = model === plan.model && decision.rewrite ? decision.rewrite.body : model === request.model && !decision.rewrite ? undefined : withModel(base, model);
					sending = model;
					try {
						const result = await attempt({ model, ...(body !== undefined && { body }), retry: info.retry, ...(info.signal && { signal: info.signal }) });
						sending = undefined;
						return result;
					} catch (e) {
						if (!CancelledError.is(e)) sending = undefined;
						throw e;
					}
				},
				beforeModel: hooks.beforeModel,
				onSkipped: hooks.onSkipped,
				afterModelFailed: (model: string, failure: ProviderFailure, result?: R) => hooks.afterModelFailed(model, failure, result),
				retry: { maxRetries: this.config.routing.maxRetries },
				breaker: this.breaker,
				random: this.deps.random,
				clock: this.deps.clock,
				sleep: this.deps.sleep ?? abortableSleep,
				classify: classifyFailure,
				...(signal && { signal }),
			});
		} catch (e) {
			// Reservations still held belong to the model the chain stopped at (cancellation): charged
			// the counted prompt when its request was on the wire, else released.
			for (const model of hooks.models) {
				const r = hooks.reservationFor(model);
				if (!r) continue;
				const usage = model === sending ? { ...zeroUsage, input: plan.inputTokens } : undefined;
				await this.engine.settle(plan, usage ? { kind: 'cancelled', usage } : { kind: 'failed' }, r);
			}
			throw e;
		}
		const reservation = hooks.reservationFor(outcome.model) ?? plan.reservation;
		return { ...outcome, reservation };
	}

	/** Settles the model that answered (its reservation from {@link call}) and fills the response cache. */
	async settle(
		decision: Extract<EnforceDecision, { kind: 'call' }>,
		reservation: Reservation,
		outcome: EnforceOutcome,
	): Promise<{ readonly cost: CostResult | undefined; readonly estimated: boolean }> {
		const { plan } = decision;
		if (outcome.kind === 'failed') {
			await this.engine.settle(plan, { kind: 'failed' }, reservation);
			return { cost: undefined, estimated: false };
		}
		if (outcome.kind === 'partial') {
			const r = await this.engine.settle(plan, outcome.usage ? { kind: 'cancelled', usage: outcome.usage } : { kind: 'cancelled' }, reservation);
			return { cost: r.cost, estimated: true };
		}
		const extra: CachedExtra = { toolCalls: outcome.answer.toolCalls, ...(outcome.answer.stopReason !== undefined && { stopReason: outcome.answer.stopReason }) };
		const r = await this.engine.settle(
			plan,
			{ kind: 'completed', usage: outcome.usage, response: { model: outcome.answer.model, content: outcome.answer.text, usage: outcome.usage, extra }, cacheable: outcome.cacheable },
			reservation,
		);
		return { cost: r.cost, estimated: r.estimated };
	}
}

/** The tool calls and stop reason a cached response carries (written by {@link EnforcePolicy.settle}). */
export function cachedExtraOf(response: CachedResponse): CachedExtra {
	const e = (response.extra ?? {}) as Partial<CachedExtra>;
	return { toolCalls: Array.isArray(e.toolCalls) ? e.toolCalls : [], ...(typeof e.stopReason === 'string' && { stopReason: e.stopReason }) };
}
