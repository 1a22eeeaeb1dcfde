/**
 * How each provider's prompt (prefix) cache behaves, as far as billing is concerned, kept as DATED
 * DATA: per model family, with the documentation it comes from and the day it took effect, so a
 * replay of an old run uses the rules of its day. The replay simulator needs them to price a
 * rewritten history honestly: in real agent runs most input is served from this cache at ~0.1× the
 * input price, so a policy that changes the prefix can cost more than it saves.
 *
 * Every rule below was checked against the provider's documentation (the `source` URL; `checked`
 * is the date of the copy read). Where a third-party list disagrees with the provider's own page,
 * the provider's page wins. Prices (write premiums, read discounts) are not here: they come from
 * the price data, which bills `cacheWrite5m`/`cacheWrite1h` tokens at the model's write price.
 */
export type CacheFamily = 'anthropic' | 'openai' | 'google' | 'none';

export type CacheTtl = '5m' | '1h';

export interface PromptCacheRules {
	readonly family: CacheFamily;
	/** Shortest prefix (tokens) the provider caches at all. */
	readonly minTokens: number;
	/** Hits are counted in multiples of this many tokens beyond `minTokens` (older OpenAI models: 128). */
	readonly blockTokens: number;
	/**
	 * Writes are billed and happen at breakpoints (Anthropic's explicit `cache_control`, OpenAI
	 * GPT-5.6+'s implicit breakpoint on the latest message) instead of free automatic prefixes.
	 */
	readonly billedWrites: boolean;
	/** How far back from a breakpoint the provider looks for an earlier cached prefix, in segments. */
	readonly lookbackSegments: number;
	/** Idle time after which an entry is gone, per TTL kind. */
	readonly ttlMs: Readonly<Record<CacheTtl, number>>;
	/** Human-readable basis for the numbers, shown in the replay's explanations. */
	readonly basis: string;
	/** The documentation the rule comes from. Absent for "no cache known". */
	readonly source?: string;
	/** First day (UTC, YYYY-MM-DD) the rule applies; absent = since the model was released. */
	readonly effectiveFrom?: string;
}

const minute = 60_000;

/** One dated rule: which model ids it covers, from when, and what it says. */
interface CacheRuleEntry extends Omit<PromptCacheRules, 'basis'> {
	/** Matched against the bare, lower-cased model id (see {@link bareModelId}). */
	readonly models: RegExp;
	/** The documentation copy's last-updated date, or the day it was read when the copy is undated. */
	readonly checked: string;
	readonly describe: string;
}

const anthropicDocs = 'https://platform.claude.com/docs/en/build-with-claude/prompt-caching#cache-limitations';
const openaiDocs = 'https://developers.openai.com/api/docs/guides/prompt-caching';
const geminiDocs = 'https://ai.google.dev/gemini-api/docs/caching';

/**
 * Anthropic: explicit `cache_control` breakpoints (≤ 4 per request), a 20-block lookback per
 * breakpoint, 5-minute TTL refreshed on every hit or a 1-hour TTL, writes billed (1.25× / 2× in the
 * price data). The minimum cacheable prompt is per model — 512, 1,024, 2,048 or 4,096 tokens — and
 * does not follow the model's age (Opus 4.5/4.6 need 4,096, Opus 4.8 1,024, Opus 5 512).
 */
function anthropic(models: RegExp, minTokens: number, who: string): CacheRuleEntry {
	return {
		family: 'anthropic',
		models,
		minTokens,
		blockTokens: 1,
		billedWrites: true,
		lookbackSegments: 20,
		ttlMs: { '5m': 5 * minute, '1h': 60 * minute },
		source: anthropicDocs,
		checked: '2026-12-07',
		describe: `Anthropic explicit caching (${who}): min ${minTokens.toLocaleString('en-US')} tokens, 20-block lookback, writes billed`,
	};
}

const claude = (families: string) => new RegExp(`claude-(?:${families})(?![0-9])`);

/** Most specific first: the first entry whose `models` and date match wins. */
const ruleTable: readonly CacheRuleEntry[] = [
	anthropic(claude('(?:opus|fable|mythos)-5'), 512, 'Opus 5, Fable 5, Mythos 5 and their point releases'),
	anthropic(/claude-mythos-preview/, 2048, 'Mythos Preview'),
	anthropic(claude('opus-4[-.]7'), 2048, 'Opus 4.7'),
	anthropic(claude('opus-4[-.][56]'), 4096, 'Opus 4.5, Opus 4.6'),
	anthropic(claude('haiku-4[-.]5'), 4096, 'Haiku 4.5'),
	anthropic(claude('opus-4[-.]8|sonnet-5|sonnet-4[-.][56]|opus-4[-.]1|opus-4|sonnet-4|4-opus|4-sonnet'), 1024, 'Opus 4.8, Sonnet 5, Sonnet 4.6/4.5, Opus 4.1/4, Sonnet 4'),
	anthropic(/claude-(?:3[-.]5-haiku|haiku-3|3-haiku)/, 2048, 'Haiku 3.5, Haiku 3'),
	anthropic(/claude-(?:3[-.][57]-sonnet|sonnet-3|3-opus|opus-3)/, 1024, 'Sonnet 3.7/3.5, Opus 3'),
	// A Claude id the table does not know (a newer model, a proxy alias): Anthropic's mechanics with
	// the most common minimum, said in the basis.
	anthropic(/claude/, 1024, 'a Claude model not in the documented list: 1,024-token minimum assumed'),
	{
		// GPT-5.6 and later families: "cache writes cost 1.25× the uncached input token rate"; an
		// implicit breakpoint on the latest message plus explicit ones; reads consider the latest 50
		// breakpoints (earlier turns' breakpoints are read-only), so lookback is not a segment count;
		// `prompt_cache_options.ttl` "30m" is the default and only value; no 128-token increments.
		family: 'openai',
		models: /^(?:gpt-5\.(?:[6-9]|\d{2,})|gpt-(?:[6-9]|\d{2,})(?![0-9]))/,
		minTokens: 1024,
		blockTokens: 1,
		billedWrites: true,
		lookbackSegments: Number.POSITIVE_INFINITY,
		ttlMs: { '5m': 30 * minute, '1h': 30 * minute },
		source: openaiDocs,
		checked: '2026-12-07',
		describe: 'OpenAI GPT-5.6+ caching: min 1,024 tokens, billed writes at the latest message, at least 30 minutes retention',
	},
	{
		// Models before GPT-5.6: automatic caching of prompts ≥ 1,024 tokens, hits in 128-token
		// increments, "no additional fee" for writes, evicted after 5–10 minutes idle (always within
		// an hour); 5 minutes is the conservative end, so the simulator never promises hits a user might not get.
		family: 'openai',
		models: /^(?:gpt-4o|gpt-4\.1|gpt-5(?![.]?[6-9])|o1|o3|o4|chatgpt-4o|codex)/,
		minTokens: 1024,
		blockTokens: 128,
		billedWrites: false,
		lookbackSegments: Number.POSITIVE_INFINITY,
		ttlMs: { '5m': 5 * minute, '1h': 5 * minute },
		source: openaiDocs,
		checked: '2026-12-07',
		describe: 'OpenAI automatic caching (before GPT-5.6): min 1,024 tokens, 128-token increments, free writes, 5-minute idle eviction',
	},
	...gemini(),
];

/**
 * Gemini implicit caching, "effective as of May 8th, 2025" for 2.5 and newer: automatic, no write
 * charge; the minimum is per model. The documentation of 2026-05-07 lists 2.5 Flash at 1,024 and
 * 2.5 Pro at 4,096; the copy updated 2026-07-07 lists both at 2,048 (the day of the change itself
 * is not published, so the new minimum applies from the first copy that shows it). 3.x and newer
 * models need 4,096, except Gemini 3 Flash Preview (1,024). Google documents no lifetime for
 * implicit entries: 5 minutes is assumed.
 */
function gemini(): CacheRuleEntry[] {
	const entry = (models: RegExp, minTokens: number, effectiveFrom: string, checked: string, who: string): CacheRuleEntry => ({
		family: 'google',
		models,
		minTokens,
		blockTokens: 1,
		billedWrites: false,
		lookbackSegments: Number.POSITIVE_INFINITY,
		ttlMs: { '5m': 5 * minute, '1h': 5 * minute },
		source: geminiDocs,
		effectiveFrom,
		checked,
		describe: `Gemini implicit caching (${who}): min ${minTokens.toLocaleString('en-US')} tokens, no write charge`,
	});
	return [
		entry(/^gemini-2\.5-flash/, 2048, '2026-07-07', '2026-10-13', '2.5 Flash'),
		entry(/^gemini-2\.5-flash/, 1024, '2025-05-08', '2026-05-07', '2.5 Flash'),
		entry(/^gemini-2\.5-pro/, 2048, '2026-07-07', '2026-10-13', '2.5 Pro'),
		entry(/^gemini-2\.5-pro/, 4096, '2025-05-08', '2026-05-07', '2.5 Pro'),
		entry(/^gemini-3-flash/, 1024, '2025-05-08', '2026-05-07', '3 Flash Preview'),
		entry(/^gemini-(?:3|[4-9])(?![0-9])/, 4096, '2025-05-08', '2026-10-13', '3.x and newer'),
	];
}

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
function bareModelId(model: string): string {
	const lower = model.toLowerCase();
	const slash = lower.lastIndexOf('/');
	return slash >= 0 ? lower.slice(slash + 1) : lower;
}

function toRules(e: CacheRuleEntry): PromptCacheRules {
	const { models: _, checked, describe, ...rules } = e;
	return { ...rules, basis: `${describe} — ${e.source} (checked ${checked}${e.effectiveFrom ? `; in effect since ${e.effectiveFrom}` : ''})` };
}

/**
 * The cache rules for a model id (provider prefixes allowed) as they were on `at` (a UTC instant):
 * among the entries for the model, the most specific one in effect then. Without `at`, the rules
 * in effect now according to the data (the newest entry) — no clock, so replays stay deterministic.
 * Unknown vendors, and dates before a provider cached at all, get no cache.
 */
export function promptCacheRulesFor(model: string, at?: Date): PromptCacheRules {
	const id = bareModelId(model);
	const day = at !== undefined && !Number.isNaN(at.getTime()) ? at.toISOString().slice(0, 10) : undefined;
	let matchedModel = false;
	for (const e of ruleTable) {
		if (!e.models.test(id)) continue;
		matchedModel = true;
		if (day !== undefined && e.effectiveFrom !== undefined && day < e.effectiveFrom) continue;
		return toRules(e);
	}
	return matchedModel ? { ...noCache, basis: `no prompt caching for ${id} on ${day}: the provider's caching started later` } : noCache;
}

/** `promptCacheRulesFor` fixed to one instant, for the simulator's `rulesFor` (a replay of a run uses the rules of its day). */
export function promptCacheRulesAt(at: Date | undefined): (model: string) => PromptCacheRules {
	return model => promptCacheRulesFor(model, at);
}

/** The dated rule table, for documentation and tests: family, models, minimum, source, dates. */
export function promptCacheRuleTable(): readonly {
	readonly family: CacheFamily;
	readonly models: string;
	readonly minTokens: number;
	readonly effectiveFrom?: string;
	readonly source: string;
	readonly checked: string;
}[] {
	return ruleTable.map(e => ({
		family: e.family,
		models: e.models.source,
		minTokens: e.minTokens,
		...(e.effectiveFrom !== undefined && { effectiveFrom: e.effectiveFrom }),
		source: e.source ?? '',
		checked: e.checked,
	}));
}
