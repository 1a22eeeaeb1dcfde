import type { Usage } from './usage';

/** USD amounts of one priced call, by what was billed. All values are USD, not cents. */
export interface CostBreakdown {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	readonly output: number;
}

export type CostResult =
	| {
			readonly kind: 'priced';
			/** Total USD. */
			readonly usd: number;
			readonly breakdown: CostBreakdown;
			/** The catalog entry that priced it, e.g. "anthropic/claude-opus-4-6". */
			readonly priceId: string;
			/** Where the price came from: "override" or the dataset name and version. */
			readonly source: string;
			/** Notes that change the number: long-context tier applied, batch discount, cache write priced as input… */
			readonly notes: readonly string[];
	  }
	| {
			/** Never a silent $0: the model has no known price. */
			readonly kind: 'unpriced';
			readonly model: string;
			readonly reason: string;
			/** What the user can do, e.g. add `agentCost.pricing.overrides`. */
			readonly hint: string;
	  };

export interface CostOptions {
	/** Batch API (50% off where the provider offers it). */
	readonly batch?: boolean;
	/** When the call happened, for historic prices. Defaults to now. */
	readonly at?: Date;
	/** Provider id when known ("openai", "anthropic", "google", "openrouter"…). */
	readonly provider?: string;
}

/** The engine's view of prices: the bundled dataset with user overrides on top. */
export interface PriceCatalog {
	cost(model: string, usage: Usage, options?: CostOptions): CostResult;
}
