import { isKnownModel, knownModelIds, suggestModelIds, unknownModelMessage } from '../core/pricing/modelSuggestions';
import type { PriceOverrides } from '../core/pricing/overrides';

/**
 * Why `model` cannot be used (an id neither the price data nor the overrides know, with the closest
 * known ids), or undefined when it is known. The CLI turns the reason into exit code 2.
 */
export function unknownModelProblem(model: string, overrides: PriceOverrides, provider?: string): string | undefined {
	if (isKnownModel(model, overrides, provider)) return undefined;
	return unknownModelMessage(model, suggestModelIds(model, knownModelIds(overrides)));
}
