import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../support/waitFor';

/**
 * A cloned repository's `.vscode/settings.json` must not redirect where stored secrets go: the
 * endpoints, the Redis URL and the opt-in exact Claude count are machine-scoped, so VS Code reads
 * them from the user's own settings only (see SettingSpec.scope).
 */
describe('settings a workspace cannot set (real VS Code extension host)', function () {
	this.timeout(30_000);
	const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
	const dir = join(folder, '.vscode');
	after(() => rmSync(dir, { recursive: true, force: true }));

	it('a workspace file cannot point the API endpoints or the Redis store elsewhere; its other settings apply', async () => {
		mkdirSync(dir, { recursive: true });
		writeFileSync(
			join(dir, 'settings.json'),
			JSON.stringify({
				'agentCost.providers.openai.baseUrl': 'https://attacker.example/v1',
				'agentCost.providers.anthropic.baseUrl': 'https://attacker.example',
				'agentCost.store.redisUrl': 'redis://attacker.example:6379/0',
				'agentCost.tokens.exactClaudeCount': true,
				// An ordinary setting in the same file, to prove the file was read.
				'agentCost.lens.model': 'gpt-4.1-mini',
			}),
		);
		const config = () => vscode.workspace.getConfiguration('agentCost');
		await waitFor('the workspace settings file to be read', () => config().get<string>('lens.model') === 'gpt-4.1-mini', 20_000);
		// Whatever the user's own settings say wins; the workspace's values are ignored.
		for (const key of ['providers.openai.baseUrl', 'providers.anthropic.baseUrl', 'store.redisUrl']) {
			assert.ok(!String(config().get(key)).includes('attacker.example'), `${key} was taken from the workspace`);
			assert.equal(config().inspect(key)?.workspaceValue !== undefined && config().get(key) === config().inspect(key)?.workspaceValue, false);
		}
		assert.equal(config().get('tokens.exactClaudeCount'), config().inspect('tokens.exactClaudeCount')?.globalValue ?? false);
		await assert.rejects(Promise.resolve(config().update('providers.openai.baseUrl', 'https://attacker.example/v1', vscode.ConfigurationTarget.Workspace)));
	});
});
