import type { EngineConfig } from '../config/defaults';
import type { ComplexityDecision, RoutingInput, RoutingReason, Tier } from './classifier';
import { classifyComplexity, tierOrder } from './classifier';

export interface RoutingDecision {
	readonly tier: Tier | 'pinned';
	readonly model: string;
	readonly reasons: readonly RoutingReason[];
	/** Models to fall back to, in order (the tiers above the chosen one, without duplicates). */
	readonly fallbacks: readonly string[];
	readonly complexity?: ComplexityDecision;
}

export function tierModel(tier: Tier, tiers: EngineConfig['tiers']): string {
	return tiers[tier];
}

/** The fallback chain from a tier upward (cheap → medium → expensive), deduplicated. */
export function fallbackChain(tier: Tier, tiers: EngineConfig['tiers']): string[] {
	const out: string[] = [];
	for (const t of tierOrder.slice(tierOrder.indexOf(tier))) if (!out.includes(tiers[t])) out.push(tiers[t]);
	return out;
}

/**
 * Picks the model for a call: a pinned model (the user's explicit choice, or "as recorded" in a
 * replay) wins; routing off → the medium tier; otherwise the complexity classifier's tier.
 * Budget-driven downgrades happen afterwards in the engine, which knows the budget.
 */
export function routeRequest(input: RoutingInput & { readonly pinnedModel?: string }, config: Pick<EngineConfig, 'tiers' | 'routing'>): RoutingDecision {
	if (input.pinnedModel) {
		return { tier: 'pinned', model: input.pinnedModel, reasons: [{ rule: 'route.pinned', text: `model ${input.pinnedModel} was chosen explicitly` }], fallbacks: [] };
	}
	if (!config.routing.enabled) {
		const model = config.tiers.medium;
		return { tier: 'medium', model, reasons: [{ rule: 'route.disabled', text: 'routing is off (agentCost.routing.enabled): medium tier' }], fallbacks: fallbackChain('medium', config.tiers).slice(1) };
	}
	const complexity = classifyComplexity(input);
	const chain = fallbackChain(complexity.tier, config.tiers);
	return { tier: complexity.tier, model: chain[0], reasons: complexity.reasons, fallbacks: chain.slice(1), complexity };
}
