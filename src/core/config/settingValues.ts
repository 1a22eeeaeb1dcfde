import type { SettingSpec } from './defaults';

/**
 * Checking one setting value against its spec — shared by every reader of settings (VS Code
 * configuration, CLI JSON, replay scenarios), so one value is valid or invalid everywhere alike.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function show(v: unknown): string {
	try {
		const s = JSON.stringify(v);
		return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '…' : s;
	} catch {
		return String(v);
	}
}

/** Returns an error message, or undefined when the value fits the spec. */
export function validate(spec: SettingSpec, v: unknown): string | undefined {
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
export function semanticCheck(key: string, v: unknown): { severity: 'error' | 'warning'; message: string } | undefined {
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
		if (/:[^@]*@/.test(m[2]!)) return { severity: 'warning', message: 'the URL contains a password; settings are not secret — store the password in the secret store instead' };
	}
	return undefined;
}

export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
	let node = target;
	for (const part of path.slice(0, -1)) {
		if (!isRecord(node[part])) node[part] = {};
		node = node[part] as Record<string, unknown>;
	}
	const last = path[path.length - 1];
	// Every caller splits a dotted key, which gives at least one part; an empty path names nothing.
	if (last === undefined) throw new RangeError('setPath: empty path');
	node[last] = value;
}

export function cloneDefault(v: unknown): unknown {
	if (Array.isArray(v)) return [...v];
	if (isRecord(v)) return { ...v };
	return v;
}
