// The settings form as data: one entry per editable field of a ReplaySettings, with its path,
// label, bounds and choices. DOM-free (unit-tested in plain Node); settingsForm.ts renders it.
import { budgetPolicies, compressionStrategies } from '../../src/core/config/defaults';
import type { ReplaySettings } from '../../src/core/replay/replaySettings';

export type FieldKind = 'text' | 'number' | 'checkbox' | 'select';

export interface FieldSpec {
	/** DOM id of the control (`s-…`), stable for tests and labels. */
	readonly id: string;
	/** Path into ReplaySettings, e.g. ['compression', 'strategy']. */
	readonly path: readonly string[];
	readonly label: string;
	readonly kind: FieldKind;
	readonly group: FieldGroup;
	readonly integer?: boolean;
	readonly min?: number;
	readonly max?: number;
	readonly options?: readonly { readonly value: string; readonly label: string }[];
	/** One line shown under the field. */
	readonly hint?: string;
	/** Shown only when this holds (e.g. tier models only for tiered routing). */
	readonly when?: (s: ReplaySettings) => boolean;
}

export type FieldGroup = 'Scenario' | 'Routing' | 'Compression' | 'Response cache' | 'Prompt cache' | 'Budget';
export const fieldGroups: readonly FieldGroup[] = ['Scenario', 'Routing', 'Compression', 'Response cache', 'Prompt cache', 'Budget'];

const compressing = (s: ReplaySettings) => s.compression.strategy !== 'none';

export const settingsFields: readonly FieldSpec[] = [
	{ id: 's-name', path: ['name'], label: 'Name', kind: 'text', group: 'Scenario' },
	{
		id: 's-gap',
		path: ['assumedStepGapSeconds'],
		label: 'Gap between steps without timestamps (s)',
		kind: 'number',
		min: 0,
		group: 'Scenario',
		hint: 'Matters for cache TTLs when the file has no timestamps.',
	},
	{
		id: 's-routing-mode',
		path: ['routing', 'mode'],
		label: 'Routing',
		kind: 'select',
		group: 'Routing',
		options: [
			{ value: 'asRecorded', label: 'As recorded (each call keeps its model)' },
			{ value: 'fixed', label: 'One fixed model for every call' },
			{ value: 'tiered', label: 'Tiered: the router picks cheap / medium / expensive' },
		],
	},
	{ id: 's-routing-model', path: ['routing', 'model'], label: 'Model', kind: 'text', group: 'Routing', when: s => s.routing.mode === 'fixed' },
	{ id: 's-tier-cheap', path: ['routing', 'tiers', 'cheap'], label: 'Cheap tier model', kind: 'text', group: 'Routing', when: s => s.routing.mode === 'tiered' },
	{ id: 's-tier-medium', path: ['routing', 'tiers', 'medium'], label: 'Medium tier model', kind: 'text', group: 'Routing', when: s => s.routing.mode === 'tiered' },
	{ id: 's-tier-expensive', path: ['routing', 'tiers', 'expensive'], label: 'Expensive tier model', kind: 'text', group: 'Routing', when: s => s.routing.mode === 'tiered' },
	{
		id: 's-compression-strategy',
		path: ['compression', 'strategy'],
		label: 'Strategy',
		kind: 'select',
		group: 'Compression',
		options: compressionStrategies.map(v => ({ value: v, label: { none: 'None', truncate: 'Truncate (keep recent)', window: 'Sliding window', summarize: 'Summarize older history' }[v] })),
	},
	{
		id: 's-compression-max-tokens',
		path: ['compression', 'maxTokensBeforeCompression'],
		label: 'Compress above (tokens)',
		kind: 'number',
		integer: true,
		min: 1,
		group: 'Compression',
		when: compressing,
	},
	{
		id: 's-compression-ratio',
		path: ['compression', 'contextWindowTriggerRatio'],
		label: 'Or above this share of the context window',
		kind: 'number',
		min: 0.05,
		max: 1,
		group: 'Compression',
		when: compressing,
	},
	{ id: 's-compression-steps', path: ['compression', 'triggerSteps'], label: 'Or every N steps (0 = off)', kind: 'number', integer: true, min: 0, group: 'Compression', when: compressing },
	{
		id: 's-compression-keep',
		path: ['compression', 'tokensToKeepRecent'],
		label: 'Recent tokens kept verbatim',
		kind: 'number',
		integer: true,
		min: 0,
		group: 'Compression',
		when: s => s.compression.strategy === 'truncate' || s.compression.strategy === 'summarize',
	},
	{
		id: 's-compression-window',
		path: ['compression', 'windowMessages'],
		label: 'Window: messages kept at each end',
		kind: 'number',
		integer: true,
		min: 1,
		group: 'Compression',
		when: s => s.compression.strategy === 'window',
	},
	{ id: 's-compression-summary-model', path: ['compression', 'summaryModel'], label: 'Summary model', kind: 'text', group: 'Compression', when: s => s.compression.strategy === 'summarize' },
	{
		id: 's-compression-summary-max',
		path: ['compression', 'summaryMaxTokens'],
		label: 'Summary max tokens',
		kind: 'number',
		integer: true,
		min: 1,
		group: 'Compression',
		when: s => s.compression.strategy === 'summarize',
	},
	{ id: 's-compression-tool-max', path: ['compression', 'toolResponseMaxTokens'], label: 'Tool output max tokens (0 = keep whole)', kind: 'number', integer: true, min: 0, group: 'Compression' },
	{ id: 's-rc-enabled', path: ['responseCache', 'enabled'], label: 'Serve identical requests from the response cache', kind: 'checkbox', group: 'Response cache' },
	{ id: 's-rc-ttl', path: ['responseCache', 'ttlSeconds'], label: 'Response cache TTL (s)', kind: 'number', min: 0, group: 'Response cache', when: s => s.responseCache.enabled },
	{
		id: 's-pc-mode',
		path: ['promptCache', 'mode'],
		label: 'Provider prompt cache',
		kind: 'select',
		group: 'Prompt cache',
		options: [
			{ value: 'simulate', label: 'Simulate the provider’s prefix cache' },
			{ value: 'off', label: 'Off: price every input token uncached' },
		],
	},
	{
		id: 's-pc-ttl',
		path: ['promptCache', 'ttl'],
		label: 'Cache write TTL',
		kind: 'select',
		group: 'Prompt cache',
		options: [
			{ value: 'asRecorded', label: 'As recorded' },
			{ value: '5m', label: '5 minutes' },
			{ value: '1h', label: '1 hour' },
		],
		when: s => s.promptCache.mode === 'simulate',
	},
	{
		id: 's-pc-breakpoint',
		path: ['promptCache', 'systemBreakpoint'],
		label: 'Cache breakpoint after the system prompt and tools',
		kind: 'checkbox',
		group: 'Prompt cache',
		when: s => s.promptCache.mode === 'simulate',
	},
	{ id: 's-budget-enabled', path: ['budget', 'enabled'], label: 'Enforce a run budget', kind: 'checkbox', group: 'Budget' },
	{
		id: 's-budget-policy',
		path: ['budget', 'policy'],
		label: 'Policy',
		kind: 'select',
		group: 'Budget',
		options: budgetPolicies.map(v => ({ value: v, label: { hard: 'Hard: stop the run', soft: 'Soft: downgrade, then stop', warn: 'Warn only' }[v] })),
		when: s => s.budget.enabled,
	},
	{ id: 's-budget-run', path: ['budget', 'runUsd'], label: 'Run budget (USD, 0 = none)', kind: 'number', min: 0, group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-warn', path: ['budget', 'warnThreshold'], label: 'Warn at this share of the budget', kind: 'number', min: 0, max: 1, group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-steps', path: ['budget', 'maxSteps'], label: 'Max steps (0 = unlimited)', kind: 'number', integer: true, min: 0, group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-output', path: ['budget', 'maxOutputTokens'], label: 'Output tokens reserved per call', kind: 'number', integer: true, min: 1, group: 'Budget', when: s => s.budget.enabled },
];

/** The field's current value as the control shows it (numbers as text). */
export function readField(settings: ReplaySettings, field: FieldSpec): string | boolean {
	let node: unknown = settings;
	for (const part of field.path) node = (node as Record<string, unknown>)[part];
	if (field.kind === 'checkbox') return node === true;
	return node === undefined || node === null ? '' : String(node);
}

export type FieldWrite = { readonly ok: true; readonly settings: ReplaySettings } | { readonly ok: false; readonly error: string };

/** A copy of `settings` with the field set to what the user entered, or why the input is not usable. */
export function writeField(settings: ReplaySettings, field: FieldSpec, input: string | boolean): FieldWrite {
	let value: unknown;
	switch (field.kind) {
		case 'checkbox':
			value = input === true;
			break;
		case 'select':
			if (!field.options?.some(o => o.value === input)) return { ok: false, error: `${field.label}: choose one of the options` };
			value = input;
			break;
		case 'text': {
			const text = String(input).trim();
			if (text === '') return { ok: false, error: `${field.label}: required` };
			value = text;
			break;
		}
		case 'number': {
			const text = String(input).trim();
			const n = text === '' ? Number.NaN : Number(text);
			if (!Number.isFinite(n)) return { ok: false, error: `${field.label}: enter a number` };
			if (field.integer && !Number.isInteger(n)) return { ok: false, error: `${field.label}: enter a whole number` };
			if (field.min !== undefined && n < field.min) return { ok: false, error: `${field.label}: at least ${field.min}` };
			if (field.max !== undefined && n > field.max) return { ok: false, error: `${field.label}: at most ${field.max}` };
			value = n;
			break;
		}
	}
	const copy = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
	let node = copy;
	for (const part of field.path.slice(0, -1)) node = node[part] as Record<string, unknown>;
	node[field.path[field.path.length - 1]] = value;
	return { ok: true, settings: copy as unknown as ReplaySettings };
}

/** The fields shown for these settings, in form order. */
export function visibleFields(settings: ReplaySettings): readonly FieldSpec[] {
	return settingsFields.filter(f => !f.when || f.when(settings));
}
