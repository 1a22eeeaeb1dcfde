import type { Container } from './container';

/**
 * What `activate()` returns: a read-only view for automation and the integration tests, which
 * cannot read status bar items through the public VS Code API. Never exposes secrets.
 */
export interface AgentCostApi {
	readonly statusBar: { readonly text: string; readonly tooltip: string | undefined };
	readonly replayPanelOpen: boolean;
}

export function createApi(container: Container): AgentCostApi {
	return {
		get statusBar() {
			const tooltip = container.statusItem.tooltip;
			return { text: container.statusItem.text, tooltip: typeof tooltip === 'string' ? tooltip : tooltip?.value };
		},
		get replayPanelOpen() {
			return container.replayPanel.isOpen;
		},
	};
}
