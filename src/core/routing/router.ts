import type { PolicySettings } from '../config/defaults';
import { fixedModelOf } from '../config/defaults';
import type { ComplexityDecision, RoutingReason, Tier } from './classifier';
import { tierOrder } from './classifier';
import type { EscalationDecision } from './escalation';

export interface RoutingDecision {
	/** `pinned`: the user's explicit choice; `requested`: the model the call asked for (asRequested mode); `fixed`: the fixed mode's model (when it is no tier's). */
	readonly tier: Tier | 'pinned' | 'requested' | 'fixed';
	readonly model: string;
	readonly reasons: readonly RoutingReason[];
	/** Models to fall back to, in order (the tiers above the chosen one, without duplicates). */
	readonly fallbacks: readonly string[];
	readonly complexity?: ComplexityDecision;
}

/** The fallback chain from a tier upward (cheap → medium → expensive), deduplicated. */
export function fallbackChain(tier: Tier, tiers: PolicySettings['tiers']): string[] {
	const out: string[] = [];
	for (const t of tierOrder.slice(tierOrder.indexOf(tier))) if (!out.includes(tiers[t])) out.push(tiers[t]);
	return out;
}

/** The tier a model is configured as, if any (the lowest, when one model serves several). */
export function tierOf(model: string, tiers: PolicySettings['tiers']): Tier | undefined {
	// A loop, not find(): asked several times per step of every replayed scenario.
	for (const t of tierOrder) if (tiers[t] === model) return t;
	return undefined;
}

export interface RouteInput {
	/** The model the call names (the agent's, the recorded call's, a prompt file's). */
	readonly requestedModel?: string;
	/** The user chose `requestedModel` explicitly: it is kept whatever the mode. */
	readonly pinned?: boolean;
	/** The complexity classifier's verdict on the request (asked only in tiered mode). */
	readonly complexity: () => ComplexityDecision;
	/** The escalation mode's verdict from the run's signals (asked only in escalate mode). */
	readonly escalation?: () => EscalationDecision;
}

/**
 * Picks the model for a call. A pinned model (the user's explicit choice) wins; otherwise the
 * routing mode decides: `tiered` → the complexity classifier's tier, `fixed` → one model,
 * `asRequested` → the model the call asks for (the medium tier when it names none), `escalate` →
 * the tier the run's trouble signals have reached (cheap without a run state). Budget-driven
 * downgrades happen afterwards (`policyStep`), which knows the budget.
 */
export function routeRequest(input: RouteInput, settings: Pick<PolicySettings, 'tiers' | 'routing'>): RoutingDecision {
	const requested = input.requestedModel?.trim() || undefined;
	// Decisions that depend only on the settings and the model asked for (or the classifier's verdict,
	// itself memoized per step) are made once: a replay routes every step of 100s of scenarios.
	const mode = settings.routing.mode;
	if (mode === 'escalate' && !(input.pinned && requested)) return decideRoute(input, settings, requested);
	if (mode === 'tiered' && !(input.pinned && requested)) {
		const complexity = input.complexity();
		let byVerdict = tieredMemo.get(complexity);
		if (!byVerdict) tieredMemo.set(complexity, (byVerdict = new WeakMap()));
		let d = byVerdict.get(settings.tiers);
		if (!d) byVerdict.set(settings.tiers, (d = decideRoute({ ...input, complexity: () => complexity }, settings, requested)));
		return d;
	}
	// Per settings object (tiers and routing are part of it), then per pinned-ness and model asked for.
	let memo = routeMemo.get(settings);
	if (!memo) routeMemo.set(settings, (memo = { pinned: new Map(), plain: new Map() }));
	const byModel = input.pinned && requested ? memo.pinned : memo.plain;
	const key = requested ?? '';
	let d = byModel.get(key);
	if (!d) byModel.set(key, (d = decideRoute(input, settings, requested)));
	return d;
}

const routeMemo = new WeakMap<object, { readonly pinned: Map<string, RoutingDecision>; readonly plain: Map<string, RoutingDecision> }>();
const tieredMemo = new WeakMap<ComplexityDecision, WeakMap<PolicySettings['tiers'], RoutingDecision>>();

function decideRoute(input: RouteInput, settings: Pick<PolicySettings, 'tiers' | 'routing'>, requested: string | undefined): RoutingDecision {
	const { tiers } = settings;
	if (input.pinned && requested) {
		return { tier: 'pinned', model: requested, reasons: [{ rule: 'route.pinned', text: `model ${requested} was chosen explicitly` }], fallbacks: [] };
	}
	const upFrom = (model: string) => {
		const tier = tierOf(model, tiers);
		return tier ? fallbackChain(tier, tiers).filter(m => m !== model) : [];
	};
	switch (settings.routing.mode) {
		case 'asRequested': {
			if (requested)
				return { tier: tierOf(requested, tiers) ?? 'requested', model: requested, reasons: [{ rule: 'route.asRequested', text: `the call's own model ${requested}` }], fallbacks: upFrom(requested) };
			return { tier: 'medium', model: tiers.medium, reasons: [{ rule: 'route.asRequested.none', text: 'the call names no model: medium tier' }], fallbacks: upFrom(tiers.medium) };
		}
		case 'fixed': {
			const model = fixedModelOf(settings);
			return { tier: tierOf(model, tiers) ?? 'fixed', model, reasons: [{ rule: 'route.fixed', text: `fixed model ${model} (agentCost.routing.mode)` }], fallbacks: upFrom(model) };
		}
		case 'tiered': {
			const complexity = input.complexity();
			const chain = fallbackChain(complexity.tier, tiers);
			return { tier: complexity.tier, model: chain[0]!, reasons: complexity.reasons, fallbacks: chain.slice(1), complexity };
		}
		case 'escalate': {
			const e = input.escalation?.();
			const tier = e?.tier ?? 'cheap';
			const chain = fallbackChain(tier, tiers);
			return { tier, model: chain[0]!, reasons: e?.reasons ?? [{ rule: 'route.escalate.start', text: 'the run starts on the cheap tier' }], fallbacks: chain.slice(1) };
		}
	}
}
