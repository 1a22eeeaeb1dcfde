// The settings form as data: one entry per editable field of a ReplayScenario, with its path,
// label and hint. Labels are the webview's; types, bounds and choices come from the ONE settings
// schema (`scenarioFieldSpec`), so the form accepts exactly what the host's parser accepts.
// DOM-free (unit-tested in plain Node); settingsForm.ts renders it.
import { scenarioFieldSpec } from '../../src/core/config/defaults';
import type { ReplayScenario } from '../../src/core/replay/scenario';

type FieldKind = 'text' | 'number' | 'checkbox' | 'select';

export interface FieldSpec {
	/** DOM id of the control (`s-…`), stable for tests and labels. */
	readonly id: string;
	/** Path into ReplayScenario, e.g. ['compression', 'strategy']. */
	readonly path: readonly string[];
	readonly label: string;
	readonly kind: FieldKind;
	readonly group: FieldGroup;
	readonly integer?: boolean;
	readonly min?: number;
	readonly max?: number;
	readonly options?: readonly { readonly value: string; readonly label: string }[];
	/** Empty text is allowed (e.g. the fixed model: empty = the medium tier's). */
	readonly optional?: boolean;
	/** One line shown under the field. */
	readonly hint?: string;
	/** Shown only when this holds (e.g. tier models only for tiered routing). */
	readonly when?: (s: ReplayScenario) => boolean;
}

export type FieldGroup = 'Scenario' | 'Routing' | 'Compression' | 'Response cache' | 'Prompt cache' | 'Budget';
export const fieldGroups: readonly FieldGroup[] = ['Scenario', 'Routing', 'Compression', 'Response cache', 'Prompt cache', 'Budget'];

/** What the webview decides about a field: where it goes and what it says. */
interface FieldLabel {
	readonly id: string;
	readonly path: string;
	readonly label: string;
	readonly group: FieldGroup;
	readonly hint?: string;
	readonly when?: (s: ReplayScenario) => boolean;
	/** Labels of a select's choices, by value (the values themselves are the schema's). */
	readonly choices?: Readonly<Record<string, string>>;
}

/** A form field from its label and the schema's spec of its path. */
function field(l: FieldLabel): FieldSpec {
	const spec = scenarioFieldSpec(l.path);
	if (!spec) throw new Error(`settings form: no setting ${l.path} in the schema`);
	const kind: FieldKind = spec.type === 'boolean' ? 'checkbox' : spec.enum ? 'select' : spec.type === 'number' || spec.type === 'integer' ? 'number' : 'text';
	return {
		id: l.id,
		path: l.path.split('.'),
		label: l.label,
		kind,
		group: l.group,
		...(spec.type === 'integer' && { integer: true }),
		...(spec.minimum !== undefined && { min: spec.minimum }),
		...(spec.maximum !== undefined && { max: spec.maximum }),
		...(spec.enum && { options: spec.enum.map(value => ({ value, label: l.choices?.[value] ?? value })) }),
		...(kind === 'text' && spec.default === '' && { optional: true }),
		...(l.hint && { hint: l.hint }),
		...(l.when && { when: l.when }),
	};
}

// Masking has its own cadence; the size and step triggers belong to the other strategies.
const compressing = (s: ReplayScenario) => s.compression.strategy !== 'none' && s.compression.strategy !== 'observationMask';
const masking = (s: ReplayScenario) => s.compression.strategy === 'observationMask';
const tiered = (s: ReplayScenario) => s.routing.mode === 'tiered' || s.routing.mode === 'escalate';
const escalating = (s: ReplayScenario) => s.routing.mode === 'escalate';

const labels: readonly FieldLabel[] = [
	{ id: 's-name', path: 'name', label: 'Name', group: 'Scenario' },
	{ id: 's-gap', path: 'assumedStepGapSeconds', label: 'Gap between steps without timestamps (s)', group: 'Scenario', hint: 'Matters for cache TTLs when the file has no timestamps.' },
	{
		id: 's-routing-mode',
		path: 'routing.mode',
		label: 'Routing',
		group: 'Routing',
		choices: {
			asRequested: 'As recorded (each call keeps its model)',
			fixed: 'One fixed model for every call',
			tiered: 'Tiered: keywords of the task pick cheap / medium / expensive',
			escalate: 'Escalate: start cheap, move up on trouble in the run',
		},
	},
	{ id: 's-esc-errors', path: 'routing.escalation.toolErrors', label: 'Escalate after this many failing tool outputs in a row (0 = off)', group: 'Routing', when: escalating },
	{ id: 's-esc-repeats', path: 'routing.escalation.repeatedCalls', label: 'Escalate when the same tool call is made this many times in a row (0 = off)', group: 'Routing', when: escalating },
	{ id: 's-esc-check', path: 'routing.escalation.stepsWithoutCheck', label: 'Escalate after this many steps without a passing check (0 = off)', group: 'Routing', when: escalating },
	{ id: 's-esc-context', path: 'routing.escalation.contextRatio', label: 'At least medium above this share of the cheap model’s window (0 = off)', group: 'Routing', when: escalating },
	{ id: 's-esc-down', path: 'routing.escalation.deescalateAfter', label: 'Step back down after this many clean steps (0 = never)', group: 'Routing', when: escalating },
	{ id: 's-routing-model', path: 'routing.model', label: 'Model', group: 'Routing', hint: 'Empty: the medium tier model.', when: s => s.routing.mode === 'fixed' },
	{ id: 's-tier-cheap', path: 'tiers.cheap', label: 'Cheap tier model', group: 'Routing', when: s => tiered(s) || s.budget.policy === 'soft' },
	{ id: 's-tier-medium', path: 'tiers.medium', label: 'Medium tier model', group: 'Routing', when: s => tiered(s) || s.budget.policy === 'soft' },
	{ id: 's-tier-expensive', path: 'tiers.expensive', label: 'Expensive tier model', group: 'Routing', when: s => tiered(s) || s.budget.policy === 'soft' },
	{
		id: 's-compression-strategy',
		path: 'compression.strategy',
		label: 'Strategy',
		group: 'Compression',
		choices: { none: 'None', truncate: 'Truncate (keep recent)', window: 'Sliding window', summarize: 'Summarize older history', observationMask: 'Mask older tool outputs' },
	},
	{ id: 's-mask-keep', path: 'compression.keepObservations', label: 'Tool outputs kept whole (the most recent)', group: 'Compression', when: masking },
	{
		id: 's-mask-every',
		path: 'compression.maskEverySteps',
		label: 'Mask in batches every N steps',
		group: 'Compression',
		hint: 'Larger batches rewrite the provider’s cached prefix less often: fewer cache misses, more input tokens.',
		when: masking,
	},
	{ id: 's-compression-max-tokens', path: 'compression.maxTokensBeforeCompression', label: 'Compress above (tokens)', group: 'Compression', when: compressing },
	{ id: 's-compression-ratio', path: 'compression.contextWindowTriggerRatio', label: 'Or above this share of the context window', group: 'Compression', when: compressing },
	{ id: 's-compression-steps', path: 'compression.triggerSteps', label: 'Or every N steps (0 = off)', group: 'Compression', when: compressing },
	{
		id: 's-compression-keep',
		path: 'compression.tokensToKeepRecent',
		label: 'Recent tokens kept verbatim',
		group: 'Compression',
		when: s => s.compression.strategy === 'truncate' || s.compression.strategy === 'summarize',
	},
	{ id: 's-compression-window', path: 'compression.windowMessages', label: 'Window: messages kept at each end', group: 'Compression', when: s => s.compression.strategy === 'window' },
	{ id: 's-compression-summary-model', path: 'compression.summaryModel', label: 'Summary model', group: 'Compression', when: s => s.compression.strategy === 'summarize' },
	{ id: 's-compression-summary-max', path: 'compression.summaryMaxTokens', label: 'Summary max tokens', group: 'Compression', when: s => s.compression.strategy === 'summarize' },
	{ id: 's-compression-tool-max', path: 'compression.toolResponseMaxTokens', label: 'Tool output max tokens (0 = keep whole)', group: 'Compression' },
	{ id: 's-rc-enabled', path: 'cache.enabled', label: 'Serve identical requests from the response cache', group: 'Response cache' },
	{ id: 's-rc-ttl', path: 'cache.ttlSeconds', label: 'Response cache TTL (s)', group: 'Response cache', when: s => s.cache.enabled },
	{
		id: 's-pc-mode',
		path: 'promptCache.mode',
		label: 'Provider prompt cache',
		group: 'Prompt cache',
		choices: { simulate: 'Simulate the provider’s prefix cache', off: 'Off: price every input token uncached' },
	},
	{
		id: 's-pc-ttl',
		path: 'promptCache.ttl',
		label: 'Cache write TTL',
		group: 'Prompt cache',
		choices: { asRecorded: 'As recorded', '5m': '5 minutes', '1h': '1 hour' },
		when: s => s.promptCache.mode === 'simulate',
	},
	{ id: 's-pc-breakpoint', path: 'promptCache.systemBreakpoint', label: 'Cache breakpoint after the system prompt and tools', group: 'Prompt cache', when: s => s.promptCache.mode === 'simulate' },
	{ id: 's-budget-enabled', path: 'budget.enabled', label: 'Enforce the budget', group: 'Budget' },
	{
		id: 's-budget-policy',
		path: 'budget.policy',
		label: 'Policy',
		group: 'Budget',
		choices: { hard: 'Hard: stop the run', soft: 'Soft: downgrade, then stop', warn: 'Warn only' },
		when: s => s.budget.enabled,
	},
	{ id: 's-budget-run', path: 'budget.runUsd', label: 'Run budget (USD, 0 = none)', group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-daily', path: 'budget.dailyUsd', label: 'Daily budget (USD, 0 = none)', group: 'Budget', hint: 'The replayed run is the day’s only spend.', when: s => s.budget.enabled },
	{ id: 's-budget-warn', path: 'budget.warnThreshold', label: 'Warn at this share of the budget', group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-steps', path: 'budget.maxSteps', label: 'Max steps (0 = unlimited)', group: 'Budget', when: s => s.budget.enabled },
	{ id: 's-budget-output', path: 'defaults.maxOutputTokens', label: 'Output tokens reserved per call', group: 'Budget', when: s => s.budget.enabled },
];

export const settingsFields: readonly FieldSpec[] = labels.map(field);

/** The field's current value as the control shows it (numbers as text). */
export function readField(settings: ReplayScenario, field: FieldSpec): string | boolean {
	let node: unknown = settings;
	for (const part of field.path) node = (node as Record<string, unknown>)[part];
	if (field.kind === 'checkbox') return node === true;
	return node === undefined || node === null ? '' : String(node);
}

export type FieldWrite = { readonly ok: true; readonly settings: ReplayScenario } | { readonly ok: false; readonly error: string };

/** A copy of `settings` with the field set to what the user entered, or why the input is not usable. */
export function writeField(settings: ReplayScenario, field: FieldSpec, input: string | boolean): FieldWrite {
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
			if (text === '' && !field.optional) return { ok: false, error: `${field.label}: required` };
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
	node[field.path[field.path.length - 1]!] = value;
	return { ok: true, settings: copy as unknown as ReplayScenario };
}

/** The fields shown for these settings, in form order. */
export function visibleFields(settings: ReplayScenario): readonly FieldSpec[] {
	return settingsFields.filter(f => !f.when || f.when(settings));
}
