import * as vscode from 'vscode';
import type { EngineInfo } from '../../protocol/engineInfo';
import { GetEngineInfoRequest } from '../../protocol/engineInfo';
import { WebviewController } from './webviewController';

export const replayPanelViewType = 'agentCost.replay';

/**
 * The transcript replay panel. One instance at a time; opening it again reveals the existing one.
 */
export class ReplayPanel implements vscode.Disposable {
	private panel: vscode.WebviewPanel | undefined;
	private controller: WebviewController | undefined;

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
		controller.render({ script: 'replay.js', style: 'replay.css', title: 'Agent Cost: Replay' });
		panel.onDidDispose(() => {
			controller.dispose();
			if (this.panel === panel) {
				this.panel = undefined;
				this.controller = undefined;
			}
		});
	}

	get isOpen(): boolean {
		return this.panel !== undefined;
	}

	dispose(): void {
		this.panel?.dispose();
	}
}
