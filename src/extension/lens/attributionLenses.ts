import * as vscode from 'vscode';
import { sectionTitle } from '../../core/lens/sectionTitle';
import { DisposableStore } from '../../core/lib/disposable';
import { describeError } from '../../core/lib/errors';
import { TokenWorkerError } from '../../core/lens/workerProtocol';
import type { EngineSettings } from '../engineSettings';
import type { PromptLens } from './promptLens';

/** Lenses refresh at most this long after the counts they show changed (VS Code asks again on its own after edits). */
const refreshDelayMs = 400;

/**
 * Context attribution: a CodeLens above each part of the prompt file being edited — each message
 * and tool definition of a chat JSON/JSONL file, each role section of a `.prompty` file, each
 * heading section of a Markdown prompt — with its tokens, input cost and share of the prompt
 * (`src/core/prompts/promptSections.ts`). Counted in the token worker for the model the status-bar
 * lens shows; off with `agentCost.lens.attribution`.
 */
export class AttributionLenses implements vscode.CodeLensProvider, vscode.Disposable {
	private readonly disposables = new DisposableStore();
	private readonly changed = new vscode.EventEmitter<void>();
	readonly onDidChangeCodeLenses = this.changed.event;
	private timer: ReturnType<typeof setTimeout> | undefined;
	/** What the last render showed: a new count, model or price refreshes the lenses. */
	private shown = '';

	constructor(
		private readonly lens: PromptLens,
		private readonly settings: EngineSettings,
		private readonly log: vscode.LogOutputChannel,
	) {
		this.disposables.add(
			this.changed,
			vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }, { scheme: 'vscode-vfs' }, { scheme: 'memfs' }], this),
			lens.onDidRender(s => {
				const key = `${s.uri}|${s.version}|${s.model}|${s.usd !== undefined}|${s.promptTokens}`;
				if (key !== this.shown) {
					this.shown = key;
					this.refreshSoon();
				}
			}),
			settings.onDidChange(e => {
				if (e.affects('agentCost.lens.attribution')) this.changed.fire();
			}),
			settings.onDidChangePrices(() => this.refreshSoon()),
			{ dispose: () => clearTimeout(this.timer) },
		);
	}

	private refreshSoon(): void {
		if (this.timer !== undefined) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.changed.fire();
		}, refreshDelayMs);
	}

	async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
		if (!this.settings.config.lens.attribution) return [];
		let answer: Awaited<ReturnType<PromptLens['sections']>>;
		try {
			answer = await this.lens.sections(document);
		} catch (e) {
			if (!TokenWorkerError.is(e, 'disposed')) this.log.warn(`lens: the parts of ${document.uri.path.split('/').pop()} could not be counted: ${describeError(e)}`);
			return [];
		}
		// An answer for another version would put the lenses on the wrong lines: the next render asks again.
		if (!answer || token.isCancellationRequested || answer.counts.version !== document.version) return [];
		const { counts, price } = answer;
		return counts.sections.map(section => {
			const at = document.positionAt(section.offset);
			return new vscode.CodeLens(new vscode.Range(at, at), {
				// A title-only lens: nothing to run, it reports.
				command: '',
				title: sectionTitle(section, price, counts.tokens),
				tooltip: `${section.exact ? '' : 'About '}${section.tokens} of the prompt's ${counts.tokens} input tokens for ${counts.model} (agentCost.lens.attribution turns these off)`,
			});
		});
	}

	dispose(): void {
		this.disposables.dispose();
	}
}
