// The webview's own state: the scenarios being edited, the view, the sweep inputs. Persisted with
// `setState` (it survives the panel being hidden, and a window reload); the host's snapshot holds
// everything else. DOM-free and unit-tested in plain Node. A restored state is untrusted input: it
// goes through the same settings parser as a CLI file.
import type { SweepParameter, ReplayScenario } from '../../src/core/replay/scenario';
import { parseScenario, sweepParameters } from '../../src/core/replay/scenario';
import type { ReplayDefaults, ReplayView } from '../../src/protocol/replay';
import { replayViews } from '../../src/protocol/replay';

interface Scenario {
	/** Stable id within this webview (form field ids and selection use it). */
	readonly id: string;
	readonly settings: ReplayScenario;
}

export interface UiState {
	readonly version: 1;
	readonly view: ReplayView;
	readonly scenarios: readonly Scenario[];
	/** The scenario shown in the form. */
	readonly editing: string;
	/** Index into the comparison's scenarios for the step table. */
	readonly stepScenario: number;
	readonly sweep: { readonly parameter: SweepParameter; readonly values: string; readonly base: string };
	/** The last host view request followed (see ReplaySnapshot.viewRequest). */
	readonly viewSeq: number;
	/** The transcript shown, so the host can reopen it after a reload (read by the panel serializer). */
	readonly transcriptUri?: string;
	/** Scenarios of the last comparison that finished, to run it again after a reload. */
	readonly lastRun?: readonly ReplayScenario[];
	/** The last sweep that finished (its base settings as they were then), to run it again after a reload. */
	readonly lastSweep?: LastSweep;
	/** The scenario settings section, opened or closed by the user (unset: see {@link settingsSectionOpen}). */
	readonly settingsOpen?: boolean;
	readonly nextId: number;
}

interface LastSweep {
	readonly base: ReplayScenario;
	readonly parameter: SweepParameter;
	readonly values: readonly number[];
}

export const maxScenarios = 10;
/** As many values as the sweep form accepts (see `parseSweepValues`). */
const maxSweepValues = 50;

function restoreLastSweep(saved: unknown, defaults: ReplayDefaults): LastSweep | undefined {
	if (!isObj(saved) || typeof saved.parameter !== 'string' || !Object.hasOwn(sweepParameters, saved.parameter) || !Array.isArray(saved.values)) return undefined;
	const values = saved.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0).slice(0, maxSweepValues);
	if (values.length === 0) return undefined;
	return { base: parseScenario(saved.base, defaults.productDefaults).scenario, parameter: saved.parameter as SweepParameter, values };
}

/** The two scenarios a fresh panel starts with: the configured product defaults, and everything on the cheap tier. */
export function initialUiState(defaults: ReplayDefaults, view: ReplayView = 'replay'): UiState {
	const cheap: ReplayScenario = {
		...defaults.asRecorded,
		name: `Every call on ${defaults.productDefaults.tiers.cheap}`,
		routing: { ...defaults.asRecorded.routing, mode: 'fixed', model: defaults.productDefaults.tiers.cheap },
	};
	return {
		version: 1,
		view,
		scenarios: [
			{ id: 'sc1', settings: defaults.productDefaults },
			{ id: 'sc2', settings: cheap },
		],
		editing: 'sc1',
		stepScenario: 0,
		sweep: { parameter: 'compression.maxTokensBeforeCompression', values: '1000, 2000, 4000, 8000, 16000', base: 'sc1' },
		viewSeq: 0,
		nextId: 3,
	};
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rebuilds a saved state; anything unusable falls back to the fresh state's value. */
export function restoreUiState(saved: unknown, defaults: ReplayDefaults, view?: ReplayView): UiState {
	const fresh = initialUiState(defaults, view);
	if (!isObj(saved) || saved.version !== 1) return fresh;
	const scenarios: Scenario[] = [];
	if (Array.isArray(saved.scenarios)) {
		for (const s of saved.scenarios.slice(0, maxScenarios)) {
			if (!isObj(s) || typeof s.id !== 'string' || !/^sc\d+$/.test(s.id) || scenarios.some(x => x.id === s.id)) continue;
			scenarios.push({ id: s.id, settings: parseScenario(s.settings, defaults.productDefaults).scenario });
		}
	}
	if (scenarios.length === 0) return fresh;
	const ids = scenarios.map(s => Number(s.id.slice(2)));
	const sweep = isObj(saved.sweep) ? saved.sweep : {};
	const parameter = typeof sweep.parameter === 'string' && Object.hasOwn(sweepParameters, sweep.parameter) ? (sweep.parameter as SweepParameter) : fresh.sweep.parameter;
	const lastSweep = restoreLastSweep(saved.lastSweep, defaults);
	const lastRun = Array.isArray(saved.lastRun) ? saved.lastRun.slice(0, maxScenarios).map(s => parseScenario(s, defaults.productDefaults).scenario) : undefined;
	return {
		version: 1,
		view: view ?? (replayViews.includes(saved.view as ReplayView) ? (saved.view as ReplayView) : fresh.view),
		scenarios,
		editing: scenarios.some(s => s.id === saved.editing) ? (saved.editing as string) : scenarios[0].id,
		stepScenario: typeof saved.stepScenario === 'number' && Number.isInteger(saved.stepScenario) && saved.stepScenario >= 0 ? saved.stepScenario : 0,
		sweep: {
			parameter,
			values: typeof sweep.values === 'string' ? sweep.values.slice(0, 2000) : fresh.sweep.values,
			base: scenarios.some(s => s.id === sweep.base) ? (sweep.base as string) : scenarios[0].id,
		},
		viewSeq: typeof saved.viewSeq === 'number' && Number.isFinite(saved.viewSeq) ? saved.viewSeq : 0,
		...(typeof saved.transcriptUri === 'string' && { transcriptUri: saved.transcriptUri }),
		...(lastRun?.length && { lastRun }),
		...(lastSweep && { lastSweep }),
		...(typeof saved.settingsOpen === 'boolean' && { settingsOpen: saved.settingsOpen }),
		nextId: Math.max(typeof saved.nextId === 'number' && Number.isFinite(saved.nextId) ? saved.nextId : 0, ...ids.map(n => n + 1)),
	};
}

/**
 * Whether the scenario settings (about 25 controls) are shown: as the user left them, else open
 * until there are results to read — then the results come first and the form folds away.
 */
export function settingsSectionOpen(state: UiState, hasResults: boolean): boolean {
	return state.settingsOpen ?? !hasResults;
}

/** A name not used by another scenario: "Copy of X", "Copy of X (2)"… */
function uniqueName(state: UiState, wanted: string): string {
	const used = new Set(state.scenarios.map(s => s.settings.name));
	let name = wanted;
	for (let n = 2; used.has(name); n++) name = `${wanted} (${n})`;
	return name;
}

/** Adds a scenario (a copy of the one being edited, or a preset) and starts editing it. */
export function addScenario(state: UiState, from: 'copy' | 'productDefaults' | 'asRecorded', defaults: ReplayDefaults): UiState {
	if (state.scenarios.length >= maxScenarios) return state;
	const editing = state.scenarios.find(s => s.id === state.editing)?.settings ?? defaults.productDefaults;
	const source = from === 'copy' ? editing : from === 'asRecorded' ? defaults.asRecorded : defaults.productDefaults;
	const id = `sc${state.nextId}`;
	const settings = { ...source, name: uniqueName(state, from === 'copy' ? `Copy of ${editing.name}` : source.name) };
	return { ...state, scenarios: [...state.scenarios, { id, settings }], editing: id, nextId: state.nextId + 1 };
}

/** Removes a scenario (the last one stays: a comparison needs one). */
export function removeScenario(state: UiState, id: string): UiState {
	if (state.scenarios.length <= 1) return state;
	const i = state.scenarios.findIndex(s => s.id === id);
	if (i < 0) return state;
	const scenarios = state.scenarios.filter(s => s.id !== id);
	const next = scenarios[Math.min(i, scenarios.length - 1)].id;
	return { ...state, scenarios, editing: state.editing === id ? next : state.editing, sweep: state.sweep.base === id ? { ...state.sweep, base: next } : state.sweep };
}

export function updateScenario(state: UiState, id: string, settings: ReplayScenario): UiState {
	return { ...state, scenarios: state.scenarios.map(s => (s.id === id ? { ...s, settings } : s)) };
}
