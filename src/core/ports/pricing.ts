import type { PriceCatalog } from '../pricing/types';

/**
 * The price catalog as the policies see it (`createPriceCatalog()` in `src/core/pricing/catalog.ts`):
 * `cost` prices a call, the optional `describe` gives the context window used by compression triggers.
 */
export type PricingPort = PriceCatalog;

/** The model's context window from the catalog, when it knows one. */
export function contextWindowOf(pricing: PricingPort, model: string): number | undefined {
	const d = pricing.describe?.(model);
	return d?.kind === 'known' ? d.contextWindow : undefined;
}
