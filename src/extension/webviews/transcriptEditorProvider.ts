import * as vscode from 'vscode';
import type { ReplaySession, ReplaySessionServices } from './replaySession';
import { createReplaySession } from './replayPanel';

const transcriptEditorViewType = 'agentCost.transcript';

/**
 * "Open With… → Agent Cost: Transcript Replay" on transcript files: the replay app as a read-only
 * custom editor on that file (report first). Each editor has its own session; all share the engine
 * worker. VS Code restores these editors after a reload by resolving them again.
 */
export class TranscriptEditorProvider implements vscode.CustomReadonlyEditorProvider {
	private readonly sessions = new Set<ReplaySession>();

	constructor(
		private readonly extensionUri: vscode.Uri,
		private readonly services: ReplaySessionServices,
	) {}

	static register(provider: TranscriptEditorProvider): vscode.Disposable {
		return vscode.window.registerCustomEditorProvider(transcriptEditorViewType, provider, {
			webviewOptions: { retainContextWhenHidden: false },
			supportsMultipleEditorsPerDocument: true,
		});
	}

	openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
		return { uri, dispose: () => undefined };
	}

	resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
		const session = createReplaySession(panel.webview, this.extensionUri, this.services, 'editor');
		this.sessions.add(session);
		session.showView('report');
		session.render(`Agent Cost: ${document.uri.path.split('/').pop() ?? 'transcript'}`);
		void session.open(document.uri);
		panel.onDidChangeViewState(e => {
			if (!e.webviewPanel.visible) session.controller.hidden();
		});
		panel.onDidDispose(() => {
			this.sessions.delete(session);
			session.dispose();
		});
	}

	/** Sessions of the open transcript editors (read-only view for the extension API). */
	get openSessions(): readonly ReplaySession[] {
		return [...this.sessions];
	}
}
