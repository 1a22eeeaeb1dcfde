import { DisposableStore } from '../../core/lib/disposable';
import * as vscode from 'vscode';

/**
 * Read-only documents the extension writes: streamed answers of "Run Prompt File" and the
 * compressed side of a Compress Prompt diff. Read-only on purpose: they are results, closing them
 * never asks to save, and updates (streaming) are pushed through `onDidChange`. Content is dropped
 * when VS Code closes the document.
 */
export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
	private readonly contents = new Map<string, string>();
	private readonly changed = new vscode.EventEmitter<vscode.Uri>();
	private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
	private readonly disposables = new DisposableStore();
	private seq = 0;
	readonly onDidChange = this.changed.event;

	constructor(readonly scheme: string) {
		this.disposables.add(
			vscode.workspace.registerTextDocumentContentProvider(scheme, this),
			vscode.workspace.onDidCloseTextDocument(d => {
				if (d.uri.scheme === scheme) this.contents.delete(d.uri.toString());
			}),
		);
	}

	/** A fresh URI whose file name is `name` (its extension picks the language, e.g. `.md`). */
	create(name: string, text: string): vscode.Uri {
		const uri = vscode.Uri.from({ scheme: this.scheme, path: `/${name.replace(/[\\/]/g, '_')}`, query: String(++this.seq) });
		this.contents.set(uri.toString(), text);
		return uri;
	}

	provideTextDocumentContent(uri: vscode.Uri): string {
		return this.contents.get(uri.toString()) ?? '';
	}

	/** Replaces the content; `throttleMs` coalesces fast updates (streaming) into one refresh. */
	update(uri: vscode.Uri, text: string, throttleMs = 0): void {
		const key = uri.toString();
		this.contents.set(key, text);
		if (throttleMs <= 0) {
			const t = this.pending.get(key);
			if (t) clearTimeout(t);
			this.pending.delete(key);
			this.changed.fire(uri);
			return;
		}
		if (this.pending.has(key)) return;
		this.pending.set(
			key,
			setTimeout(() => {
				this.pending.delete(key);
				this.changed.fire(uri);
			}, throttleMs),
		);
	}

	/**
	 * Resolves once the open document shows the current content (VS Code fetches it again after
	 * `onDidChange`, asynchronously), so a command can return when what it wrote is on screen.
	 * Resolves at once when the document is not open, and after `timeoutMs` at the latest.
	 */
	async whenShown(uri: vscode.Uri, timeoutMs = 3000): Promise<boolean> {
		const key = uri.toString();
		const shown = () => {
			const doc = vscode.workspace.textDocuments.find(d => d.uri.toString() === key);
			return !doc || doc.getText() === (this.contents.get(key) ?? '');
		};
		if (shown()) return true;
		return new Promise<boolean>(resolve => {
			const done = (ok: boolean) => {
				clearTimeout(timer);
				sub.dispose();
				resolve(ok);
			};
			const sub = vscode.workspace.onDidChangeTextDocument(e => e.document.uri.toString() === key && shown() && done(true));
			const timer = setTimeout(() => done(shown()), timeoutMs);
		});
	}

	dispose(): void {
		for (const t of this.pending.values()) clearTimeout(t);
		this.disposables.dispose();
		this.changed.dispose();
		this.contents.clear();
	}
}
