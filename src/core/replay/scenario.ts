import type { PolicySettings, SettingSpec } from '../config/defaults';
import { policySettingGroups, scenarioFieldSpecs } from '../config/defaults';
import { cloneDefault, isRecord, semanticCheck, setPath, show, validate } from '../config/settingValues';
import type { CacheTtl } from './promptCacheRules';

/**
 * One "what if" for a recorded run: the {@link PolicySettings} live calls use (the same type, so a
 * scenario is decided by exactly the code live calls run) plus what only a simulation needs — a
 * name, how the provider's prompt cache is modelled, and the gap between untimed calls. Plain JSON:
 * the webview form edits it, `agent-cost replay --settings` reads it.
 */
export interface ReplayScenario extends PolicySettings {
	/** Shown in tables, charts and exports. */
	readonly name: string;
	/** The provider's prompt (prefix) cache. */
	readonly promptCache: {
		/** `simulate`: model the provider's cache; `off`: price every input token as uncached. */
		readonly mode: 'simulate' | 'off';
		/** TTL of cache writes; `asRecorded` uses 1 hour where the run wrote 1-hour entries. */
		readonly ttl: CacheTtl | 'asRecorded';
		/** Anthropic: a breakpoint after the system prompt and tools, so history rewrites keep that prefix. */
		readonly systemBreakpoint: boolean;
		/** 0: reuse recorded usage while nothing differs; N ≥ 1: simulate every step from step N (to measure the simulator). */
		readonly fromStep: number;
	};
	/** Gap assumed between calls whose file has no timestamps. */
	readonly assumedStepGapSeconds: number;
}

/** "As recorded": the run's own models, no policies, provider caching as it happened. */
export function asRecordedScenario(settings: PolicySettings): ReplayScenario {
	return {
		...policyPart(settings),
		name: 'As recorded',
		routing: { ...settings.routing, mode: 'asRequested' },
		compression: { ...settings.compression, strategy: 'none', triggerSteps: 0, toolResponseMaxTokens: 0 },
		cache: { ...settings.cache, enabled: false, semanticEnabled: false },
		budget: { ...settings.budget, enabled: false, maxSteps: 0 },
		promptCache: { mode: 'simulate', ttl: 'asRecorded', systemBreakpoint: true, fromStep: 0 },
		assumedStepGapSeconds: 10,
	};
}

/** The user's own policy settings (the product defaults unless they changed them) applied to a recorded run. */
export function productDefaultScenario(settings: PolicySettings): ReplayScenario {
	return { ...asRecordedScenario(settings), ...policyPart(settings), name: 'Product defaults' };
}

/** Just the policy fields of a settings object (an `EngineConfig` carries more). */
function policyPart(settings: PolicySettings): PolicySettings {
	const out: Record<string, unknown> = {};
	for (const g of policySettingGroups) out[g] = cloneDefault(settings[g]);
	return out as unknown as PolicySettings;
}

/** Settings that the sweep can vary, with the path into {@link ReplayScenario}. */
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

/** A copy of `scenario` with one numeric parameter set (and a name that says so). */
export function withParameter(scenario: ReplayScenario, parameter: SweepParameter, value: number): ReplayScenario {
	const copy = JSON.parse(JSON.stringify(scenario)) as Record<string, unknown>;
	setPath(copy, parameter.split('.'), value);
	return { ...(copy as unknown as ReplayScenario), name: `${sweepParameters[parameter].label} = ${value}` };
}

export interface ParsedScenario {
	readonly scenario: ReplayScenario;
	/** Each value that was missing or invalid and replaced by the base's, naming its path. */
	readonly problems: readonly string[];
}

/**
 * Field names of earlier versions of the scenario JSON, still read (the README lists them):
 * `responseCache` is now `cache`, `routing.tiers` is `tiers`, `budget.maxOutputTokens` is
 * `defaults.maxOutputTokens`, `compression.contextWindowMax` is `contextWindowMax`, and the routing
 * mode `asRecorded` is `asRequested`.
 */
const renamedPaths: readonly (readonly [old: string, now: string])[] = [
	['responseCache.enabled', 'cache.enabled'],
	['responseCache.ttlSeconds', 'cache.ttlSeconds'],
	['routing.tiers.cheap', 'tiers.cheap'],
	['routing.tiers.medium', 'tiers.medium'],
	['routing.tiers.expensive', 'tiers.expensive'],
	['budget.maxOutputTokens', 'defaults.maxOutputTokens'],
	['compression.contextWindowMax', 'contextWindowMax'],
];
const renamedValues: Readonly<Record<string, Readonly<Record<string, string>>>> = { 'routing.mode': { asRecorded: 'asRequested' } };

function at(root: Record<string, unknown>, path: string): { found: boolean; value?: unknown } {
	let node: unknown = root;
	for (const part of path.split('.')) {
		if (!isRecord(node) || !(part in node)) return { found: false };
		node = node[part];
	}
	return { found: true, value: node };
}

/** Every path of a JSON value's leaves (objects only; arrays and scalars are leaves). */
function leafPaths(v: Record<string, unknown>, prefix = ''): string[] {
	return Object.entries(v).flatMap(([k, x]) => (isRecord(x) && Object.keys(x).length > 0 ? leafPaths(x, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/**
 * Reads a scenario from untrusted JSON (a CLI file, a webview form) on top of `base`: TOTAL — every
 * missing value is the base's, every bad value is the base's and reported with its path and the
 * bounds it broke (the bounds of the `agentCost.*` setting it mirrors), so a typo cannot silently
 * mean $0 or "no limit" without the user being told.
 */
export function parseScenario(raw: unknown, base: ReplayScenario): ParsedScenario {
	const problems: string[] = [];
	const root: Record<string, unknown> = isRecord(raw) ? raw : (problems.push('settings: expected a JSON object; using the base settings'), {});
	const out = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
	const specs = scenarioFieldSpecs();
	const read = (path: string, spec: SettingSpec, value: unknown, shownAs = path) => {
		const renamed = typeof value === 'string' ? renamedValues[path]?.[value] : undefined;
		const v = renamed ?? value;
		const err = validate(spec, v) ?? (typeof v === 'string' && spec.type === 'string' && v.trim() === '' && path !== 'routing.model' ? 'expected a non-empty string' : undefined);
		const extra = err ? undefined : semanticCheck(spec.key.startsWith('agentCost.') ? spec.key : `agentCost.${path}`, v);
		if (err || extra?.severity === 'error') {
			problems.push(`${shownAs}: ${err ?? extra!.message}; using ${show(at(base as unknown as Record<string, unknown>, path).value)}`);
			return;
		}
		setPath(out, path.split('.'), typeof v === 'string' ? v.trim() : cloneDefault(v));
	};
	const consumed = new Set<string>();
	for (const [old, now] of renamedPaths) {
		const o = at(root, old);
		if (!o.found) continue;
		consumed.add(old);
		if (at(root, now).found) continue; // the new name wins
		read(now, specs.get(now)!, o.value, old);
	}
	for (const [path, spec] of specs) {
		const found = at(root, path);
		if (!found.found) continue;
		consumed.add(path);
		if (found.value === undefined || found.value === null) continue;
		read(path, spec, found.value);
	}
	for (const path of leafPaths(root)) {
		if (consumed.has(path) || path === 'extends') continue;
		const group = path.split('.')[0]!;
		const inGroup = path.includes('.') && [...specs.keys()].some(p => p.startsWith(`${group}.`));
		if (!inGroup && !specs.has(group)) problems.push(`settings: unknown key ${JSON.stringify(group)} ignored`);
		else problems.push(`${path}: unknown setting, ignored`);
	}
	return { scenario: out as unknown as ReplayScenario, problems: [...new Set(problems)] };
}

/**
 * The model ids a scenario would call that the price catalog cannot name — each with the closest
 * known ids (`unknown(id)` gives that message, or undefined for a known id). A typo'd model must
 * stop the replay with that message, never price its steps at nothing and show a "−100 %" saving.
 * Only the models the scenario can actually use are checked.
 */
export function scenarioModelProblems(s: ReplayScenario, unknown: (id: string) => string | undefined): string[] {
	const fields: [string, string][] = [];
	if (s.routing.mode === 'fixed' && s.routing.model.trim() !== '') fields.push(['routing.model', s.routing.model]);
	if (s.routing.mode === 'tiered' || s.routing.mode === 'escalate' || s.routing.mode === 'fixed' || (s.budget.enabled && s.budget.policy === 'soft')) {
		fields.push(['tiers.cheap', s.tiers.cheap], ['tiers.medium', s.tiers.medium], ['tiers.expensive', s.tiers.expensive]);
	}
	if (s.compression.strategy === 'summarize') fields.push(['compression.summaryModel', s.compression.summaryModel]);
	const problems: string[] = [];
	for (const [path, id] of fields) {
		const why = unknown(id.trim());
		if (why !== undefined) problems.push(`${s.name}: ${path}: ${why}`);
	}
	return problems;
}
