// A cloned repository that tries to switch the budget off and make calls free, in a REAL VS Code
// extension host: its .vscode/settings.json turns budgets off, raises the limits, weakens the policy,
// moves the budget day, zeroes the prices, points the price file elsewhere and turns the metrics
// endpoint on; its .agent-cost/prices.json says gpt-4o-mini is free. None of it may change what a
// call reserves: the user's own $0.00001 daily budget at list prices must still refuse the call.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentCostApi, AgentCostTestApi } from '../../src/extension/api';
import type { RunPromptFileOutcome } from '../../src/extension/commands/runPromptFile';
import { startFakeProviderServer, type FakeProviderServer } from '../support/fakeProviderServer';
import { repoRoot } from '../support/paths';
import { testSurface } from '../support/testApi';
import { waitFor } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;
const workspace = join(repoRoot(), 'sample-workspace');
const vscodeDir = join(workspace, '.vscode');
const agentCostDir = join(workspace, '.agent-cost');
const key = `sk-proj-HOSTILECANARY${randomBytes(6).toString('hex')}Q1`;

const config = () => vscode.workspace.getConfiguration('agentCost');

async function setUser(values: Record<string, unknown>): Promise<void> {
	for (const [k, v] of Object.entries(values)) await config().update(k, v, vscode.ConfigurationTarget.Global);
	await waitFor('the user settings to apply', () => Object.entries(values).every(([k, v]) => v === undefined || JSON.stringify(config().get(k)) === JSON.stringify(v)), 10_000);
}

async function runPrompt(): Promise<RunPromptFileOutcome> {
	const outcome = await vscode.commands.executeCommand<RunPromptFileOutcome>('agentCost.runPromptFile', vscode.Uri.file(join(workspace, 'prompts', 'code-review.prompt')));
	assert.ok(outcome, 'the command returned nothing');
	return outcome;
}

describe('a hostile workspace cannot loosen the budget or lower a price (real VS Code extension host)', function () {
	this.timeout(90_000);
	let api: AgentCostTestApi;
	let server: FakeProviderServer;
	const userKeys = ['providers.openai.baseUrl', 'tiers.cheap', 'tiers.medium', 'tiers.expensive', 'budget.dailyUsd', 'budget.runUsd'];

	before(async () => {
		api = testSurface(await vscode.extensions.getExtension<AgentCostApi>(extensionId)!.activate());
		server = await startFakeProviderServer({ keys: { openai: key } });
		await setUser({
			'providers.openai.baseUrl': server.openaiBaseUrl,
			'tiers.cheap': 'gpt-4o-mini',
			'tiers.medium': 'gpt-4o-mini',
			'tiers.expensive': 'gpt-4o-mini',
			// The user's own budget: a hundredth of a cent a day, with run limits off.
			'budget.dailyUsd': 0.00001,
			'budget.runUsd': 0,
		});
		await api.secrets.store('openai', key);
		mkdirSync(vscodeDir, { recursive: true });
		mkdirSync(agentCostDir, { recursive: true });
		writeFileSync(join(agentCostDir, 'prices.json'), JSON.stringify({ 'gpt-4o-mini': { input: 0, output: 0 } }));
		writeFileSync(
			join(vscodeDir, 'settings.json'),
			JSON.stringify({
				'agentCost.budget.enabled': false,
				'agentCost.budget.dailyUsd': 0,
				'agentCost.budget.runUsd': 1000,
				'agentCost.budget.policy': 'warn',
				'agentCost.budget.maxSteps': 0,
				'agentCost.budget.timeZone': 'Pacific/Kiritimati',
				'agentCost.pricing.overrides': { 'gpt-4o-mini': { input: 0, output: 0 } },
				'agentCost.pricing.overridesFile': '.agent-cost/prices.json',
				'agentCost.tiers.cheap': 'gpt-4o',
				'agentCost.metrics.enabled': true,
				'agentCost.recordings.mode': 'full',
				// An ordinary setting in the same file, to know when VS Code has read it.
				'agentCost.lens.model': 'gpt-4.1-mini',
			}),
		);
		await waitFor('the workspace settings file to be read', () => config().get<string>('lens.model') === 'gpt-4.1-mini', 20_000);
	});

	after(async () => {
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		rmSync(vscodeDir, { recursive: true, force: true });
		rmSync(agentCostDir, { recursive: true, force: true });
		for (const k of userKeys) await config().update(k, undefined, vscode.ConfigurationTarget.Global);
		await api.secrets.delete('openai');
		await server?.close();
	});

	it("VS Code reads none of the workspace's budget, price, tier or metrics values", () => {
		assert.equal(config().get('budget.enabled'), true);
		assert.equal(config().get('budget.dailyUsd'), 0.00001);
		assert.equal(config().get('budget.policy'), 'hard');
		assert.equal(config().get('budget.timeZone'), 'UTC');
		assert.deepEqual(config().get('pricing.overrides'), {});
		assert.equal(config().get('tiers.cheap'), 'gpt-4o-mini');
		assert.equal(config().get('metrics.enabled'), false);
	});

	it('a call is reserved at the list price against the user budget, and refused: the $0 prices and budget-off settings change nothing', async () => {
		server.enqueue({ type: 'reply', text: 'free?', usage: { input: 100, output: 10 } });
		const outcome = await runPrompt();
		assert.equal(outcome.kind, 'refused', JSON.stringify(outcome));
		if (outcome.kind !== 'refused' || outcome.result.kind !== 'refused') return;
		assert.equal(outcome.result.reason, 'daily');
		assert.equal(outcome.result.details?.limit, 0.00001);
		// The worst case at gpt-4o-mini's list price ($0.15 / $0.60 per million), not $0.
		assert.ok((outcome.result.details?.requested ?? 0) > 0.00001, JSON.stringify(outcome.result.details));
		assert.equal(server.requests.length, 0, 'nothing was sent to the provider');
		assert.equal(api.live.metrics?.enabled ?? false, false, 'the metrics endpoint was not started by the workspace');
	});

	it('a workspace may still tighten a budget: its lower daily limit applies over a looser user limit', async () => {
		await setUser({ 'budget.dailyUsd': 5 });
		writeFileSync(join(vscodeDir, 'settings.json'), JSON.stringify({ 'agentCost.budget.dailyUsd': 0.00002, 'agentCost.lens.model': 'gpt-4.1' }));
		await waitFor('the new workspace settings file to be read', () => config().get<string>('lens.model') === 'gpt-4.1', 20_000);
		await api.live.refreshStatus();
		await waitFor('the tightened daily limit', () => (api.live.spendStatus.text.endsWith('/ <$0.001') ? true : undefined), 20_000);
		server.enqueue({ type: 'reply', text: 'no', usage: { input: 100, output: 10 } });
		const outcome = await runPrompt();
		assert.equal(outcome.kind, 'refused', JSON.stringify(outcome));
		assert.ok(existsSync(join(vscodeDir, 'settings.json')));
	});
});
