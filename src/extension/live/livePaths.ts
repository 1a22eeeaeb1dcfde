import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LivePaths } from '../../core/jobs/liveJobs';

/**
 * Where live-call state lives:
 * - the spend LEDGER in global storage: a daily budget is one budget across every workspace and window;
 * - response CACHES in workspace storage (global storage when no folder is open): answers are about
 *   this project's prompts, and they hold prompt text, so they stay out of the workspace;
 * - RECORDINGS in the workspace's `.agent-cost/recordings/` (global storage without a folder): they
 *   are the product's own transcripts, so they belong where the user can open them in the replay
 *   panel, run `agent-cost report` on them in CI or share one on purpose. The folder gets a
 *   `.gitignore` of `*` when it is created, because recordings hold prompts and answers.
 * The folder of the prompt file decides in a multi-root workspace.
 */
export function livePaths(context: vscode.ExtensionContext, uri?: vscode.Uri): LivePaths {
	const global = context.globalStorageUri.fsPath;
	const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
	const local = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
	return {
		ledgerDir: join(global, 'ledger'),
		cacheDir: join((context.storageUri ?? context.globalStorageUri).fsPath, 'cache'),
		recordingsDir: local ? join(local, '.agent-cost', 'recordings') : join(global, 'recordings'),
		...(local && { workspaceDir: local }),
	};
}
