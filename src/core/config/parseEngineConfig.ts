import type { EngineConfig, SettingSpec } from './defaults';
import { settingsSchema } from './defaults';
import { cloneDefault, isRecord, semanticCheck, setPath, show, validate } from './settingValues';

/** One setting that could not be used as given. `error`: the default was used instead. */
export interface ConfigProblem {
	readonly key: string;
	readonly severity: 'error' | 'warning';
	readonly message: string;
}

export interface ParsedEngineConfig {
	readonly config: EngineConfig;
	readonly problems: readonly ConfigProblem[];
}

const prefix = 'agentCost.';
/** The setting `agentCost.routing.mode` replaced. */
const legacyRoutingKey = 'agentCost.routing.enabled';

/** Finds a key given flat (`"agentCost.budget.runUsd"`), nested (`{agentCost:{budget:{runUsd}}}`) or section-relative (`{budget:{runUsd}}`, what `getConfiguration('agentCost')` returns). */
function lookup(raw: Record<string, unknown>, key: string): { found: boolean; value?: unknown } {
	const rel = key.slice(prefix.length);
	if (key in raw) return { found: true, value: raw[key] };
	if (rel in raw) return { found: true, value: raw[rel] };
	for (const [root, path] of [
		[raw.agentCost, rel.split('.')],
		[raw, rel.split('.')],
	] as const) {
		let node: unknown = root;
		let ok = true;
		for (const part of path) {
			if (isRecord(node) && part in node) node = node[part];
			else {
				ok = false;
				break;
			}
		}
		if (ok && node !== root) return { found: true, value: node };
	}
	return { found: false };
}

/**
 * Turns whatever settings source (VS Code configuration, a replay settings file, CLI JSON) into a
 * complete, valid {@link EngineConfig}. TOTAL: never throws; each unusable value falls back to its
 * default and yields a problem naming the key. Missing keys silently take their defaults.
 */
export function parseEngineConfig(raw: unknown): ParsedEngineConfig {
	const problems: ConfigProblem[] = [];
	const source = isRecord(raw) ? raw : {};
	if (raw !== undefined && raw !== null && !isRecord(raw)) {
		problems.push({ key: 'agentCost', severity: 'error', message: `expected an object of settings, got ${show(raw)}; using every default` });
	}
	const out: Record<string, unknown> = {};
	for (const spec of settingsSchema as readonly SettingSpec[]) {
		const { found, value } = lookup(source, spec.key);
		let use: unknown = cloneDefault(spec.default);
		if (found && value !== undefined && value !== null) {
			const err = validate(spec, value);
			const extra = err ? undefined : semanticCheck(spec.key, value);
			if (err) problems.push({ key: spec.key, severity: 'error', message: `${err}; using the default ${show(spec.default)}` });
			else if (extra?.severity === 'error') problems.push({ key: spec.key, severity: 'error', message: `${extra.message}; using the default ${show(spec.default)}` });
			else {
				if (extra) problems.push({ key: spec.key, severity: 'warning', message: extra.message });
				use = cloneDefault(value);
			}
		}
		setPath(out, spec.key.slice(prefix.length).split('.'), use);
	}
	// `agentCost.routing.enabled: false` (before routing modes) meant "every call on the medium tier".
	const legacy = lookup(source, legacyRoutingKey);
	if (legacy.found && legacy.value !== undefined) {
		const modeSet = lookup(source, 'agentCost.routing.mode').found;
		if (legacy.value === false && !modeSet) setPath(out, ['routing', 'mode'], 'fixed');
		problems.push({
			key: legacyRoutingKey,
			severity: 'warning',
			message: `replaced by agentCost.routing.mode${legacy.value === false && !modeSet ? ' (read as "fixed": every call on agentCost.routing.model, the medium tier by default)' : ''}; remove it`,
		});
	}
	// Flat keys we do not know are most likely typos of keys we do.
	const known = new Set([...settingsSchema.map(s => s.key as string), legacyRoutingKey]);
	for (const k of Object.keys(source)) {
		if (k.startsWith(prefix) && !known.has(k)) problems.push({ key: k, severity: 'warning', message: 'unknown setting, ignored' });
	}
	const config = out as unknown as EngineConfig;
	if (config.budget.runUsd > 0 && config.budget.dailyUsd > 0 && config.budget.runUsd > config.budget.dailyUsd) {
		problems.push({
			key: 'agentCost.budget.runUsd',
			severity: 'warning',
			message: `the run budget ($${config.budget.runUsd}) exceeds the daily budget ($${config.budget.dailyUsd}); the daily budget will stop runs first`,
		});
	}
	return { config, problems };
}

/** The all-defaults configuration. */
export function defaultEngineConfig(): EngineConfig {
	return parseEngineConfig({}).config;
}
