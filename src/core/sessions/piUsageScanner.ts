/** pi session files: the header (session id, folder) and every assistant message with usage. */
import { isoTime, nonEmpty, rec } from '../transcripts/jsonAccess';
import { fromPiUsage, isPiSessionHeader, piCallKey, piProvider } from '../transcripts/piSession';
import { LineParser } from './lineParser';
import type { FileHints, FileSummary, UsageRecord, UsageScanner } from './usageRecord';

export class PiUsageScanner implements UsageScanner {
	readonly needles = ['"usage":'];
	// Entries name the message's role before its content.
	readonly skipHeads = ['"role":"user"', '"role":"toolResult"'];
	readonly headBytes = 256;
	readonly wantsFirstLine = true;
	private readonly parser = new LineParser();
	private sessionId?: string;
	private project?: string;

	constructor(
		private readonly hints: FileHints,
		private readonly emit: (r: UsageRecord) => void,
	) {}

	line(text: string, terminated: boolean): void {
		const v = this.parser.parse(text, terminated);
		if (!v) return;
		if (isPiSessionHeader(v)) {
			this.sessionId ??= nonEmpty(v.id);
			this.project ??= nonEmpty(v.cwd);
			return;
		}
		const m = rec(v.message);
		if (v.type !== 'message' || m.role !== 'assistant') return;
		const usage = fromPiUsage(m.usage);
		if (!usage) return;
		const at = isoTime(v.timestamp);
		const project = this.project ?? this.hints.project;
		const provider = piProvider(m);
		this.emit({
			agent: 'pi',
			key: piCallKey(v, m, usage),
			sessionId: this.sessionId ?? this.hints.sessionId ?? '',
			...(project !== undefined && { project }),
			model: nonEmpty(m.model) ?? '',
			...(provider !== undefined && { provider }),
			...(at !== undefined && { at }),
			usage,
			final: true,
		});
	}

	finish(): FileSummary {
		const sessionId = this.sessionId ?? this.hints.sessionId;
		const project = this.project ?? this.hints.project;
		return { ...(sessionId !== undefined && { sessionId }), ...(project !== undefined && { project }), duplicateLines: 0, warnings: this.parser.warnings() };
	}
}
