import * as vscode from 'vscode';
import type { ReplayView, TranscriptState } from '../../protocol/replay';
import type { ReplayPanel } from '../webviews/replayPanel';

/** File names that may be agent transcripts (the importers detect the actual format from the content). */
const transcriptFilePattern = /\.(jsonl|json|traj|md)$/i;

/** What the commands return to `executeCommand` callers (scripts, tests): where the import ended. */
export interface TranscriptCommandResult {
	readonly status: TranscriptState['status'];
	readonly file: string | null;
	/** The user-facing reason when the import failed. */
	readonly error?: string;
}

/** The file of the active editor tab (text or custom editor) when it looks like a transcript. */
function activeTranscriptUri(): vscode.Uri | undefined {
	const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
	const uri = input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : vscode.window.activeTextEditor?.document.uri;
	return uri && uri.scheme === 'file' && transcriptFilePattern.test(uri.path) ? uri : undefined;
}

async function pickTranscript(title: string): Promise<vscode.Uri | undefined> {
	const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
	const picked = await vscode.window.showOpenDialog({
		canSelectMany: false,
		canSelectFolders: false,
		openLabel: 'Open Transcript',
		title,
		...(folder && { defaultUri: folder }),
		filters: { 'Agent transcripts': ['jsonl', 'json', 'traj', 'md'], 'All files': ['*'] },
	});
	return picked?.[0];
}

/**
 * Every command of the replay feature: "Open Replay Panel", and "Replay Transcript…" and "Open
 * Transcript Report", whose file comes from the explorer (context menu argument), else the active
 * editor when it looks like a transcript, else an open dialog.
 */
export function registerReplayCommands(panel: ReplayPanel): vscode.Disposable[] {
	const openIn = async (view: ReplayView, arg: unknown, title: string): Promise<TranscriptCommandResult | undefined> => {
		const uri = arg instanceof vscode.Uri ? arg : (activeTranscriptUri() ?? (await pickTranscript(title)));
		if (!uri) return undefined;
		const session = panel.show({ uri, view });
		const state = await session.whenOpened();
		if (state.status === 'failed') void vscode.window.showErrorMessage(state.error.message);
		return { status: state.status, file: state.status === 'none' ? null : state.file, ...(state.status === 'failed' && { error: state.error.message }) };
	};
	return [
		vscode.commands.registerCommand('agentCost.openReplayPanel', () => {
			panel.show();
		}),
		vscode.commands.registerCommand('agentCost.replayTranscript', (arg?: unknown) => openIn('replay', arg, 'Replay an agent transcript')),
		vscode.commands.registerCommand('agentCost.openTranscriptReport', (arg?: unknown) => openIn('report', arg, 'Open the report of an agent transcript')),
	];
}
