import * as vscode from 'vscode';
import type { EngineInfo, PanelPong } from '../../protocol/engineInfo';
import { GetEngineInfoRequest, PanelPingNotification, PanelPongCommand } from '../../protocol/engineInfo';
import { EngineError } from '../../core/lib/errors';
import { createNonce } from '../system/nonce';
import { WebviewController } from './webviewController';

export const replayPanelViewType = 'agentCost.replay';

/** A panel health check that could not complete. */
export class PanelHealthError extends EngineError<'notOpen' | 'noAnswer'> {
	readonly kind = 'panelHealth';
	static is(e: unknown, reason?: PanelHealthError['reason']): e is PanelHealthError {
		return e instanceof PanelHealthError && (reason === undefined || e.reason === reason);
	}
}

/**
 * The transcript replay panel. One instance at a time; opening it again reveals the existing one.
 */
export class ReplayPanel implements vscode.Disposable {
	private panel: vscode.WebviewPanel | undefined;
	private controller: WebviewController | undefined;
	private readonly pongWaiters = new Map<string, (pong: PanelPong) => void>();

	constructor(
		private readonly extensionUri: vscode.Uri,
		private readonly log: vscode.LogOutputChannel,
		private readonly engineInfo: () => EngineInfo,
	) {}

	/** Opens (or reveals) the panel and resolves once its script is talking to us. */
	async show(): Promise<WebviewController> {
		if (this.panel && this.controller) {
			this.panel.reveal();
			return this.controller;
		}
		const panel = vscode.window.createWebviewPanel(replayPanelViewType, 'Agent Cost: Replay', vscode.ViewColumn.Active, {
			retainContextWhenHidden: false,
		});
		this.attach(panel);
		return this.controller!;
	}

	/** Also used by the serializer when VS Code restores the panel after a reload. */
	attach(panel: vscode.WebviewPanel): void {
		this.panel = panel;
		const controller = new WebviewController(panel.webview, this.extensionUri, this.log);
		this.controller = controller;
		controller.onRequest(GetEngineInfoRequest, () => this.engineInfo());
		controller.onCommand(PanelPongCommand, pong => this.pongWaiters.get(pong.nonce)?.(pong));
		controller.render({ script: 'replay.js', style: 'replay.css', title: 'Agent Cost: Replay' });
		panel.onDidDispose(() => {
			controller.dispose();
			if (this.panel === panel) {
				this.panel = undefined;
				this.controller = undefined;
			}
		});
	}

	/**
	 * Health check: a ping the panel's script answers after rendering, with what it rendered. Proves
	 * the whole path host → webview → host works, not just that a panel object exists.
	 */
	ping(timeoutMs = 10_000): Promise<PanelPong> {
		const controller = this.controller;
		if (!controller) return Promise.reject(new PanelHealthError('notOpen', 'The replay panel is not open.'));
		const nonce = createNonce();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pongWaiters.delete(nonce);
				reject(new PanelHealthError('noAnswer', `The replay panel did not answer a ping within ${timeoutMs} ms.`));
			}, timeoutMs);
			this.pongWaiters.set(nonce, pong => {
				clearTimeout(timer);
				this.pongWaiters.delete(nonce);
				resolve(pong);
			});
			controller.notify(PanelPingNotification, { nonce });
		});
	}

	get isOpen(): boolean {
		return this.panel !== undefined;
	}

	dispose(): void {
		this.panel?.dispose();
	}
}
