import * as vscode from 'vscode';
import type { EngineConfig } from '../core/config/defaults';
import { defaultEngineConfig, parseEngineConfig } from '../core/config/parseEngineConfig';

/** Which settings changed (pass a section such as `agentCost.budget`). */
export interface EngineSettingsChange {
	readonly config: EngineConfig;
	affects(section: string): boolean;
}

/**
 * The `agentCost.*` settings as a parsed {@link EngineConfig}, re-read when they change so changes
 * apply without a reload. Never throws: unusable values fall back to their defaults and each
 * problem is logged once (again only when the set of problems changes).
 */
export class EngineSettings implements vscode.Disposable {
	private current: EngineConfig;
	private loggedProblems = '';
	private readonly changed = new vscode.EventEmitter<EngineSettingsChange>();
	private readonly subscription: vscode.Disposable;
	readonly onDidChange = this.changed.event;

	constructor(private readonly log: vscode.LogOutputChannel) {
		this.current = this.read();
		this.subscription = vscode.workspace.onDidChangeConfiguration(e => {
			if (!e.affectsConfiguration('agentCost')) return;
			this.current = this.read();
			this.changed.fire({ config: this.current, affects: section => e.affectsConfiguration(section) });
		});
	}

	get config(): EngineConfig {
		return this.current;
	}

	private read(): EngineConfig {
		try {
			const raw = vscode.workspace.getConfiguration().get<unknown>('agentCost');
			// A plain copy: the configuration object is a proxy, and the config crosses to the worker.
			const { config, problems } = parseEngineConfig(JSON.parse(JSON.stringify(raw ?? {})));
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
		this.changed.dispose();
	}
}
