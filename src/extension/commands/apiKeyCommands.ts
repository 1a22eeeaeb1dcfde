import * as vscode from 'vscode';
import { providerLabels } from '../live/liveText';
import { providerIds, type ProviderId, type Secrets } from '../secrets';

function isProvider(v: unknown): v is ProviderId {
	return typeof v === 'string' && (providerIds as readonly string[]).includes(v);
}

async function pickProvider(secrets: Secrets, title: string, onlyWithKey: boolean): Promise<ProviderId | undefined> {
	const items = await Promise.all(
		providerIds.map(async id => {
			const has = await secrets.has(id);
			return { id, has, label: providerLabels[id], description: has ? 'key set' : 'no key' };
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
	const id = isProvider(provider) ? provider : await pickProvider(secrets, 'Agent Cost: Set API Key', false);
	if (!id) return false;
	const label = providerLabels[id];
	const value = await vscode.window.showInputBox({
		title: `Agent Cost: ${label} API key`,
		prompt: `Stored only in VS Code's secret storage; used for live calls to ${label}${id === 'openai' ? ' (and OpenAI-compatible endpoints)' : ''}.`,
		placeHolder: id === 'openai' ? 'sk-…' : 'sk-ant-…',
		password: true,
		ignoreFocusOut: true,
		validateInput: v => (v.trim() === '' ? 'Enter the key' : /\s/.test(v.trim()) ? 'A key contains no spaces' : undefined),
	});
	if (value === undefined || value.trim() === '') return false;
	await secrets.store(id, value.trim());
	log.info(`${label} API key stored in the secret store`);
	void vscode.window.showInformationMessage(`Agent Cost: ${label} API key saved in VS Code's secret storage.`);
	return true;
}

/** "Agent Cost: Clear API Key…": asks which stored key to delete (a provider argument deletes it without asking). */
export async function clearApiKey(secrets: Secrets, log: vscode.LogOutputChannel, provider?: unknown): Promise<boolean> {
	let id: ProviderId | undefined;
	if (isProvider(provider)) id = provider;
	else {
		id = await pickProvider(secrets, 'Agent Cost: Clear API Key', true);
		if (!id) return false;
		const ok = await vscode.window.showWarningMessage(`Delete the ${providerLabels[id]} API key from VS Code's secret storage?`, { modal: true }, 'Delete');
		if (ok !== 'Delete') return false;
	}
	await secrets.delete(id);
	log.info(`${providerLabels[id]} API key deleted from the secret store`);
	return true;
}
