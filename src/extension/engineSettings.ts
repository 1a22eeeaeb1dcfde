import * as vscode from 'vscode';
import { tightenBudget } from '../core/config/budgetScope';
import type { EngineConfig } from '../core/config/defaults';
import type { ConfigProblem } from '../core/config/parseEngineConfig';
import { defaultEngineConfig, parseEngineConfig } from '../core/config/parseEngineConfig';
import type { PriceOverrides } from '../core/pricing/overrides';
import { loadPriceOverrides, workspacePriceFilePath, type PriceOverridesFile } from '../node/priceOverridesFile';
import { describePriceFile, priceFileConfirmations, type PriceFileConfirmations } from './priceFileConfirmation';
import { readWorkspaceSettingsFile, workspaceSettingsFiles } from './workspaceSettingsFile';

/** Which settings changed (pass a section such as `agentCost.budget`). */
export interface EngineSettingsChange {
	readonly config: EngineConfig;
	affects(section: string): boolean;
}

/**
 * The ONE reader of `agentCost.*` for the whole extension (live calls, lens, replay panel): the
 * settings as a parsed {@link EngineConfig}, re-read when they change so changes apply without a
 * reload, and the price overrides (the setting on top of the workspace's file). Never throws:
 * unusable values fall back to their defaults and each problem is logged once (again only when the
 * set of problems changes).
 */
export class EngineSettings implements vscode.Disposable {
	private current: EngineConfig | undefined;
	private currentProblems: readonly ConfigProblem[] = [];
	private loggedProblems = '';
	private readonly loggedOnce = new Set<string>();
	private readonly changed = new vscode.EventEmitter<EngineSettingsChange>();
	private readonly pricesChanged = new vscode.EventEmitter<void>();
	private readonly subscription: vscode.Disposable;
	private priceFileWatcher: vscode.FileSystemWatcher | undefined;
	private readonly settingsFileWatchers: vscode.Disposable[] = [];
	private readonly confirmations: PriceFileConfirmations;
	readonly onDidChange = this.changed.event;
	/** Prices may differ now: `agentCost.pricing.*` changed, or the workspace's price file did. */
	readonly onDidChangePrices = this.pricesChanged.event;

	constructor(
		private readonly log: vscode.LogOutputChannel,
		state: vscode.Memento,
	) {
		this.confirmations = priceFileConfirmations(state);
		// Read on first use, not here: the first configuration read of a session costs the extension
		// host 20–100 ms (bench/results/lens.md), which activation must not pay.
		this.subscription = vscode.workspace.onDidChangeConfiguration(e => {
			if (!e.affectsConfiguration('agentCost')) return;
			this.current = this.read();
			if (this.priceFileWatcher && e.affectsConfiguration('agentCost.pricing.overridesFile')) this.watchPriceFile();
			this.changed.fire({ config: this.current, affects: section => e.affectsConfiguration(section) });
			if (e.affectsConfiguration('agentCost.pricing')) this.pricesChanged.fire();
		});
		// VS Code drops a workspace's values of user-scoped settings without an event; a budget the
		// workspace TIGHTENS is read from its settings file, so watch that file too.
		for (const file of workspaceSettingsFiles()) {
			const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(file.dir), file.name));
			const reread = () => {
				if (!this.current) return;
				this.current = this.read();
				this.changed.fire({ config: this.current, affects: section => 'agentCost.budget'.startsWith(section) || section.startsWith('agentCost.budget') });
			};
			watcher.onDidChange(reread);
			watcher.onDidCreate(reread);
			watcher.onDidDelete(reread);
			this.settingsFileWatchers.push(watcher);
		}
	}

	get config(): EngineConfig {
		this.current ??= this.read();
		return this.current;
	}

	/** What was wrong with the settings as last read (each value replaced by its default). */
	get problems(): readonly ConfigProblem[] {
		this.current ??= this.read();
		return this.currentProblems;
	}

	/**
	 * `agentCost.pricing.overrides` on top of the workspace's overrides file (the setting wins, as in
	 * the CLI). The first call starts watching that file — not activation: nothing is priced before a
	 * feature asks — so editing it re-prices through {@link onDidChangePrices}.
	 */
	async priceOverrides(): Promise<PriceOverrides> {
		if (!this.priceFileWatcher) this.watchPriceFile();
		const config = this.config;
		const folder = vscode.workspace.workspaceFolders?.[0];
		const loaded = await loadPriceOverrides({
			setting: config.pricing.overrides,
			...(folder?.uri.scheme === 'file' && { workspaceDir: folder.uri.fsPath }),
			workspaceFile: config.pricing.overridesFile,
			// A cloned repository's price file counts once the user has confirmed its content.
			acceptWorkspaceFile: file => this.confirmedPriceFile(file),
		});
		for (const p of loaded.problems) this.warnOnce(p);
		return loaded.overrides;
	}

	/**
	 * The SHA-256 of the workspace price file as the user confirmed it (live jobs use the file only
	 * while it still has this content), or undefined.
	 */
	priceFileSha256(workspaceDir: string | undefined): string | undefined {
		return workspaceDir === undefined ? undefined : this.confirmations.confirmed(workspacePriceFilePath(workspaceDir, this.config.pricing.overridesFile));
	}

	/**
	 * A workspace price file changes costs only once the user has seen and accepted its content: a
	 * cloned repository can otherwise make every model free. Asks once per content (per session);
	 * an edited file asks again.
	 */
	private confirmedPriceFile(file: PriceOverridesFile): boolean {
		if (!file.found || file.sha256 === undefined || Object.keys(file.overrides).length === 0) return false;
		if (this.confirmations.confirmed(file.path) === file.sha256) return true;
		if (this.confirmations.askOnce(file.path, file.sha256)) void this.askToConfirm(file);
		return false;
	}

	private async askToConfirm(file: PriceOverridesFile): Promise<void> {
		const use = 'Use These Prices';
		const show = 'Show File';
		const text = `Agent Cost: this workspace has a price file that would change what calls are estimated to cost: ${describePriceFile(file.overrides)}. Use it? Budgets never count less than the list price.`;
		this.log.warn(`${file.path}: not used until confirmed — ${describePriceFile(file.overrides)}`);
		for (;;) {
			const choice = await vscode.window.showWarningMessage(text, use, show);
			if (choice === show) {
				await vscode.window.showTextDocument(vscode.Uri.file(file.path), { preview: true });
				continue;
			}
			if (choice === use && file.sha256) {
				await this.confirmations.confirm(file.path, file.sha256);
				this.log.info(`${file.path}: confirmed; its prices apply to estimates (budgets still count at least the list price)`);
				this.pricesChanged.fire();
			}
			return;
		}
	}

	/** Logs a problem the first time it is seen (settings are re-read often; the log should not repeat). */
	warnOnce(problem: string): void {
		if (this.loggedOnce.has(problem)) return;
		this.loggedOnce.add(problem);
		this.log.warn(problem);
	}

	private watchPriceFile(): void {
		this.priceFileWatcher?.dispose();
		this.priceFileWatcher = undefined;
		const folder = vscode.workspace.workspaceFolders?.[0];
		if (!folder) return;
		const file = this.config.pricing.overridesFile.replace(/\\/g, '/');
		const slash = file.lastIndexOf('/');
		const pattern = /^([a-zA-Z]:)?\//.test(file) ? new vscode.RelativePattern(vscode.Uri.file(file.slice(0, slash) || '/'), file.slice(slash + 1)) : new vscode.RelativePattern(folder, file);
		const watcher = vscode.workspace.createFileSystemWatcher(pattern);
		const fire = () => this.pricesChanged.fire();
		watcher.onDidChange(fire);
		watcher.onDidCreate(fire);
		watcher.onDidDelete(fire);
		this.priceFileWatcher = watcher;
	}

	private read(): EngineConfig {
		try {
			const raw = vscode.workspace.getConfiguration('agentCost');
			// A plain copy: the configuration object is a proxy, and the config crosses to the worker.
			const parsed = parseEngineConfig(JSON.parse(JSON.stringify(raw ?? {})));
			const { problems } = parsed;
			const tightened = tightenBudget(parsed.config.budget, readWorkspaceSettingsFile(this.log));
			for (const line of tightened.applied) this.warnOnce(`workspace budget: ${line}`);
			for (const line of tightened.ignored) this.warnOnce(`workspace budget: ${line}`);
			const config: EngineConfig = { ...parsed.config, budget: tightened.budget };
			this.currentProblems = problems;
			const text = problems.map(p => `${p.key}: ${p.message}`).join('\n');
			if (text !== this.loggedProblems) {
				this.loggedProblems = text;
				for (const p of problems) (p.severity === 'error' ? this.log.error : this.log.warn).call(this.log, `setting ${p.key}: ${p.message}`);
			}
			return config;
		} catch (e) {
			this.log.error(`settings could not be read (${e instanceof Error ? e.message : String(e)}); using the defaults`);
			return defaultEngineConfig();
		}
	}

	dispose(): void {
		this.subscription.dispose();
		for (const w of this.settingsFileWatchers) w.dispose();
		this.priceFileWatcher?.dispose();
		this.changed.dispose();
		this.pricesChanged.dispose();
	}
}
