import type { EngineConfig, SettingSpec } from './defaults';
import { settingsSchema } from './defaults';

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

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

function show(v: unknown): string {
	try {
		const s = JSON.stringify(v);
		return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '…' : s;
	} catch {
		return String(v);
	}
}

/** Returns an error message, or undefined when the value fits the spec. */
function validate(spec: SettingSpec, v: unknown): string | undefined {
	switch (spec.type) {
		case 'boolean':
			if (typeof v !== 'boolean') return `expected true or false, got ${show(v)}`;
			return undefined;
		case 'number':
		case 'integer': {
			if (typeof v !== 'number' || !Number.isFinite(v)) return `expected a number, got ${show(v)}`;
			if (spec.type === 'integer' && !Number.isInteger(v)) return `expected a whole number, got ${v}`;
			if (spec.minimum !== undefined && v < spec.minimum) return `must be ≥ ${spec.minimum}, got ${v}`;
			if (spec.maximum !== undefined && v > spec.maximum) return `must be ≤ ${spec.maximum}, got ${v}`;
			return undefined;
		}
		case 'string':
			if (typeof v !== 'string') return `expected a string, got ${show(v)}`;
			if (spec.enum && !spec.enum.includes(v)) return `must be one of ${spec.enum.join(', ')}; got ${show(v)}`;
			return undefined;
		case 'object':
			if (!isRecord(v)) return `expected an object, got ${show(v)}`;
			return undefined;
		case 'array':
			if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) return `expected a list of strings, got ${show(v)}`;
			return undefined;
	}
}

/** Extra checks that the JSON-schema shape cannot express. */
function semanticCheck(key: string, v: unknown): { severity: 'error' | 'warning'; message: string } | undefined {
	if (key.startsWith('agentCost.tiers.') || key === 'agentCost.compression.summaryModel' || key === 'agentCost.lens.model') {
		if (typeof v === 'string' && v.trim() === '') return { severity: 'error', message: 'a model id is required' };
	}
	if ((key === 'agentCost.budget.timeZone' || (key === 'agentCost.sessions.timeZone' && v !== '')) && typeof v === 'string') {
		try {
			new Intl.DateTimeFormat('en-US', { timeZone: v });
		} catch {
			return { severity: 'error', message: `unknown IANA time zone ${show(v)} (examples: UTC, Europe/Berlin, America/New_York)` };
		}
	}
	if (key === 'agentCost.store.redisUrl' && typeof v === 'string' && v !== '') {
		const m = /^(rediss?):\/\/([^/?#]*)/.exec(v);
		if (!m) return { severity: 'error', message: `expected redis://host:port[/db] or rediss://…, got a value of another form` };
		// Never echo the URL: it may hold a password.
		if (/:[^@]*@/.test(m[2])) return { severity: 'warning', message: 'the URL contains a password; settings are not secret — store the password in the secret store instead' };
	}
	return undefined;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
	let node = target;
	for (const part of path.slice(0, -1)) {
		if (!isRecord(node[part])) node[part] = {};
		node = node[part] as Record<string, unknown>;
	}
	node[path[path.length - 1]] = value;
}

function cloneDefault(v: unknown): unknown {
	if (Array.isArray(v)) return [...v];
	if (isRecord(v)) return { ...v };
	return v;
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
	// Flat keys we do not know are most likely typos of keys we do.
	const known = new Set(settingsSchema.map(s => s.key as string));
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
