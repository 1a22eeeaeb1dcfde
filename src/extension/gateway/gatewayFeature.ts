import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GatewaySnapshot } from '../../core/gateway/gatewaySnapshot';
import { describeError } from '../../core/lib/errors';
import { GatewayControl } from '../../node/gateway/gatewayControl';
import { ensureGateway, findGateway } from '../../node/gateway/gatewayLauncher';
import type { GatewayState } from '../../node/gateway/gatewayState';
import type { EngineSettings } from '../engineSettings';
import { livePaths } from '../live/livePaths';
import type { Secrets } from '../secrets';
import { agentEnvironment, gatewayStatusView, type AgentEnvironment, type GatewayStatusView } from './gatewayText';

const gatewayStatusItemId = 'agentCost.gatewayRun';

/** When the first look for a running gateway happens (never during activation). */
const firstLookDelayMs = 1500;

export interface GatewayFeatureDeps {
	readonly context: vscode.ExtensionContext;
	readonly log: vscode.LogOutputChannel;
	readonly settings: EngineSettings;
	readonly secrets: Secrets;
}

/**
 * The agent gateway in the editor: Start / Stop Gateway, Copy Agent Environment, start with the
 * workspace (`agentCost.gateway.autoStart`), the live-run status bar item and the runs the Spend
 * view lists. The gateway itself is a detached `agent-cost gateway` process, one per machine
 * (`gatewayLauncher.ts`): this window starts it or attaches to the running one, registers its
 * workspace's recordings folder, hands it the settings (and, with `injectKeys`, the stored keys)
 * and follows its live snapshot stream. Closing or reloading the window leaves it running.
 */
export class GatewayFeature implements vscode.Disposable {
	readonly item: vscode.StatusBarItem;
	private readonly disposables: vscode.Disposable[] = [];
	private readonly changed = new vscode.EventEmitter<void>();
	/** Fires when the snapshot (or the connection) changes. */
	readonly onDidChange = this.changed.event;
	private attached: { readonly state: GatewayState; readonly control: GatewayControl; readonly workspaceKey?: string } | undefined;
	private current: GatewaySnapshot | undefined;
	private error: string | undefined;
	private watch: AbortController | undefined;
	private view: GatewayStatusView | undefined;
	private starting: Promise<GatewayState> | undefined;

	constructor(private readonly deps: GatewayFeatureDeps) {
		this.item = vscode.window.createStatusBarItem(gatewayStatusItemId, vscode.StatusBarAlignment.Right, 98);
		this.item.name = 'Agent Cost Gateway';
		this.item.command = 'agentCost.showSpend';
		const own = <T extends vscode.Disposable>(d: T) => (this.disposables.push(d), d);
		own(this.item);
		own(this.changed);
		own(vscode.commands.registerCommand('agentCost.startGateway', () => this.startCommand()));
		own(vscode.commands.registerCommand('agentCost.stopGateway', () => this.stopCommand()));
		own(vscode.commands.registerCommand('agentCost.copyAgentEnvironment', () => this.copyEnvironmentCommand()));
		own(
			deps.settings.onDidChange(e => {
				if (!this.attached || !e.affects('agentCost')) return;
				void this.pushSettings();
				if (e.affects('agentCost.gateway.injectKeys')) void this.pushKeys();
				if (e.affects('agentCost.gateway.mode') || e.affects('agentCost.gateway.port'))
					void vscode.window.showInformationMessage('Agent Cost: the gateway keeps its mode and port until it is restarted (Stop Gateway, then Start Gateway).');
			}),
		);
		own(
			deps.secrets.onDidChange(() => {
				if (this.attached && deps.settings.config.gateway.injectKeys) void this.pushKeys();
			}),
		);
		const timer = setTimeout(() => void this.firstLook(), firstLookDelayMs);
		own({ dispose: () => clearTimeout(timer) });
	}

	private get stateDir(): string {
		return join(this.deps.context.globalStorageUri.fsPath, 'gateway');
	}

	/** The latest snapshot of the gateway this window is attached to. */
	get snapshot(): GatewaySnapshot | undefined {
		return this.current;
	}

	get state(): GatewayState | undefined {
		return this.attached?.state;
	}

	/** What the status bar item shows (for the API and tests). */
	get status(): GatewayStatusView | undefined {
		return this.view;
	}

	/** Start with the workspace, or show a gateway another window started. */
	private async firstLook(): Promise<void> {
		try {
			if (this.deps.settings.config.gateway.autoStart) await this.start();
			else {
				const running = await findGateway(this.stateDir);
				if (running) await this.attach(running);
			}
		} catch (e) {
			this.deps.log.error(`gateway: ${describeError(e)}`);
		}
	}

	/** The running gateway (started when there is none), attached to this window. */
	start(): Promise<GatewayState> {
		this.starting ??= (async () => {
			try {
				const config = this.deps.settings.config;
				const stateDir = this.stateDir;
				mkdirSync(stateDir, { recursive: true, mode: 0o700 });
				// The settings go in a file only the user can read; keys never do (they go over the control API, into memory).
				const settingsFile = join(stateDir, 'settings.json');
				writeFileSync(settingsFile, JSON.stringify(config), { mode: 0o600 });
				const paths = livePaths(this.deps.context);
				const redisPassword = config.store.redisUrl ? await this.deps.secrets.get('redis') : undefined;
				const { state, started } = await ensureGateway({
					stateDir,
					cliPath: join(this.deps.context.extensionUri.fsPath, 'dist', 'cli.js'),
					nodePath: process.execPath,
					args: ['--port', String(config.gateway.port), '--mode', config.gateway.mode, '--ledger', paths.ledgerDir, '--record', paths.recordingsDir, '--settings', settingsFile],
					logFile: join(stateDir, 'gateway.log'),
					...(redisPassword && { env: { AGENT_COST_REDIS_PASSWORD: redisPassword } }),
				});
				this.deps.log.info(`gateway: ${started ? 'started' : 'attached to the running one'} at ${state.url} (${state.mode} mode, pid ${state.pid})`);
				await this.attach(state);
				return state;
			} finally {
				this.starting = undefined;
			}
		})();
		return this.starting;
	}

	private async attach(state: GatewayState): Promise<void> {
		this.detach();
		const control = new GatewayControl(state);
		const paths = livePaths(this.deps.context);
		let workspaceKey: string | undefined;
		if (paths.workspaceDir) workspaceKey = (await control.registerWorkspace(paths.recordingsDir)).key;
		this.attached = { state, control, ...(workspaceKey !== undefined && { workspaceKey }) };
		this.error = undefined;
		await this.pushSettings();
		if (this.deps.settings.config.gateway.injectKeys) await this.pushKeys();
		this.follow();
	}

	/** Follows the live snapshot stream; reconnects while the gateway runs, detaches when it is gone. */
	private follow(): void {
		const a = this.attached;
		if (!a) return;
		const abort = new AbortController();
		this.watch = abort;
		a.control.watch(
			s => {
				this.current = s;
				this.render();
			},
			e => {
				if (abort.signal.aborted || this.attached !== a) return;
				void (async () => {
					const still = await findGateway(this.stateDir);
					if (still && still.pid === a.state.pid && this.attached === a) {
						setTimeout(() => this.attached === a && this.follow(), 1000);
						return;
					}
					this.deps.log.info(`gateway: ${a.state.url} stopped${e ? ` (${describeError(e)})` : ''}`);
					if (this.attached === a) this.detach();
					this.render();
				})();
			},
			abort.signal,
		);
	}

	private detach(): void {
		this.watch?.abort();
		this.watch = undefined;
		this.attached = undefined;
		this.current = undefined;
	}

	private render(): void {
		const v = gatewayStatusView(this.current, this.attached ? undefined : this.error);
		this.view = v;
		if (!v) this.item.hide();
		else {
			this.item.text = v.text;
			this.item.tooltip = new vscode.MarkdownString(v.tooltip);
			this.item.backgroundColor =
				v.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : v.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
			this.item.accessibilityInformation = { label: `Agent Cost gateway: ${v.text.replace(/^\$\([\w-]+\)\s*/, '')}`, role: 'button' };
			this.item.show();
		}
		this.changed.fire();
	}

	private async pushSettings(): Promise<void> {
		try {
			const { problems } = (await this.attached?.control.updateSettings(this.deps.settings.config)) ?? { problems: [] };
			for (const p of problems) this.deps.log.warn(`gateway settings: ${p.key}: ${p.message}`);
		} catch (e) {
			this.deps.log.error(`gateway: the settings could not be handed over: ${describeError(e)}`);
		}
	}

	/** Stored keys into the gateway's memory (with injectKeys on), or out of it (off). Never logged. */
	private async pushKeys(): Promise<void> {
		const inject = this.deps.settings.config.gateway.injectKeys;
		try {
			const [anthropic, openai] = inject ? await Promise.all([this.deps.secrets.get('anthropic'), this.deps.secrets.get('openai')]) : [undefined, undefined];
			const has = await this.attached?.control.setKeys({ anthropic: anthropic ?? null, openai: openai ?? null });
			if (has) this.deps.log.info(`gateway: stored keys handed over: Anthropic ${has.anthropic ? 'yes' : 'no'}, OpenAI ${has.openai ? 'yes' : 'no'}`);
		} catch (e) {
			this.deps.log.error(`gateway: the stored keys could not be handed over: ${describeError(e)}`);
		}
	}

	async stop(): Promise<boolean> {
		const state = this.attached?.state ?? (await findGateway(this.stateDir));
		if (!state) return false;
		const r = await new GatewayControl(state).shutdown();
		this.deps.log.info(`gateway: stopping ${state.url} after ${r.inFlight} call(s) in flight`);
		this.detach();
		this.render();
		return true;
	}

	/** The variables for an agent, pointing at this workspace's recordings. */
	agentEnvironment(): AgentEnvironment | undefined {
		const a = this.attached;
		if (!a) return undefined;
		const inject = this.deps.settings.config.gateway.injectKeys;
		return agentEnvironment(a.state.url, a.workspaceKey, { anthropic: inject, openai: inject });
	}

	private async startCommand(): Promise<GatewayState | undefined> {
		try {
			const state = await this.start();
			void vscode.window
				.showInformationMessage(`Agent Cost: the gateway runs at ${state.url} (${state.mode} mode).`, 'Copy Agent Environment')
				.then(c => c && vscode.commands.executeCommand('agentCost.copyAgentEnvironment'));
			return state;
		} catch (e) {
			this.error = describeError(e);
			this.deps.log.error(`gateway: ${this.error}`);
			this.render();
			void vscode.window.showErrorMessage(`Agent Cost: the gateway could not start: ${this.error}`);
			return undefined;
		}
	}

	private async stopCommand(): Promise<boolean> {
		try {
			const stopped = await this.stop();
			if (!stopped) void vscode.window.showInformationMessage('Agent Cost: no gateway is running on this machine.');
			return stopped;
		} catch (e) {
			void vscode.window.showErrorMessage(`Agent Cost: the gateway could not be stopped: ${describeError(e)}`);
			return false;
		}
	}

	/** Clipboard + a terminal with the variables set. */
	private async copyEnvironmentCommand(): Promise<AgentEnvironment | undefined> {
		if (!this.attached && !(await this.startCommand())) return undefined;
		const env = this.agentEnvironment();
		if (!env) return undefined;
		await vscode.env.clipboard.writeText(env.text);
		const terminal = vscode.window.createTerminal({ name: 'Agent (via Agent Cost gateway)', env: { ...env.env } });
		terminal.show();
		void vscode.window.showInformationMessage('Agent Cost: the agent environment is on the clipboard, and the new terminal has it set. Start your agent there.');
		return env;
	}

	dispose(): void {
		// The gateway keeps running for agents and other windows: only this window's link ends.
		this.watch?.abort();
		for (const d of this.disposables.splice(0).reverse()) d.dispose();
	}
}
