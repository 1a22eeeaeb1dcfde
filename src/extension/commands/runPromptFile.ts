import { basename } from 'node:path';
import * as vscode from 'vscode';
import { explainRestricted, RestrictedModeError } from '../workspaceTrust';
import { CancelledError, InputError } from '../../core/lib/errors';
import type { LiveRunResult } from '../../core/jobs/liveJobs';
import { parsePromptFile, type PromptRequest } from '../../core/prompts/promptFile';
import { jobErrorMessage, type LiveService } from '../live/liveService';
import { answerMarkdown, type AnswerState } from '../live/liveText';
import type { VirtualDocuments } from '../live/virtualDocuments';

/** What the command returns (for automation and tests): never the key, never the prompt. */
export type RunPromptFileOutcome =
	| { readonly kind: 'answered' | 'refused' | 'failed'; readonly answerUri: string; readonly result: LiveRunResult }
	| { readonly kind: 'cancelled' | 'error'; readonly answerUri?: string; readonly message: string };

async function targetDocument(arg: unknown): Promise<{ doc: vscode.TextDocument; selection?: string } | undefined> {
	const uri = arg instanceof vscode.Uri ? arg : undefined;
	const editor = vscode.window.activeTextEditor;
	if (!uri) {
		if (!editor) return undefined;
		const sel = editor.selection;
		return { doc: editor.document, ...(!sel.isEmpty && { selection: editor.document.getText(sel) }) };
	}
	const doc = await vscode.workspace.openTextDocument(uri);
	const sel = editor?.document.uri.toString() === uri.toString() && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
	return { doc, ...(sel !== undefined && { selection: sel }) };
}

/**
 * "Agent Cost: Run Prompt File": sends the prompt file (or the selection) through router → cache →
 * compression → budget → provider in the engine worker and streams the answer into a read-only
 * Markdown document beside it, whose header says model, tokens, cost, routing and budget decisions.
 * A cancellable progress notification shows the streaming; cancelling aborts the provider call.
 */
export async function runPromptFile(live: LiveService, docs: VirtualDocuments, arg?: unknown): Promise<RunPromptFileOutcome | undefined> {
	if (!vscode.workspace.isTrusted) {
		const e = new RestrictedModeError('liveCalls');
		explainRestricted(e);
		return { kind: 'error', message: e.message };
	}
	const target = await targetDocument(arg);
	if (!target) {
		void vscode.window.showInformationMessage('Agent Cost: open a prompt file (or select a prompt) to run it.');
		return undefined;
	}
	const { doc, selection } = target;
	const name = doc.isUntitled ? 'Untitled prompt' : basename(doc.fileName);
	let request: PromptRequest;
	try {
		request = parsePromptFile(doc.getText(), doc.isUntitled ? 'untitled.txt' : doc.fileName, selection);
	} catch (e) {
		const message = InputError.is(e) ? e.message : jobErrorMessage(e);
		void vscode.window.showErrorMessage(`Agent Cost: ${message}`);
		return { kind: 'error', message };
	}
	const source = selection ? `${name} (selection)` : name;
	let state: AnswerState = { source, text: '', warnings: request.warnings };
	const answerUri = docs.create(`${name} answer.md`, answerMarkdown(state));
	const show = (s: AnswerState, throttleMs = 0) => {
		state = s;
		docs.update(answerUri, answerMarkdown(s), throttleMs);
	};
	await vscode.window.showTextDocument(answerUri, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });

	return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Agent Cost: ${source}`, cancellable: true }, async (progress, token) => {
		const abort = new AbortController();
		const cancel = token.onCancellationRequested(() => abort.abort());
		progress.report({ message: 'routing, cache, budget…' });
		let chars = 0;
		try {
			const result = await live.run(
				{
					messages: request.messages,
					...(request.tools && { tools: request.tools }),
					...(request.model && { pinnedModel: request.model }),
					...(request.maxOutputTokens && { maxOutputTokens: request.maxOutputTokens }),
					...(request.temperature !== undefined && { temperature: request.temperature }),
				},
				{
					uri: doc.uri,
					label: source,
					signal: abort.signal,
					onProgress: p => {
						if (p.type === 'plan') {
							progress.report({ message: p.cached ? `cache hit (${p.model})` : `${p.model}…` });
							show({ ...state, model: p.model });
						} else if (p.type === 'attempt') {
							chars = 0;
							if (p.retry > 0 || p.model !== state.model) progress.report({ message: `${p.model}${p.retry ? `, retry ${p.retry}` : ''}…` });
							show({ ...state, model: p.model, text: '' });
						} else {
							chars += p.text.length;
							progress.report({ message: `${state.model ?? ''} · ${chars.toLocaleString('en-US')} characters` });
							show({ ...state, text: state.text + p.text }, 100);
						}
					},
				},
			);
			show({ ...state, text: result.kind === 'answered' ? result.text : '', result });
			await docs.whenShown(answerUri);
			return { kind: result.kind, answerUri: answerUri.toString(), result };
		} catch (e) {
			const cancelled = CancelledError.is(e);
			const message = cancelled ? 'Cancelled; only what was billed is charged.' : jobErrorMessage(e);
			show({ ...state, stopped: message });
			await docs.whenShown(answerUri);
			if (!cancelled) void vscode.window.showErrorMessage(`Agent Cost: ${message}`);
			return { kind: cancelled ? 'cancelled' : 'error', answerUri: answerUri.toString(), message };
		} finally {
			cancel.dispose();
		}
	});
}
