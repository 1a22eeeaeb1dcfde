// The lens benchmark's part INSIDE the real extension host (code-server), loaded as the test runner
// (`extensionTestsPath`) by scripts/benchLens.mjs — not part of `npm test`. It reads the activation
// time the extension measured itself, opens 1 MB and 5 MB prompt files, types through the real
// editor (`type` / `deleteLeft` commands, so the cursor and selection events are a user's), and
// records per keystroke: host → count and host → status bar latency, and the time each lens handler
// ran on the extension host's thread. Raw numbers go to BENCH_LENS_OUTPUT; the script aggregates.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { summarize } from '../src/core/lens/timingStats';
import type { AgentCostApi, AgentCostTestApi } from '../src/extension/api';
import { testSurface } from '../test/support/testApi';
import type { LensSnapshot } from '../src/extension/lens/promptLens';
import { repoRoot } from '../test/support/paths';
import { corpusDocument } from '../test/support/tokenCorpus';

const log = (message: string) => console.log(`[bench] ${message}`);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Scenario {
	readonly name: string;
	readonly keystrokes: number;
	/** Pause between keystrokes (0: as fast as the editor takes them). */
	readonly paceMs: number;
}

const scenarios: readonly Scenario[] = [
	{ name: 'burst (as fast as the editor accepts keys)', keystrokes: 300, paceMs: 0 },
	{ name: 'paced (one key every 120 ms, ≈100 wpm)', keystrokes: 80, paceMs: 120 },
];

const sentence = 'The quick brown fox jumps over the lazy dog while the agent counts tokens';

/** The i-th key of a typing session: text with spaces and newlines, and a backspace now and then. */
function key(i: number): { command: 'type'; text: string } | { command: 'deleteLeft' } {
	if (i % 23 === 22) return { command: 'deleteLeft' };
	if (i % 61 === 60) return { command: 'type', text: '\n' };
	return { command: 'type', text: sentence[i % sentence.length] };
}

async function api(): Promise<AgentCostTestApi> {
	const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
	const extension = vscode.extensions.getExtension<AgentCostApi>(`${manifest.publisher}.${manifest.name}`);
	if (!extension) throw new Error('the extension is not loaded');
	return testSurface(await extension.activate());
}

function waitForRender(a: AgentCostTestApi, accept: (s: LensSnapshot) => boolean, timeoutMs: number, what: string): Promise<LensSnapshot> {
	return new Promise((resolve, reject) => {
		const current = a.lens.snapshot;
		if (current && accept(current)) return resolve(current);
		const timer = setTimeout(() => {
			sub.dispose();
			reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (lens shows ${a.lens.snapshot?.text})`));
		}, timeoutMs);
		const sub = a.lens.onDidRender(s => {
			if (!accept(s)) return;
			clearTimeout(timer);
			sub.dispose();
			resolve(s);
		});
	});
}

/** The lens's timed tasks on the extension host's thread (wall clock, see PromptLens). */
const handlerNames = ['change', 'selection', 'answer', 'render', 'activeEditor', 'spawn', 'open', 'read', 'length'] as const;

function samplesSince(a: AgentCostTestApi, marks: Record<string, number>): Record<string, number[]> {
	const out: Record<string, number[]> = {};
	for (const name of handlerNames) out[name] = a.lens.samples(name).slice(marks[name] ?? 0);
	return out;
}

function marksNow(a: AgentCostTestApi): Record<string, number> {
	return Object.fromEntries(handlerNames.map(n => [n, a.lens.samples(n).length]));
}

async function typeSession(a: AgentCostTestApi, editor: vscode.TextEditor, scenario: Scenario) {
	const doc = editor.document;
	const uri = doc.uri.toString();
	// Type in the middle of the document, at the end of a line.
	const middle = doc.positionAt(Math.floor(doc.getText().length / 2)).line;
	const at = doc.lineAt(middle).range.end;
	editor.selection = new vscode.Selection(at, at);
	await sleep(300);
	await waitForRender(a, s => s.uri === uri && s.version === doc.version, 30_000, 'the lens to settle');

	const renders: { version: number; at: number }[] = [];
	const sub = a.lens.onDidRender(s => {
		if (s.uri === uri) renders.push({ version: s.version, at: s.at });
	});
	const arrivals: { version: number; at: number }[] = [];
	const changes = vscode.workspace.onDidChangeTextDocument(e => {
		if (e.document === doc && e.contentChanges.length) arrivals.push({ version: e.document.version, at: performance.now() });
	});
	const marks = marksNow(a);
	const loop = monitorEventLoopDelay({ resolution: 1 });
	loop.enable();
	const sent: number[] = [];
	for (let i = 0; i < scenario.keystrokes; i++) {
		const k = key(i);
		sent.push(performance.now());
		if (k.command === 'type') await vscode.commands.executeCommand('type', { text: k.text });
		else await vscode.commands.executeCommand('deleteLeft');
		if (scenario.paceMs) await sleep(scenario.paceMs);
	}
	const finalVersion = doc.version;
	await waitForRender(a, s => s.uri === uri && s.version === finalVersion, 60_000, 'the last keystroke on the status bar');
	loop.disable();
	changes.dispose();
	sub.dispose();
	const handlers = samplesSince(a, marks);
	if (arrivals.length !== scenario.keystrokes) throw new Error(`${scenario.keystrokes} keys produced ${arrivals.length} document changes`);

	const timeline = new Map(a.lens.timeline(uri).map(t => [t.version, t]));
	const toCount: number[] = [];
	const toStatusBar: number[] = [];
	const hostToCount: number[] = [];
	arrivals.forEach((arrival, i) => {
		const t0 = sent[i];
		const counted = timeline.get(arrival.version)?.countAt;
		if (counted !== undefined) {
			toCount.push(counted - t0);
			hostToCount.push(counted - arrival.at);
		}
		const shown = renders.find(r => r.version >= arrival.version && r.at >= t0);
		if (shown) toStatusBar.push(shown.at - t0);
	});
	const perKeystroke = (['change', 'selection', 'answer', 'render'] as const).reduce((n, h) => n + handlers[h].reduce((x, y) => x + y, 0), 0) / scenario.keystrokes;
	const q = (xs: number[]) => {
		const s = summarize(xs);
		return { count: s.count, median: round(s.median), p95: round(s.p95), max: round(s.max) };
	};
	return {
		scenario: scenario.name,
		keystrokes: scenario.keystrokes,
		rendersShown: renders.length,
		keystrokeToCountMs: q(toCount),
		changeEventToCountMs: q(hostToCount),
		keystrokeToStatusBarMs: q(toStatusBar),
		/** Raw samples (ms) per handler: the script pools the runs. */
		hostThreadMs: Object.fromEntries(
			Object.entries(handlers)
				.filter(([, xs]) => xs.length)
				.map(([name, xs]) => [name, xs.map(x => round(x, 4))]),
		),
		hostThreadMsPerKeystrokeMean: round(perKeystroke),
		eventLoopDelayMs: { p50: round(loop.percentile(50) / 1e6), p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
	};
}

async function benchDocument(a: AgentCostTestApi, dir: string, size: number, label: string) {
	const path = join(dir, `bench-${label.replace(/\s/g, '')}.prompt`);
	writeFileSync(path, corpusDocument(size));
	const marks = marksNow(a);
	const openedAt = performance.now();
	const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
	const editor = await vscode.window.showTextDocument(doc);
	const first = await waitForRender(a, s => s.uri === doc.uri.toString() && s.version === doc.version && s.usd !== undefined, 120_000, `the first count of ${label}`);
	const openMs = first.at - openedAt;
	const openHandlers = samplesSince(a, marks);
	log(
		`${label}: first count on the status bar ${round(openMs, 0)} ms after opening (${first.text}); host thread ms: spawn ${openHandlers.spawn.map(x => round(x, 2)).join(', ') || '–'}, open ${openHandlers.open.map(x => round(x, 2)).join(', ')} (of which length ${openHandlers.length.map(x => round(x, 2)).join(', ')}), range reads max ${round(Math.max(0, ...openHandlers.read), 2)} × ${openHandlers.read.length}`,
	);
	const sessions = [];
	for (const scenario of scenarios) {
		const r = await typeSession(a, editor, scenario);
		const worst = round(Math.max(...Object.values(r.hostThreadMs).flat()));
		log(
			`${label} ${r.scenario}: key → count median ${r.keystrokeToCountMs.median} / p95 ${r.keystrokeToCountMs.p95} ms; key → status bar median ${r.keystrokeToStatusBarMs.median} / p95 ${r.keystrokeToStatusBarMs.p95} ms; longest lens task ${worst} ms`,
		);
		sessions.push(r);
	}
	await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
	return {
		document: label,
		chars: size,
		promptTokens: first.promptTokens,
		openToFirstStatusBarMs: round(openMs, 1),
		openHostThreadMs: Object.fromEntries(
			Object.entries(openHandlers)
				.filter(([, xs]) => xs.length)
				.map(([name, xs]) => [name, xs.map(x => round(x, 4))]),
		),
		sessions,
	};
}

/** The runner entry the workbench calls (`extensionTestsPath`). */
export async function run(): Promise<void> {
	const resultsFile = process.env.TEST_RESULTS_FILE;
	const output = process.env.BENCH_LENS_OUTPUT ?? join(repoRoot(), 'test-results', 'bench-lens-run.json');
	const writeVerdict = (passed: number, failed: number, failures: unknown[] = []) => {
		if (resultsFile) writeFileSync(resultsFile, JSON.stringify({ passed, failed, failures }));
	};
	try {
		const a = await api();
		// Activation already happened at startup (onStartupFinished); it measured itself.
		const stats = a.lens.stats();
		if (!stats.activation) throw new Error('the extension did not record its activation time');
		// No editor is open in the fresh profile: a worker that exists now was started by activation.
		log(
			`activation: ${round(stats.activation.totalMs, 2)} ms (module load ${round(stats.activation.loadMs, 2)} + activate() ${round(stats.activation.activateMs, 2)}, of which the lens ${round(stats.lensConstructMs, 2)}; VS Code's wait in between ${round(stats.activation.hostWaitMs, 2)}); token worker threads started so far: ${stats.workerStarts}`,
		);
		const workerStartedDuringActivation = stats.workerStarts;
		const dir = join(tmpdir(), `agent-cost-lens-bench-${process.pid}`);
		mkdirSync(dir, { recursive: true });
		const documents = [];
		for (const [size, label] of [
			[1_048_576, '1 MB'],
			[5_242_880, '5 MB'],
		] as const) {
			documents.push(await benchDocument(a, dir, size, label));
		}
		const result = {
			date: new Date().toISOString(),
			vscodeVersion: vscode.version,
			uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web (code-server)' : 'desktop',
			node: process.version,
			activation: { ...stats.activation, lensConstructMs: stats.lensConstructMs, workerStartsAtActivation: workerStartedDuringActivation },
			documents,
		};
		writeFileSync(output, JSON.stringify(result, null, '\t'));
		log(`raw results → ${output}`);
		writeVerdict(1, 0);
	} catch (e) {
		const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
		log(`FAILED: ${message}`);
		writeVerdict(0, 1, [{ title: 'lens bench', error: message }]);
		throw e;
	}
}
