import type * as vscode from 'vscode';

export type ProviderId = 'openai' | 'anthropic';
const providerIds: readonly ProviderId[] = ['openai', 'anthropic'];

/**
 * What can be stored: a provider's API key, the password of the shared Redis store, or the bearer
 * token the Prometheus endpoint requires (optional; never leaves the host — the worker gets its digest).
 */
export type SecretId = ProviderId | 'redis' | 'metrics';
export const secretIds: readonly SecretId[] = [...providerIds, 'redis', 'metrics'];

/** Every secret this extension stores; they live only in SecretStorage. */
export type SecretKey = `agentCost.provider.${ProviderId}.apiKey` | 'agentCost.store.redis.password' | 'agentCost.metrics.token';

export function secretKeyFor(id: SecretId): SecretKey {
	return id === 'redis' ? 'agentCost.store.redis.password' : id === 'metrics' ? 'agentCost.metrics.token' : `agentCost.provider.${id}.apiKey`;
}

/**
 * Typed access to VS Code SecretStorage. Keys are read at call time and never cached beyond a
 * request, so a key cleared in another window stops being used at once.
 */
export class Secrets {
	constructor(private readonly storage: vscode.SecretStorage) {}

	get(id: SecretId): Thenable<string | undefined> {
		return this.storage.get(secretKeyFor(id));
	}

	store(id: SecretId, value: string): Thenable<void> {
		return this.storage.store(secretKeyFor(id), value);
	}

	delete(id: SecretId): Thenable<void> {
		return this.storage.delete(secretKeyFor(id));
	}

	async has(id: SecretId): Promise<boolean> {
		return (await this.get(id)) !== undefined;
	}

	get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
		return this.storage.onDidChange;
	}
}
