/**
 * Gemini CLI recordings (JSONL today, one JSON document in older versions): every `gemini` message
 * with `tokens`, keyed by its message id — a message re-appended after an update, or carried over
 * when an old `.json` recording is migrated to `.jsonl`, is the same call.
 */
import { fromGeminiCliTokens, GeminiConversation } from '../transcripts/geminiCli';
import { isoTime, nonEmpty } from '../transcripts/jsonAccess';
import { LineParser } from './lineParser';
import type { FileHints, FileSummary, UsageRecord, UsageScanner } from './usageRecord';

export class GeminiUsageScanner implements UsageScanner {
	readonly needles: readonly string[] = [];
	readonly wantsFirstLine = true;
	private readonly parser = new LineParser();
	private readonly conversation = new GeminiConversation();

	constructor(
		private readonly hints: FileHints,
		private readonly emit: (r: UsageRecord) => void,
	) {}

	line(text: string, terminated: boolean): void {
		if (text.trim() === '') return;
		const v = this.parser.parse(text, terminated);
		if (v) this.conversation.record(v);
	}

	wholeFile(text: string): void {
		this.line(text, true);
	}

	private get sessionId(): string | undefined {
		return this.hints.parentSessionId ?? this.conversation.sessionId ?? this.hints.sessionId;
	}

	finish(): FileSummary {
		const sessionId = this.sessionId ?? '';
		for (const [id, m] of this.conversation.messages) {
			if (m.type !== 'gemini') continue;
			const usage = fromGeminiCliTokens(m.tokens);
			if (!usage) continue;
			const at = isoTime(m.timestamp);
			this.emit({
				agent: 'gemini',
				key: id,
				sessionId,
				...(this.hints.parentSessionId !== undefined && { sidechain: true }),
				...(this.hints.project !== undefined && { project: this.hints.project }),
				model: nonEmpty(m.model) ?? '',
				provider: 'google',
				...(at !== undefined && { at }),
				usage,
				final: true,
			});
		}
		return { ...(sessionId !== '' && { sessionId }), ...(this.hints.project !== undefined && { project: this.hints.project }), duplicateLines: 0, warnings: this.parser.warnings() };
	}
}
