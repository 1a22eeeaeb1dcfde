// The agent gateway from a REAL VS Code window: Start Gateway runs `agent-cost gateway` as a
// detached process of its own, a call through it (with the stored key injected for the placeholder)
// shows up in the live-run status bar item and the Spend view, one click opens its recording in the
// replay panel, Copy Agent Environment fills the clipboard and a terminal, Stop Gateway stops it.
// The fake provider runs in this test; settings go to this run's private user settings. The
// gateway's budget goes to a Redis server of this test, so the spend of its call never reaches the
// file ledger the live-call tests of the same window check to the cent.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';
import { testSurface } from '../support/testApi';
import { startFakeProviderServer, type FakeProviderServer } from '../support/fakeProviderServer';
import { repoRoot } from '../support/paths';
import { startRedis, type RedisServer } from '../support/redisServer';
import { waitFor } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;
const canary = `sk-ant-api03-GATEWAYCANARY${randomBytes(6).toString('hex')}Q9`;

async function setSettings(values: Record<string, unknown>): Promise<void> {
	const cfg = vscode.workspace.getConfiguration('agentCost');
	for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Global);
	await waitFor('the settings to apply', () => Object.entries(values).every(([k, v]) => JSON.stringify(vscode.workspace.getConfiguration('agentCost').get(k)) === JSON.stringify(v)));
	await new Promise(r => setTimeout(r, 50));
}

describe('agent gateway (real VS Code)', function () {
	this.timeout(120_000);
	let api: AgentCostTestApi;
	let fake: FakeProviderServer;
	let redis: RedisServer;
	const touched = ['providers.anthropic.baseUrl', 'providers.openai.baseUrl', 'gateway.injectKeys', 'budget.runUsd', 'budget.dailyUsd', 'store.redisUrl', 'store.keyPrefix'];
	let recording: string | undefined;

	before(async () => {
		const ext = vscode.extensions.getExtension<AgentCostApi>(extensionId);
		assert.ok(ext, `${extensionId} is not loaded`);
		api = testSurface(await ext.activate());
		fake = await startFakeProviderServer();
		redis = await startRedis();
		await setSettings({
			'providers.anthropic.baseUrl': fake.anthropicBaseUrl,
			'providers.openai.baseUrl': fake.openaiBaseUrl,
			'gateway.injectKeys': true,
			'budget.runUsd': 2,
			'budget.dailyUsd': 10,
			'store.redisUrl': redis.url,
			'store.keyPrefix': 'gatewayIt:',
		});
		await api.secrets.store('anthropic', canary);
	});

	after(async () => {
		// Detached on purpose (it outlives windows): a test must stop it itself.
		await api?.gateway.stop().catch(() => undefined);
		await fake?.close();
		await api?.secrets.delete('anthropic');
		const cfg = vscode.workspace.getConfiguration('agentCost');
		for (const k of touched) await cfg.update(k, undefined, vscode.ConfigurationTarget.Global);
		await redis?.stop();
		if (recording) rmSync(recording, { force: true });
	});

	it('Start Gateway runs it in its own process; a call through it is a run in the status bar and the Spend view, and opens in the replay panel', async () => {
		const state = await vscode.commands.executeCommand<{ url: string; pid: number; mode: string } | undefined>('agentCost.startGateway');
		assert.ok(state, 'the gateway did not start (see the Agent Cost output)');
		assert.match(state.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.notEqual(state.pid, process.pid, 'the gateway runs outside the extension host');
		assert.equal(state.mode, 'observe');
		const env = await waitFor('the agent environment', () => api.gateway.agentEnvironment());
		assert.match(env.env.ANTHROPIC_BASE_URL, new RegExp(`^${state.url}/w/[0-9a-f]{10}$`));
		assert.equal(env.env.ANTHROPIC_API_KEY, 'agent-cost-gateway', 'keys are injected: the agent gets the placeholder');

		fake.enqueue({ type: 'reply', text: 'hello through the gateway', chunkChars: 1000, usage: { input: 1200, output: 30 } });
		const res = await fetch(`${env.env.ANTHROPIC_BASE_URL}/run/vscode-it/v1/messages`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-api-key': env.env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' },
			body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
		});
		assert.equal(res.status, 200);
		assert.match(await res.text(), /hello through the gateway/);
		assert.equal(fake.requests[0]?.headers['x-api-key'], canary, 'the stored key was injected for the placeholder');

		const status = await waitFor(
			'the live-run status bar item',
			() => (/^\$\(pulse\) run 1 call · \$0\.\d+ \/ \$2\.00$/.test(api.gateway.status?.text ?? '') ? api.gateway.status : undefined),
			20_000,
		);
		assert.equal(status.severity, 'ok');
		const [row] = await waitFor('the run in the Spend view', () => {
			const rows = api.gateway.spendViewRuns();
			return rows.length === 1 && rows[0]?.command ? rows : undefined;
		});
		assert.equal(row.label, 'vscode-it');
		assert.match(row.description, /^1 call · 1,230 tok · \$0\.\d+/);
		assert.equal(row.command?.command, 'agentCost.replayTranscript');
		const uri = row.command?.arguments[0] as vscode.Uri;
		recording = uri.fsPath;
		assert.equal(dirname(recording), join(repoRoot(), 'sample-workspace', '.agent-cost', 'recordings'));
		assert.ok(existsSync(join(dirname(recording), '.gitignore')), 'the recordings folder is git-ignored');

		await vscode.commands.executeCommand(row.command!.command, ...row.command!.arguments);
		const opened = await waitFor(
			'the replay panel with the run',
			() => {
				const s = api.replay.snapshot();
				return s?.transcript.status === 'open' ? s : undefined;
			},
			30_000,
		);
		assert.equal(opened.transcript.status === 'open' && opened.transcript.uri, uri.toString());
		assert.ok(opened.transcript.status === 'open' && opened.transcript.transcript.calls.length === 1, JSON.stringify(opened.transcript).slice(0, 300));

		const everything = JSON.stringify([api.gateway.snapshot, api.gateway.status, api.gateway.spendViewRuns(), api.replay.snapshot(), readFileSync(recording, 'utf8')]);
		assert.ok(!everything.includes(canary) && !everything.includes(canary.slice(-12)), 'the key reached the UI or the recording');
	});

	it('Copy Agent Environment puts the variables on the clipboard and opens a terminal with them set', async () => {
		const env = await vscode.commands.executeCommand<{ env: Record<string, string>; text: string }>('agentCost.copyAgentEnvironment');
		assert.ok(env);
		const clip = await vscode.env.clipboard.readText();
		assert.match(clip, new RegExp(`export ANTHROPIC_BASE_URL=${env.env.ANTHROPIC_BASE_URL}`));
		assert.match(clip, /export OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/w\/[0-9a-f]{10}\/v1/);
		const terminal = await waitFor('the agent terminal', () => vscode.window.terminals.find(t => t.name === 'Agent (via Agent Cost gateway)'));
		assert.equal((terminal.creationOptions as vscode.TerminalOptions).env?.ANTHROPIC_BASE_URL, env.env.ANTHROPIC_BASE_URL);
		terminal.dispose();
	});

	it('Stop Gateway stops it after its calls; the status bar item goes away', async () => {
		const url = api.gateway.state?.url;
		assert.ok(url);
		assert.equal(await vscode.commands.executeCommand('agentCost.stopGateway'), true);
		await waitFor('the status bar item to go', () => api.gateway.status === undefined, 15_000);
		let up = true;
		for (let i = 0; i < 100 && up; i++) {
			up = await fetch(`${url}/v1/models`).then(
				() => true,
				() => false,
			);
			if (up) await new Promise(r => setTimeout(r, 100));
		}
		assert.equal(up, false, 'the gateway no longer answers');
	});
});
