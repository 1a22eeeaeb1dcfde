import type { LiveJobContext } from '../core/live/liveJobs';
import { mergePriceOverrides, parsePriceOverrides, type PriceOverrides } from '../core/pricing/overrides';
import { readWorkspacePriceOverrides } from './priceOverridesFile';

/** The price overrides of a live job: what prices calls, and what the budget never counts below. */
export interface LivePriceOverrides {
	/** The user's setting, on top of the workspace's price file once the user confirmed that file's content. */
	readonly effective: PriceOverrides;
	/** The user's own setting only: with the bundled list prices, the floor of every reservation and settlement. */
	readonly listed: PriceOverrides;
}

/**
 * Reads the workspace's price file for a live job. It counts only when its content hash is the one
 * the user confirmed (`paths.priceFileSha256`): a cloned repository's `.agent-cost/prices.json`
 * changes nothing until the user has seen and accepted it, and an edit after that needs a new
 * confirmation.
 */
export async function livePriceOverrides(ctx: LiveJobContext): Promise<LivePriceOverrides> {
	const listed = parsePriceOverrides(ctx.config.pricing.overrides).overrides;
	if (!ctx.paths.workspaceDir || !ctx.paths.priceFileSha256) return { effective: listed, listed };
	const file = await readWorkspacePriceOverrides(ctx.paths.workspaceDir, ctx.config.pricing.overridesFile);
	if (file.sha256 !== ctx.paths.priceFileSha256) return { effective: listed, listed };
	return { effective: mergePriceOverrides(listed, file.overrides), listed };
}
