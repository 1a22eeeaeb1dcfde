/**
 * How each provider's prompt (prefix) cache behaves, as far as billing is concerned. The replay
 * simulator needs this to price a rewritten history honestly: in real agent runs most input is
 * served from this cache at ~0.1× the input price, so a policy that changes the prefix can cost more
 * than it saves.
 *
 * Sources (provider docs, as of 2026): Anthropic "Prompt caching" (explicit `cache_control`
 * breakpoints, ≤ 4 per request, 20-block lookback, 5-minute TTL refreshed on hit or 1-hour TTL,
 * writes billed at 1.25× / 2×, minimum cacheable prefix per model); OpenAI "Prompt caching"
 * (automatic for prompts ≥ 1024 tokens, hits in 128-token increments, no write premium, evicted
 * after 5–10 minutes of inactivity); Google Gemini implicit caching (automatic, minimum 1024–4096
 * tokens by model, no write premium).
 */
export type CacheFamily = 'anthropic' | 'openai' | 'google' | 'none';

export type CacheTtl = '5m' | '1h';

export interface PromptCacheRules {
	readonly family: CacheFamily;
	/** Shortest prefix (tokens) the provider caches at all. */
	readonly minTokens: number;
	/** Hits are counted in multiples of this many tokens beyond `minTokens` (OpenAI: 128). */
	readonly blockTokens: number;
	/** Explicit breakpoints whose writes are billed (Anthropic) vs automatic free writes. */
	readonly billedWrites: boolean;
	/** How far back from a breakpoint the provider looks for an earlier cached prefix, in segments. */
	readonly lookbackSegments: number;
	/** Idle time after which an entry is gone, per TTL kind. */
	readonly ttlMs: Readonly<Record<CacheTtl, number>>;
	/** Human-readable basis for the numbers, shown in the replay's explanations. */
	readonly basis: string;
}

const minute = 60_000;

const noCache: PromptCacheRules = {
	family: 'none',
	minTokens: Number.POSITIVE_INFINITY,
	blockTokens: 1,
	billedWrites: false,
	lookbackSegments: 0,
	ttlMs: { '5m': 0, '1h': 0 },
	basis: 'no prompt caching known for this model',
};

/** Strips routing prefixes like `openrouter/`, `anthropic/`, `bedrock/…` to the bare model id. */
export function bareModelId(model: string): string {
	const lower = model.toLowerCase();
	const slash = lower.lastIndexOf('/');
	return slash >= 0 ? lower.slice(slash + 1) : lower;
}

function anthropicMinTokens(id: string): number {
	// Haiku 3/3.5 need 2048; the newest families (Opus 4.5+, Haiku 4.5) need 4096; other Claude
	// models (Sonnet 3.7/4/4.5, Opus 3/4/4.1) need 1024.
	if (/haiku-4|opus-4-[5-9]|opus-4\.[5-9]|opus-[5-9]/.test(id)) return 4096;
	if (/haiku/.test(id)) return 2048;
	return 1024;
}

/** The cache rules for a model id (provider prefixes allowed). Unknown vendors get no cache. */
export function promptCacheRulesFor(model: string): PromptCacheRules {
	const id = bareModelId(model);
	if (id.startsWith('claude')) {
		return {
			family: 'anthropic',
			minTokens: anthropicMinTokens(id),
			blockTokens: 1,
			billedWrites: true,
			lookbackSegments: 20,
			ttlMs: { '5m': 5 * minute, '1h': 60 * minute },
			basis: `Anthropic explicit caching: min ${anthropicMinTokens(id)} tokens, 20-block lookback, writes billed`,
		};
	}
	if (/^(gpt-4o|gpt-4\.1|gpt-5|o1|o3|o4|chatgpt-4o|codex)/.test(id)) {
		return {
			family: 'openai',
			minTokens: 1024,
			blockTokens: 128,
			billedWrites: false,
			lookbackSegments: Number.POSITIVE_INFINITY,
			// OpenAI keeps prefixes 5–10 minutes idle (longer off-peak); 5 minutes is the
			// conservative end so the simulator never promises hits a user might not get.
			ttlMs: { '5m': 5 * minute, '1h': 5 * minute },
			basis: 'OpenAI automatic caching: min 1024 tokens, 128-token increments, 5-minute idle eviction',
		};
	}
	if (id.startsWith('gemini-2.5') || id.startsWith('gemini-3')) {
		const min = id.includes('flash') ? 1024 : id.startsWith('gemini-3') ? 4096 : 2048;
		return {
			family: 'google',
			minTokens: min,
			blockTokens: 1,
			billedWrites: false,
			lookbackSegments: Number.POSITIVE_INFINITY,
			ttlMs: { '5m': 5 * minute, '1h': 5 * minute },
			basis: `Gemini implicit caching: min ${min} tokens, no write charge`,
		};
	}
	return noCache;
}
