// Live, budgeted calls and Compress Prompt inside a REAL VS Code extension host: the fake OpenAI /
// Anthropic server runs in this test (127.0.0.1), the settings point the providers at it, keys go
// into SecretStorage, and the commands run as a user would run them from the palette.
//
// Settings are written to the USER settings of this run's private profile (not the shared
// sample-workspace/.vscode/settings.json), so a concurrent run by someone else never sees them.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';
import { testSurface } from '../support/testApi';
import type { CompressPromptOutcome } from '../../src/extension/commands/compressPrompt';
import type { RunPromptFileOutcome } from '../../src/extension/commands/runPromptFile';
import { startFakeProviderServer, type FakeProviderServer } from '../support/fakeProviderServer';
import { repoRoot, transcriptsDir } from '../support/paths';
import { CancelProbeCommand, RunProbeRequest, type ProbeState } from '../../src/protocol/replay';
import type { TranscriptCommandResult } from '../../src/extension/commands/replayCommands';
import { waitFor as waitForValue } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;
const workspace = join(repoRoot(), 'sample-workspace');
const prompts = join(workspace, 'prompts');

const tail = randomBytes(6).toString('hex');
const keys = {
	openai: `sk-proj-INTEGCANARYopenai${tail}Q1`,
	anthropic: `sk-ant-api03-INTEGCANARYanthropic${tail}Q2`,
	wrong: `sk-proj-INTEGCANARYwrong${tail}Q3`,
};
const fragments = (k: string) => [k, k.slice(8, 26), k.slice(-10)];

/**
 * The shadow probe's transcript (a real tau-bench run on gpt-4o) and how the fake answers it: a
 * request is at step N when it carries N-1 assistant turns; even steps answer as the run did, odd
 * steps go elsewhere — so which steps agree is known in advance.
 */
const tauFile = join(transcriptsDir(), 'openai_chat', 'taubench_gpt-4o_airline_idx000_task0_trial0.json');
type TauMessage = { role: string; content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
const tauAssistant = (JSON.parse(readFileSync(tauFile, 'utf8')) as { traj: TauMessage[] }).traj.filter(m => m.role === 'assistant');
function tauResponder({ body }: { body: unknown }) {
	const messages = (body as { messages?: TauMessage[] }).messages ?? [];
	if (!messages.some(m => m.role === 'system' && typeof m.content === 'string' && m.content.includes('airline'))) return undefined;
	const step = messages.filter(m => m.role === 'assistant').length + 1;
	const recorded = tauAssistant[step - 1];
	const usage = { output: 30 };
	if (step % 2 === 0 && recorded)
		return {
			text: recorded.content ?? '',
			toolCalls: (recorded.tool_calls ?? []).map(c => ({ id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) as Record<string, unknown> })),
			usage,
		};
	return recorded?.tool_calls?.length
		? { text: '', toolCalls: [{ name: 'transfer_to_human_agents', arguments: { summary: 'somewhere else entirely' } }], usage }
		: { text: 'Let me transfer you to a human agent, who will book a different trip for another passenger.', usage };
}

/** Tab, webview and status changes reach the extension host asynchronously (REAL-VSCODE.md pitfall 9). */
const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000) => waitForValue(what, probe, timeoutMs);

/** Sets user settings and waits until the extension host sees them (the extension re-reads on the same event). */
async function setSettings(values: Record<string, unknown>): Promise<void> {
	const cfg = vscode.workspace.getConfiguration('agentCost');
	for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Global);
	await waitFor('the settings to apply', () =>
		Object.entries(values).every(
			([k, v]) => JSON.stringify(vscode.workspace.getConfiguration('agentCost').get(k)) === JSON.stringify(v ?? vscode.workspace.getConfiguration('agentCost').inspect(k)?.defaultValue),
		),
	);
	await new Promise(resolve => setTimeout(resolve, 50));
}

function walk(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap(n => {
		const p = join(dir, n);
		try {
			return statSync(p).isDirectory() ? walk(p) : [p];
		} catch {
			return [];
		}
	});
}

async function run(file: string): Promise<RunPromptFileOutcome> {
	const outcome = await vscode.commands.executeCommand<RunPromptFileOutcome>('agentCost.runPromptFile', vscode.Uri.file(join(prompts, file)));
	assert.ok(outcome, 'the command returned nothing');
	return outcome;
}

function answerText(outcome: RunPromptFileOutcome): string {
	const doc = vscode.workspace.textDocuments.find(d => d.uri.toString() === outcome.answerUri);
	assert.ok(doc, 'the answer document is not open');
	return doc.getText();
}

describe('live calls: Run Prompt File, spend, Compress Prompt (real VS Code extension host)', function () {
	this.timeout(120_000);
	let api: AgentCostTestApi;
	let server: FakeProviderServer;
	/** Every value the commands returned and the status texts seen, for the canary search. */
	const seen: unknown[] = [];
	const settingsTouched = ['providers.openai.baseUrl', 'providers.anthropic.baseUrl', 'tiers.cheap', 'tiers.medium', 'tiers.expensive', 'budget.dailyUsd', 'metrics.enabled', 'metrics.port'];

	before(async () => {
		api = testSurface(await vscode.extensions.getExtension<AgentCostApi>(extensionId)!.activate());
		server = await startFakeProviderServer({ keys: { openai: keys.openai, anthropic: keys.anthropic }, respond: tauResponder });
		// Every tier on one OpenAI model: the routing is explained either way, the prices are known.
		await setSettings({
			'providers.openai.baseUrl': server.openaiBaseUrl,
			'providers.anthropic.baseUrl': server.anthropicBaseUrl,
			'tiers.cheap': 'gpt-4o-mini',
			'tiers.medium': 'gpt-4o-mini',
			'tiers.expensive': 'gpt-4o-mini',
		});
		await api.secrets.store('openai', keys.openai);
		await api.secrets.store('anthropic', keys.anthropic);
	});

	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await setSettings(Object.fromEntries(settingsTouched.map(k => [k, undefined])));
		await api.secrets.delete('openai');
		await api.secrets.delete('anthropic');
		await server?.close();
		const recordings = api.live.paths.recordingsDir;
		if (recordings.startsWith(workspace)) {
			rmSync(recordings, { recursive: true, force: true });
			const parent = dirname(recordings);
			if (existsSync(parent) && readdirSync(parent).length === 0) rmSync(parent, { recursive: true, force: true });
		}
	});

	afterEach(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('contributes the live-call commands and a spend status bar item next to the lens item', async () => {
		const commands = await vscode.commands.getCommands(true);
		for (const id of ['agentCost.setApiKey', 'agentCost.clearApiKey', 'agentCost.runPromptFile', 'agentCost.compressPrompt', 'agentCost.showSpend'])
			assert.ok(commands.includes(id), `${id} is not registered`);
		await api.live.refreshStatus();
		const s = api.live.spendStatus;
		assert.equal(s.id, 'agentCost.spend');
		assert.notEqual(s.id, api.statusBar.id);
		assert.equal(s.text, '$(credit-card) $0.00 / $5.00');
		assert.equal(s.severity, 'ok');
		assert.match(s.tooltip, /daily budget/);
		seen.push(s);
	});

	it('runs a prompt file: the answer opens beside it with model, tokens and cost, the spend and the recording follow', async () => {
		server.enqueue({ type: 'reply', text: 'The PR makes payment webhooks idempotent and retries transient errors.', usage: { input: 100_000, output: 2_000 }, chunkChars: 6, chunkDelayMs: 5 });
		const outcome = await run('summarize-pull-request.prompt.md');
		seen.push(outcome);
		assert.equal(outcome.kind, 'answered', JSON.stringify(outcome));
		if (outcome.kind !== 'answered' || outcome.result.kind !== 'answered') return;
		const r = outcome.result;
		assert.equal(r.model, 'gpt-4o-mini');
		// gpt-4o-mini: $0.15 / $0.60 per million input / output tokens.
		assert.ok(Math.abs(r.costUsd! - 0.0162) < 1e-9, String(r.costUsd));

		// The request: the file's body as one user message, front matter stripped, the key from SecretStorage.
		const req = server.requests.at(-1)!;
		assert.equal(req.headers.authorization, `Bearer ${keys.openai}`);
		const body = req.body as { model: string; messages: { role: string; content: string }[]; stream: boolean };
		assert.equal(body.model, 'gpt-4o-mini');
		assert.equal(body.stream, true);
		assert.equal(body.messages.length, 1);
		assert.match(body.messages[0].content, /^You are a senior engineer reviewing a pull request/);
		assert.ok(!body.messages[0].content.includes('description: Summarize'), 'front matter was sent');

		const text = answerText(outcome);
		assert.match(text, /^# Answer: summarize-pull-request\.prompt\.md/);
		assert.match(text, /\*\*Model\*\* gpt-4o-mini \(OpenAI\)/);
		assert.match(text, /\*\*Tokens\*\* 100,000 in \/ 2,000 out tokens/);
		assert.match(text, /\*\*Cost\*\* \$0\.016/);
		assert.match(text, /\*\*Routing\*\* \w+ tier → gpt-4o-mini/);
		assert.ok(text.endsWith('The PR makes payment webhooks idempotent and retries transient errors.\n'));
		const beside = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === outcome.answerUri);
		assert.ok(beside, 'the answer is not visible');
		assert.equal(beside.document.languageId, 'markdown');

		await waitFor('the spend status to update', () => api.live.spendStatus.text === '$(credit-card) $0.016 / $5.00');
		assert.match(api.live.spendStatus.tooltip, /Last call: gpt-4o-mini · \$0\.016/);
		seen.push(api.live.spendStatus);

		// The recording: the product's format, in the workspace's git-ignored recordings folder.
		assert.ok(r.recordingFile.startsWith(join(workspace, '.agent-cost', 'recordings')), r.recordingFile);
		assert.equal(
			readFileSync(join(dirname(r.recordingFile), '.gitignore'), 'utf8')
				.trim()
				.split('\n')
				.pop(),
			'*',
		);
		const lines = readFileSync(r.recordingFile, 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as Record<string, unknown>);
		const call = lines.find(l => l.type === 'call' && l.runId === r.runId);
		assert.ok(call, 'no recording line for the call');
		assert.equal(call.model, 'gpt-4o-mini');
		assert.equal(call.costUsd, r.costUsd);
	});

	it('an identical run is a cache hit: no provider call, no spend', async () => {
		const before = server.requests.length;
		const outcome = await run('summarize-pull-request.prompt.md');
		seen.push(outcome);
		assert.equal(outcome.kind === 'answered' && outcome.result.kind === 'answered' && outcome.result.source, 'exactCache');
		assert.equal(server.requests.length, before);
		assert.match(answerText(outcome), /\$0\.00 \(cache hit\)/);
		assert.equal(api.live.spendStatus.text, '$(credit-card) $0.016 / $5.00');
	});

	it('a hard daily budget refuses the call with the numbers; the status turns red and the refusal is recorded', async () => {
		await setSettings({ 'budget.dailyUsd': 0.01 });
		try {
			await refusedRun();
		} finally {
			await setSettings({ 'budget.dailyUsd': undefined });
		}
		await waitFor('the status bar to recover', () => api.live.spendStatus.severity === 'ok' || undefined);
	});

	async function refusedRun(): Promise<void> {
		await waitFor('the status bar to show the new limit', () => api.live.spendStatus.text === '$(credit-card) $0.016 / $0.010' || undefined);
		const before = server.requests.length;
		const outcome = await run('code-review.prompt');
		seen.push(outcome);
		assert.equal(outcome.kind, 'refused', JSON.stringify(outcome));
		if (outcome.kind !== 'refused' || outcome.result.kind !== 'refused') return;
		assert.equal(outcome.result.reason, 'daily');
		assert.match(outcome.result.message, /daily budget \(agentCost\.budget\.dailyUsd\) has \$0\.0000 left of \$0\.0100 \(\$0\.0162 spent/);
		assert.equal(server.requests.length, before, 'the refused call never reached the provider');
		assert.match(answerText(outcome), /^# Refused: code-review\.prompt/);
		assert.equal(api.live.spendStatus.severity, 'error');
		const events = readFileSync(outcome.result.recordingFile, 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as Record<string, unknown>)
			.filter(l => l.type === 'event' && l.kind === 'budgetRefused');
		assert.ok(events.some(e => e.runId === (outcome.result as { runId: string }).runId && e.message === (outcome.result as { message: string }).message));
	}

	it("a wrong key fails with the provider's reason and never shows the key", async () => {
		await api.secrets.store('openai', keys.wrong);
		try {
			const outcome = await run('support-triage.prompty');
			seen.push(outcome);
			assert.equal(outcome.kind, 'failed', JSON.stringify(outcome));
			if (outcome.kind !== 'failed' || outcome.result.kind !== 'failed') return;
			assert.equal(outcome.result.reason, 'auth');
			assert.equal(outcome.result.provider, 'openai');
			const req = server.requests.at(-1)!;
			assert.equal(req.headers.authorization, `Bearer ${keys.wrong}`, 'the wrong key was really sent');
			// The Prompty file: its own model, its system/user sections with the sample filled in.
			const body = req.body as { model: string; messages: { role: string; content: string }[] };
			assert.equal(body.model, 'gpt-4o-mini');
			assert.deepEqual(
				body.messages.map(m => m.role),
				['system', 'user'],
			);
			assert.match(body.messages[0].content, /support tickets for Acme Billing/);
			assert.match(body.messages[1].content, /INV-20931/);
			assert.match(answerText(outcome), /^# Failed: support-triage\.prompty/);
		} finally {
			await api.secrets.store('openai', keys.openai);
		}
	});

	it("the Spend view lists today's calls by model with cache hits and budget events", async () => {
		const report = await api.live.spendReport();
		seen.push(report);
		assert.ok(report);
		const mini = report.byModel.find(m => m.model === 'gpt-4o-mini');
		assert.ok(mini, JSON.stringify(report.byModel));
		assert.ok(mini.calls >= 3 && mini.cacheHits >= 1 && mini.errors >= 1, JSON.stringify(mini));
		assert.ok(report.events.some(e => e.kind === 'refused'));
		assert.ok(report.ledger && Math.abs(report.ledger.spentUsd - 0.0162) < 1e-6, JSON.stringify(report.ledger));
	});

	it('Compress Prompt: "nothing to save" on a chat file\'s JSON layout; lossy preview with tokens sent, then Apply edits the body only', async () => {
		// A chat file's indentation is not sent (the messages are re-serialized): nothing to save, nothing to apply.
		const chatUri = vscode.Uri.file(join(prompts, 'refactor-agent.messages.json'));
		const chat = await vscode.workspace.openTextDocument(chatUri);
		const chatText = chat.getText();
		const nothing = await vscode.commands.executeCommand<CompressPromptOutcome>('agentCost.compressPrompt', { uri: chatUri.toString(), strategy: 'lossless', decision: 'apply' });
		seen.push(nothing);
		assert.equal(nothing?.kind, 'nothingToSave', JSON.stringify(nothing));
		if (nothing?.kind !== 'nothingToSave') return;
		assert.match(nothing.message, /Nothing to save: .*re-serialized before sending/);
		assert.equal(nothing.preview.tokensAfter, nothing.preview.tokensBefore);
		assert.equal(chat.getText(), chatText, 'the chat file is untouched');
		assert.equal(chat.isDirty, false);
		assert.equal(
			vscode.window.tabGroups.all.flatMap(g => g.tabs).some(t => t.input instanceof vscode.TabInputTextDiff),
			false,
			'no preview for nothing to save',
		);

		const uri = vscode.Uri.file(join(prompts, 'onboarding-reply.prompt.md'));
		const doc = await vscode.workspace.openTextDocument(uri);
		await vscode.window.showTextDocument(doc);
		const original = doc.getText();
		const frontMatter = original.slice(0, original.indexOf('---', 3) + 4);
		try {
			const outcome = await vscode.commands.executeCommand<CompressPromptOutcome>('agentCost.compressPrompt', { uri: uri.toString(), strategy: 'lossy', targetRatio: 0.8, decision: 'apply' });
			seen.push(outcome);
			assert.equal(outcome?.kind, 'applied', JSON.stringify(outcome));
			if (outcome?.kind !== 'applied') return;
			assert.equal(outcome.previewShown, true, 'the diff preview did not open');
			assert.equal(outcome.preview.verdict, 'saves');
			// The file names gpt-4o-mini: counted and priced with it.
			assert.equal(outcome.preview.model, 'gpt-4o-mini');
			assert.ok(outcome.preview.tokensAfter < outcome.preview.tokensBefore, JSON.stringify(outcome.preview));
			assert.ok(outcome.preview.usdBefore !== null && outcome.preview.usdAfter !== null && outcome.preview.usdAfter < outcome.preview.usdBefore);
			const after = doc.getText();
			assert.ok(after.startsWith(frontMatter), 'front matter untouched');
			assert.ok(after.includes('The customer has just signed up and is new to accounting software.'), after);
			assert.ok(after.includes('settings_path: Settings > Bank feeds > Add account'), 'the YAML block is data');
			assert.equal(doc.isDirty, true, 'applied as an edit, not saved');
			assert.equal(
				vscode.window.tabGroups.all.flatMap(g => g.tabs).some(t => t.input instanceof vscode.TabInputTextDiff),
				false,
				'the preview was closed',
			);
		} finally {
			await vscode.window.showTextDocument(doc);
			await vscode.commands.executeCommand('workbench.action.files.revert');
		}
		assert.equal(doc.getText(), original, 'reverted');
		// Cancel leaves the document alone.
		const cancelled = await vscode.commands.executeCommand<CompressPromptOutcome>('agentCost.compressPrompt', { uri: uri.toString(), strategy: 'lossless', decision: 'cancel' });
		assert.equal(cancelled?.kind, 'cancelled', JSON.stringify(cancelled));
		assert.equal(doc.getText(), original);
	});

	it('metrics: the Prometheus endpoint starts on 127.0.0.1 when enabled and stops when disabled, without a reload', async () => {
		const port = await new Promise<number>((resolve, reject) => {
			const probe = createServer();
			probe.once('error', reject);
			probe.listen(0, '127.0.0.1', () => {
				const p = (probe.address() as AddressInfo).port;
				probe.close(() => resolve(p));
			});
		});
		try {
			await setSettings({ 'metrics.port': port, 'metrics.enabled': true });
			const url = await waitFor('the metrics endpoint', () => api.live.metrics?.url);
			assert.equal(url, `http://127.0.0.1:${port}/metrics`);
			const text = await (await fetch(url)).text();
			assert.match(text, /agent_cost_calls_total\{model="gpt-4o-mini",status="ok"\} 1/);
			assert.match(text, /agent_cost_calls_total\{model="gpt-4o-mini",status="cache_hit"\} 1/);
			// At least this file's refusal: the engine worker's registry is shared with the other test
			// files of the run (the hostile-workspace test is refused on purpose too).
			assert.match(text, /agent_cost_budget_events_total\{kind="refused",scope="day"\} [1-9]\d*\n/);
			seen.push(text);
		} finally {
			await setSettings({ 'metrics.enabled': undefined, 'metrics.port': undefined });
		}
		await waitFor('the endpoint to stop', () => api.live.metrics?.enabled === false);
		await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
	});

	it('shadow probe from the replay panel: sampled steps sent to the scenario model under the cap, answers compared, calls recorded and counted as spend', async () => {
		const opened = await vscode.commands.executeCommand<TranscriptCommandResult>('agentCost.replayTranscript', vscode.Uri.file(tauFile));
		assert.equal(opened?.status, 'open', JSON.stringify(opened));
		const snapshot = () => api.replay.snapshot()!;
		const base = snapshot().defaults.asRecorded;
		const scenario = { ...base, name: 'All on gpt-4o-mini', routing: { ...base.routing, mode: 'fixed' as const, model: 'gpt-4o-mini' } };

		// The webview is untrusted: sample and cap are checked on the host, nothing is sent.
		const before = server.requests.length;
		const typo = await api.replay.request(RunProbeRequest, { scenario: { ...scenario, routing: { ...scenario.routing, maxRetries: -3 } }, sample: 2, maxUsd: 1 });
		assert.ok(!typo.ok && typo.reason === 'badRequest' && /Fix the scenario/.test(typo.error), `paid calls are not sent for replaced settings: ${JSON.stringify(typo)}`);
		for (const bad of [
			{ sample: 0, maxUsd: 1 },
			{ sample: 5, maxUsd: 0 },
			{ sample: 51, maxUsd: 1 },
			{ sample: 5, maxUsd: Number.NaN },
		]) {
			const r = await api.replay.request(RunProbeRequest, { scenario, ...bad });
			assert.ok(!r.ok && r.reason === 'badRequest', `${JSON.stringify(bad)} → ${JSON.stringify(r)}`);
		}
		assert.equal(server.requests.length, before);

		const spentBefore = (await api.live.spendReport())?.ledger?.spentUsd ?? 0;
		const started = await api.replay.request(RunProbeRequest, { scenario, sample: 4, maxUsd: 0.5 });
		assert.ok(started.ok, JSON.stringify(started));
		assert.equal(snapshot().probe?.status, 'running');
		// One probe at a time: it spends money, so a second one is refused rather than restarting the first.
		const second = await api.replay.request(RunProbeRequest, { scenario, sample: 2, maxUsd: 0.5 });
		assert.ok(!second.ok && second.reason === 'badRequest' && /running/.test(second.error), JSON.stringify(second));
		const state = (await api.replay.whenProbeFinished()) as ProbeState;
		assert.equal(state.status, 'done', JSON.stringify(state));
		if (state.status !== 'done') return;
		const r = state.result;
		assert.equal(r.scenario, 'All on gpt-4o-mini');
		assert.equal(r.sent, 4);
		assert.equal(server.requests.length, before + 4, 'exactly the sampled steps reached the provider');
		for (const req of server.requests.slice(before)) assert.equal((req.body as { model: string }).model, 'gpt-4o-mini');
		for (const step of r.steps) assert.equal(step.status, step.step % 2 === 0 ? 'agreed' : 'disagreed', JSON.stringify(step));
		const agreed = r.steps.filter(s => s.status === 'agreed').length;
		assert.deepEqual(
			Object.values(r.byTier).reduce((a, t) => ({ sent: a.sent + t.sent, agreed: a.agreed + t.agreed }), { sent: 0, agreed: 0 }),
			{ sent: 4, agreed },
		);
		assert.ok(r.costUsd > 0 && r.costUsd <= 0.5, String(r.costUsd));
		// Recorded as its own run, and the day's budget ledger counts it.
		const lines = readFileSync(state.recordingFile, 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as { type: string; runId?: string; model?: string });
		assert.equal(lines.filter(l => l.type === 'call' && l.runId?.startsWith('probe-') && l.model === 'gpt-4o-mini').length, 4);
		const spentAfter = (await api.live.spendReport())?.ledger?.spentUsd ?? 0;
		assert.ok(Math.abs(spentAfter - spentBefore - r.costUsd) < 1e-9, `spend went from ${spentBefore} to ${spentAfter}, the probe cost ${r.costUsd}`);

		// A cap below one call's worst case: nothing is sent, the probe says the cap stopped it.
		const capped = await api.replay.request(RunProbeRequest, { scenario, sample: 3, maxUsd: 0.000001 });
		assert.ok(capped.ok, JSON.stringify(capped));
		const cappedState = (await api.replay.whenProbeFinished()) as ProbeState;
		assert.equal(cappedState.status, 'done', JSON.stringify(cappedState));
		if (cappedState.status === 'done') {
			assert.equal(cappedState.result.sent, 0);
			assert.ok(cappedState.result.cappedAt !== undefined);
			assert.ok(cappedState.result.steps.every(s => s.status === 'notSent'));
		}
		assert.equal(server.requests.length, before + 4, 'the capped probe sent nothing');
		// Cancelling when nothing runs is harmless.
		assert.equal(api.replay.command(CancelProbeCommand, undefined), true);

		// A probe belongs to its transcript: opening another one cancels it and drops its state, and a
		// new probe can start at once (the cancelled one does not block it).
		const running = await api.replay.request(RunProbeRequest, { scenario, sample: 4, maxUsd: 0.5 });
		assert.ok(running.ok, JSON.stringify(running));
		const other = join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json');
		const reopened = await vscode.commands.executeCommand<TranscriptCommandResult>('agentCost.replayTranscript', vscode.Uri.file(other));
		assert.equal(reopened?.status, 'open', JSON.stringify(reopened));
		assert.equal(snapshot().probe, null, "the other transcript starts without the first one's probe");
		const fresh = await api.replay.request(RunProbeRequest, { scenario: { ...snapshot().defaults.asRecorded, name: 'As recorded' }, sample: 1, maxUsd: 0.5 });
		assert.ok(fresh.ok, JSON.stringify(fresh));
		const freshState = (await api.replay.whenProbeFinished()) as ProbeState;
		assert.ok(freshState.status === 'done' || freshState.status === 'failed', JSON.stringify(freshState));
		assert.equal(snapshot().probe?.scenario, 'As recorded');
		seen.push(state, cappedState);
	});

	it('canary: no key appears in recordings, ledger, caches, settings, logs, status texts or results', async () => {
		const p = api.live.paths;
		const globalStorage = dirname(p.ledgerDir);
		const userData = dirname(dirname(dirname(globalStorage)));
		const files = [
			...walk(p.recordingsDir),
			...walk(globalStorage),
			...walk(dirname(p.cacheDir)),
			join(userData, 'User', 'settings.json'),
			...(existsSync(join(workspace, '.vscode', 'settings.json')) ? [join(workspace, '.vscode', 'settings.json')] : []),
			...walk(userData).filter(f => /[\\/]logs[\\/]/.test(f)),
		];
		const texts = files.map(f => [f, readFileSync(f, 'utf8')] as const);
		// The Output channel's file must be among the searched files (else the log was not searched).
		assert.ok(
			texts.some(([, t]) => t.includes('call summarize-pull-request.prompt.md: gpt-4o-mini ok')),
			`the Agent Cost log file was not found among ${files.length} files`,
		);
		assert.ok(texts.some(([f]) => f.endsWith('.agent-cost.jsonl')) && texts.some(([f]) => /spend-.*\.jsonl$/.test(f)) && texts.some(([f]) => f.endsWith('response-cache.json')), files.join('\n'));
		const docs = vscode.workspace.textDocuments.filter(d => d.uri.scheme.startsWith('agent-cost')).map(d => [d.uri.toString(), d.getText()] as const);
		const all = [...texts, ...docs, ['results', JSON.stringify(seen)] as const, ['status', JSON.stringify(api.live.spendStatus)] as const];
		for (const key of Object.values(keys)) for (const fragment of fragments(key)) for (const [where, text] of all) assert.ok(!text.includes(fragment), `${fragment} found in ${where}`);
	});
});
