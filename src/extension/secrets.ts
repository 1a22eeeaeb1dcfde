import type * as vscode from 'vscode';

export type ProviderId = 'openai' | 'anthropic';
export const providerIds: readonly ProviderId[] = ['openai', 'anthropic'];

/** Every secret this extension stores; keys live only in SecretStorage. */
export type SecretKey = `agentCost.provider.${ProviderId}.apiKey`;

export function secretKeyFor(provider: ProviderId): SecretKey {
	return `agentCost.provider.${provider}.apiKey`;
}

/**
 * Typed access to VS Code SecretStorage. Keys are read at call time and never cached beyond a
 * request, so a key cleared in another window stops being used at once.
 */
export class Secrets {
	constructor(private readonly storage: vscode.SecretStorage) {}

	get(provider: ProviderId): Thenable<string | undefined> {
		return this.storage.get(secretKeyFor(provider));
	}

	store(provider: ProviderId, value: string): Thenable<void> {
		return this.storage.store(secretKeyFor(provider), value);
	}

	delete(provider: ProviderId): Thenable<void> {
		return this.storage.delete(secretKeyFor(provider));
	}

	async has(provider: ProviderId): Promise<boolean> {
		return (await this.get(provider)) !== undefined;
	}

	get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
		return this.storage.onDidChange;
	}
}
