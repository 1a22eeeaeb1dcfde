import * as vscode from 'vscode';
import { DisposableStore } from '../../core/lib/disposable';
import type { PriceOverrides } from '../../core/pricing/overrides';
import type { ReplayDefaults } from '../../protocol/replay';
import type { EngineSettings } from '../engineSettings';
import { replayDefaults } from './replayDefaults';

/**
 * The replay panel's view of the extension's settings ({@link EngineSettings}, the one reader of
 * `agentCost.*`): the form's defaults and the price overrides transcripts are priced with.
 */
export class ReplaySettingsSource implements vscode.Disposable {
	private readonly changed = new vscode.EventEmitter<{ readonly pricing: boolean }>();
	private readonly subscriptions = new DisposableStore();
	/** Fires when an `agentCost.*` setting changed; `pricing` when prices may have changed. */
	readonly onDidChange = this.changed.event;

	constructor(private readonly settings: EngineSettings) {
		this.subscriptions.add(
			// Price changes come through their own event (the setting or the workspace's price file).
			settings.onDidChange(e => e.affects('agentCost.pricing') || this.changed.fire({ pricing: false })),
			settings.onDidChangePrices(() => this.changed.fire({ pricing: true })),
			this.changed,
		);
	}

	defaults(): ReplayDefaults {
		return replayDefaults(this.settings.config, this.settings.problems);
	}

	priceOverrides(): Promise<PriceOverrides> {
		return this.settings.priceOverrides();
	}

	dispose(): void {
		this.subscriptions.dispose();
	}
}
