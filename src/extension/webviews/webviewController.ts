import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';
import type { IpcCommand, IpcMessage, IpcNotification, IpcRequest, IpcResponse } from '../../protocol/ipc';
import { createMessage, WebviewReadyCommand } from '../../protocol/ipc';
import { describeError } from '../../core/lib/errors';
import { createNonce } from '../system/nonce';

const maxQueued = 100;

type RequestHandler = (params: unknown) => Promise<unknown> | unknown;
type CommandHandler = (params: unknown) => void;

export interface WebviewBundle {
	/** Script file under dist/webview, e.g. "replay.js". */
	readonly script: string;
	/** Stylesheet under dist/webview, e.g. "replay.css". */
	readonly style?: string;
	readonly title: string;
	/** Serialized into the HTML so the first paint needs no round trip (no secrets, ever). */
	readonly bootstrap?: unknown;
}

/**
 * Owns one webview: its locked-down HTML, the ready handshake and typed message routing.
 * Notifications posted before the webview's script announced itself are queued, because a webview
 * drops messages that arrive before its listener exists.
 */
export class WebviewController implements vscode.Disposable {
	private readonly disposables = new DisposableStore();
	private readonly requestHandlers = new Map<string, { response: IpcNotification<IpcResponse<unknown>>; handle: RequestHandler }>();
	private readonly commandHandlers = new Map<string, CommandHandler>();
	private ready = false;
	private queue: IpcMessage[] = [];
	private readonly readyWaiters: (() => void)[] = [];

	constructor(
		readonly webview: vscode.Webview,
		private readonly extensionUri: vscode.Uri,
		private readonly log: vscode.LogOutputChannel,
		/** How a failed request is told to the webview (the feature's one error-to-text mapping). */
		private readonly describeFailure: (e: unknown) => { readonly reason?: string; readonly message: string } = e => ({ message: describeError(e) }),
	) {
		webview.options = {
			enableScripts: true,
			// Only the bundle folder and media are loadable; nothing from the workspace.
			localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
		};
		this.disposables.add(webview.onDidReceiveMessage(msg => void this.onMessage(msg)));
	}

	onRequest<P, R>(descriptor: IpcRequest<P, R>, handle: (params: P) => Promise<R> | R): void {
		this.requestHandlers.set(descriptor.method, {
			response: descriptor.response as IpcNotification<IpcResponse<unknown>>,
			handle: handle as RequestHandler,
		});
	}

	onCommand<P>(descriptor: IpcCommand<P>, handle: (params: P) => void): void {
		this.commandHandlers.set(descriptor.method, handle as CommandHandler);
	}

	/** Posts now if the webview is ready, otherwise after its handshake. */
	notify<P>(descriptor: IpcNotification<P>, params: P): void {
		const message = createMessage(descriptor, params);
		if (this.ready) void this.webview.postMessage(message);
		else {
			this.queue.push(message);
			// A long-hidden panel must not hoard progress messages; webviews re-read their state on load.
			if (this.queue.length > maxQueued) this.queue.splice(0, this.queue.length - maxQueued);
		}
	}

	/**
	 * The panel was hidden. Without `retainContextWhenHidden` its document is destroyed, so messages
	 * wait for the next document's ready handshake instead of being posted into nothing.
	 */
	hidden(): void {
		this.ready = false;
	}

	/** Resolves once the webview's script has sent its ready command. */
	whenReady(): Promise<void> {
		return this.ready ? Promise.resolve() : new Promise(resolve => this.readyWaiters.push(resolve));
	}

	render(bundle: WebviewBundle): void {
		this.ready = false;
		const nonce = createNonce();
		const asset = (file: string) => this.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', file));
		const csp = [
			`default-src 'none'`,
			`style-src ${this.webview.cspSource} 'nonce-${nonce}'`,
			`font-src ${this.webview.cspSource}`,
			`img-src ${this.webview.cspSource} data:`,
			`script-src 'nonce-${nonce}'`,
		].join('; ');
		// The bootstrap goes in a JSON data block (not executed), escaped so transcript text can never
		// close the tag.
		const bootstrap = JSON.stringify(bundle.bootstrap ?? null).replace(/</g, '\\u003c');
		this.webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${bundle.style ? `<link rel="stylesheet" href="${asset(bundle.style)}" nonce="${nonce}">` : ''}
<title>${escapeHtml(bundle.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="bootstrap" nonce="${nonce}">${bootstrap}</script>
<script type="module" nonce="${nonce}" src="${asset(bundle.script)}"></script>
</body>
</html>`;
	}

	private async onMessage(msg: unknown): Promise<void> {
		if (WebviewReadyCommand.is(msg)) {
			this.ready = true;
			const queued = this.queue.splice(0);
			for (const m of queued) void this.webview.postMessage(m);
			for (const resolve of this.readyWaiters.splice(0)) resolve();
			return;
		}
		if (typeof msg !== 'object' || msg === null || typeof (msg as IpcMessage).method !== 'string') {
			this.log.warn('webview sent a malformed message; ignored');
			return;
		}
		const message = msg as IpcMessage;
		const request = this.requestHandlers.get(message.method);
		if (request) {
			const response = await this.answer(message.method, message.params);
			void this.webview.postMessage(createMessage(request.response, response, message.completionId));
			return;
		}
		if (!this.deliver(message.method, message.params)) this.log.warn(`webview sent an unknown message: ${message.method}`);
	}

	/** Runs a command's handler as for a message from the webview; false when no handler exists. */
	deliver(method: string, params: unknown): boolean {
		const command = this.commandHandlers.get(method);
		if (!command) return false;
		try {
			command(params);
		} catch (e) {
			this.log.error(`webview command ${method} failed: ${describeError(e)}`);
		}
		return true;
	}

	/**
	 * Runs a request's handler exactly as for a message from the webview (same handler, same error
	 * mapping). The webview's messages come through here; so do the integration tests' (through the
	 * extension API), which cannot post into a webview.
	 */
	async answer(method: string, params: unknown): Promise<IpcResponse<unknown>> {
		const request = this.requestHandlers.get(method);
		if (!request) return { ok: false, error: `unknown request ${method}` };
		try {
			return { ok: true, value: await request.handle(params) };
		} catch (e) {
			const failure = this.describeFailure(e);
			this.log.error(`webview request ${method} failed: ${describeError(e)}`);
			return { ok: false, error: failure.message, ...(failure.reason !== undefined && { reason: failure.reason }) };
		}
	}

	dispose(): void {
		this.disposables.dispose();
	}
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
