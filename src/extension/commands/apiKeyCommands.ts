import * as vscode from 'vscode';
import { secretLabels } from '../live/liveText';
import { secretIds, type SecretId, type Secrets } from '../secrets';

/** What the secret is called in prompts: a provider's API key, the Redis password, the metrics token. */
function secretNoun(id: SecretId): string {
	return id === 'redis' ? 'password' : id === 'metrics' ? 'token' : 'API key';
}

function isSecretId(v: unknown): v is SecretId {
	return typeof v === 'string' && (secretIds as readonly string[]).includes(v);
}

async function pickProvider(secrets: Secrets, title: string, onlyWithKey: boolean): Promise<SecretId | undefined> {
	const items = await Promise.all(
		secretIds.map(async id => {
			const has = await secrets.has(id);
			return { id, has, label: secretLabels[id], description: `${secretNoun(id)} ${has ? 'set' : 'not set'}` };
		}),
	);
	const choices = onlyWithKey ? items.filter(i => i.has) : items;
	if (choices.length === 0) {
		void vscode.window.showInformationMessage('Agent Cost: no API key is stored.');
		return undefined;
	}
	return (await vscode.window.showQuickPick(choices, { title, placeHolder: 'Provider' }))?.id;
}

/**
 * "Agent Cost: Set API Key…": a password input box; the key goes straight into SecretStorage and
 * nowhere else (not settings, not logs). An optional provider argument skips the provider pick.
 */
export async function setApiKey(secrets: Secrets, log: vscode.LogOutputChannel, provider?: unknown): Promise<boolean> {
	const id = isSecretId(provider) ? provider : await pickProvider(secrets, 'Agent Cost: Set API Key', false);
	if (!id) return false;
	const label = secretLabels[id];
	const what = secretNoun(id);
	const value = await vscode.window.showInputBox({
		title: `Agent Cost: ${label} ${what}`,
		prompt:
			id === 'redis'
				? "Stored only in VS Code's secret storage; used to connect to agentCost.store.redisUrl (keep the password out of that URL)."
				: id === 'metrics'
					? 'Stored only in VS Code\'s secret storage; the metrics endpoint then answers only scrapes that send "Authorization: Bearer <token>" (set it in your Prometheus scrape job).'
					: `Stored only in VS Code's secret storage; used for live calls to ${label}${id === 'openai' ? ' (and OpenAI-compatible endpoints)' : ''}.`,
		placeHolder: id === 'openai' ? 'sk-…' : id === 'anthropic' ? 'sk-ant-…' : id === 'metrics' ? 'a long random token' : 'password',
		password: true,
		ignoreFocusOut: true,
		validateInput: v => (v.trim() === '' ? `Enter the ${what}` : id !== 'redis' && /\s/.test(v.trim()) ? `The ${what} contains no spaces` : undefined),
	});
	if (value === undefined || value.trim() === '') return false;
	await secrets.store(id, id === 'redis' ? value : value.trim());
	log.info(`${label} ${what} stored in the secret store`);
	void vscode.window.showInformationMessage(`Agent Cost: ${label} ${what} saved in VS Code's secret storage.`);
	return true;
}

/** "Agent Cost: Clear API Key…": asks which stored key to delete (a provider argument deletes it without asking). */
export async function clearApiKey(secrets: Secrets, log: vscode.LogOutputChannel, provider?: unknown): Promise<boolean> {
	let id: SecretId | undefined;
	if (isSecretId(provider)) id = provider;
	else {
		id = await pickProvider(secrets, 'Agent Cost: Clear API Key', true);
		if (!id) return false;
		const ok = await vscode.window.showWarningMessage(`Delete the ${secretLabels[id]} ${secretNoun(id)} from VS Code's secret storage?`, { modal: true }, 'Delete');
		if (ok !== 'Delete') return false;
	}
	await secrets.delete(id);
	log.info(`${secretLabels[id]} ${secretNoun(id)} deleted from the secret store`);
	return true;
}
