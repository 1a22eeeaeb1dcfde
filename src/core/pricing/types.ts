import type { Usage } from './usage';

/** USD amounts of one priced call, by what was billed. All values are USD, not cents. */
export interface CostBreakdown {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	readonly output: number;
	/**
	 * Fixed per-call fee (a few search-backed models bill per request). Absent when the model has
	 * none; when present it is part of `usd`.
	 */
	readonly request?: number;
	/**
	 * Per-use fees of provider-run tools (web search…), USD by tool name. Absent when the call used
	 * none with a known fee; when present it is part of `usd`.
	 */
	readonly serverTools?: Readonly<Record<string, number>>;
}

/** Uses of a provider-run tool the price data has no fee for: the total excludes them and says so. */
export interface UnpricedFee {
	readonly tool: string;
	readonly uses: number;
}

/**
 * Prices in USD per million tokens (`perRequest`: USD per call). A missing cache price means those
 * tokens are billed at the `input` price; a missing `output` price means the model bills no output
 * (embeddings); `reasoning` is set only when reasoning tokens have their own price.
 */
export interface TokenPrices {
	readonly input: number;
	readonly output?: number;
	readonly cacheRead?: number;
	readonly cacheWrite5m?: number;
	readonly cacheWrite1h?: number;
	readonly reasoning?: number;
	readonly perRequest?: number;
	/** USD per use of a provider-run tool, by tool name (`web_search: 0.01` = $10 per 1,000 searches). */
	readonly serverTools?: Readonly<Record<string, number>>;
}

/** No known price: returned instead of a $0 that would look like a real number. */
export interface UnpricedModel {
	readonly kind: 'unpriced';
	readonly model: string;
	readonly reason: string;
	/** What the user can do, e.g. add `agentCost.pricing.overrides`. */
	readonly hint: string;
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
			/**
			 * True when a rule had to be approximated (see `notes`), e.g. a 1-hour cache write priced
			 * without a 1-hour price, or a batch discount the dataset does not know. Absent = exact.
			 */
			readonly estimated?: boolean;
			/** The per-million-token prices actually multiplied (after long-context tier and batch discount). */
			readonly rates?: TokenPrices;
			/**
			 * Server-tool uses whose fee the price data does not know: `usd` covers the tokens and the
			 * known fees only, and a note says so (never a silent $0 fee).
			 */
			readonly unpricedFees?: readonly UnpricedFee[];
	  }
	/** Never a silent $0: the model has no known price. */
	| UnpricedModel;

export interface CostOptions {
	/** Batch API (50% off where the provider offers it). */
	readonly batch?: boolean;
	/** When the call happened, for historic prices. Defaults to now. */
	readonly at?: Date;
	/** Provider id when known ("openai", "anthropic", "google", "openrouter"…). */
	readonly provider?: string;
}

/** What the catalog knows about a model: for the status-bar tooltip, the router and `agent-cost price`. */
export interface ModelPriceInfo {
	readonly kind: 'known';
	/** The model id as asked. */
	readonly model: string;
	/** The entry that prices it, e.g. "anthropic/claude-opus-4-6" or "override:my-org/*". */
	readonly priceId: string;
	/** Provider id of the entry ("anthropic", "openai", "google", "openrouter"…); absent for overrides. */
	readonly provider?: string;
	readonly name?: string;
	/** Context window in tokens, when the dataset or the override gives one. */
	readonly contextWindow?: number;
	/** "override" or the dataset name and version. */
	readonly source: string;
	readonly fromOverride: boolean;
	/** The dataset lists the model as free of charge. */
	readonly free: boolean;
	/** Prices at or below every long-context threshold, at the requested date. */
	readonly prices: TokenPrices;
	/** Whole-request repricing: above `aboveInputTokens` total input tokens, every component costs `prices`. */
	readonly longContext: readonly { readonly aboveInputTokens: number; readonly prices: TokenPrices }[];
	/** Fraction taken off with the Batch API (0.5 = half price); absent when unknown. */
	readonly batchDiscount?: number;
	/** How the entry was found or chosen (historic price, provider fallback…). */
	readonly notes: readonly string[];
}

/** The engine's view of prices: the bundled dataset with user overrides on top. */
export interface PriceCatalog {
	/**
	 * Prices one call. `usage` must be normalized (see `usage.ts`: `input` is the TOTAL prompt).
	 * Throws `InputError('badArgument')` only for programming errors: negative or non-finite token
	 * counts, an invalid `at`. An unknown model is a result (`kind: 'unpriced'`), not an error.
	 */
	cost(model: string, usage: Usage, options?: CostOptions): CostResult;
	/**
	 * Context window and prices of a model, or why it has none. Optional in the contract so that
	 * test fakes which only price calls stay valid; `createPriceCatalog` always implements it.
	 */
	describe?(model: string, options?: Pick<CostOptions, 'at' | 'provider'>): ModelPriceInfo | UnpricedModel;
}
