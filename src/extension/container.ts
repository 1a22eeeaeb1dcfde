import { DisposableStore } from '../core/lib/disposable';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { EngineJobs } from '../core/jobs/engineJobs';
import { createEngineWorkerClient } from '../node/engineWorkerClient';
import type { JobWorkerClient } from '../node/jobWorkerClient';
import type { EngineInfo } from '../protocol/engineInfo';
import { registerReplayCommands } from './commands/replayCommands';
import { ReplayPanel, replayPanelViewType } from './webviews/replayPanel';
import type { ReplaySessionServices } from './webviews/replaySession';
import { ReplaySettingsSource } from './webviews/replaySettingsSource';
import { TranscriptEditorProvider } from './webviews/transcriptEditorProvider';
import { EngineSettings } from './engineSettings';
import { AttributionLenses } from './lens/attributionLenses';
import { PromptLens } from './lens/promptLens';
import { GatewayFeature } from './gateway/gatewayFeature';
import { LiveFeature } from './live/liveFeature';
import { SessionsFeature } from './sessions/sessionsFeature';
import { Secrets } from './secrets';

/**
 * The composition root: builds every service once and owns every disposable. Nothing heavy happens
 * here — tokenizer ranks, price data and stores load lazily on first use.
 */
export class Container implements vscode.Disposable {
	private readonly disposables = new DisposableStore();
	readonly log: vscode.LogOutputChannel;
	readonly secrets: Secrets;
	/** The one reader of `agentCost.*` settings (and price overrides) for every feature. */
	readonly settings: EngineSettings;
	readonly replayPanel: ReplayPanel;
	readonly transcriptEditors: TranscriptEditorProvider;
	readonly statusItem: vscode.StatusBarItem;
	/** The status-bar token/cost lens for prompt files (owns `statusItem`'s content). */
	readonly lens: PromptLens;
	/** Live, budgeted calls: API keys, Run Prompt File, Compress Prompt, spend status bar and view, metrics. */
	readonly live: LiveFeature;
	/** The agent gateway: Start/Stop, Copy Agent Environment, the live-run status bar item (the gateway runs in its own process). */
	readonly gateway: GatewayFeature;
	/** Coding-agent sessions: the Agent Sessions view, the running session's status item, archiving. */
	readonly sessions: SessionsFeature;

	/** Wall time of each construction step below (activation diagnostics, bench/results/lens.md). */
	readonly activationSteps: { readonly name: string; readonly ms: number }[] = [];

	constructor(readonly context: vscode.ExtensionContext) {
		let mark = performance.now();
		const step = (name: string) => {
			const now = performance.now();
			this.activationSteps.push({ name, ms: now - mark });
			mark = now;
		};
		this.log = this.own(vscode.window.createOutputChannel('Agent Cost', { log: true }));
		step('log channel');
		this.secrets = new Secrets(context.secrets);
		this.settings = this.own(new EngineSettings(this.log, context.globalState));
		step('settings');
		const replayServices: ReplaySessionServices = {
			engine: () => this.engine,
			settings: this.own(new ReplaySettingsSource(this.settings)),
			log: this.log,
			// Live calls are set up below; a probe only runs once the panel is open and a user asks.
			probe: (request, options) => this.live.live.probe(request, options),
		};
		this.replayPanel = this.own(new ReplayPanel(context.extensionUri, replayServices));
		this.transcriptEditors = new TranscriptEditorProvider(context.extensionUri, replayServices);
		this.own(TranscriptEditorProvider.register(this.transcriptEditors));
		for (const d of registerReplayCommands(this.replayPanel)) this.own(d);
		step('replay panel, transcript editor, commands');
		this.gateway = this.own(new GatewayFeature({ context, log: this.log, settings: this.settings, secrets: this.secrets }));
		this.live = this.own(
			new LiveFeature({
				context,
				log: this.log,
				secrets: this.secrets,
				settings: this.settings,
				engine: () => this.engine,
				engineRunning: () => this.engineClient?.isRunning === true,
				gatewayRuns: this.gateway,
			}),
		);
		step('gateway, live calls, spend view and status');
		this.sessions = this.own(new SessionsFeature({ context, log: this.log, settings: this.settings, engine: () => this.engine }));
		step('agent sessions view and status');

		this.statusItem = this.own(vscode.window.createStatusBarItem('agentCost.lens', vscode.StatusBarAlignment.Right, 100));
		// The token/cost lens drives the item: shown for prompt files, its worker started on first use.
		this.lens = this.own(new PromptLens({ context, log: this.log, item: this.statusItem, secrets: this.secrets, settings: this.settings, engine: () => this.engine }));
		// Each part's share of the prompt above it in the editor, from the lens's counts.
		this.own(new AttributionLenses(this.lens, this.settings, this.log));
		step('lens');

		this.own(
			vscode.commands.registerCommand('agentCost.showInfo', () => {
				const info = this.engineInfo();
				const text = `Agent Cost Lens ${info.extensionVersion} · encodings ${info.encodings.join(', ')} · prices ${info.priceSource}`;
				this.log.info(text);
				void vscode.window.showInformationMessage(text);
				return info;
			}),
		);
		this.own(
			vscode.window.registerWebviewPanelSerializer(replayPanelViewType, {
				deserializeWebviewPanel: async (panel, state) => {
					this.replayPanel.attach(panel, state);
				},
			}),
		);
		step('commands, panel serializer');
	}

	private engineClient: JobWorkerClient<EngineJobs> | undefined;

	/**
	 * The ONE engine worker client (transcript import, replays, sweeps…): created on first use, so
	 * activation never spawns a thread; disposed with the container, which terminates the worker.
	 */
	get engine(): JobWorkerClient<EngineJobs> {
		if (!this.engineClient) {
			this.engineClient = this.own(createEngineWorkerClient({ onCrash: e => this.log.error(`engine worker crashed (${e.message}); the next job starts a new one`) }));
		}
		return this.engineClient;
	}

	engineInfo(): EngineInfo {
		return {
			extensionVersion: String(this.context.extension.packageJSON.version ?? 'unknown'),
			encodings: ['o200k_base', 'cl100k_base'],
			priceSource: '@pydantic/genai-prices',
			host: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
		};
	}

	private own<T extends vscode.Disposable>(d: T): T {
		return this.disposables.add(d);
	}

	dispose(): void {
		this.disposables.dispose();
	}
}
