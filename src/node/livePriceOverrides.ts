import type { LiveJobContext } from '../core/jobs/liveJobs';
import type { PriceOverrides } from '../core/pricing/overrides';
import { loadPriceOverrides } from './priceOverridesFile';

/** The price overrides of a live job: what prices calls, and what the budget never counts below. */
export interface LivePriceOverrides {
	/** The user's setting, on top of the workspace's price file once the user confirmed that file's content. */
	readonly effective: PriceOverrides;
	/** The user's own setting only: with the bundled list prices, the floor of every reservation and settlement. */
	readonly listed: PriceOverrides;
}

/**
 * The price overrides of a live job. The workspace's price file counts only when its content hash
 * is the one the user confirmed (`paths.priceFileSha256`): a cloned repository's
 * `.agent-cost/prices.json` changes nothing until the user has seen and accepted it, and an edit
 * after that needs a new confirmation. The worker re-reads the file, so the check is on what it uses.
 */
export async function livePriceOverrides(ctx: LiveJobContext): Promise<LivePriceOverrides> {
	const confirmed = ctx.paths.priceFileSha256;
	const loaded = await loadPriceOverrides({
		setting: ctx.config.pricing.overrides,
		...(ctx.paths.workspaceDir !== undefined && { workspaceDir: ctx.paths.workspaceDir }),
		workspaceFile: ctx.config.pricing.overridesFile,
		acceptWorkspaceFile: file => confirmed !== undefined && file.sha256 === confirmed,
	});
	return { effective: loaded.overrides, listed: loaded.listed };
}
