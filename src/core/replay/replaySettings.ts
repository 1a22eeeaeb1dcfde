import type { BudgetPolicy, CompressionStrategy, EngineConfig } from '../config/defaults';
import { budgetPolicies, compressionStrategies } from '../config/defaults';
import type { CacheTtl } from './promptCacheRules';

/**
 * One "what if" for a recorded run: which models, which compression, which caches, which budget.
 * Plain JSON (the webview form edits it, `agent-cost replay --settings` reads it).
 */
export interface ReplaySettings {
	/** Shown in tables, charts and exports. */
	readonly name: string;
	readonly routing: {
		/**
		 * - `asRecorded`: every call keeps the model it used;
		 * - `fixed`: every call uses `model`;
		 * - `tiered`: the complexity router picks cheap / medium / expensive per step.
		 */
		readonly mode: 'asRecorded' | 'fixed' | 'tiered';
		readonly model: string;
		readonly tiers: EngineConfig['tiers'];
	};
	readonly compression: {
		readonly strategy: CompressionStrategy;
		readonly maxTokensBeforeCompression: number;
		/** Fraction of the context window (capped by `contextWindowMax`) that triggers compression. */
		readonly contextWindowTriggerRatio: number;
		readonly contextWindowMax: number;
		/** Compress every N steps of a thread (0 = off). */
		readonly triggerSteps: number;
		readonly tokensToKeepRecent: number;
		readonly windowMessages: number;
		readonly summaryModel: string;
		readonly summaryMaxTokens: number;
		/** Truncate each tool result to this many tokens (0 = keep tool output whole). */
		readonly toolResponseMaxTokens: number;
	};
	/** The product's own response cache (identical request → no provider call). */
	readonly responseCache: {
		readonly enabled: boolean;
		readonly ttlSeconds: number;
	};
	/** The provider's prompt (prefix) cache. */
	readonly promptCache: {
		/** `simulate`: model the provider's cache; `off`: price every input token as uncached. */
		readonly mode: 'simulate' | 'off';
		/** TTL of cache writes; `asRecorded` uses 1 hour where the run wrote 1-hour entries. */
		readonly ttl: CacheTtl | 'asRecorded';
		/** Anthropic: a breakpoint after the system prompt and tools, so history rewrites keep that prefix. */
		readonly systemBreakpoint: boolean;
	};
	readonly budget: {
		readonly enabled: boolean;
		readonly policy: BudgetPolicy;
		/** USD per run (0 = no limit). */
		readonly runUsd: number;
		readonly warnThreshold: number;
		/** Stop after this many steps (0 = no limit). */
		readonly maxSteps: number;
		/** Worst-case output reserved per call, as the live budget does. */
		readonly maxOutputTokens: number;
	};
	/** Gap assumed between calls whose file has no timestamps. */
	readonly assumedStepGapSeconds: number;
}

/** "As recorded": the run's own models, no policies, provider caching as it happened. */
export function asRecordedSettings(config: EngineConfig): ReplaySettings {
	return {
		name: 'As recorded',
		routing: { mode: 'asRecorded', model: config.tiers.medium, tiers: config.tiers },
		compression: {
			strategy: 'none',
			maxTokensBeforeCompression: config.compression.maxTokensBeforeCompression,
			contextWindowTriggerRatio: config.compression.contextWindowTriggerRatio,
			contextWindowMax: config.contextWindowMax,
			triggerSteps: 0,
			tokensToKeepRecent: config.compression.tokensToKeepRecent,
			windowMessages: config.compression.windowMessages,
			summaryModel: config.compression.summaryModel,
			summaryMaxTokens: config.compression.summaryMaxTokens,
			toolResponseMaxTokens: 0,
		},
		responseCache: { enabled: false, ttlSeconds: config.cache.ttlSeconds },
		promptCache: { mode: 'simulate', ttl: 'asRecorded', systemBreakpoint: true },
		budget: {
			enabled: false,
			policy: config.budget.policy,
			runUsd: config.budget.runUsd,
			warnThreshold: config.budget.warnThreshold,
			maxSteps: 0,
			maxOutputTokens: config.defaults.maxOutputTokens,
		},
		assumedStepGapSeconds: 10,
	};
}

/**
 * The product's defaults (the parameter table) applied to a recorded run: tiered routing, the
 * configured compression, response cache, run budget and recursion limit.
 */
export function productDefaultSettings(config: EngineConfig): ReplaySettings {
	const base = asRecordedSettings(config);
	return {
		...base,
		name: 'Product defaults',
		routing: { mode: 'tiered', model: config.tiers.medium, tiers: config.tiers },
		compression: {
			...base.compression,
			strategy: config.compression.strategy,
			triggerSteps: config.compression.triggerSteps,
			toolResponseMaxTokens: config.compression.toolResponseMaxTokens,
		},
		responseCache: { enabled: config.cache.enabled, ttlSeconds: config.cache.ttlSeconds },
		budget: {
			enabled: config.budget.enabled,
			policy: config.budget.policy,
			runUsd: config.budget.runUsd,
			warnThreshold: config.budget.warnThreshold,
			maxSteps: config.budget.maxSteps,
			maxOutputTokens: config.defaults.maxOutputTokens,
		},
	};
}

/** Settings that the sweep can vary, with the path into {@link ReplaySettings}. */
export const sweepParameters = {
	'compression.maxTokensBeforeCompression': { label: 'Compression trigger (tokens)', integer: true },
	'compression.tokensToKeepRecent': { label: 'Tokens kept recent', integer: true },
	'compression.triggerSteps': { label: 'Compress every N steps', integer: true },
	'compression.toolResponseMaxTokens': { label: 'Tool output max tokens', integer: true },
	'compression.summaryMaxTokens': { label: 'Summary max tokens', integer: true },
	'budget.runUsd': { label: 'Run budget (USD)', integer: false },
	'budget.maxSteps': { label: 'Max steps', integer: true },
	assumedStepGapSeconds: { label: 'Gap between steps (s)', integer: false },
} as const;

export type SweepParameter = keyof typeof sweepParameters;

/** A copy of `settings` with one numeric parameter set (and a name that says so). */
export function withParameter(settings: ReplaySettings, parameter: SweepParameter, value: number): ReplaySettings {
	const path = parameter.split('.');
	const copy = structuredCloneJson(settings) as unknown as Record<string, Record<string, unknown>>;
	if (path.length === 1) (copy as Record<string, unknown>)[path[0]] = value;
	else copy[path[0]][path[1]] = value;
	return { ...(copy as unknown as ReplaySettings), name: `${sweepParameters[parameter].label} = ${value}` };
}

function structuredCloneJson<T>(v: T): T {
	return JSON.parse(JSON.stringify(v)) as T;
}

export interface ParsedReplaySettings {
	readonly settings: ReplaySettings;
	/** Each value that was missing or invalid and replaced by the base's, naming its path. */
	readonly problems: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads settings from untrusted JSON (a CLI file, a webview form): TOTAL — every missing or bad
 * value falls back to `base` and is reported, never thrown, so a typo cannot silently mean $0 or
 * "no limit" without the user being told.
 */
export function parseReplaySettings(raw: unknown, base: ReplaySettings): ParsedReplaySettings {
	const problems: string[] = [];
	const root: Obj = isObj(raw) ? raw : (problems.push('settings: expected a JSON object; using the base settings'), {});
	const group = (key: string): Obj => {
		const v = root[key];
		if (v === undefined) return {};
		if (isObj(v)) return v;
		problems.push(`${key}: expected an object`);
		return {};
	};
	const num = (g: Obj, gname: string, key: string, fallback: number, o: { min?: number; max?: number; integer?: boolean } = {}): number => {
		const v = g[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'number' || !Number.isFinite(v) || (o.integer && !Number.isInteger(v)) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
			problems.push(
				`${gname}.${key}: ${JSON.stringify(v)} is not ${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}; using ${fallback}`,
			);
			return fallback;
		}
		return v;
	};
	const str = (g: Obj, gname: string, key: string, fallback: string): string => {
		const v = g[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'string' || v.trim() === '') {
			problems.push(`${gname}.${key}: expected a non-empty string; using ${JSON.stringify(fallback)}`);
			return fallback;
		}
		return v.trim();
	};
	const bool = (g: Obj, gname: string, key: string, fallback: boolean): boolean => {
		const v = g[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'boolean') {
			problems.push(`${gname}.${key}: expected true or false; using ${fallback}`);
			return fallback;
		}
		return v;
	};
	const oneOf = <T extends string>(g: Obj, gname: string, key: string, allowed: readonly T[], fallback: T): T => {
		const v = g[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'string' || !allowed.includes(v as T)) {
			problems.push(`${gname}.${key}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}; using ${fallback}`);
			return fallback;
		}
		return v as T;
	};

	const r = group('routing');
	const tiersRaw = isObj(r.tiers) ? r.tiers : {};
	if (r.tiers !== undefined && !isObj(r.tiers)) problems.push('routing.tiers: expected an object');
	const c = group('compression');
	const rc = group('responseCache');
	const pc = group('promptCache');
	const b = group('budget');
	const settings: ReplaySettings = {
		name: str(root, 'settings', 'name', base.name),
		routing: {
			mode: oneOf(r, 'routing', 'mode', ['asRecorded', 'fixed', 'tiered'] as const, base.routing.mode),
			model: str(r, 'routing', 'model', base.routing.model),
			tiers: {
				cheap: str(tiersRaw, 'routing.tiers', 'cheap', base.routing.tiers.cheap),
				medium: str(tiersRaw, 'routing.tiers', 'medium', base.routing.tiers.medium),
				expensive: str(tiersRaw, 'routing.tiers', 'expensive', base.routing.tiers.expensive),
			},
		},
		compression: {
			strategy: oneOf(c, 'compression', 'strategy', compressionStrategies, base.compression.strategy),
			maxTokensBeforeCompression: num(c, 'compression', 'maxTokensBeforeCompression', base.compression.maxTokensBeforeCompression, { min: 1, integer: true }),
			contextWindowTriggerRatio: num(c, 'compression', 'contextWindowTriggerRatio', base.compression.contextWindowTriggerRatio, { min: 0.05, max: 1 }),
			contextWindowMax: num(c, 'compression', 'contextWindowMax', base.compression.contextWindowMax, { min: 1, integer: true }),
			triggerSteps: num(c, 'compression', 'triggerSteps', base.compression.triggerSteps, { min: 0, integer: true }),
			tokensToKeepRecent: num(c, 'compression', 'tokensToKeepRecent', base.compression.tokensToKeepRecent, { min: 0, integer: true }),
			windowMessages: num(c, 'compression', 'windowMessages', base.compression.windowMessages, { min: 1, integer: true }),
			summaryModel: str(c, 'compression', 'summaryModel', base.compression.summaryModel),
			summaryMaxTokens: num(c, 'compression', 'summaryMaxTokens', base.compression.summaryMaxTokens, { min: 1, integer: true }),
			toolResponseMaxTokens: num(c, 'compression', 'toolResponseMaxTokens', base.compression.toolResponseMaxTokens, { min: 0, integer: true }),
		},
		responseCache: {
			enabled: bool(rc, 'responseCache', 'enabled', base.responseCache.enabled),
			ttlSeconds: num(rc, 'responseCache', 'ttlSeconds', base.responseCache.ttlSeconds, { min: 0 }),
		},
		promptCache: {
			mode: oneOf(pc, 'promptCache', 'mode', ['simulate', 'off'] as const, base.promptCache.mode),
			ttl: oneOf(pc, 'promptCache', 'ttl', ['5m', '1h', 'asRecorded'] as const, base.promptCache.ttl),
			systemBreakpoint: bool(pc, 'promptCache', 'systemBreakpoint', base.promptCache.systemBreakpoint),
		},
		budget: {
			enabled: bool(b, 'budget', 'enabled', base.budget.enabled),
			policy: oneOf(b, 'budget', 'policy', budgetPolicies, base.budget.policy),
			runUsd: num(b, 'budget', 'runUsd', base.budget.runUsd, { min: 0 }),
			warnThreshold: num(b, 'budget', 'warnThreshold', base.budget.warnThreshold, { min: 0, max: 1 }),
			maxSteps: num(b, 'budget', 'maxSteps', base.budget.maxSteps, { min: 0, integer: true }),
			maxOutputTokens: num(b, 'budget', 'maxOutputTokens', base.budget.maxOutputTokens, { min: 1, integer: true }),
		},
		assumedStepGapSeconds: num(root, 'settings', 'assumedStepGapSeconds', base.assumedStepGapSeconds, { min: 0 }),
	};
	const known = new Set(['name', 'routing', 'compression', 'responseCache', 'promptCache', 'budget', 'assumedStepGapSeconds']);
	for (const k of Object.keys(root)) if (!known.has(k)) problems.push(`settings: unknown key ${JSON.stringify(k)} ignored`);
	return { settings, problems };
}
