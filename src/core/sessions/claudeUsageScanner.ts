/**
 * Claude Code session files: every assistant line with `message.usage`. One API response is
 * written as several lines (one per content block) that repeat its message id, request id and
 * usage; resumed and forked sessions copy earlier lines into the new file. The call key is
 * message id + request id (what ccusage dedupes by), and a line already counted from another file
 * is recognized from its ids BEFORE it is parsed — on a history of resumed sessions most assistant
 * lines are such copies.
 */
import { fromAnthropicUsage } from '../pricing/usage';
import { blocksText } from '../transcripts/claudeCode';
import { arr, isoTime, nonEmpty, rec, str } from '../transcripts/jsonAccess';
import { LineParser } from './lineParser';
import type { FileHints, FileSummary, SeenLines, UsageRecord, UsageScanner } from './usageRecord';

/** The value of the first `"name":"…"` in a JSON line (compact JSON as Claude Code writes it), or undefined. */
function quickString(text: string, marker: string): string | undefined {
	const at = text.indexOf(marker);
	if (at < 0) return undefined;
	const start = at + marker.length;
	const end = text.indexOf('"', start);
	return end > start ? text.slice(start, end) : undefined;
}

/** The call key of a line, from the line itself: message id (NUL) request id, or undefined without a message id. */
function claudeCallKey(messageId: string | undefined, requestId: string | undefined): string | undefined {
	return messageId === undefined ? undefined : `${messageId}\u0000${requestId ?? ''}`;
}

export class ClaudeUsageScanner implements UsageScanner {
	readonly needles = ['"usage":'];
	// User lines (prompts, tool results) name their type before their content; assistant lines do not.
	readonly skipHeads = ['"type":"user"'];
	readonly wantsFirstLine = false;
	private readonly parser = new LineParser();
	private duplicates = 0;
	private sessionId?: string;
	private project?: string;

	constructor(
		private readonly hints: FileHints,
		private readonly emit: (r: UsageRecord) => void,
		private readonly seen: SeenLines,
	) {}

	line(text: string, terminated: boolean): void {
		// Only assistant lines matter; a quick look at the ids skips the copies already counted.
		const uuid = quickString(text, '"uuid":"');
		const messageId = quickString(text, '"id":"msg_');
		const quickKey = messageId !== undefined ? claudeCallKey(`msg_${messageId}`, quickString(text, '"requestId":"')) : undefined;
		if (uuid !== undefined && quickKey !== undefined && this.seen.hasLine(quickKey, uuid)) {
			this.duplicates++;
			return;
		}
		const v = this.parser.parse(text, terminated);
		if (!v || v.type !== 'assistant') return;
		const m = rec(v.message);
		const model = str(m.model) ?? '';
		// Local placeholders (API errors, interrupted turns) that Claude Code writes as assistant lines.
		if (model === '<synthetic>' || v.isApiErrorMessage === true) return;
		const sessionId = nonEmpty(v.sessionId) ?? this.hints.sessionId ?? '';
		const project = nonEmpty(v.cwd) ?? this.hints.project;
		this.sessionId ??= sessionId;
		this.project ??= project;
		const lineId = nonEmpty(v.uuid) ?? `${this.hints.sessionId ?? ''}:${text.length}:${str(v.timestamp) ?? ''}`;
		const key = claudeCallKey(nonEmpty(m.id), nonEmpty(v.requestId)) ?? `line\u0000${sessionId}\u0000${lineId}`;
		const at = isoTime(v.timestamp);
		const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : arr(m.content);
		this.emit({
			agent: 'claude',
			key,
			sessionId,
			...(v.isSidechain === true && { sidechain: true }),
			...(project !== undefined && { project }),
			model,
			provider: 'anthropic',
			...(at !== undefined && { at }),
			usage: fromAnthropicUsage(m.usage),
			final: nonEmpty(m.stop_reason) !== undefined,
			lineId,
			text: blocksText(blocks),
		});
	}

	finish(): FileSummary {
		const sessionId = this.sessionId ?? this.hints.sessionId;
		const project = this.project ?? this.hints.project;
		return { ...(sessionId !== undefined && { sessionId }), ...(project !== undefined && { project }), duplicateLines: this.duplicates, warnings: this.parser.warnings() };
	}
}
