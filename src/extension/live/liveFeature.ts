import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';
import type { EngineJobs } from '../../core/jobs/engineJobs';
import type { JobWorkerClient } from '../../node/jobWorkerClient';
import { clearApiKey, setApiKey } from '../commands/apiKeyCommands';
import { compressPrompt } from '../commands/compressPrompt';
import { runPromptFile } from '../commands/runPromptFile';
import type { EngineSettings } from '../engineSettings';
import { secretKeyFor, type Secrets } from '../secrets';
import { LiveService } from './liveService';
import { SpendStatusBar } from './spendStatusBar';
import { SpendView, spendViewId, type GatewayRunsSource } from './spendView';
import { VirtualDocuments } from './virtualDocuments';

const answerScheme = 'agent-cost-answer';
const previewScheme = 'agent-cost-preview';

/** How long after activation today's spend is first read (the worker thread starts then, not during activation). */
const firstStatusDelayMs = 1500;

/**
 * Live, budgeted calls in the editor: the commands (Set/Clear API Key, Run Prompt File, Compress
 * Prompt, Show Spend), the spend status bar item, the Spend view and the metrics endpoint. Built by
 * the container; owns its disposables.
 */
export class LiveFeature implements vscode.Disposable {
	readonly live: LiveService;
	readonly statusBar: SpendStatusBar;
	readonly spendView: SpendView;
	readonly answers: VirtualDocuments;
	readonly previews: VirtualDocuments;
	private readonly disposables = new DisposableStore();

	constructor(deps: {
		context: vscode.ExtensionContext;
		log: vscode.LogOutputChannel;
		secrets: Secrets;
		settings: EngineSettings;
		engine: () => JobWorkerClient<EngineJobs>;
		engineRunning: () => boolean;
		/** The agent gateway's runs for the Spend view. */
		gatewayRuns?: GatewayRunsSource;
	}) {
		const { log, secrets, settings } = deps;
		const own = <T extends vscode.Disposable>(d: T): T => {
			this.disposables.add(d);
			return d;
		};
		this.live = own(new LiveService(deps));
		this.answers = own(new VirtualDocuments(answerScheme));
		this.previews = own(new VirtualDocuments(previewScheme));
		this.statusBar = own(new SpendStatusBar(this.live, settings));
		this.spendView = own(new SpendView(this.live, deps.gatewayRuns));
		own(vscode.commands.registerCommand('agentCost.setApiKey', (provider?: unknown) => setApiKey(secrets, log, provider)));
		own(vscode.commands.registerCommand('agentCost.clearApiKey', (provider?: unknown) => clearApiKey(secrets, log, provider)));
		own(vscode.commands.registerCommand('agentCost.runPromptFile', (arg?: unknown) => runPromptFile(this.live, this.answers, arg)));
		own(vscode.commands.registerCommand('agentCost.compressPrompt', (arg?: unknown) => compressPrompt({ live: this.live, docs: this.previews, settings, secrets }, arg)));
		own(
			vscode.commands.registerCommand('agentCost.showSpend', async () => {
				await vscode.commands.executeCommand(`${spendViewId}.focus`);
				await Promise.all([this.spendView.reload(), this.live.refreshStatus()]);
			}),
		);
		own(vscode.commands.registerCommand('agentCost.refreshSpend', () => Promise.all([this.spendView.reload(), this.live.refreshStatus()])));
		own(
			// A new Redis password: the engine worker reconnects with it (only if it is running at all).
			secrets.onDidChange(e => {
				if (e.key === secretKeyFor('metrics')) void this.live.configureMetrics();
				if (e.key === secretKeyFor('redis') && deps.engineRunning())
					void deps
						.engine()
						.run('live/credentialsChanged', {})
						.catch(() => undefined);
			}),
		);
		own(
			settings.onDidChange(e => {
				if (e.affects('agentCost.metrics')) void this.live.configureMetrics();
				if (this.spendView.view.visible && (e.affects('agentCost.budget') || e.affects('agentCost.store'))) void this.spendView.reload();
			}),
		);
		own(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.live.configureMetrics()));
		const timer = setTimeout(() => {
			void this.live.refreshStatus();
			void this.live.configureMetrics();
		}, firstStatusDelayMs);
		own({ dispose: () => clearTimeout(timer) });
	}

	dispose(): void {
		this.disposables.dispose();
	}
}
