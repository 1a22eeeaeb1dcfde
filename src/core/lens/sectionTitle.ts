/**
 * The text of a context-attribution lens above one part of a prompt: `#2 user · 1,234 tok ·
 * $0.00309 · 42%`. The part is priced at the input rate that applies to the whole prompt (a
 * long-context tier is decided by the whole request); estimates are marked ≈; a model without a
 * price says so instead of showing $0.
 */
import { formatTokens, formatUsdPrecise } from '../pricing/format';
import type { PromptSection } from '../prompts/promptSections';
import { pricesFor } from './lensCost';
import type { LensPrice } from './lensView';

/** `42%`, `<1%` for a part too small to round to a percent. */
export function formatShare(share: number): string {
	if (!Number.isFinite(share) || share <= 0) return '0%';
	const pct = share * 100;
	return pct < 1 ? '<1%' : `${Math.round(pct)}%`;
}

/** `price`: undefined while it loads (the cost is left out until it arrives). */
export function sectionTitle(section: PromptSection, price: LensPrice | undefined, promptTokens: number): string {
	const mark = section.exact ? '' : '≈';
	const parts = [section.label, `${mark}${formatTokens(section.tokens)} tok`];
	if (price?.kind === 'known') parts.push(formatUsdPrecise((section.tokens * pricesFor(price, promptTokens).input) / 1e6, { estimate: !section.exact }));
	else if (price) parts.push('no price');
	parts.push(formatShare(section.share));
	return parts.join(' · ');
}
