// The transcript report and the replay panel inside a real VS Code: commands open a shared
// transcript, the webview renders the report, a comparison runs through the same handlers the
// webview's messages use (engine worker and all), and its numbers match the engine run directly.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TokenCounter } from '../../src/core/ports/tokenCounter';
import { roundForOutput } from '../../src/core/lib/outputNumbers';
import { createPriceCatalog } from '../../src/core/pricing/catalog';
import { compareScenarios } from '../../src/core/replay/comparison';
import { PreparedRun } from '../../src/core/replay/preparedRun';
import type { ReplayScenario } from '../../src/core/replay/scenario';
import { countChat, countText } from '../../src/core/tokens/count';
import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';
import { testSurface } from '../support/testApi';
import type { TranscriptCommandResult } from '../../src/extension/commands/replayCommands';
import { readTranscriptFile } from '../../src/node/transcriptFiles';
import type { ReplaySnapshot } from '../../src/protocol/replay';
import { CancelReplayRunCommand, ExportComparisonRequest, RunComparisonRequest, RunSweepRequest } from '../../src/protocol/replay';
import { repoRoot, transcriptsDir } from '../support/paths';
import { waitFor as waitForValue } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const sampleTranscript = join(repoRoot(), 'sample-workspace', 'transcripts', 'mswea_gemini3pro_django__django-14765.traj.json');

/** Tab, webview and status changes reach the extension host asynchronously (REAL-VSCODE.md pitfall 9). */
const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000) => waitForValue(what, probe, timeoutMs);

/** The same comparison computed by the engine in this process, without the panel, IPC or worker. */
async function engineComparison(file: string, scenarios: readonly ReplayScenario[]) {
	const counter: TokenCounter = { countText, countChat };
	const transcript = await readTranscriptFile(file, { counter, displayName: file });
	const run = new PreparedRun(transcript, { counter, catalog: createPriceCatalog({ overrides: {} }) });
	return compareScenarios(run, scenarios);
}

describe('transcript report and replay panel (real VS Code extension host)', function () {
	this.timeout(120_000);
	let api: AgentCostTestApi;
	let tmp: string;
	const snap = (): ReplaySnapshot => {
		const s = api.replay.snapshot();
		assert.ok(s, 'the replay panel is not open');
		return s;
	};

	before(async () => {
		const extension = vscode.extensions.getExtension<AgentCostApi>(`${manifest.publisher}.${manifest.name}`);
		assert.ok(extension);
		api = testSurface(await extension.activate());
		tmp = mkdtempSync(join(tmpdir(), 'agent-cost-replay-'));
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		rmSync(tmp, { recursive: true, force: true });
	});

	it('contributes the replay commands and the transcript custom editor', async () => {
		const commands = await vscode.commands.getCommands(true);
		for (const id of ['agentCost.openReplayPanel', 'agentCost.replayTranscript', 'agentCost.openTranscriptReport']) assert.ok(commands.includes(id), `${id} is not registered`);
		const contributes = vscode.extensions.getExtension(`${manifest.publisher}.${manifest.name}`)!.packageJSON.contributes;
		const editor = contributes.customEditors.find((e: { viewType: string }) => e.viewType === 'agentCost.transcript');
		assert.equal(editor.priority, 'option');
		const patterns = editor.selector.map((s: { filenamePattern: string }) => s.filenamePattern);
		for (const p of ['*.traj', '*.traj.json', '*.agent-cost.jsonl']) assert.ok(patterns.includes(p), `customEditors misses ${p}`);
	});

	it('"Open Transcript Report" on a shared transcript shows its per-call table and totals', async () => {
		const result = await vscode.commands.executeCommand<TranscriptCommandResult>('agentCost.openTranscriptReport', vscode.Uri.file(sampleTranscript));
		assert.deepEqual(result, { status: 'open', file: 'transcripts/mswea_gemini3pro_django__django-14765.traj.json' });
		const t = snap().transcript;
		assert.equal(t.status, 'open');
		if (t.status !== 'open') return;
		const r = t.transcript.report;
		assert.equal(r.format, 'mini-swe-agent');
		assert.equal(r.calls, 13);
		assert.deepEqual(r.models, ['google/gemini-3-pro-preview']);
		assert.deepEqual(r.usage, { input: 80_192, cacheRead: 46_437, cacheWrite: 0, output: 2_913, reasoning: 238 });
		assert.deepEqual(r.usageSources, { recorded: 13 });
		// mini-SWE-agent records the cost of each call; the recomputation reproduces it.
		assert.ok(r.recordedCostUsd !== null && r.computedCostUsd !== null);
		assert.ok(Math.abs(r.recordedCostUsd - r.computedCostUsd) < 1e-9, `recorded ${r.recordedCostUsd} ≠ computed ${r.computedCostUsd}`);
		assert.equal(t.transcript.calls.length, 13);
		for (const c of t.transcript.calls) assert.ok(c.recordedCostUsd !== undefined && c.computedCostUsd !== null && Math.abs(c.recordedCostUsd - c.computedCostUsd) < 1e-9, `call ${c.index}`);

		// The tab is titled with the transcript's name.
		const tab = await waitFor('the replay tab titled with the transcript', () =>
			vscode.window.tabGroups.all.flatMap(g => g.tabs).find(x => x.input instanceof vscode.TabInputWebview && x.label === 'Replay: mswea_gemini3pro_django__django-14765.traj.json'),
		);
		assert.ok(tab);
		// The webview rendered it: the report view, a totals row and one row per call, under the strict CSP.
		const rendered = await waitForPong(p => p.tables?.['report-calls'] === 13);
		assert.equal(rendered.view, 'report');
		assert.equal(rendered.tables?.['report-totals'], 1);
		assert.equal(rendered.elementsDefined, true);
		assert.deepEqual(rendered.cspViolations, []);
	});

	it('runs a comparison through the panel: the baseline is the recorded cost, scenarios match the engine', async () => {
		const defaults = snap().defaults;
		const scenarios: ReplayScenario[] = [defaults.asRecorded, defaults.productDefaults];
		const started = await api.replay.request(RunComparisonRequest, { scenarios });
		assert.ok(started.ok, started.ok ? '' : started.error);
		assert.deepEqual(started.value.problems, []);
		assert.equal((await api.replay.whenRunFinished(started.value.runId))?.outcome, 'done');
		const s = snap();
		const c = s.comparison;
		assert.ok(c);
		assert.equal(s.lastOutcome?.runId, started.value.runId);
		assert.deepEqual(s.running, []);
		const t = s.transcript;
		assert.ok(t.status === 'open');
		// Baseline = the run as recorded = the file's own cost.
		assert.equal(c.baseline.kind, 'recorded');
		assert.ok(Math.abs(c.baseline.costUsd! - (t.transcript.report.recordedCostUsd ?? Number.NaN)) < 1e-9, `baseline ${c.baseline.costUsd!}`);
		assert.equal(c.baseline.steps, 13);
		assert.equal(c.baseline.inputTokens, 80_192);
		// "As recorded" as a scenario reproduces it exactly.
		assert.equal(c.scenarios[0].name, 'As recorded');
		assert.equal(c.scenarios[0].costUsd, c.baseline.costUsd);
		assert.equal(c.scenarios[0].inputTokens, c.baseline.inputTokens);
		// The product defaults scenario: the same numbers as the engine computes directly.
		const expected = await engineComparison(sampleTranscript, scenarios);
		const got = c.scenarios[1];
		const want = expected.scenarios[1];
		assert.equal(got.name, 'Product defaults');
		assert.equal(got.steps, want.steps);
		assert.equal(got.stoppedAtStep, want.stoppedAtStep);
		assert.equal(got.inputTokens, want.inputTokens);
		assert.equal(got.outputTokens, want.outputTokens);
		assert.ok(Math.abs(got.costUsd! - want.costUsd!) < 1e-12, `panel ${got.costUsd!} vs engine ${want.costUsd!}`);
		assert.deepEqual(
			got.perStep.map(p => p.model),
			want.perStep.map(p => p.model),
		);
		// Tiered routing and compression change this run: it is a real difference, not a copy.
		assert.notEqual(got.costUsd, c.baseline.costUsd);
		assert.equal(got.estimated, true);

		// The webview drew the summary (baseline + 2), the step table and both charts.
		const pong = await waitForPong(p => p.tables?.['summary-table'] === 3);
		assert.ok((pong.tables?.['step-table'] ?? 0) >= 13, JSON.stringify(pong.tables));
		assert.ok(pong.charts?.includes('chart-cost') && pong.charts.includes('chart-input'), JSON.stringify(pong.charts));
		assert.deepEqual(pong.cspViolations, []);
	});

	it('exports the comparison as CSV, Markdown and JSON into untitled editors', async () => {
		const c = snap().comparison!;
		const csv = await api.replay.request(ExportComparisonRequest, { format: 'csv' });
		assert.ok(csv.ok, csv.ok ? '' : csv.error);
		const csvText = await waitFor('the CSV export editor', () => vscode.window.activeTextEditor?.document.getText().startsWith('scenario,step,') && vscode.window.activeTextEditor.document.getText());
		assert.equal(vscode.window.activeTextEditor?.document.isUntitled, true);
		const lines = csvText.trimEnd().split('\r\n');
		assert.equal(lines.length, 1 + c.scenarios.reduce((n, s) => n + s.perStep.length, 0));
		assert.equal(csv.value.characters, csvText.length);

		const json = await api.replay.request(ExportComparisonRequest, { format: 'json' });
		assert.ok(json.ok);
		const parsed = await waitFor('the JSON export editor', () => {
			try {
				return JSON.parse(vscode.window.activeTextEditor?.document.getText() ?? '') as { baseline: { costUsd: number | null }; scenarios: { name: string }[] };
			} catch {
				return undefined;
			}
		});
		// Exports round money to 1e-9 USD, like every machine-readable output (no float noise).
		assert.equal(parsed.baseline.costUsd, c.baseline.costUsd === null ? null : roundForOutput(c.baseline.costUsd));
		assert.deepEqual(
			parsed.scenarios.map(s => s.name),
			['As recorded', 'Product defaults'],
		);
		assert.equal(vscode.window.activeTextEditor?.document.languageId, 'json');

		const md = await api.replay.request(ExportComparisonRequest, { format: 'markdown' });
		assert.ok(md.ok);
		const mdText = await waitFor('the Markdown export editor', () => vscode.window.activeTextEditor?.document.getText().startsWith('# Replay of') && vscode.window.activeTextEditor.document.getText());
		assert.match(mdText, /\| Baseline \(recorded\) \| \$0\.112 \|/);
		assert.equal(vscode.window.activeTextEditor?.document.languageId, 'markdown');

		const bad = await api.replay.request(ExportComparisonRequest, { format: 'pdf' as never });
		assert.equal(bad.ok, false);
		assert.equal(!bad.ok && bad.reason, 'badRequest');
		for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
	});

	it('rebuilds the webview from the snapshot when the panel is hidden and shown again', async () => {
		const shown = await waitForPong(p => p.tables?.['summary-table'] === 3);
		// Another editor in the panel's group hides it: its document is destroyed (no retainContextWhenHidden).
		const readme = vscode.Uri.file(join(repoRoot(), 'sample-workspace', 'README.md'));
		await vscode.window.showTextDocument(readme, { viewColumn: vscode.ViewColumn.Active, preview: false });
		await waitFor('the panel to be hidden', () => vscode.window.activeTextEditor?.document.uri.fsPath === readme.fsPath);
		await vscode.commands.executeCommand('agentCost.openReplayPanel');
		const pong = await waitForPong(p => p.tables?.['summary-table'] === 3 && p.tables['report-calls'] === 13);
		assert.notEqual(pong.documentId, shown.documentId, 'the webview document was not rebuilt, so this proves nothing');
		assert.equal(pong.view, shown.view);
		assert.deepEqual(pong.cspViolations, []);
		const tab = vscode.window.tabGroups.all.flatMap(g => g.tabs).find(t => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === readme.fsPath);
		if (tab) await vscode.window.tabGroups.close(tab);
		assert.equal(api.replayPanelOpen, true);
	});

	it("runs a sweep and rejects values outside the setting's bounds", async () => {
		const defaults = snap().defaults;
		const started = await api.replay.request(RunSweepRequest, { base: defaults.productDefaults, parameter: 'budget.maxSteps', values: [5, 10, 0] });
		assert.ok(started.ok, started.ok ? '' : started.error);
		assert.equal((await api.replay.whenRunFinished(started.value.runId))?.outcome, 'done');
		const sweep = snap().sweep;
		assert.ok(sweep);
		assert.deepEqual(
			sweep.points.map(p => p.value),
			[5, 10, 0],
		);
		assert.deepEqual(
			sweep.points.map(p => p.stoppedAtStep),
			[6, 11, null],
		);
		assert.equal(sweep.best, 0);
		const bad = await api.replay.request(RunSweepRequest, { base: defaults.productDefaults, parameter: 'budget.maxSteps', values: [-1] });
		assert.equal(!bad.ok && bad.reason, 'badRequest');
		const unknown = await api.replay.request(RunSweepRequest, { base: defaults.productDefaults, parameter: 'routing.mode' as never, values: [1] });
		assert.equal(!unknown.ok && unknown.reason, 'badRequest');
		const pong = await waitForPong(p => p.tables?.['sweep-table'] === 3);
		assert.ok(pong.charts?.includes('sweep-bars'));
	});

	it('cancels a long comparison promptly and keeps the previous results', async () => {
		// A long synthetic run (1,500 steps) so the comparison is still going when the cancel arrives.
		const traj: { role: string; content: string }[] = [
			{ role: 'system', content: 'You are a careful coding agent. '.repeat(20) },
			{ role: 'user', content: 'Start the task.' },
		];
		for (let i = 0; i < 1500; i++) {
			traj.push({ role: 'assistant', content: `Step ${i}: I will read file ${i} and report what I find. `.repeat(3) });
			traj.push({ role: 'user', content: `Observation ${i}: ${'the file contains some text '.repeat(20)}` });
		}
		const file = join(tmp, 'long_gpt-4o_run.json');
		writeFileSync(file, JSON.stringify({ traj }));
		const opened = await vscode.commands.executeCommand<TranscriptCommandResult>('agentCost.replayTranscript', vscode.Uri.file(file));
		assert.equal(opened?.status, 'open', JSON.stringify(opened));
		const defaults = snap().defaults;
		const quick = await api.replay.request(RunComparisonRequest, { scenarios: [defaults.asRecorded] });
		assert.ok(quick.ok);
		assert.equal((await api.replay.whenRunFinished(quick.value.runId))?.outcome, 'done');
		const before = snap().comparison;
		assert.equal(before?.scenarios.length, 1);

		const long = Array.from({ length: 40 }, (_, i) => ({
			...defaults.asRecorded,
			name: `trigger ${1000 + i * 100}`,
			compression: { ...defaults.productDefaults.compression, maxTokensBeforeCompression: 1000 + i * 100 },
		}));
		const started = await api.replay.request(RunComparisonRequest, { scenarios: long });
		assert.ok(started.ok);
		const runId = started.value.runId;
		await waitFor('progress of the long comparison', () => snap().running.find(r => r.runId === runId && r.done > 0));
		const t0 = Date.now();
		assert.equal(api.replay.command(CancelReplayRunCommand, { runId }), true);
		const outcome = await api.replay.whenRunFinished(runId);
		const latency = Date.now() - t0;
		assert.equal(outcome?.outcome, 'cancelled');
		assert.ok(latency < 3000, `cancel took ${latency} ms`);
		const after = snap();
		assert.deepEqual(after.running, []);
		assert.equal(after.lastOutcome?.outcome, 'cancelled');
		assert.equal(after.comparison, before, 'a cancelled run must not replace the previous results');
		assert.equal(after.comparison?.scenarios.length, 1);
	});

	it('reopens the transcript when the engine worker dropped it (other files evicted it)', async () => {
		await vscode.commands.executeCommand('agentCost.openTranscriptReport', vscode.Uri.file(sampleTranscript));
		// The worker keeps four prepared runs; five editors on other transcripts push the panel's out.
		const others = [
			join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json'),
			join(transcriptsDir(), 'swe_agent', 'sweagent_gpt4_testrepo_6e44b9.traj'),
			join(transcriptsDir(), 'swe_agent', 'sweagent_demo_marshmallow-1867_default.traj'),
			join(transcriptsDir(), 'claude_code', 'spotter_tool_heavy.jsonl'),
			join(transcriptsDir(), 'claude_code', 'claude-reliability_hello-world-script.jsonl'),
		];
		for (const f of others) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(f), 'agentCost.transcript', { preview: false });
		await waitFor('five transcript editors to open their files', () => {
			const s = api.replay.editorSnapshots();
			return s.length === 5 && s.every(x => x.transcript.status === 'open') ? s : undefined;
		});
		// Custom editors start on the report.
		assert.ok(api.replay.editorSnapshots().every(s => s.viewRequest?.view === 'report'));
		const defaults = snap().defaults;
		const started = await api.replay.request(RunComparisonRequest, { scenarios: [defaults.asRecorded] });
		assert.ok(started.ok);
		const outcome = await api.replay.whenRunFinished(started.value.runId);
		assert.equal(outcome?.outcome, 'done', JSON.stringify(outcome));
		assert.equal(snap().comparison?.baseline.steps, 13);
	});

	it('says why a file cannot be imported, naming the file, with a typed reason', async () => {
		const file = join(tmp, 'broken.traj.json');
		writeFileSync(file, '{"trajectory_format": "mini-swe-agent-1", "messages": [');
		const result = await vscode.commands.executeCommand<TranscriptCommandResult>('agentCost.openTranscriptReport', vscode.Uri.file(file));
		assert.equal(result?.status, 'failed');
		const t = snap().transcript;
		assert.ok(t.status === 'failed');
		assert.ok(['truncated', 'malformed'].includes(t.error.reason), t.error.reason);
		assert.match(t.error.message, /broken\.traj\.json/);
		// Nothing to replay: the request fails with a reason, not a crash.
		const run = await api.replay.request(RunComparisonRequest, { scenarios: [snap().defaults.asRecorded] });
		assert.equal(!run.ok && run.reason, 'noTranscript');
		const empty = await api.replay.request(RunComparisonRequest, { scenarios: [] });
		assert.equal(!empty.ok && empty.reason, 'badRequest');
	});

	async function waitForPong(ok: (p: Awaited<ReturnType<AgentCostTestApi['pingReplayPanel']>>) => boolean, timeoutMs = 20_000) {
		const deadline = Date.now() + timeoutMs;
		let last;
		for (;;) {
			// Short pings: a ping sent while the document reloads is lost, the next one is not.
			last = await api.pingReplayPanel(3000).catch(() => undefined);
			if (last && ok(last)) return last;
			if (Date.now() > deadline) throw new Error(`the webview did not render as expected; last answer: ${JSON.stringify(last)}`);
			await new Promise(resolve => setTimeout(resolve, 200));
		}
	}
});
