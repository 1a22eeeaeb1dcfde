/**
 * The ONE settings schema of the product: every `agentCost.*` key with its type, default and
 * bounds. `package.json`'s `contributes.configuration` is generated from it
 * (`node scripts/syncSettings.mjs`) and a unit test fails when the two disagree.
 *
 * Defaults come from the product's parameter table (`max_tokens_before_compression` 4000, …); the
 * `param` field names the table entry a key implements, so the mapping stays reviewable.
 */

export type SettingType = 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array';

export interface SettingSpec {
	readonly key: string;
	readonly type: SettingType;
	readonly default: unknown;
	readonly description: string;
	readonly minimum?: number;
	readonly maximum?: number;
	readonly enum?: readonly string[];
	/** Element type of `array` settings. */
	readonly items?: { readonly type: 'string' };
	/** The parameter-table name this key implements, when it has one. */
	readonly param?: string;
	/**
	 * `machine`: only the user's own settings count, never a workspace's. For settings that decide
	 * where a stored secret is sent (endpoints, the Redis URL), that send prompts out with the
	 * user's key (tier and summary models, embeddings, the semantic cache), that decide what is
	 * spent or counted (budgets, their time zone, prices) or what is stored and served (recordings,
	 * the metrics endpoint): a cloned repository's `.vscode/settings.json` must not change them. A
	 * workspace may still TIGHTEN a budget (`budgetScope.ts`).
	 */
	readonly scope?: 'machine';
}

/** Budget enforcement policies. `soft` downgrades to a cheaper tier first, then refuses like `hard`. */
export type BudgetPolicy = 'hard' | 'soft' | 'warn';
export const budgetPolicies: readonly BudgetPolicy[] = ['hard', 'soft', 'warn'];

/** History compression strategies for agent steps. */
export type CompressionStrategy = 'none' | 'truncate' | 'window' | 'summarize';
export const compressionStrategies: readonly CompressionStrategy[] = ['none', 'truncate', 'window', 'summarize'];

export type EmbeddingProvider = 'offline' | 'openai';

export const defaultPromptGlobs: readonly string[] = ['**/*.prompt', '**/*.prompty', '**/*.prompt.md', '**/prompts/**/*.md', '**/prompts/**/*.txt', '**/*.messages.json', '**/*.messages.jsonl'];

export const settingsSchema = [
	// Routing
	{ key: 'agentCost.tiers.cheap', type: 'string', scope: 'machine', default: 'gpt-4o-mini', description: 'Model used for simple steps (the cheap tier).' },
	{ key: 'agentCost.tiers.medium', type: 'string', scope: 'machine', default: 'gpt-4o', description: 'Model used for ordinary steps (the medium tier).' },
	{ key: 'agentCost.tiers.expensive', type: 'string', scope: 'machine', default: 'claude-opus-4-6', description: 'Model used for complex steps: design, synthesis, trade-offs (the expensive tier).' },
	{ key: 'agentCost.routing.enabled', type: 'boolean', default: true, description: 'Route each call to a tier by its complexity. When off, every call uses the medium tier.' },
	{
		key: 'agentCost.routing.maxRetries',
		type: 'integer',
		default: 2,
		minimum: 0,
		maximum: 10,
		description: 'Retries per model on rate limits (429), server errors (5xx) and timeouts, with exponential backoff and jitter, before falling back to the next tier.',
	},
	{ key: 'agentCost.routing.cooldownSeconds', type: 'integer', default: 60, minimum: 0, maximum: 3600, description: 'After a model keeps failing, skip it for this many seconds (circuit breaker).' },
	// Compression
	{
		key: 'agentCost.compression.strategy',
		type: 'string',
		default: 'summarize',
		enum: compressionStrategies,
		description: 'How older agent history is compressed once a trigger fires: keep-recent truncation, sliding window (first + last messages), or a summary by the summary model.',
	},
	{
		key: 'agentCost.compression.maxTokensBeforeCompression',
		type: 'integer',
		default: 4000,
		minimum: 1,
		param: 'max_tokens_before_compression',
		description: 'Compress the history once the prompt exceeds this many tokens.',
	},
	{
		key: 'agentCost.compression.contextWindowTriggerRatio',
		type: 'number',
		default: 0.8,
		minimum: 0.05,
		maximum: 1,
		description: "Also compress once the prompt fills this share of the model's context window (capped by agentCost.contextWindowMax).",
	},
	{
		key: 'agentCost.compression.triggerSteps',
		type: 'integer',
		default: 10,
		minimum: 0,
		param: 'compression_trigger_steps',
		description: 'Also compress every N agent steps (0 = never by step count).',
	},
	{
		key: 'agentCost.compression.tokensToKeepRecent',
		type: 'integer',
		default: 1500,
		minimum: 0,
		param: 'tokens_to_keep_recent',
		description: 'Tokens of the most recent history kept verbatim when compressing.',
	},
	{ key: 'agentCost.compression.windowMessages', type: 'integer', default: 4, minimum: 1, description: 'Sliding window: messages kept at the start and at the end of the history.' },
	{ key: 'agentCost.compression.summaryModel', type: 'string', scope: 'machine', default: 'gpt-4o-mini', param: 'summary_model', description: 'Model that summarizes older history.' },
	{ key: 'agentCost.compression.summaryMaxTokens', type: 'integer', default: 600, minimum: 16, param: 'summary_max_tokens', description: 'Maximum length of a history summary, in tokens.' },
	{
		key: 'agentCost.compression.toolResponseMaxTokens',
		type: 'integer',
		default: 2000,
		minimum: 16,
		param: 'tool_response_max_tokens',
		description: 'Tool outputs longer than this are truncated structure-aware (JSON keeps first items + a count, logs keep head and tail).',
	},
	// Caching
	{ key: 'agentCost.cache.enabled', type: 'boolean', default: true, description: 'Serve identical requests (same model, messages and parameters) from the response cache.' },
	{ key: 'agentCost.cache.ttlSeconds', type: 'integer', default: 3600, minimum: 0, param: 'cache_ttl_seconds', description: 'How long a cached response stays valid.' },
	{ key: 'agentCost.cache.maxEntries', type: 'integer', default: 10000, minimum: 1, description: 'Maximum exact-cache entries (least recently used are evicted).' },
	{
		key: 'agentCost.cache.semanticEnabled',
		type: 'boolean',
		scope: 'machine',
		default: false,
		description: 'Also serve requests that are merely SIMILAR to a cached one (cosine ≥ threshold). Off by default: a similar prompt can need a different answer.',
	},
	{
		key: 'agentCost.cache.similarityThreshold',
		type: 'number',
		default: 0.95,
		minimum: 0.5,
		maximum: 1,
		param: 'cache_similarity_threshold',
		description: 'Minimum cosine similarity for a semantic cache hit.',
	},
	{ key: 'agentCost.cache.semanticMaxEntries', type: 'integer', default: 100000, minimum: 1, description: 'Maximum semantic-cache entries.' },
	{
		key: 'agentCost.embeddings.provider',
		type: 'string',
		scope: 'machine',
		default: 'offline',
		enum: ['offline', 'openai'],
		description:
			'Embeddings for the semantic cache: an offline hashed n-gram embedder (no downloads, no calls) or the OpenAI embeddings API (live calls only; uses the OpenAI key and endpoint; each embedding is a paid call, reserved and charged to the run like any other, and skipped — with the cache — when the budget cannot cover it).',
	},
	{
		key: 'agentCost.embeddings.model',
		type: 'string',
		scope: 'machine',
		default: 'text-embedding-3-small',
		description: 'Embedding model when the provider is openai: text-embedding-3-small, text-embedding-3-large or text-embedding-ada-002.',
	},
	{ key: 'agentCost.embeddings.batchSize', type: 'integer', default: 100, minimum: 1, maximum: 2048, param: 'embedding_batch_size', description: 'Texts per embeddings request.' },
	// Budgets
	{ key: 'agentCost.budget.enabled', type: 'boolean', scope: 'machine', default: true, description: 'Enforce the run and daily budgets.' },
	{
		key: 'agentCost.budget.policy',
		type: 'string',
		scope: 'machine',
		default: 'hard',
		enum: budgetPolicies,
		description: 'hard: refuse a call the budget cannot cover; soft: downgrade to a cheaper tier first, then refuse; warn: never refuse, only warn.',
	},
	{ key: 'agentCost.budget.runUsd', type: 'number', scope: 'machine', default: 0.5, minimum: 0, param: 'run_budget_usd', description: 'USD limit per agent run (0 = no run limit).' },
	{ key: 'agentCost.budget.dailyUsd', type: 'number', scope: 'machine', default: 5, minimum: 0, description: 'USD limit per day across all runs (0 = no daily limit).' },
	{
		key: 'agentCost.budget.warnThreshold',
		type: 'number',
		scope: 'machine',
		default: 0.8,
		minimum: 0,
		maximum: 1,
		param: 'budget_warn_threshold',
		description: 'Warn once spent + reserved reaches this share of a limit.',
	},
	{ key: 'agentCost.budget.maxSteps', type: 'integer', scope: 'machine', default: 20, minimum: 0, param: 'recursion_limit', description: 'Maximum LLM calls per agent run (0 = unlimited).' },
	{ key: 'agentCost.budget.timeZone', type: 'string', scope: 'machine', default: 'UTC', description: 'IANA time zone whose midnight starts a new budget day, e.g. "Europe/Berlin".' },
	// Call defaults
	{ key: 'agentCost.defaults.temperature', type: 'number', default: 0, minimum: 0, maximum: 2, param: 'temperature', description: 'Sampling temperature of live calls.' },
	{
		key: 'agentCost.defaults.maxOutputTokens',
		type: 'integer',
		default: 2048,
		minimum: 1,
		param: 'max_tokens',
		description: 'Output tokens assumed for estimates and sent as max_tokens; budgets reserve this many output tokens per call.',
	},
	{ key: 'agentCost.defaults.toolCallTimeoutSeconds', type: 'number', default: 30, minimum: 1, param: 'tool_call_timeout_seconds', description: 'Timeout of one provider call, in seconds.' },
	{
		key: 'agentCost.contextWindowMax',
		type: 'integer',
		default: 128000,
		minimum: 1,
		param: 'context_window_max',
		description: "Context window assumed when a model's own is unknown, and the cap for compression triggers.",
	},
	// Stores
	{
		key: 'agentCost.store.redisUrl',
		type: 'string',
		default: '',
		scope: 'machine',
		description:
			'Redis URL (redis://host:6379/0) to share budgets and caches across machines. Empty: files in VS Code\'s storage folders. Put no password in the URL: store it with "Agent Cost: Set API Key…" → Redis, which keeps it in VS Code\'s secret storage.',
	},
	{ key: 'agentCost.store.keyPrefix', type: 'string', default: 'agentCost:', scope: 'machine', description: 'Prefix of every Redis key the extension writes.' },
	// Pricing, lens, tokens, providers, metrics (implemented by the token/price engine, lens and live calls)
	{ key: 'agentCost.pricing.overrides', type: 'object', scope: 'machine', default: {}, description: 'Per-model price overrides (USD per million tokens) that win over the bundled dataset.' },
	{ key: 'agentCost.pricing.overridesFile', type: 'string', scope: 'machine', default: '.agent-cost/prices.json', description: 'Workspace-relative JSON file with more price overrides.' },
	{
		key: 'agentCost.lens.promptGlobs',
		type: 'array',
		items: { type: 'string' },
		default: defaultPromptGlobs,
		description:
			'Files the status-bar lens treats as prompts (globs; `**/` matches any folder, other globs are relative to the workspace folder). *.json/*.jsonl count as chat requests, *.prompty as its role sections, anything else as one user message.',
	},
	{
		key: 'agentCost.lens.model',
		type: 'string',
		default: 'gpt-4o',
		description: "Model the lens prices prompt files with, unless the file names one (front matter `model:`, a request body's `model`) or you picked one for that file by clicking the lens.",
	},
	{
		key: 'agentCost.tokens.exactClaudeCount',
		type: 'boolean',
		default: false,
		scope: 'machine',
		description: 'Count Claude prompts exactly with the Anthropic countTokens API (needs a key; sends the prompt to Anthropic).',
	},
	{ key: 'agentCost.providers.openai.baseUrl', type: 'string', default: '', scope: 'machine', description: 'OpenAI-compatible endpoint (empty: api.openai.com).' },
	{ key: 'agentCost.providers.anthropic.baseUrl', type: 'string', default: '', scope: 'machine', description: 'Anthropic endpoint (empty: the official API).' },
	{
		key: 'agentCost.recordings.mode',
		type: 'string',
		scope: 'machine',
		default: 'full',
		enum: ['full', 'metadata', 'off'],
		description:
			"What Run Prompt File records in the workspace's .agent-cost/recordings folder (kept out of git by a .gitignore there): full = prompts, answers and usage (the run can be replayed); metadata = models, token counts, costs and timings only, no text; off = nothing.",
	},
	{ key: 'agentCost.metrics.enabled', type: 'boolean', scope: 'machine', default: false, description: 'Serve Prometheus metrics on 127.0.0.1.' },
	{ key: 'agentCost.metrics.port', type: 'integer', scope: 'machine', default: 9464, minimum: 1, maximum: 65535, description: 'Port of the Prometheus metrics endpoint.' },
] as const satisfies readonly SettingSpec[];

export type SettingKey = (typeof settingsSchema)[number]['key'];

/** The typed, grouped configuration every policy reads. Built from the flat settings by {@link parseEngineConfig}. */
export interface EngineConfig {
	readonly tiers: { readonly cheap: string; readonly medium: string; readonly expensive: string };
	readonly routing: { readonly enabled: boolean; readonly maxRetries: number; readonly cooldownSeconds: number };
	readonly compression: {
		readonly strategy: CompressionStrategy;
		readonly maxTokensBeforeCompression: number;
		readonly contextWindowTriggerRatio: number;
		readonly triggerSteps: number;
		readonly tokensToKeepRecent: number;
		readonly windowMessages: number;
		readonly summaryModel: string;
		readonly summaryMaxTokens: number;
		readonly toolResponseMaxTokens: number;
	};
	readonly cache: {
		readonly enabled: boolean;
		readonly ttlSeconds: number;
		readonly maxEntries: number;
		readonly semanticEnabled: boolean;
		readonly similarityThreshold: number;
		readonly semanticMaxEntries: number;
	};
	readonly embeddings: { readonly provider: EmbeddingProvider; readonly model: string; readonly batchSize: number };
	readonly budget: {
		readonly enabled: boolean;
		readonly policy: BudgetPolicy;
		readonly runUsd: number;
		readonly dailyUsd: number;
		readonly warnThreshold: number;
		readonly maxSteps: number;
		readonly timeZone: string;
	};
	readonly defaults: { readonly temperature: number; readonly maxOutputTokens: number; readonly toolCallTimeoutSeconds: number };
	readonly contextWindowMax: number;
	readonly store: { readonly redisUrl: string; readonly keyPrefix: string };
	readonly pricing: { readonly overrides: Readonly<Record<string, unknown>>; readonly overridesFile: string };
	readonly lens: { readonly promptGlobs: readonly string[]; readonly model: string };
	readonly tokens: { readonly exactClaudeCount: boolean };
	readonly providers: { readonly openai: { readonly baseUrl: string }; readonly anthropic: { readonly baseUrl: string } };
	readonly metrics: { readonly enabled: boolean; readonly port: number };
	readonly recordings: { readonly mode: RecordingsMode };
}

/** What live calls record: everything, numbers only, or nothing (`agentCost.recordings.mode`). */
export type RecordingsMode = 'full' | 'metadata' | 'off';

/** The default value of one key, straight from the schema. */
export function settingDefault(key: SettingKey): unknown {
	return settingsSchema.find(s => s.key === key)!.default;
}
