import * as vscode from 'vscode';
import type { PriceOverrides } from '../../core/pricing/overrides';
import { mergePriceOverrides, parsePriceOverrides } from '../../core/pricing/overrides';
import { readWorkspacePriceOverrides } from '../../node/priceOverridesFile';
import type { ReplayDefaults } from '../../protocol/replay';
import { replayConfig } from './replayDefaults';

/**
 * The user's settings as the replay panel needs them: the form's defaults (from `agentCost.*`) and
 * the price overrides transcripts are priced with. Read fresh on every use (cheap), never thrown;
 * problems of the overrides are logged once per distinct problem.
 */
export class ReplaySettingsSource implements vscode.Disposable {
	private readonly logged = new Set<string>();
	private readonly changed = new vscode.EventEmitter<{ readonly pricing: boolean }>();
	private readonly listener: vscode.Disposable;
	/** Fires when an `agentCost.*` setting changed; `pricing` when prices may have changed. */
	readonly onDidChange = this.changed.event;

	private watcher: vscode.FileSystemWatcher | undefined;

	constructor(private readonly log: vscode.LogOutputChannel) {
		this.listener = vscode.workspace.onDidChangeConfiguration(e => {
			if (!e.affectsConfiguration('agentCost')) return;
			if (e.affectsConfiguration('agentCost.pricing.overridesFile')) this.watchOverridesFile();
			this.changed.fire({ pricing: e.affectsConfiguration('agentCost.pricing') });
		});
		this.watchOverridesFile();
	}

	/** Editing the workspace's price file re-prices open transcripts, like editing the setting does. */
	private watchOverridesFile(): void {
		this.watcher?.dispose();
		this.watcher = undefined;
		const root = vscode.workspace.workspaceFolders?.[0];
		if (!root) return;
		const relative = replayConfig(this.raw()).config.pricing.overridesFile.replace(/\\/g, '/');
		const pattern = /^([a-zA-Z]:)?\//.test(relative) ? relative : new vscode.RelativePattern(root, relative);
		this.watcher = vscode.workspace.createFileSystemWatcher(pattern);
		const fire = () => this.changed.fire({ pricing: true });
		this.watcher.onDidChange(fire);
		this.watcher.onDidCreate(fire);
		this.watcher.onDidDelete(fire);
	}

	/** Unusable settings are logged by the container's EngineSettings; here they only reach the form's note. */
	defaults(): ReplayDefaults {
		return replayConfig(this.raw()).defaults;
	}

	/** `agentCost.pricing.overrides` on top of the workspace's overrides file (the setting wins, as in the CLI's layering). */
	async priceOverrides(): Promise<PriceOverrides> {
		const { config } = replayConfig(this.raw());
		const fromSetting = parsePriceOverrides(config.pricing.overrides);
		for (const p of fromSetting.problems) this.warnOnce(`agentCost.pricing.overrides: ${p}`);
		const root = vscode.workspace.workspaceFolders?.[0];
		if (!root || root.uri.scheme !== 'file') return fromSetting.overrides;
		const file = await readWorkspacePriceOverrides(root.uri.fsPath, config.pricing.overridesFile);
		for (const p of file.problems) this.warnOnce(p);
		return mergePriceOverrides(fromSetting.overrides, file.overrides);
	}

	private raw(): unknown {
		// A plain copy: WorkspaceConfiguration also carries methods, which the parser must not see.
		return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('agentCost'))) as unknown;
	}

	private warnOnce(problem: string): void {
		if (this.logged.has(problem)) return;
		this.logged.add(problem);
		this.log.warn(problem);
	}

	dispose(): void {
		this.listener.dispose();
		this.watcher?.dispose();
		this.changed.dispose();
	}
}
