import * as vscode from 'vscode';
import type { PanelPong } from '../../protocol/engineInfo';
import { PanelPingNotification, PanelPongCommand } from '../../protocol/engineInfo';
import type { ReplayView } from '../../protocol/replay';
import { EngineError } from '../../core/lib/errors';
import { createNonce } from '../system/nonce';
import { replayErrorInfo } from './replayErrors';
import type { ReplaySessionServices } from './replaySession';
import { ReplaySession } from './replaySession';
import { emptyReplayTitle, replayPanelTitle } from './replayTitle';
import { WebviewController } from './webviewController';

export const replayPanelViewType = 'agentCost.replay';

/** A panel health check that could not complete. */
class PanelHealthError extends EngineError<'notOpen' | 'noAnswer'> {
	readonly kind = 'panelHealth';
	static is(e: unknown, reason?: PanelHealthError['reason']): e is PanelHealthError {
		return e instanceof PanelHealthError && (reason === undefined || e.reason === reason);
	}
}

/** Builds a replay session on a webview: the same app in the panel and in the transcript custom editor. */
export function createReplaySession(webview: vscode.Webview, extensionUri: vscode.Uri, services: ReplaySessionServices, host: 'panel' | 'editor', onPong?: (pong: PanelPong) => void): ReplaySession {
	const controller = new WebviewController(webview, extensionUri, services.log, e => replayErrorInfo(e));
	if (onPong) controller.onCommand(PanelPongCommand, onPong);
	return new ReplaySession(controller, services, host);
}

/** What the webview persists with `setState` that the host reads back after a window reload. */
function restoredTranscriptUri(state: unknown): vscode.Uri | undefined {
	const uri = typeof state === 'object' && state !== null ? (state as { transcriptUri?: unknown }).transcriptUri : undefined;
	if (typeof uri !== 'string') return undefined;
	try {
		const parsed = vscode.Uri.parse(uri, true);
		// Only files: the state is the webview's, and the webview's content is not trusted.
		return parsed.scheme === 'file' ? parsed : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The transcript replay panel. One instance at a time; opening it again reveals the existing one
 * (and opens the given transcript in it). `retainContextWhenHidden` stays off: the webview rebuilds
 * itself from the session's snapshot and its own saved state when shown again.
 */
export class ReplayPanel implements vscode.Disposable {
	private panel: vscode.WebviewPanel | undefined;
	private session: ReplaySession | undefined;
	private readonly pongWaiters = new Map<string, (pong: PanelPong) => void>();

	constructor(
		private readonly extensionUri: vscode.Uri,
		private readonly services: ReplaySessionServices,
	) {}

	/** Opens (or reveals) the panel; with a file, opens that transcript in it; with a view, shows that view. */
	show(options: { readonly uri?: vscode.Uri; readonly view?: ReplayView } = {}): ReplaySession {
		let session = this.session;
		if (this.panel && session) {
			this.panel.reveal();
		} else {
			const panel = vscode.window.createWebviewPanel(replayPanelViewType, emptyReplayTitle, vscode.ViewColumn.Active, { retainContextWhenHidden: false });
			session = this.attach(panel);
		}
		if (options.view) session.showView(options.view);
		const current = session.uri;
		if (options.uri && (current?.toString() !== options.uri.toString() || session.snapshot().transcript.status === 'failed')) void session.open(options.uri);
		return session;
	}

	/** Also used by the serializer when VS Code restores the panel after a reload (`state`: what the webview saved). */
	attach(panel: vscode.WebviewPanel, state?: unknown): ReplaySession {
		this.session?.dispose();
		this.panel = panel;
		const session = createReplaySession(panel.webview, this.extensionUri, this.services, 'panel', pong => this.pongWaiters.get(pong.nonce)?.(pong));
		this.session = session;
		session.onDidPublish(s => (panel.title = replayPanelTitle(s.transcript)));
		// Opened before rendering so the first paint already shows the import under way.
		const restored = restoredTranscriptUri(state);
		if (restored) void session.open(restored);
		panel.title = replayPanelTitle(session.snapshot().transcript);
		session.render(panel.title);
		panel.onDidChangeViewState(e => {
			if (!e.webviewPanel.visible) session.controller.hidden();
		});
		panel.onDidDispose(() => {
			session.dispose();
			if (this.panel === panel) {
				this.panel = undefined;
				this.session = undefined;
			}
		});
		return session;
	}

	/** The open panel's session, if any. */
	get current(): ReplaySession | undefined {
		return this.session;
	}

	/**
	 * Health check: a ping the panel's script answers after rendering, with what it rendered. Proves
	 * the whole path host → webview → host works, not just that a panel object exists.
	 */
	ping(timeoutMs = 10_000): Promise<PanelPong> {
		const controller = this.session?.controller;
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
