import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
// The ESM build: the UMD entry (package main) loads its parts with require() calls a bundler cannot follow.
import { parse, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import * as vscode from 'vscode';

/** Where this window's workspace settings live: the `.code-workspace` file, else the folder's `.vscode/settings.json`. */
export function workspaceSettingsFiles(): { readonly path: string; readonly dir: string; readonly name: string; readonly inWorkspaceFile: boolean }[] {
	const file = vscode.workspace.workspaceFile;
	if (file?.scheme === 'file') return [{ path: file.fsPath, dir: dirname(file.fsPath), name: basename(file.fsPath), inWorkspaceFile: true }];
	const folder = vscode.workspace.workspaceFolders?.[0];
	if (folder?.uri.scheme !== 'file') return [];
	const dir = join(folder.uri.fsPath, '.vscode');
	return [{ path: join(dir, 'settings.json'), dir, name: 'settings.json', inWorkspaceFile: false }];
}

/**
 * The workspace's own `agentCost.*` values as written in its settings file (comments and trailing
 * commas allowed, as VS Code allows them). VS Code itself ignores a workspace's values of
 * user-scoped settings; this is read only so that a workspace can TIGHTEN a budget
 * (`core/config/budgetScope.ts`). A missing or unreadable file is no values.
 */
export function readWorkspaceSettingsFile(log: vscode.LogOutputChannel): Readonly<Record<string, unknown>> {
	const [file] = workspaceSettingsFiles();
	if (!file) return {};
	let text: string;
	try {
		text = readFileSync(file.path, 'utf8');
	} catch {
		return {};
	}
	const errors: ParseError[] = [];
	const root: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
	if (errors.length) log.warn(`${file.path}: not valid JSON with comments; its budget settings are not read`);
	const settings = file.inWorkspaceFile ? (root as { settings?: unknown } | undefined)?.settings : root;
	if (typeof settings !== 'object' || settings === null || Array.isArray(settings) || errors.length) return {};
	return Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith('agentCost.')));
}
