import { basename } from 'node:path';
import * as vscode from 'vscode';
import { promptCompressionStrategies } from '../../core/prompts/promptCompression';
import { promptFormatOf, type PromptFormat } from '../../core/prompts/promptGlobs';
import { CancelledError } from '../../core/lib/errors';
import { defaultProviderOf } from '../../core/live/liveCalls';
import type { CompressPreview, CompressPromptStrategy } from '../../core/jobs/liveJobs';
import { parsePromptFile } from '../../core/prompts/promptFile';
import type { EngineSettings } from '../engineSettings';
import { jobErrorMessage, type LiveService } from '../live/liveService';
import { compressQuestion, compressTitle, failureMessage, nothingToSaveMessage, providerLabels, refusalMessage } from '../live/liveText';
import type { VirtualDocuments } from '../live/virtualDocuments';
import type { Secrets } from '../secrets';

/** Automation/tests: skip the pickers and the Apply/Cancel question (the preview still opens). */
interface CompressPromptArgs {
	readonly uri?: string | vscode.Uri;
	readonly strategy?: CompressPromptStrategy;
	readonly targetRatio?: number;
	readonly decision?: 'apply' | 'cancel';
}

export type CompressPromptOutcome =
	| { readonly kind: 'applied' | 'cancelled'; readonly preview: Omit<CompressPreview, 'text' | 'status'>; readonly previewUri: string; readonly previewShown: boolean }
	/** The request would not get smaller: said so, no preview, nothing to apply. */
	| { readonly kind: 'nothingToSave'; readonly preview: Omit<CompressPreview, 'text' | 'status'>; readonly message: string }
	| { readonly kind: 'refused' | 'failed' | 'error' | 'stale'; readonly message: string };

function isArgs(v: unknown): v is CompressPromptArgs {
	return typeof v === 'object' && v !== null && !(v instanceof vscode.Uri);
}

/** The diff tab of a preview, once the workbench shows it. */
function previewTab(previewUri: vscode.Uri): vscode.Tab | undefined {
	return vscode.window.tabGroups.all.flatMap(g => g.tabs).find(t => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === previewUri.toString());
}

async function waitForTab(previewUri: vscode.Uri, timeoutMs = 5000): Promise<vscode.Tab | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const tab = previewTab(previewUri);
		if (tab || Date.now() > deadline) return tab;
		await new Promise(r => setTimeout(r, 50));
	}
}

/** How the document is sent: by its file name, or an untitled JSON document as a chat. */
function formatOf(doc: vscode.TextDocument): PromptFormat {
	if (doc.isUntitled) return doc.languageId === 'json' || doc.languageId === 'jsonl' ? 'chat' : 'text';
	return promptFormatOf(doc.fileName);
}

/**
 * "Agent Cost: Compress Prompt": on the selection (or the whole prompt file) pick a strategy —
 * lossless, lossy with a target ratio, and "Summarize with cheap model" when the cheap tier's
 * provider has a key — then see a diff of the original against the compressed text with tokens and
 * dollars before → after, and Apply (one undoable edit on the original range) or Cancel. Tokens are
 * those the API receives for the whole file (its messages, not its raw text); when that number
 * would not drop, it says "nothing to save" and offers nothing to apply.
 */
export async function compressPrompt(deps: { live: LiveService; docs: VirtualDocuments; settings: EngineSettings; secrets: Secrets }, arg?: unknown): Promise<CompressPromptOutcome | undefined> {
	const args: CompressPromptArgs = isArgs(arg) ? arg : arg instanceof vscode.Uri ? { uri: arg } : {};
	const editor = vscode.window.activeTextEditor;
	const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
	const doc = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
	if (!doc) {
		void vscode.window.showInformationMessage('Agent Cost: open a prompt file (or select a prompt) to compress it.');
		return undefined;
	}
	const sel = editor && editor.document === doc && !editor.selection.isEmpty ? editor.selection : undefined;
	const range = sel ?? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
	const text = doc.getText(range);
	if (text.trim() === '') {
		void vscode.window.showInformationMessage('Agent Cost: there is no prompt text to compress.');
		return undefined;
	}
	const name = doc.isUntitled ? 'Untitled prompt' : basename(doc.fileName);
	const format = formatOf(doc);
	const config = deps.settings.config;
	let model = config.lens.model;
	try {
		model = parsePromptFile(doc.getText(), doc.fileName).model ?? model;
	} catch {
		// not a runnable prompt (e.g. empty front matter body): count with the lens model
	}

	let strategy = args.strategy;
	let targetRatio = args.targetRatio;
	if (!strategy) {
		const cheap = config.tiers.cheap;
		const cheapProvider = defaultProviderOf(cheap);
		// The model rewrites prose: a Prompty file's role sections or a chat file's JSON would not survive it.
		const canSummarize = format === 'text' && ((await deps.secrets.has(cheapProvider)) || (cheapProvider === 'openai' && config.providers.openai.baseUrl.trim() !== ''));
		const items: (vscode.QuickPickItem & { id: CompressPromptStrategy })[] = [
			...promptCompressionStrategies.map(s => ({ id: s.id, label: s.label, detail: s.detail, description: 'offline' })),
			...(canSummarize
				? [
						{
							id: 'summarize' as const,
							label: 'Summarize with cheap model',
							detail: `A budgeted call to ${cheap} rewrites the prompt shorter (recorded like every live call)`,
							description: providerLabels[cheapProvider],
						},
					]
				: []),
		];
		const picked = await vscode.window.showQuickPick(items, {
			title: `Agent Cost: Compress ${sel ? 'Selection' : name}`,
			placeHolder: canSummarize ? 'Strategy' : format === 'text' ? `Strategy (set a ${providerLabels[cheapProvider]} key to summarize with ${cheap})` : 'Strategy',
		});
		if (!picked) return undefined;
		strategy = picked.id;
	}
	if (strategy === 'lossy' && targetRatio === undefined) {
		const input = await vscode.window.showInputBox({
			title: 'Agent Cost: lossy compression',
			prompt: 'Target ratio: compressed / original tokens (0 < r ≤ 1). Code, quotes, numbers and names are never touched, so the target may not be reached.',
			value: '0.8',
			validateInput: v => (Number(v) > 0 && Number(v) <= 1 ? undefined : 'A number in (0, 1], e.g. 0.7'),
		});
		if (input === undefined) return undefined;
		targetRatio = Number(input);
	}

	const version = doc.version;
	let result;
	try {
		result = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Notification, title: `Agent Cost: compressing ${name} (${strategy})`, cancellable: strategy === 'summarize' },
			async (_p, token) => {
				const abort = new AbortController();
				const cancel = token.onCancellationRequested(() => abort.abort());
				try {
					const whole = doc.getText();
					const selected = sel && { start: doc.offsetAt(sel.start), end: doc.offsetAt(sel.end) };
					return await deps.live.compress(
						{ strategy: strategy!, text: whole, format, model, ...(selected && { range: selected }), ...(targetRatio !== undefined && { targetRatio }) },
						{ uri: doc.uri, label: name, signal: abort.signal },
					);
				} finally {
					cancel.dispose();
				}
			},
		);
	} catch (e) {
		if (CancelledError.is(e)) return undefined;
		const message = jobErrorMessage(e);
		void vscode.window.showErrorMessage(`Agent Cost: ${message}`);
		return { kind: 'error', message };
	}
	if (result.kind === 'refused') {
		void vscode.window.showErrorMessage(refusalMessage(result));
		return { kind: 'refused', message: result.message };
	}
	if (result.kind === 'failed') {
		void vscode.window.showErrorMessage(failureMessage(result));
		return { kind: 'failed', message: result.message };
	}

	const { text: _text, status: _status, ...summary } = result;
	if (result.verdict !== 'saves') {
		const message = nothingToSaveMessage(name, result);
		void vscode.window.showInformationMessage(message);
		return { kind: 'nothingToSave', preview: summary, message };
	}
	const full = doc.getText();
	const start = doc.offsetAt(range.start);
	const compressedDoc = full.slice(0, start) + result.text + full.slice(doc.offsetAt(range.end));
	const ext = doc.isUntitled ? '.txt' : (/\.[^./\\]+$/.exec(doc.fileName)?.[0] ?? '.txt');
	const previewUri = deps.docs.create(`${name.replace(/\.[^.]+$/, '')} (${strategy})${ext}`, compressedDoc);
	const title = compressTitle(name, result);
	await vscode.commands.executeCommand('vscode.diff', doc.uri, previewUri, title, { preview: true });
	const previewShown = (await waitForTab(previewUri)) !== undefined;

	const decision = args.decision ?? ((await vscode.window.showInformationMessage(compressQuestion(name, result), 'Apply', 'Cancel')) === 'Apply' ? 'apply' : 'cancel');
	const tab = previewTab(previewUri);
	if (tab) await vscode.window.tabGroups.close(tab);
	if (decision !== 'apply') return { kind: 'cancelled', preview: summary, previewUri: previewUri.toString(), previewShown };
	if (doc.version !== version) {
		const message = `${name} changed while the preview was open; run Compress Prompt again.`;
		void vscode.window.showWarningMessage(`Agent Cost: ${message}`);
		return { kind: 'stale', message };
	}
	const edit = new vscode.WorkspaceEdit();
	edit.replace(doc.uri, range, result.text);
	if (!(await vscode.workspace.applyEdit(edit))) return { kind: 'error', message: `the edit could not be applied to ${name}` };
	return { kind: 'applied', preview: summary, previewUri: previewUri.toString(), previewShown };
}
