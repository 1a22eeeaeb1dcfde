/**
 * The ONE settings schema of the product: every `agentCost.*` key with its type, default and
 * bounds. `package.json`'s `contributes.configuration` is generated from it
 * (`node scripts/syncSettings.mjs`) and a unit test fails when the two disagree.
 *
 * Defaults come from the product's parameter table (`max_tokens_before_compression` 4000, …); the
 * `param` field names the table entry a key implements, so the mapping stays reviewable.
 */

type SettingType = 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array';

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
const budgetPolicies: readonly BudgetPolicy[] = ['hard', 'soft', 'warn'];

/**
 * How a call's model is chosen. `tiered`: the complexity router picks cheap / medium / expensive
 * from keywords of the task; `fixed`: one model for every call; `asRequested`: the model the call
 * asks for (a recorded call's in a replay, the agent's own through the gateway); `escalate`: each
 * run starts on the cheap tier and moves up on signs of trouble in the run itself (see
 * `src/core/routing/escalation.ts`).
 */
type RoutingMode = 'tiered' | 'fixed' | 'asRequested' | 'escalate';
const routingModes: readonly RoutingMode[] = ['tiered', 'fixed', 'asRequested', 'escalate'];

/** Which models a failing call may fall back to (see `agentCost.routing.fallbacks`). */
type FallbackMode = 'cheaper' | 'escalate' | 'off';
const fallbackModes: readonly FallbackMode[] = ['cheaper', 'escalate', 'off'];

/** The top-level groups of {@link PolicySettings} (the first path segment of its setting keys). */
export const policySettingGroups: readonly (keyof PolicySettings)[] = ['tiers', 'routing', 'compression', 'cache', 'budget', 'defaults', 'contextWindowMax'];

/**
 * History compression strategies for agent steps. `observationMask` keeps the last N tool outputs
 * whole and replaces older ones with a one-line placeholder, in batches every K steps (see
 * `src/core/compression/observationMask.ts`); the others fire on the compression triggers.
 */
export type CompressionStrategy = 'none' | 'truncate' | 'window' | 'summarize' | 'observationMask';
const compressionStrategies: readonly CompressionStrategy[] = ['none', 'truncate', 'window', 'summarize', 'observationMask'];

type EmbeddingProvider = 'offline' | 'openai';

/** What the lens's status-bar figure is (see `agentCost.lens.cost`). */
export type LensCostShown = 'input' | 'inputPer1000' | 'withOutput';

export const defaultPromptGlobs: readonly string[] = ['**/*.prompt', '**/*.prompty', '**/*.prompt.md', '**/prompts/**/*.md', '**/prompts/**/*.txt', '**/*.messages.json', '**/*.messages.jsonl'];

export const settingsSchema = [
	// Routing
	{ key: 'agentCost.tiers.cheap', type: 'string', scope: 'machine', default: 'gpt-4o-mini', description: 'Model used for simple steps (the cheap tier).' },
	{ key: 'agentCost.tiers.medium', type: 'string', scope: 'machine', default: 'gpt-4o', description: 'Model used for ordinary steps (the medium tier).' },
	{ key: 'agentCost.tiers.expensive', type: 'string', scope: 'machine', default: 'claude-opus-4-6', description: 'Model used for complex steps: design, synthesis, trade-offs (the expensive tier).' },
	{
		key: 'agentCost.routing.mode',
		type: 'string',
		default: 'tiered',
		enum: routingModes,
		description:
			"tiered: route each call to a tier by keywords of its task (the complexity classifier); fixed: every call uses agentCost.routing.model; asRequested: every call keeps the model it asks for (an agent's own choice through the gateway, a recorded call in a replay); escalate: each run starts on the cheap tier and moves up one tier on signs of trouble in the run (repeated tool errors, the same tool call repeated, a failed validation, many steps without a passing check, a long context) and back down after a streak of clean steps (agentCost.routing.escalation.*). A model you pick explicitly (a prompt file's `model:`) is always kept.",
	},
	{ key: 'agentCost.routing.model', type: 'string', scope: 'machine', default: '', description: "The model of the fixed routing mode (empty: the medium tier's)." },
	{
		key: 'agentCost.routing.fallbacks',
		type: 'string',
		scope: 'machine',
		default: 'cheaper',
		enum: fallbackModes,
		description:
			'When a model keeps failing (server errors, rate limits, unusable answers): cheaper: try the other tiers no dearer than it, nearest first; escalate: try the tiers above it (costlier); off: no fallback. A provider that cannot be reached at all (DNS, refused, offline) or a rejected key never walks the chain. Each fallback needs its own budget reservation.',
	},
	{
		key: 'agentCost.routing.maxRetries',
		type: 'integer',
		default: 2,
		minimum: 0,
		maximum: 10,
		description: 'Retries per model on rate limits (429), server errors (5xx) and timeouts, with exponential backoff and jitter, before falling back to the next tier.',
	},
	{ key: 'agentCost.routing.cooldownSeconds', type: 'integer', default: 60, minimum: 0, maximum: 3600, description: 'After a model keeps failing, skip it for this many seconds (circuit breaker).' },
	{
		key: 'agentCost.routing.escalation.toolErrors',
		type: 'integer',
		default: 2,
		minimum: 0,
		maximum: 100,
		description: 'Escalate routing: move up a tier after this many tool outputs in a row report an error (0 = ignore tool errors).',
	},
	{
		key: 'agentCost.routing.escalation.repeatedCalls',
		type: 'integer',
		default: 2,
		minimum: 0,
		maximum: 100,
		description: 'Escalate routing: move up a tier once the agent makes the same tool call (same tool, same arguments) this many times in a row (0 = ignore repeats).',
	},
	{
		key: 'agentCost.routing.escalation.stepsWithoutCheck',
		type: 'integer',
		default: 15,
		minimum: 0,
		maximum: 10000,
		description: 'Escalate routing: move up a tier after this many steps without a passing check (a test or build run that succeeded) since the run started or the last one (0 = off).',
	},
	{
		key: 'agentCost.routing.escalation.contextRatio',
		type: 'number',
		default: 0.5,
		minimum: 0,
		maximum: 1,
		description: "Escalate routing: a prompt above this share of the cheap model's context window runs at least one tier up (0 = off).",
	},
	{
		key: 'agentCost.routing.escalation.deescalateAfter',
		type: 'integer',
		default: 5,
		minimum: 0,
		maximum: 10000,
		description: 'Escalate routing: move back down a tier after this many steps in a row without a trouble signal (0 = never step down).',
	},
	// Compression
	{
		key: 'agentCost.compression.strategy',
		type: 'string',
		default: 'summarize',
		enum: compressionStrategies,
		description:
			'How older agent history is compressed: once a trigger fires, keep-recent truncation, sliding window (first + last messages) or a summary by the summary model; or observationMask: keep the last agentCost.compression.keepObservations tool outputs whole and replace older ones with a one-line placeholder (tool, size, content hash), every agentCost.compression.maskEverySteps steps.',
	},
	// N and K come from the sweep over the shared transcripts in bench/results/policies.md
	// (`npm run bench:policies`, which says when they no longer match its pick).
	{
		key: 'agentCost.compression.keepObservations',
		type: 'integer',
		default: 10,
		minimum: 1,
		maximum: 10000,
		description:
			'Observation masking: the most recent tool outputs (observations) kept whole; older ones become a one-line placeholder. The system prompt, the task, assistant messages and tool calls are never masked.',
	},
	{
		key: 'agentCost.compression.maskEverySteps',
		type: 'integer',
		default: 10,
		minimum: 1,
		maximum: 10000,
		description:
			"Observation masking: mask in batches every N steps, so the provider's cached prompt prefix is rewritten once per batch rather than at every step (1 = every step: fewest input tokens, most cache rewrites).",
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
		minimum: 0,
		param: 'tool_response_max_tokens',
		description:
			'Tool outputs longer than this are truncated structure-aware (JSON keeps first items + a count, logs keep head and tail); 0 keeps every tool output whole. Independent of the history strategy.',
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
		key: 'agentCost.lens.cost',
		type: 'string',
		default: 'input',
		enum: ['input', 'inputPer1000', 'withOutput'],
		description:
			"The dollar figure in the status bar. input: what the prompt itself costs (3 significant digits, so it moves as you edit); inputPer1000: the same for 1,000 calls; withOutput: the prompt plus the assumed output tokens (agentCost.defaults.maxOutputTokens or the file's max_tokens). The tooltip always shows all three.",
	},
	{
		key: 'agentCost.lens.attribution',
		type: 'boolean',
		default: true,
		description:
			'Show the tokens and input cost of each part of a prompt above it in the editor: each message of a chat JSON/JSONL file and its tool definitions, each role section of a .prompty file, each heading section of a Markdown prompt.',
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
	// The agent gateway (src/node/gateway): one per machine, shared by every window
	{
		key: 'agentCost.gateway.autoStart',
		type: 'boolean',
		default: false,
		description: 'Start the agent gateway (or attach to the one already running on this machine) when this workspace opens.',
	},
	{
		key: 'agentCost.gateway.mode',
		type: 'string',
		default: 'observe',
		enum: ['observe', 'enforce'],
		scope: 'machine',
		description:
			"observe: requests and responses pass byte for byte (the provider's prompt cache works as without the gateway); budgets still hold. enforce: the policies (routing within the request's protocol, response cache, compression, budget) decide each call; unknown paths are refused.",
	},
	{
		key: 'agentCost.gateway.port',
		type: 'integer',
		default: 0,
		minimum: 0,
		maximum: 65535,
		scope: 'machine',
		description: 'Port of the gateway on 127.0.0.1 (0: a free one, chosen when it starts; "Copy Agent Environment" names it). Set one if agents keep the address in their own configuration.',
	},
	{
		key: 'agentCost.gateway.injectKeys',
		type: 'boolean',
		default: false,
		scope: 'machine',
		description:
			'Hand the API keys stored with "Agent Cost: Set API Key…" to the gateway (in memory only), which sends them for agents that use the placeholder key agent-cost-gateway: no real key then lives in the agent\'s environment.',
	},
	{ key: 'agentCost.gateway.runIdleMinutes', type: 'integer', default: 10, minimum: 1, maximum: 1440, description: 'A gap without calls that ends a run, for agents that send no session id.' },
	// Agent sessions (the logs Claude Code, Codex CLI, Gemini CLI and pi write; read-only)
	{
		key: 'agentCost.sessions.enabled',
		type: 'boolean',
		default: true,
		description: "Find your coding agents' session logs and show what they cost: the Agent Sessions view and the running session in the status bar. The logs are only read, never changed.",
	},
	{
		key: 'agentCost.sessions.claudeDirs',
		type: 'array',
		items: { type: 'string' },
		default: [],
		description: 'More Claude Code folders to read sessions from (a config folder holding projects/, or a projects folder), besides $CLAUDE_CONFIG_DIR, ~/.config/claude and ~/.claude.',
	},
	{ key: 'agentCost.sessions.codexDirs', type: 'array', items: { type: 'string' }, default: [], description: 'More Codex CLI homes to read sessions from, besides $CODEX_HOME or ~/.codex.' },
	{ key: 'agentCost.sessions.geminiDirs', type: 'array', items: { type: 'string' }, default: [], description: 'More Gemini CLI folders (a .gemini folder or its tmp folder), besides ~/.gemini.' },
	{ key: 'agentCost.sessions.piDirs', type: 'array', items: { type: 'string' }, default: [], description: 'More pi session folders, besides $PI_CODING_AGENT_DIR/sessions or ~/.pi/agent/sessions.' },
	{
		key: 'agentCost.sessions.timeZone',
		type: 'string',
		default: '',
		description: 'IANA time zone that decides "today" and "this week" in the Agent Sessions view (empty: this machine\'s).',
	},
	{
		key: 'agentCost.sessions.archiveFolder',
		type: 'string',
		default: '',
		scope: 'machine',
		description: 'Where "Agent Cost: Archive Agent Sessions" keeps compressed copies of session logs (asked for on first use).',
	},
	{
		key: 'agentCost.sessions.retentionNoticeDays',
		type: 'integer',
		default: 7,
		minimum: 0,
		maximum: 365,
		description:
			"Warn when Claude Code's own cleanup (cleanupPeriodDays in its settings.json, 30 days by default) will delete session logs within this many days and they are not archived (0 = never warn).",
	},
] as const satisfies readonly SettingSpec[];

/**
 * Settings that exist only in replay scenarios (they describe the simulation, not a policy): the
 * same spec form as {@link settingsSchema}, keyed by their path in a scenario, never contributed to
 * `package.json`.
 */
const scenarioSchema = [
	{ key: 'name', type: 'string', default: 'Scenario', description: 'Shown in tables, charts and exports.' },
	{
		key: 'promptCache.mode',
		type: 'string',
		default: 'simulate',
		enum: ['simulate', 'off'],
		description: "simulate: model the provider's prompt (prefix) cache; off: price every input token as uncached.",
	},
	{
		key: 'promptCache.ttl',
		type: 'string',
		default: 'asRecorded',
		enum: ['5m', '1h', 'asRecorded'],
		description: 'TTL of cache writes; asRecorded uses 1 hour where the run wrote 1-hour entries.',
	},
	{
		key: 'promptCache.fromStep',
		type: 'integer',
		default: 0,
		minimum: 0,
		description:
			"0: steps reuse the recording's own usage while the scenario does what the recording did. N ≥ 1: simulate the provider's cache from step N on even where nothing differs — how the simulator is measured against the recorded cache reads and writes.",
	},
	{
		key: 'promptCache.systemBreakpoint',
		type: 'boolean',
		default: true,
		description: 'Anthropic: a cache breakpoint after the system prompt and tools, so history rewrites keep that prefix.',
	},
	{ key: 'assumedStepGapSeconds', type: 'number', default: 10, minimum: 0, description: 'Gap assumed between calls of a file without timestamps (cache TTLs depend on it).' },
] as const satisfies readonly SettingSpec[];

const policySpecs = new Map<string, SettingSpec>();
for (const spec of settingsSchema as readonly SettingSpec[]) {
	const path = spec.key.slice('agentCost.'.length);
	if ((policySettingGroups as readonly string[]).includes(path.split('.')[0]!)) policySpecs.set(path, spec);
}
for (const spec of scenarioSchema as readonly SettingSpec[]) policySpecs.set(spec.key, spec);

/**
 * The spec (type, default, bounds, choices) of a field of a replay scenario by its path
 * (`budget.runUsd`, `promptCache.mode`…): the policy fields' come from the `agentCost.*` settings.
 */
export function scenarioFieldSpec(path: string): SettingSpec | undefined {
	return policySpecs.get(path);
}

/** Every path of a scenario with its spec, policy fields first. */
export function scenarioFieldSpecs(): ReadonlyMap<string, SettingSpec> {
	return policySpecs;
}

export type SettingKey = (typeof settingsSchema)[number]['key'];

/**
 * The ONE settings type of the policies: routing, compression, response cache, budget and call
 * defaults. Live calls, the gateway and replay scenarios all decide with it (see
 * `src/core/policy/policyStep.ts`); its fields, defaults and bounds are the `agentCost.*` keys of
 * {@link settingsSchema} whose path starts with one of {@link policySettingGroups}.
 */
export interface PolicySettings {
	readonly tiers: { readonly cheap: string; readonly medium: string; readonly expensive: string };
	readonly routing: {
		readonly mode: RoutingMode;
		/** The fixed mode's model ('' = the medium tier's). */
		readonly model: string;
		readonly fallbacks: FallbackMode;
		readonly maxRetries: number;
		readonly cooldownSeconds: number;
		/** The `escalate` mode's signals (0 turns a signal off). */
		readonly escalation: {
			readonly toolErrors: number;
			readonly repeatedCalls: number;
			readonly stepsWithoutCheck: number;
			readonly contextRatio: number;
			readonly deescalateAfter: number;
		};
	};
	readonly compression: {
		readonly strategy: CompressionStrategy;
		readonly maxTokensBeforeCompression: number;
		readonly contextWindowTriggerRatio: number;
		readonly triggerSteps: number;
		readonly tokensToKeepRecent: number;
		readonly windowMessages: number;
		readonly summaryModel: string;
		readonly summaryMaxTokens: number;
		/** 0 = keep tool outputs whole. */
		readonly toolResponseMaxTokens: number;
		/** `observationMask`: tool outputs kept whole (the most recent). */
		readonly keepObservations: number;
		/** `observationMask`: steps between masking batches. */
		readonly maskEverySteps: number;
	};
	readonly cache: {
		readonly enabled: boolean;
		readonly ttlSeconds: number;
		readonly maxEntries: number;
		readonly semanticEnabled: boolean;
		readonly similarityThreshold: number;
		readonly semanticMaxEntries: number;
	};
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
}

/**
 * Everything the product reads from `agentCost.*`: the {@link PolicySettings} plus where things are
 * stored, priced, counted and sent. Built from the flat settings by `parseEngineConfig`.
 */
export interface EngineConfig extends PolicySettings {
	readonly embeddings: { readonly provider: EmbeddingProvider; readonly model: string; readonly batchSize: number };
	readonly store: { readonly redisUrl: string; readonly keyPrefix: string };
	readonly pricing: { readonly overrides: Readonly<Record<string, unknown>>; readonly overridesFile: string };
	readonly lens: { readonly promptGlobs: readonly string[]; readonly model: string; readonly cost: LensCostShown; readonly attribution: boolean };
	readonly tokens: { readonly exactClaudeCount: boolean };
	readonly providers: { readonly openai: { readonly baseUrl: string }; readonly anthropic: { readonly baseUrl: string } };
	readonly metrics: { readonly enabled: boolean; readonly port: number };
	readonly gateway: { readonly autoStart: boolean; readonly mode: 'observe' | 'enforce'; readonly port: number; readonly injectKeys: boolean; readonly runIdleMinutes: number };
	readonly recordings: { readonly mode: RecordingsMode };
	readonly sessions: {
		readonly enabled: boolean;
		readonly claudeDirs: readonly string[];
		readonly codexDirs: readonly string[];
		readonly geminiDirs: readonly string[];
		readonly piDirs: readonly string[];
		readonly timeZone: string;
		readonly archiveFolder: string;
		readonly retentionNoticeDays: number;
	};
}

/** The model a fixed routing mode uses. */
export function fixedModelOf(settings: Pick<PolicySettings, 'routing' | 'tiers'>): string {
	return settings.routing.model.trim() || settings.tiers.medium;
}

/** What live calls record: everything, numbers only, or nothing (`agentCost.recordings.mode`). */
export type RecordingsMode = 'full' | 'metadata' | 'off';

/** The default value of one key, straight from the schema. */
export function settingDefault(key: SettingKey): unknown {
	return settingsSchema.find(s => s.key === key)!.default;
}
