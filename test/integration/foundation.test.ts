// The walking skeleton inside a real VS Code extension host: every surface the product stands on
// (activation, commands, status bar, webview messaging, SecretStorage) works through the real API.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';
import { testSurface } from '../support/testApi';
import type { EngineInfo } from '../../src/protocol/engineInfo';
import { repoRoot } from '../support/paths';
import { waitFor as waitForValue } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;

async function activeApi(): Promise<AgentCostTestApi> {
	const extension = vscode.extensions.getExtension<AgentCostApi>(extensionId);
	assert.ok(extension, `extension ${extensionId} is not loaded`);
	return testSurface(await extension.activate());
}

/** Tab, webview and status changes reach the extension host asynchronously (REAL-VSCODE.md pitfall 9). */
const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000) => waitForValue(what, probe, timeoutMs);

function replayTab(): vscode.Tab | undefined {
	return (
		vscode.window.tabGroups.all
			.flatMap(group => group.tabs)
			// The host prefixes webview view types (e.g. "mainThreadWebview-agentCost.replay").
			.find(tab => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('agentCost.replay'))
	);
}

describe('foundation (real VS Code extension host)', () => {
	let api: AgentCostTestApi;

	before(async () => {
		api = await activeApi();
	});

	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	it('activates on startup in this host, with its manifest', () => {
		const extension = vscode.extensions.getExtension(extensionId)!;
		assert.equal(extension.isActive, true);
		assert.equal(extension.packageJSON.version, manifest.version);
	});

	it('contributes its commands under the "Agent Cost" category', async () => {
		const commands = await vscode.commands.getCommands(true);
		for (const id of ['agentCost.showInfo', 'agentCost.openReplayPanel']) assert.ok(commands.includes(id), `${id} is not registered`);
	});

	it('runs "Agent Cost: Show Engine Info" and returns what the engine runs on', async () => {
		const info = await vscode.commands.executeCommand<EngineInfo>('agentCost.showInfo');
		assert.equal(info.extensionVersion, manifest.version);
		// code-server reports a web UI (remote Node host); desktop VS Code (npm run test:electron) does not.
		assert.equal(info.host, vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop');
		assert.ok(info.encodings.includes('o200k_base'), `encodings: ${info.encodings.join(', ')}`);
		assert.ok(info.priceSource.length > 0);
	});

	it('shows its status bar item with a text', () => {
		const { id, text } = api.statusBar;
		assert.equal(id, 'agentCost.lens');
		// The text becomes a live token count later; what matters here is that the item renders something.
		assert.equal(typeof text, 'string');
		assert.ok(text.trim().length > 0, 'status bar text is empty');
	});

	it('opens the replay panel as a webview tab, which answers a ping after rendering', async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		assert.equal(replayTab(), undefined, 'a replay tab was already open');
		await vscode.commands.executeCommand('agentCost.openReplayPanel');
		const tab = await waitFor('the replay panel tab', replayTab);
		assert.equal(tab.label, 'Agent Cost: Replay');
		assert.equal(api.replayPanelOpen, true);

		const pong = await api.pingReplayPanel(20_000);
		assert.equal(pong.panel, 'replay');
		assert.equal(pong.elementsDefined, true, '@vscode-elements/elements did not load in the webview');
		// Nothing open yet: the panel explains what to open. Engine info is a command, not a panel button.
		assert.ok(pong.controls.includes('empty-state') && pong.controls.includes('empty-open-btn'), `controls: ${pong.controls.join(', ')}`);
		assert.ok(!pong.controls.includes('engine-info-btn'), `controls: ${pong.controls.join(', ')}`);

		// Two pings in flight are answered separately (paired by nonce, not by order).
		const [a, b] = await Promise.all([api.pingReplayPanel(20_000), api.pingReplayPanel(20_000)]);
		assert.notEqual(a.nonce, b.nonce);
	});

	it('reveals the same panel instead of opening a second one', async () => {
		await vscode.commands.executeCommand('agentCost.openReplayPanel');
		await vscode.commands.executeCommand('agentCost.openReplayPanel');
		await new Promise(resolve => setTimeout(resolve, 300));
		const tabs = vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('agentCost.replay'));
		assert.equal(tabs.length, 1);
	});

	it('reports a closed panel as closed, and its ping fails with a typed reason', async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		await waitFor('the replay tab to close', () => (replayTab() === undefined && !api.replayPanelOpen ? true : undefined));
		await assert.rejects(api.pingReplayPanel(1000), (e: unknown) => (e as { reason?: string }).reason === 'notOpen');
	});

	it('what any extension gets is read-only counts and spend; the key and replay surface exists only under the test runner', async () => {
		const extension = vscode.extensions.getExtension<AgentCostApi>(extensionId)!;
		const publicApi = await extension.activate();
		assert.deepEqual(Object.keys(publicApi).sort(), ['lens', 'spend', 'statusBar', 'testing']);
		assert.deepEqual(Object.keys(publicApi.spend).sort(), ['report', 'status']);
		assert.deepEqual(Object.keys(publicApi.lens).sort(), ['onDidRender', 'snapshot']);
		assert.ok(publicApi.testing, 'the harness runs the extension under the test runner (ExtensionMode.Test)');
	});

	it('round-trips a provider key through SecretStorage without ever returning it', async () => {
		const key = `sk-test-${randomBytes(12).toString('hex')}`;
		await api.secrets.delete('openai');
		assert.equal(await api.secrets.has('openai'), false);
		try {
			await api.secrets.store('openai', key);
			assert.equal(await api.secrets.has('openai'), true);
			assert.equal(await api.secrets.matches('openai', key), true);
			assert.equal(await api.secrets.matches('openai', `${key}x`), false);
			// Keys are per provider.
			assert.equal(await api.secrets.has('anthropic'), false);
			// Nothing on the API surface carries the value.
			assert.ok(!JSON.stringify(api).includes(key));
		} finally {
			await api.secrets.delete('openai');
		}
		assert.equal(await api.secrets.has('openai'), false);
		assert.equal(await api.secrets.matches('openai', key), false);
	});
});
