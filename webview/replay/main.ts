// The replay panel and transcript report: one app for the "Agent Cost: Replay" panel and the
// transcript custom editor. The host owns the data (ReplaySnapshot); this script owns the form state
// (UiState, persisted with setState) and renders both. Transcript content is untrusted: every text
// goes through textContent (see dom.ts), never innerHTML.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { formatUsd, formatUsdPrecise } from '../../src/core/pricing/format';
import type { ReplayScenario, SweepParameter } from '../../src/core/replay/scenario';
import { PanelPingNotification, PanelPongCommand } from '../../src/protocol/engineInfo';
import type { ReplayBootstrap, ReplayExportFormat, ReplaySnapshot, ReplayView } from '../../src/protocol/replay';
import {
	CancelProbeCommand,
	CancelReplayRunCommand,
	ExportComparisonRequest,
	GetReplayStateRequest,
	PickTranscriptRequest,
	ReplayRunFinishedNotification,
	ReplayRunProgressNotification,
	probeLimits,
	ReplayStateNotification,
	replayViews,
	RunComparisonRequest,
	RunProbeRequest,
	RunSweepRequest,
	TranscriptImportProgressNotification,
} from '../../src/protocol/replay';
import { barChart, lineChart } from '../shared/charts';
import { HostIpc, readBootstrap } from '../shared/hostIpc';
import { el, renderTable, setChildren, show } from './dom';
import { openableFormats } from './emptyState';
import './replay.css';
import { renderSettingsForm } from './settingsForm';
import {
	comparisonSeries,
	parseSweepValues,
	probeStepTable,
	probeTierTable,
	reportCallsTable,
	reportTotals,
	riskHelp,
	riskTable,
	stepTable,
	summaryTable,
	sweepTable,
	transcriptSummary,
} from './tableModels';
import type { UiState } from './uiState';
import { addScenario, maxScenarios, removeScenario, restoreUiState, settingsSectionOpen, updateScenario } from './uiState';

// Lit falls back to <style> elements where constructable stylesheets are missing; give them the
// page's nonce so the strict CSP still applies them.
(globalThis as { litNonce?: string }).litNonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? undefined;
const cspViolations: string[] = [];
document.addEventListener('securitypolicyviolation', e => cspViolations.push(`${e.effectiveDirective}: ${e.blockedURI || 'inline'}`));

const documentId = Math.random().toString(36).slice(2);
const ipc = new HostIpc();
const boot = readBootstrap<ReplayBootstrap>();
if (!boot) throw new Error('the replay panel was rendered without its bootstrap data');
let snapshot: ReplaySnapshot = boot.snapshot;
const savedState = ipc.host.getState();
let ui: UiState = restoreUiState(savedState, snapshot.defaults);
/** Fields whose input is not usable, per scenario id → field id → message. */
const formErrors = new Map<string, Map<string, string>>();
let runProblems: readonly string[] = [];
let requestError = '';
let sweepError = '';
let exportStatus = '';
let callLimit = 500;
let stepLimit = 500;
/**
 * After a window reload the host has no results: the last comparison runs again once the same
 * transcript is open (deterministic, so it shows what was there before).
 */
let rerunUri: string | undefined;
let rerunScenarios: UiState['lastRun'];
let rerunSweep: UiState['lastSweep'];
/** The sweep run in flight: saved as `lastSweep` once that run finishes (a failed one is not re-run). */
let requestedSweep: { readonly runId: string; readonly sweep: NonNullable<UiState['lastSweep']> } | undefined;

function persist(): void {
	ipc.host.setState(ui);
}

function setUi(next: UiState): void {
	ui = next;
	persist();
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// ── layout (built once; sections are re-rendered from state) ─────────────────────────────────

const app = document.getElementById('app')!;
const title = el('h1', { id: 'transcript-title' }, 'Replay an agent run');
const openButton = el('vscode-button', { id: 'open-btn', secondary: true }, 'Open transcript…');
const summaryList = el('dl', { id: 'transcript-summary', class: 'summary' });
const importProgress = el('vscode-progress-bar', { id: 'import-progress', 'aria-label': 'Import progress' });
const importStatus = el('div', { id: 'import-status', class: 'status', 'aria-live': 'polite' });
const errorBanner = el('div', { id: 'error-banner', class: 'error-banner', role: 'alert' });
const warnings = el('details', { id: 'warnings', class: 'warnings' });
const settingsNote = el('div', { id: 'settings-note', class: 'settings-note' });
const header = el('header', { class: 'panel-header' });
header.append(el('div', { class: 'title-row' }), summaryList, importProgress, importStatus, errorBanner, warnings, settingsNote);
header.firstElementChild!.append(title, openButton);

// Empty state: what to open, before any transcript is (or after one failed to import).
const emptyState = el('section', { id: 'empty-state', class: 'empty-state', 'aria-label': 'No transcript open' });
{
	const openHere = el('vscode-button', { id: 'empty-open-btn' }, 'Open transcript…');
	openHere.addEventListener('click', () => void pickTranscript());
	const formats = el('ul', { class: 'formats' });
	for (const f of Object.values(openableFormats)) {
		const li = el('li', {}, `${f.label} `);
		li.append(el('code', {}, f.where));
		formats.append(li);
	}
	emptyState.append(
		el('h2', {}, 'Open a recorded agent run'),
		el(
			'p',
			{},
			'See what each LLM call of a run cost, then replay the run under other routing, compression, caching and budget settings to see what it would have cost. Nothing is sent anywhere: the replay runs on this machine.',
		),
		openHere,
		el(
			'p',
			{ class: 'hint' },
			'Or right-click a transcript in the Explorer → "Agent Cost: Replay Transcript…", or "Open With… → Agent Cost: Transcript Replay". The format is detected from the content:',
		),
		formats,
	);
}

const tabs = el('vscode-tabs', { id: 'tabs' });
const viewLabels: Record<ReplayView, string> = { report: 'Report', replay: 'Replay', sweep: 'Sweep' };
const viewRoots: Record<ReplayView, HTMLElement> = {
	report: el('div', { id: 'report-view', class: 'view' }),
	replay: el('div', { id: 'replay-view', class: 'view' }),
	sweep: el('div', { id: 'sweep-view', class: 'view' }),
};
for (const v of replayViews) tabs.append(el('vscode-tab-header', { slot: 'header' }, viewLabels[v]));
for (const v of replayViews) {
	const panel = el('vscode-tab-panel');
	panel.append(viewRoots[v]);
	tabs.append(panel);
}

// Report view
const reportEmpty = el('p', { class: 'empty' }, 'Open a transcript to see what each call cost.');
const reportTotalsBox = el('div', { class: 'table-wrap' });
const reportCallsBox = el('div', { class: 'table-wrap' });
const callsMore = el('vscode-button', { id: 'calls-more', secondary: true });
viewRoots.report.append(reportEmpty, reportTotalsBox, reportCallsBox, callsMore);

// Replay view
const scenarioSelect = el('vscode-single-select', { id: 'scenario-select' });
const addDefaults = el('vscode-button', { id: 'add-scenario', secondary: true }, 'Add product defaults');
const addRecorded = el('vscode-button', { id: 'add-recorded', secondary: true }, 'Add as recorded');
const duplicate = el('vscode-button', { id: 'duplicate-scenario', secondary: true }, 'Duplicate');
const remove = el('vscode-button', { id: 'remove-scenario', secondary: true }, 'Remove');
const scenarioForm = el('div', { id: 'scenario-form', class: 'settings-form' });
const runButton = el('vscode-button', { id: 'run-btn' }, 'Run comparison');
const cancelButton = el('vscode-button', { id: 'cancel-btn', secondary: true }, 'Cancel');
const runProgress = el('vscode-progress-bar', { id: 'run-progress', 'aria-label': 'Replay progress' });
const runStatus = el('div', { id: 'run-status', class: 'status', 'aria-live': 'polite' });
const runProblemList = el('ul', { id: 'run-problems', class: 'problems' });
const results = el('section', { id: 'results', 'aria-label': 'Comparison results' });
const resultsEmpty = el('p', { id: 'results-empty', class: 'empty' });
const settingsSection = el('details', { id: 'scenario-settings', class: 'scenario-settings' });
const settingsSummary = el('summary', { id: 'scenario-settings-summary' });
const summaryBox = el('div', { class: 'table-wrap' });
const riskBox = el('div', { class: 'table-wrap' });
const riskHelpBox = el('details', { id: 'risk-help', class: 'help' });
{
	riskHelpBox.append(el('summary', {}, 'What the risk columns mean'));
	const list = el('dl');
	for (const h of riskHelp) list.append(el('dt', {}, h.label), el('dd', {}, h.definition));
	riskHelpBox.append(
		list,
		el(
			'p',
			{},
			'These are counts, not a verdict: a scenario that saves money is only better if what it risks is acceptable for this run. The shadow probe below (or agent-cost replay --probe) checks a sample of steps with real calls.',
		),
	);
}
// Shadow probe: real, paid calls, so the button names the sample and the cap it sends under.
const probeSection = el('details', { id: 'probe', class: 'scenario-settings probe' });
const probeSummary = el('summary', {}, 'Shadow probe: check a sample of steps with real, paid calls');
const probeScenario = el('vscode-single-select', { id: 'probe-scenario' });
const probeSample = el('vscode-textfield', { id: 'probe-sample', inputmode: 'numeric', value: '5' });
const probeMaxUsd = el('vscode-textfield', { id: 'probe-max-usd', inputmode: 'decimal', value: '0.50' });
const probeRun = el('vscode-button', { id: 'probe-run' });
const probeCancel = el('vscode-button', { id: 'probe-cancel', secondary: true }, 'Cancel probe');
const probeProgress = el('vscode-progress-bar', { id: 'probe-progress', 'aria-label': 'Probe progress' });
const probeStatus = el('div', { id: 'probe-status', class: 'status', 'aria-live': 'polite' });
const probeTiers = el('div', { class: 'table-wrap' });
const probeSteps = el('div', { class: 'table-wrap' });
let probeError = '';
let probeShown = '';
{
	const form = el('div', { class: 'settings-form' });
	const field = (label: string, id: string, control: HTMLElement, hint: string) => {
		const f = el('div', { class: 'field' });
		f.append(el('vscode-label', { for: id }, label), control, el('div', { class: 'field-hint' }, hint));
		return f;
	};
	form.append(
		field('Scenario', 'probe-scenario', probeScenario, 'Its prompts, as it builds them, go to the models it picks.'),
		field('Steps to send', 'probe-sample', probeSample, `1 to ${probeLimits.maxSample}; steps where the scenario departs from the recording come first.`),
		field('Spend at most (USD)', 'probe-max-usd', probeMaxUsd, 'Each call’s worst case is reserved against this cap before it is sent; the daily budget counts the probe too.'),
	);
	const bar = el('div', { class: 'toolbar run-bar' });
	bar.append(probeRun, probeCancel, probeStatus);
	probeSection.append(
		probeSummary,
		el(
			'p',
			{ class: 'hint' },
			'Sends the chosen steps through the live path (your API keys, budgets and recordings) and compares each answer with the one the run recorded: the same tool with the same key arguments (file path, command), or similar text. A proxy, not a guarantee: one answer per step.',
		),
		form,
		bar,
		probeProgress,
		probeTiers,
		probeSteps,
	);
}

const chartsBox = el('div', { id: 'charts', class: 'charts' });
const stepSelect = el('vscode-single-select', { id: 'step-scenario' });
const stepBox = el('div', { class: 'table-wrap' });
const stepsMore = el('vscode-button', { id: 'steps-more', secondary: true });
const exportButtons = (['markdown', 'csv', 'json'] as const).map(f =>
	el('vscode-button', { id: `export-${f === 'markdown' ? 'md' : f}`, secondary: true, 'data-format': f }, `Export ${f === 'markdown' ? 'Markdown' : f.toUpperCase()}`),
);
const exportStatusLine = el('span', { id: 'export-status', class: 'status', 'aria-live': 'polite' });
{
	const scenarioBar = el('div', { class: 'toolbar' });
	const scenarioField = el('div', { class: 'field field-select' });
	scenarioField.append(el('vscode-label', { for: 'scenario-select' }, 'Edit scenario'), scenarioSelect);
	scenarioBar.append(scenarioField, addDefaults, addRecorded, duplicate, remove);
	const runBar = el('div', { class: 'toolbar run-bar' });
	runBar.append(runButton, cancelButton, runStatus);
	const stepField = el('div', { class: 'field field-select' });
	stepField.append(el('vscode-label', { for: 'step-scenario' }, 'Steps of scenario'), stepSelect);
	const exportBar = el('div', { class: 'toolbar' });
	exportBar.append(...exportButtons, exportStatusLine);
	results.append(
		el('h2', {}, 'Summary'),
		summaryBox,
		el('h2', {}, 'Risk next to savings'),
		riskBox,
		riskHelpBox,
		el('h2', {}, 'Per step'),
		chartsBox,
		stepField,
		stepBox,
		stepsMore,
		el('h2', {}, 'Export'),
		exportBar,
	);
	settingsSection.append(settingsSummary, scenarioBar, scenarioForm);
	// Top-down: run, then the results; the ~25 scenario settings fold away below them once there are results.
	viewRoots.replay.append(
		el(
			'p',
			{ class: 'hint' },
			'Each scenario replays the recorded run step by step under its settings; the baseline is the run as recorded. Numbers marked ≈ are estimates (simulated cache, another model’s output, counted tokens).',
		),
		runBar,
		runProgress,
		runProblemList,
		resultsEmpty,
		results,
		probeSection,
		settingsSection,
	);
}

// Sweep view
const sweepBase = el('vscode-single-select', { id: 'sweep-base' });
const sweepParam = el('vscode-single-select', { id: 'sweep-param' });
const sweepValues = el('vscode-textfield', { id: 'sweep-values' });
const sweepRun = el('vscode-button', { id: 'sweep-run' }, 'Run sweep');
const sweepCancel = el('vscode-button', { id: 'sweep-cancel', secondary: true }, 'Cancel');
const sweepProgress = el('vscode-progress-bar', { id: 'sweep-progress', 'aria-label': 'Sweep progress' });
const sweepStatus = el('div', { id: 'sweep-status', class: 'status', 'aria-live': 'polite' });
const sweepChartBox = el('div', { id: 'sweep-chart', class: 'charts' });
const sweepTableBox = el('div', { class: 'table-wrap' });
for (const p of boot.sweepParameters) sweepParam.append(el('vscode-option', { value: p.id }, p.label));
{
	const form = el('div', { class: 'settings-form sweep-form' });
	const field = (label: string, id: string, control: HTMLElement, hint?: string) => {
		const f = el('div', { class: 'field' });
		f.append(el('vscode-label', { for: id }, label), control);
		if (hint) f.append(el('div', { class: 'field-hint' }, hint));
		return f;
	};
	form.append(
		field('Base scenario', 'sweep-base', sweepBase),
		field('Setting to vary', 'sweep-param', sweepParam),
		field('Values', 'sweep-values', sweepValues, 'Separated by commas or spaces, e.g. 1000, 2000, 4000.'),
	);
	const bar = el('div', { class: 'toolbar run-bar' });
	bar.append(sweepRun, sweepCancel, sweepStatus);
	viewRoots.sweep.append(
		el('p', { class: 'hint' }, 'Prices the run once per value of one setting of the base scenario; the cheapest value whose run completes is highlighted.'),
		form,
		bar,
		sweepProgress,
		sweepChartBox,
		sweepTableBox,
	);
}

app.append(header, emptyState, tabs);

// ── rendering ───────────────────────────────────────────────────────────────────────────────

function renderHeader(): void {
	const t = snapshot.transcript;
	title.textContent = t.status === 'none' ? 'Replay an agent run' : t.file;
	title.title = t.status === 'none' ? '' : t.file;
	summaryList.replaceChildren();
	warnings.replaceChildren();
	show(warnings, false);
	show(importProgress, t.status === 'opening');
	importStatus.textContent = '';
	if (t.status === 'opening') {
		const p = t.progress;
		if (p && p.totalBytes > 0) {
			importProgress.indeterminate = false;
			importProgress.max = p.totalBytes;
			importProgress.value = p.bytesRead;
		} else importProgress.indeterminate = true;
		importStatus.textContent = `Importing ${t.file}${p ? ` — ${p.calls} calls, ${Math.round((p.bytesRead / Math.max(1, p.totalBytes)) * 100)}%` : '…'}`;
	} else if (t.status === 'open') {
		for (const item of transcriptSummary(t.transcript)) {
			const d = el('div', { class: 'summary-item' });
			d.append(el('dt', {}, item.label), el('dd', { class: item.cls }, item.value));
			summaryList.append(d);
		}
		const w = t.transcript.report.warnings;
		if (w.length) {
			warnings.append(el('summary', {}, `⚠ ${w.length} warning${w.length === 1 ? '' : 's'} from the import`));
			const list = el('ul');
			for (const x of w) list.append(el('li', {}, x.line !== undefined ? `line ${x.line}: ${x.message}` : x.message));
			warnings.append(list);
			show(warnings, true);
		}
	}
	// Nothing to show but what to open: no tabs of empty views.
	show(emptyState, t.status === 'none' || t.status === 'failed');
	show(openButton, t.status !== 'none');
	show(tabs, t.status !== 'none' && t.status !== 'failed');
	const banner = t.status === 'failed' ? t.error.message : requestError;
	errorBanner.textContent = banner;
	show(errorBanner, banner !== '');
	const problems = snapshot.defaults.settingsProblems;
	settingsNote.textContent = problems.length ? `Some agentCost.* settings are invalid; the form uses their defaults: ${problems.join('; ')}` : '';
	show(settingsNote, problems.length > 0);
}

function renderReport(): void {
	const t = snapshot.transcript;
	const open = t.status === 'open';
	show(reportEmpty, !open);
	reportEmpty.textContent = t.status === 'opening' ? 'Importing…' : t.status === 'failed' ? 'The transcript could not be imported (see above).' : 'Open a transcript to see what each call cost.';
	if (!open) {
		reportTotalsBox.replaceChildren();
		reportCallsBox.replaceChildren();
		show(callsMore, false);
		return;
	}
	setChildren(reportTotalsBox, renderTable(reportTotals(t.transcript), 'report-totals'));
	const calls = reportCallsTable(t.transcript, callLimit);
	setChildren(reportCallsBox, renderTable(calls, 'report-calls'));
	show(callsMore, (calls.omitted ?? 0) > 0);
	callsMore.textContent = `Show all ${t.transcript.calls.length} calls`;
}

function selectOptions(select: HTMLElementTagNameMap['vscode-single-select'], options: readonly { value: string; label: string }[], value: string): void {
	select.replaceChildren(...options.map(o => el('vscode-option', { value: o.value, selected: o.value === value }, o.label)));
	select.value = value;
}

function editingScenario() {
	return ui.scenarios.find(s => s.id === ui.editing) ?? ui.scenarios[0];
}

function renderSettingsSection(): void {
	settingsSection.open = settingsSectionOpen(ui, snapshot.comparison !== null);
	settingsSummary.textContent = `Scenarios (${ui.scenarios.length}): ${ui.scenarios.map(s => s.settings.name).join(', ')} — ${settingsSection.open ? 'hide' : 'edit'} their settings`;
}

function renderScenarioList(): void {
	renderSettingsSection();
	selectOptions(
		scenarioSelect,
		ui.scenarios.map(s => ({ value: s.id, label: s.settings.name })),
		ui.editing,
	);
	remove.toggleAttribute('disabled', ui.scenarios.length <= 1);
	for (const b of [addDefaults, addRecorded, duplicate]) b.toggleAttribute('disabled', ui.scenarios.length >= maxScenarios);
	selectOptions(
		sweepBase,
		ui.scenarios.map(s => ({ value: s.id, label: s.settings.name })),
		ui.sweep.base,
	);
	renderProbe();
}

function renderForm(): void {
	const scenario = editingScenario();
	const errors = formErrors.get(scenario.id) ?? new Map<string, string>();
	renderSettingsForm(scenarioForm, scenario.settings, errors, {
		onChange(settings, structural) {
			setUi(updateScenario(ui, scenario.id, settings));
			if (structural) {
				const focused = document.activeElement?.id;
				renderForm();
				if (focused) (document.getElementById(focused) as HTMLElement | null)?.focus();
			}
			if (settings.name !== scenario.settings.name) renderScenarioList();
			renderRunControls();
		},
		onError(fieldId, error) {
			const map = formErrors.get(scenario.id) ?? new Map<string, string>();
			if (error) map.set(fieldId, error);
			else map.delete(fieldId);
			formErrors.set(scenario.id, map);
			renderRunControls();
		},
	});
}

function invalidScenarios(): string[] {
	return ui.scenarios.filter(s => (formErrors.get(s.id)?.size ?? 0) > 0).map(s => s.settings.name);
}

function running(kind: 'compare' | 'sweep') {
	return snapshot.running.find(r => r.kind === kind);
}

function progressText(done: number, total: number): string {
	return total > 0 ? `${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} steps` : 'starting…';
}

function outcomeText(kind: 'compare' | 'sweep'): string {
	const o = snapshot.lastOutcome;
	if (!o || o.kind !== kind) return '';
	if (o.outcome === 'cancelled') return 'Cancelled; the previous results (if any) are kept.';
	if (o.outcome === 'failed') return `Failed: ${o.error?.message ?? 'unknown error'}`;
	return '';
}

function renderRunControls(): void {
	const open = snapshot.transcript.status === 'open';
	const run = running('compare');
	const invalid = invalidScenarios();
	runButton.toggleAttribute('disabled', !open || invalid.length > 0);
	show(cancelButton, run !== undefined);
	show(runProgress, run !== undefined);
	if (run) {
		runProgress.indeterminate = run.total === 0;
		runProgress.max = Math.max(1, run.total);
		runProgress.value = run.done;
		runStatus.textContent = `Replaying ${run.label}: ${progressText(run.done, run.total)}`;
	} else if (!open) runStatus.textContent = snapshot.transcript.status === 'opening' ? 'Waiting for the import…' : 'Open a transcript to run a comparison.';
	else if (invalid.length) runStatus.textContent = `Fix the highlighted fields of ${invalid.join(', ')} first.`;
	else runStatus.textContent = outcomeText('compare') || (snapshot.comparison ? `Compared ${snapshot.comparison.scenarios.length} scenario(s) with the baseline.` : '');
	runProblemList.replaceChildren(...runProblems.map(p => el('li', {}, p)));
	show(runProblemList, runProblems.length > 0);

	const sweepRunning = running('sweep');
	sweepRun.toggleAttribute('disabled', !open);
	show(sweepCancel, sweepRunning !== undefined);
	show(sweepProgress, sweepRunning !== undefined);
	if (sweepRunning) {
		sweepProgress.indeterminate = sweepRunning.total === 0;
		sweepProgress.max = Math.max(1, sweepRunning.total);
		sweepProgress.value = sweepRunning.done;
		sweepStatus.textContent = `Sweeping ${sweepRunning.label}: ${progressText(sweepRunning.done, sweepRunning.total)}`;
	} else sweepStatus.textContent = sweepError || outcomeText('sweep') || (open ? '' : 'Open a transcript to run a sweep.');
}

function renderResults(): void {
	const c = snapshot.comparison;
	show(results, c !== null);
	show(resultsEmpty, c === null);
	resultsEmpty.textContent = running('compare') ? '' : 'No results yet: press Run comparison to replay the run under each scenario below.';
	renderSettingsSection();
	if (!c) {
		summaryBox.replaceChildren();
		riskBox.replaceChildren();
		chartsBox.replaceChildren();
		stepBox.replaceChildren();
		return;
	}
	const selected = Math.min(ui.stepScenario, Math.max(0, c.scenarios.length - 1));
	setChildren(
		summaryBox,
		renderTable(summaryTable(c, selected), 'summary-table', key => {
			const i = Number(key.replace('scenario-', ''));
			if (key.startsWith('scenario-') && Number.isInteger(i)) {
				setUi({ ...ui, stepScenario: i });
				stepLimit = 500;
				renderResults();
			}
		}),
	);
	setChildren(riskBox, renderTable(riskTable(c, selected), 'risk-table'));
	const markers = c.scenarios.flatMap(s => (s.stoppedAtStep === null ? [] : [{ x: s.stoppedAtStep, label: `${s.name.slice(0, 18)} stopped` }]));
	const costChart = lineChart(
		comparisonSeries(c, 'cumulativeCost').map(s => ({ name: s.name, xs: s.xs, ys: s.ys, dashed: s.dashed })),
		{ title: 'Cumulative cost per step', xLabel: 'step', yLabel: 'USD', formatY: y => formatUsd(y), markers },
	);
	costChart.id = 'chart-cost';
	const inputChart = lineChart(
		comparisonSeries(c, 'inputTokens').map(s => ({ name: s.name, xs: s.xs, ys: s.ys, dashed: s.dashed })),
		{ title: 'Input tokens per step', xLabel: 'step', yLabel: 'tokens', formatY: y => (y >= 1000 ? `${Number((y / 1000).toFixed(1))}k` : String(y)) },
	);
	inputChart.id = 'chart-input';
	setChildren(chartsBox, costChart, inputChart);
	selectOptions(
		stepSelect,
		c.scenarios.map((s, i) => ({ value: String(i), label: s.name })),
		String(selected),
	);
	const scenario = c.scenarios[selected];
	if (scenario) {
		const model = stepTable(scenario, stepLimit);
		setChildren(stepBox, renderTable(model, 'step-table'));
		show(stepsMore, (model.omitted ?? 0) > 0);
		stepsMore.textContent = `Show all ${scenario.perStep.length} steps`;
	}
	exportStatusLine.textContent = exportStatus;
}

/** The probe's sample and cap as typed, or why they cannot be used. */
function probeInput(): { sample: number; maxUsd: number } | string {
	const sample = Number(probeSample.value.trim());
	const maxUsd = Number(probeMaxUsd.value.trim().replace(/^\$/, ''));
	if (!Number.isInteger(sample) || sample < 1 || sample > probeLimits.maxSample) return `Steps to send: a whole number from 1 to ${probeLimits.maxSample}.`;
	if (!Number.isFinite(maxUsd) || maxUsd <= 0 || maxUsd > probeLimits.maxUsd) return `Spend at most: above $0 and at most $${probeLimits.maxUsd}.`;
	return { sample, maxUsd };
}

function renderProbe(): void {
	const open = snapshot.transcript.status === 'open';
	show(probeSection, open);
	const chosen = ui.scenarios.some(s => s.id === probeScenario.value) ? probeScenario.value : (ui.scenarios[0]?.id ?? '');
	selectOptions(
		probeScenario,
		ui.scenarios.map(s => ({ value: s.id, label: s.settings.name })),
		chosen,
	);
	const p = snapshot.probe;
	const input = probeInput();
	const runningProbe = p?.status === 'running';
	probeRun.textContent = typeof input === 'string' ? 'Send probe' : `Send ${input.sample} step${input.sample === 1 ? '' : 's'} · spend at most ${formatUsdPrecise(input.maxUsd)}`;
	probeRun.toggleAttribute('disabled', !open || runningProbe || typeof input === 'string');
	show(probeCancel, runningProbe);
	show(probeProgress, runningProbe);
	// Unfold once when a probe starts or ends (a user may fold it again).
	const shown = p ? `${p.status}:${p.scenario}` : '';
	if (shown !== probeShown && p && p.status !== 'cancelled') probeSection.open = true;
	probeShown = shown;
	if (runningProbe) {
		probeProgress.indeterminate = p.total === 0;
		probeProgress.max = Math.max(1, p.total);
		probeProgress.value = p.done;
		probeStatus.textContent = `Probing "${p.scenario}": ${p.total > 0 ? `${p.done} / ${p.total} steps` : 'choosing steps…'} (at most ${formatUsdPrecise(p.maxUsd)})`;
	} else if (probeError || typeof input === 'string') probeStatus.textContent = probeError || (input as string);
	else if (p?.status === 'failed') probeStatus.textContent = `The probe of "${p.scenario}" failed: ${p.error.message}`;
	else if (p?.status === 'cancelled') probeStatus.textContent = `The probe of "${p.scenario}" was cancelled; calls already answered are spent and recorded.`;
	else if (p?.status === 'done')
		probeStatus.textContent = `${p.result.cappedAt !== undefined ? `The cap stopped the probe at step ${p.result.cappedAt}. ` : ''}Its calls are recorded in ${p.recordingFile}.`;
	else probeStatus.textContent = '';
	if (p?.status === 'done') {
		setChildren(probeTiers, renderTable(probeTierTable(p.result), 'probe-tiers'));
		setChildren(probeSteps, renderTable(probeStepTable(p.result), 'probe-steps'));
	} else if (!runningProbe) {
		probeTiers.replaceChildren();
		probeSteps.replaceChildren();
	}
}

async function startProbe(): Promise<void> {
	const input = probeInput();
	const scenario = ui.scenarios.find(s => s.id === probeScenario.value) ?? ui.scenarios[0];
	if (typeof input === 'string' || !scenario) return;
	probeError = '';
	try {
		const started = await ipc.request(RunProbeRequest, { scenario: scenario.settings, ...input });
		if (started.problems.length) probeError = `Started; some settings were replaced: ${started.problems.join('; ')}`;
	} catch (e) {
		probeError = errorText(e);
	}
	renderProbe();
}

function renderSweep(): void {
	sweepParam.value = ui.sweep.parameter;
	if (sweepValues.value !== ui.sweep.values) sweepValues.value = ui.sweep.values;
	const s = snapshot.sweep;
	if (!s) {
		sweepChartBox.replaceChildren();
		sweepTableBox.replaceChildren();
		return;
	}
	// A value whose cost is unknown (no price) gets no bar: a bar would read as $0. The table says "no price".
	const priced = s.points.flatMap(p => (p.costUsd === null ? [] : [{ label: String(p.value), value: p.costUsd, highlight: p.value === s.best }]));
	const unknown = s.points.length - priced.length;
	const chart = barChart(priced, {
		title: `Cost per value of ${s.label}${unknown ? ` (${unknown} value${unknown === 1 ? '' : 's'} without a price not shown)` : ''}`,
		xLabel: s.label,
		yLabel: 'USD',
		formatY: y => formatUsd(y, { estimate: true }),
	});
	chart.id = 'sweep-bars';
	setChildren(sweepChartBox, chart);
	setChildren(sweepTableBox, renderTable(sweepTable(s), 'sweep-table'));
}

function renderView(): void {
	const i = replayViews.indexOf(ui.view);
	if (tabs.selectedIndex !== i) tabs.setAttribute('selected-index', String(i));
}

function renderAll(): void {
	renderHeader();
	renderReport();
	renderScenarioList();
	renderForm();
	renderRunControls();
	renderResults();
	renderProbe();
	renderSweep();
	renderView();
}

// ── state from the host ─────────────────────────────────────────────────────────────────────

function applySnapshot(next: ReplaySnapshot, initial = false): void {
	if (next.revision < snapshot.revision && !initial) return;
	const previous = snapshot;
	snapshot = next;
	if (previous.transcript.status !== 'none' && (next.transcript.status === 'none' || next.transcript.uri !== previous.transcript.uri)) {
		callLimit = 500;
		stepLimit = 500;
	}
	let nextUi = ui;
	if (next.viewRequest && next.viewRequest.seq > ui.viewSeq) nextUi = { ...nextUi, view: next.viewRequest.view, viewSeq: next.viewRequest.seq };
	const t = next.transcript;
	// Kept while nothing is open, so a panel restored after a reload still knows its file. Another
	// file's last comparison and sweep are not this one's: they are not re-run on it.
	if (t.status !== 'none' && t.uri !== ui.transcriptUri) {
		const { lastRun: _run, lastSweep: _sweep, ...rest } = nextUi;
		nextUi = { ...rest, transcriptUri: t.uri };
	}
	if (next.comparison) nextUi = { ...nextUi, lastRun: next.comparison.scenarios.map(s => s.settings) };
	setUi(nextUi);
	if (rerunUri !== undefined && t.status !== 'none' && (t.uri !== rerunUri || t.status === 'failed')) rerunUri = undefined;
	if (rerunUri !== undefined && t.status === 'open') {
		rerunUri = undefined;
		// Only what the host does not still hold (it keeps results while the panel is merely hidden).
		if (!next.comparison && !running('compare') && rerunScenarios?.length) void startComparison(rerunScenarios);
		if (!next.sweep && !running('sweep') && rerunSweep) void startSweep(rerunSweep);
	}
	renderAll();
}

async function startSweep(sweep: NonNullable<UiState['lastSweep']>): Promise<void> {
	try {
		const started = await ipc.request(RunSweepRequest, sweep);
		requestedSweep = { runId: started.runId, sweep };
	} catch (e) {
		sweepError = errorText(e);
		renderRunControls();
	}
}

async function startComparison(scenarios: readonly ReplayScenario[] = ui.scenarios.map(s => s.settings)): Promise<void> {
	requestError = '';
	try {
		const started = await ipc.request(RunComparisonRequest, { scenarios });
		runProblems = started.problems;
	} catch (e) {
		requestError = errorText(e);
	}
	renderHeader();
	renderRunControls();
}

ipc.on(ReplayStateNotification, s => applySnapshot(s));
ipc.on(ReplayRunFinishedNotification, f => {
	if (f.kind === 'sweep' && requestedSweep?.runId === f.runId) {
		if (f.outcome === 'done') setUi({ ...ui, lastSweep: requestedSweep.sweep });
		requestedSweep = undefined;
	}
	applySnapshot(f.snapshot);
	// The results sit below the form: bring them into view when a comparison finishes on this tab.
	if (f.kind === 'compare' && f.outcome === 'done') {
		// Results first, right below the Run button: the settings fold away after every run (the user can open them again).
		setUi({ ...ui, settingsOpen: false });
		renderResults();
	}
});
ipc.on(ReplayRunProgressNotification, p => {
	const run = snapshot.running.find(r => r.runId === p.runId);
	if (!run) return;
	snapshot = { ...snapshot, running: snapshot.running.map(r => (r.runId === p.runId ? { ...r, done: p.done, total: p.total } : r)) };
	renderRunControls();
});
ipc.on(TranscriptImportProgressNotification, p => {
	const t = snapshot.transcript;
	if (t.status !== 'opening' || t.uri !== p.uri) return;
	snapshot = { ...snapshot, transcript: { ...t, progress: p.progress } };
	renderHeader();
});

// ── user actions ────────────────────────────────────────────────────────────────────────────

tabs.addEventListener('vsc-tabs-select', e => {
	const view = replayViews[e.detail.selectedIndex];
	if (view && view !== ui.view) setUi({ ...ui, view });
});

async function pickTranscript(): Promise<void> {
	requestError = '';
	try {
		await ipc.request(PickTranscriptRequest, undefined);
	} catch (e) {
		requestError = errorText(e);
	}
	renderHeader();
}
openButton.addEventListener('click', () => void pickTranscript());
settingsSection.addEventListener('toggle', () => {
	// Programmatic opening (render) matches the computed state; only a user's toggle is remembered.
	if (settingsSection.open !== settingsSectionOpen(ui, snapshot.comparison !== null)) {
		setUi({ ...ui, settingsOpen: settingsSection.open });
		renderResults();
	}
});

callsMore.addEventListener('click', () => {
	callLimit = Number.POSITIVE_INFINITY;
	renderReport();
});
stepsMore.addEventListener('click', () => {
	stepLimit = Number.POSITIVE_INFINITY;
	renderResults();
});

scenarioSelect.addEventListener('change', () => {
	if (scenarioSelect.value && scenarioSelect.value !== ui.editing) {
		setUi({ ...ui, editing: scenarioSelect.value });
		renderForm();
	}
});
const addFrom = (from: 'copy' | 'productDefaults' | 'asRecorded') => () => {
	setUi(addScenario(ui, from, snapshot.defaults));
	renderScenarioList();
	renderForm();
	renderRunControls();
};
addDefaults.addEventListener('click', addFrom('productDefaults'));
addRecorded.addEventListener('click', addFrom('asRecorded'));
duplicate.addEventListener('click', addFrom('copy'));
remove.addEventListener('click', () => {
	formErrors.delete(ui.editing);
	setUi(removeScenario(ui, ui.editing));
	renderScenarioList();
	renderForm();
	renderRunControls();
});

probeRun.addEventListener('click', () => void startProbe());
probeCancel.addEventListener('click', () => ipc.command(CancelProbeCommand, undefined));
for (const field of [probeSample, probeMaxUsd])
	field.addEventListener('input', () => {
		probeError = '';
		renderProbe();
	});
probeScenario.addEventListener('change', () => renderProbe());
runButton.addEventListener('click', () => {
	if (runButton.hasAttribute('disabled')) return;
	runProblems = [];
	void startComparison();
});
cancelButton.addEventListener('click', () => {
	const run = running('compare');
	if (run) ipc.command(CancelReplayRunCommand, { runId: run.runId });
});

stepSelect.addEventListener('change', () => {
	const i = Number(stepSelect.value);
	if (Number.isInteger(i) && i !== ui.stepScenario) {
		setUi({ ...ui, stepScenario: i });
		stepLimit = 500;
		renderResults();
	}
});

for (const button of exportButtons) {
	button.addEventListener('click', async () => {
		const format = button.dataset.format as ReplayExportFormat;
		exportStatus = 'Exporting…';
		renderResults();
		try {
			const r = await ipc.request(ExportComparisonRequest, { format });
			exportStatus = `Opened the ${r.format === 'markdown' ? 'Markdown' : r.format.toUpperCase()} export (${r.characters.toLocaleString('en-US')} characters) in a new editor; save it where you like.`;
		} catch (e) {
			exportStatus = errorText(e);
		}
		exportStatusLine.textContent = exportStatus;
	});
}

sweepBase.addEventListener('change', () => {
	if (sweepBase.value) setUi({ ...ui, sweep: { ...ui.sweep, base: sweepBase.value } });
});
sweepParam.addEventListener('change', () => {
	if (sweepParam.value) setUi({ ...ui, sweep: { ...ui.sweep, parameter: sweepParam.value as SweepParameter } });
});
sweepValues.addEventListener('input', () => setUi({ ...ui, sweep: { ...ui.sweep, values: sweepValues.value } }));
sweepRun.addEventListener('click', async () => {
	if (sweepRun.hasAttribute('disabled')) return;
	const spec = boot.sweepParameters.find(p => p.id === ui.sweep.parameter);
	const parsed = parseSweepValues(ui.sweep.values, spec?.integer ?? false);
	sweepError = '';
	if ('error' in parsed) {
		sweepError = parsed.error;
	} else {
		const base = ui.scenarios.find(s => s.id === ui.sweep.base) ?? editingScenario();
		await startSweep({ base: base.settings, parameter: ui.sweep.parameter, values: parsed.values });
	}
	renderRunControls();
});
sweepCancel.addEventListener('click', () => {
	const run = running('sweep');
	if (run) ipc.command(CancelReplayRunCommand, { runId: run.runId });
});

// Health check: answer from what is really on the page, so a blank or half-loaded panel fails it.
ipc.on(PanelPingNotification, ({ nonce }) => {
	const generated = /^(vscode-label-\d+|t\d+-[hp]\d+)$/;
	ipc.command(PanelPongCommand, {
		nonce,
		panel: 'replay',
		elementsDefined: ['vscode-button', 'vscode-tabs', 'vscode-textfield', 'vscode-single-select', 'vscode-checkbox', 'vscode-progress-bar'].every(t => customElements.get(t) !== undefined),
		controls: [...document.querySelectorAll('[id]')].map(node => node.id).filter(id => id !== 'app' && id !== 'bootstrap' && !generated.test(id)),
		tables: Object.fromEntries([...document.querySelectorAll('table[id]')].map(t => [t.id, t.querySelectorAll('tbody tr').length])),
		charts: [...document.querySelectorAll('svg.chart')].map(s => s.id).filter(Boolean),
		view: ui.view,
		documentId,
		cspViolations: [...cspViolations],
	});
});

// ── start ───────────────────────────────────────────────────────────────────────────────────

if (savedState !== undefined && ui.lastRun?.length && ui.transcriptUri) {
	rerunUri = ui.transcriptUri;
	rerunScenarios = ui.lastRun;
}
if (savedState !== undefined && ui.lastSweep && ui.transcriptUri) {
	rerunUri = ui.transcriptUri;
	rerunSweep = ui.lastSweep;
}
applySnapshot(snapshot, true);
ipc.ready('replay');
ipc
	// The bootstrap was written when the document was first rendered; this is the current state.
	.request(GetReplayStateRequest, undefined)
	.then(s => applySnapshot(s, true))
	.catch(e => {
		requestError = `Could not read the panel's state from the extension: ${errorText(e)}`;
		renderHeader();
	});
