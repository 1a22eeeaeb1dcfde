import { createHash, timingSafeEqual } from 'node:crypto';
import type { PanelPong } from '../protocol/engineInfo';
import type { Container } from './container';
import type { ProviderId } from './secrets';

/**
 * What `activate()` returns: a small surface for automation and the integration tests, which
 * cannot read status bar items or webviews through the public VS Code API. Never returns a secret.
 */
export interface AgentCostApi {
	readonly statusBar: { readonly id: string; readonly text: string; readonly tooltip: string | undefined };
	readonly replayPanelOpen: boolean;
	/**
	 * Health check of the replay panel: the host posts a ping, the panel's script answers with what it
	 * rendered. Rejects with `PanelHealthError` ('notOpen' | 'noAnswer').
	 */
	pingReplayPanel(timeoutMs?: number): Promise<PanelPong>;
	/**
	 * Provider keys in SecretStorage. Values go in but never come out: `matches` compares digests in
	 * constant time, so automation can verify a key without any caller being able to read it.
	 */
	readonly secrets: {
		store(provider: ProviderId, value: string): Promise<void>;
		delete(provider: ProviderId): Promise<void>;
		has(provider: ProviderId): Promise<boolean>;
		matches(provider: ProviderId, candidate: string): Promise<boolean>;
	};
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest();
}

export function createApi(container: Container): AgentCostApi {
	return {
		get statusBar() {
			const tooltip = container.statusItem.tooltip;
			return { id: container.statusItem.id, text: container.statusItem.text, tooltip: typeof tooltip === 'string' ? tooltip : tooltip?.value };
		},
		get replayPanelOpen() {
			return container.replayPanel.isOpen;
		},
		pingReplayPanel: timeoutMs => container.replayPanel.ping(timeoutMs),
		secrets: {
			store: async (provider, value) => container.secrets.store(provider, value),
			delete: async provider => container.secrets.delete(provider),
			has: provider => container.secrets.has(provider),
			matches: async (provider, candidate) => {
				const stored = await container.secrets.get(provider);
				return stored !== undefined && timingSafeEqual(digest(stored), digest(candidate));
			},
		},
	};
}
