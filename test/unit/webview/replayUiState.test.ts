import * as assert from 'node:assert/strict';
import { parseScenario } from '../../../src/core/replay/scenario';
import { replayConfig } from '../../../src/extension/webviews/replayDefaults';
import { readField, settingsFields, visibleFields, writeField } from '../../../webview/replay/settingsFields';
import { addScenario, initialUiState, maxScenarios, removeScenario, restoreUiState, settingsSectionOpen, updateScenario } from '../../../webview/replay/uiState';

const { defaults } = replayConfig({});
const field = (id: string) => settingsFields.find(f => f.id === id)!;

describe('replay panel settings form (DOM-free)', () => {
	it('every field reads and writes the path it names, and ids are unique', () => {
		const ids = settingsFields.map(f => f.id);
		assert.equal(new Set(ids).size, ids.length);
		const s = defaults.productDefaults;
		for (const f of settingsFields) {
			const v = readField(s, f);
			const r = writeField(s, f, v);
			assert.ok(r.ok, `${f.id}: ${r.ok ? '' : r.error}`);
			// Writing what was read changes nothing, and the result is still valid settings.
			assert.deepEqual(r.settings, s, f.id);
			assert.deepEqual(parseScenario(r.settings, s).problems, [], f.id);
		}
	});

	it("numbers are validated against the settings' bounds before they reach the host", () => {
		const s = defaults.productDefaults;
		const trigger = field('s-compression-max-tokens');
		assert.deepEqual(writeField(s, trigger, '8000').ok && (writeField(s, trigger, '8000') as { settings: typeof s }).settings.compression.maxTokensBeforeCompression, 8000);
		assert.deepEqual(writeField(s, trigger, '0'), { ok: false, error: 'Compress above (tokens): at least 1' });
		assert.deepEqual(writeField(s, trigger, '1.5'), { ok: false, error: 'Compress above (tokens): enter a whole number' });
		assert.deepEqual(writeField(s, trigger, 'lots'), { ok: false, error: 'Compress above (tokens): enter a number' });
		assert.deepEqual(writeField(s, trigger, ''), { ok: false, error: 'Compress above (tokens): enter a number' });
		assert.deepEqual(writeField(s, field('s-compression-ratio'), '1.5'), { ok: false, error: 'Or above this share of the context window: at most 1' });
		const budget = writeField(s, field('s-budget-run'), ' 0.25 ');
		assert.ok(budget.ok && budget.settings.budget.runUsd === 0.25);
		assert.deepEqual(writeField(s, field('s-name'), '   '), { ok: false, error: 'Name: required' });
		assert.deepEqual(writeField(s, field('s-routing-mode'), 'random'), { ok: false, error: 'Routing: choose one of the options' });
		// The input settings are never mutated.
		assert.equal(s.compression.maxTokensBeforeCompression, defaults.productDefaults.compression.maxTokensBeforeCompression);
	});

	it('shows only the fields that apply (tier models for tiered routing, summary fields for summarize…)', () => {
		const ids = (s: typeof defaults.productDefaults) => visibleFields(s).map(f => f.id);
		const tiered = ids(defaults.productDefaults);
		assert.ok(tiered.includes('s-tier-cheap') && !tiered.includes('s-routing-model'));
		assert.ok(tiered.includes('s-compression-summary-model'));
		const recorded = ids(defaults.asRecorded);
		assert.ok(!recorded.includes('s-tier-cheap') && !recorded.includes('s-routing-model'));
		assert.ok(!recorded.includes('s-compression-max-tokens'), 'no compression: no trigger fields');
		assert.ok(!recorded.includes('s-budget-policy'), 'budget off: no budget fields');
		const fixed = writeField(defaults.asRecorded, field('s-routing-mode'), 'fixed');
		assert.ok(fixed.ok && ids(fixed.settings).includes('s-routing-model'));
		const offCache = writeField(defaults.asRecorded, field('s-pc-mode'), 'off');
		assert.ok(offCache.ok && !ids(offCache.settings).includes('s-pc-ttl'));
		// Masking shows its N and K, not the size triggers; escalation shows its signals and the tiers.
		const masked = writeField(defaults.asRecorded, field('s-compression-strategy'), 'observationMask');
		assert.ok(masked.ok);
		const m = ids(masked.settings);
		assert.ok(m.includes('s-mask-keep') && m.includes('s-mask-every') && !m.includes('s-compression-max-tokens'), m.join());
		assert.ok(!tiered.includes('s-mask-keep') && !tiered.includes('s-esc-errors'));
		const escalating = writeField(defaults.asRecorded, field('s-routing-mode'), 'escalate');
		assert.ok(escalating.ok);
		const e = ids(escalating.settings);
		for (const id of ['s-esc-errors', 's-esc-repeats', 's-esc-check', 's-esc-context', 's-esc-down', 's-tier-cheap', 's-tier-expensive']) assert.ok(e.includes(id), id);
		assert.equal(field('s-routing-mode').options?.find(o => o.value === 'escalate')?.label, 'Escalate: start cheap, move up on trouble in the run');
	});
});

describe('replay panel UI state (DOM-free)', () => {
	it('starts with two scenarios to compare: the product defaults and everything on the cheap tier', () => {
		const ui = initialUiState(defaults);
		assert.deepEqual(
			ui.scenarios.map(s => s.settings.name),
			['Product defaults', 'Every call on gpt-4o-mini'],
		);
		assert.equal(ui.scenarios[1].settings.routing.mode, 'fixed');
		assert.equal(ui.scenarios[1].settings.routing.model, 'gpt-4o-mini');
		assert.equal(ui.view, 'replay');
	});

	it('adds, duplicates (with a unique name), edits and removes scenarios; the last one stays', () => {
		let ui = initialUiState(defaults);
		ui = addScenario(ui, 'copy', defaults);
		assert.equal(ui.scenarios.length, 3);
		assert.equal(ui.scenarios[2].settings.name, 'Copy of Product defaults');
		assert.equal(ui.editing, ui.scenarios[2].id);
		ui = addScenario({ ...ui, editing: ui.scenarios[0].id }, 'copy', defaults);
		assert.equal(ui.scenarios[3].settings.name, 'Copy of Product defaults (2)');
		ui = addScenario(ui, 'asRecorded', defaults);
		assert.equal(ui.scenarios[4].settings.name, 'As recorded');
		assert.equal(new Set(ui.scenarios.map(s => s.id)).size, 5);
		ui = updateScenario(ui, ui.scenarios[0].id, { ...ui.scenarios[0].settings, name: 'Mine' });
		assert.equal(ui.scenarios[0].settings.name, 'Mine');
		for (let i = 0; i < 20; i++) ui = addScenario(ui, 'productDefaults', defaults);
		assert.equal(ui.scenarios.length, maxScenarios);
		const editing = ui.scenarios[3].id;
		ui = removeScenario({ ...ui, editing, sweep: { ...ui.sweep, base: editing } }, editing);
		assert.ok(!ui.scenarios.some(s => s.id === editing));
		assert.equal(ui.editing, ui.scenarios[3].id, 'editing moves to the next scenario');
		assert.equal(ui.sweep.base, ui.scenarios[3].id, 'the sweep base follows');
		while (ui.scenarios.length > 1) ui = removeScenario(ui, ui.scenarios[0].id);
		assert.equal(removeScenario(ui, ui.scenarios[0].id), ui);
	});

	it('restores a saved state, re-parsing its settings (the saved state is untrusted)', () => {
		let ui = addScenario(initialUiState(defaults), 'asRecorded', defaults);
		ui = { ...ui, view: 'sweep', transcriptUri: 'file:///w/run.traj.json', lastRun: [defaults.asRecorded] };
		const round = restoreUiState(JSON.parse(JSON.stringify(ui)), defaults);
		assert.deepEqual(round, ui);
		const tampered = JSON.parse(JSON.stringify(ui));
		tampered.scenarios[0].settings.budget.runUsd = -5;
		tampered.scenarios[0].settings.compression.strategy = 'magic';
		tampered.scenarios.push({ id: '<img src=x>', settings: {} }, { id: tampered.scenarios[0].id, settings: {} });
		tampered.view = 'nope';
		tampered.sweep.parameter = 'routing.mode';
		const restored = restoreUiState(tampered, defaults);
		assert.equal(restored.scenarios.length, 3, 'bad and duplicate ids are dropped');
		assert.equal(restored.scenarios[0].settings.budget.runUsd, defaults.productDefaults.budget.runUsd);
		assert.equal(restored.scenarios[0].settings.compression.strategy, defaults.productDefaults.compression.strategy);
		assert.equal(restored.view, 'replay');
		assert.equal(restored.sweep.parameter, 'compression.maxTokensBeforeCompression');
		assert.ok(restored.nextId > 3, 'new ids never collide with restored ones');
		for (const bad of [undefined, null, 42, 'x', { version: 2 }, { version: 1, scenarios: 'x' }]) assert.deepEqual(restoreUiState(bad, defaults), initialUiState(defaults));
		assert.equal(restoreUiState(ui, defaults, 'report').view, 'report');
	});

	it('keeps the last finished sweep to run again after a reload; a tampered one is cleaned or dropped', () => {
		const lastSweep = { base: defaults.productDefaults, parameter: 'compression.tokensToKeepRecent' as const, values: [500, 1500, 3000] };
		const ui = { ...initialUiState(defaults), transcriptUri: 'file:///w/run.traj.json', lastSweep };
		assert.deepEqual(restoreUiState(JSON.parse(JSON.stringify(ui)), defaults).lastSweep, lastSweep);
		const saved = JSON.parse(JSON.stringify(ui));
		saved.lastSweep.values = [500, 'x', -1, Infinity, 3000, ...Array.from({ length: 80 }, (_, i) => i)];
		saved.lastSweep.base.budget.runUsd = -5;
		const cleaned = restoreUiState(saved, defaults).lastSweep!;
		assert.deepEqual(cleaned.values.slice(0, 3), [500, 3000, 0]);
		assert.equal(cleaned.values.length, 50, 'no more values than the form accepts');
		assert.equal(cleaned.base.budget.runUsd, defaults.productDefaults.budget.runUsd);
		for (const bad of [{ ...lastSweep, parameter: 'routing.mode' }, { ...lastSweep, values: [] }, { ...lastSweep, values: 'x' }, 'x']) {
			assert.equal(restoreUiState({ ...JSON.parse(JSON.stringify(ui)), lastSweep: bad }, defaults).lastSweep, undefined, JSON.stringify(bad));
		}
	});
});

describe('replay panel layout state (DOM-free)', () => {
	it('the scenario settings are open until there are results, then fold away unless the user opened them', () => {
		const ui = initialUiState(defaults);
		assert.equal(settingsSectionOpen(ui, false), true);
		assert.equal(settingsSectionOpen(ui, true), false);
		assert.equal(settingsSectionOpen({ ...ui, settingsOpen: true }, true), true);
		assert.equal(settingsSectionOpen({ ...ui, settingsOpen: false }, false), false);
		// Kept across a hide/show or reload; junk is ignored.
		assert.equal(restoreUiState(JSON.parse(JSON.stringify({ ...ui, settingsOpen: true })), defaults).settingsOpen, true);
		assert.equal(restoreUiState({ ...ui, settingsOpen: 'yes' }, defaults).settingsOpen, undefined);
	});
});
