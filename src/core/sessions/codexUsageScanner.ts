/**
 * Codex CLI rollout files: `session_meta` (session id, folder, parent thread of a subagent),
 * `turn_context` (the model) and `token_count` events (one per API call, see codexRollout.ts for
 * repeats and replayed parent history). Nothing else in the file is parsed.
 */
import { CodexCallCounter, codexModelOf, codexParentThread } from '../transcripts/codexRollout';
import { nonEmpty, rec } from '../transcripts/jsonAccess';
import { LineParser } from './lineParser';
import type { FileHints, FileSummary, UsageRecord, UsageScanner } from './usageRecord';

export class CodexUsageScanner implements UsageScanner {
	readonly needles = ['"type":"token_count"', '"type":"token_usage_record"', '"type":"turn_context"', '"type":"session_meta"'];
	// Every line starts with its timestamp and type; response items (prompts, tool output) are most of the bytes.
	readonly skipHeads = ['"type":"response_item"'];
	readonly headBytes = 96;
	readonly wantsFirstLine = false;
	private readonly parser = new LineParser();
	private readonly counter: CodexCallCounter;
	private metas = 0;
	private sessionId?: string;
	private parent?: string;
	private project?: string;
	private model = '';

	constructor(
		private readonly hints: FileHints,
		emit: (r: UsageRecord) => void,
	) {
		this.counter = new CodexCallCounter(call => {
			const sessionId = this.parent ?? this.sessionId ?? this.hints.sessionId ?? '';
			const project = this.project ?? this.hints.project;
			emit({
				agent: 'codex',
				key: `${call.key}|${this.model}`,
				sessionId,
				...(this.parent !== undefined && { sidechain: true }),
				...(project !== undefined && { project }),
				model: this.model,
				provider: 'openai',
				...(call.at !== undefined && { at: call.at }),
				usage: call.usage,
				final: true,
			});
		});
	}

	line(text: string, terminated: boolean): void {
		const v = this.parser.parse(text, terminated);
		if (!v) return;
		const payload = rec(v.payload);
		if (v.type === 'session_meta') {
			const first = this.metas++ === 0;
			this.counter.meta(payload, first);
			if (first) {
				this.sessionId = nonEmpty(payload.id);
				this.parent = codexParentThread(payload);
				this.project = nonEmpty(payload.cwd);
			}
		} else if (v.type === 'turn_context') {
			this.model = codexModelOf(payload) ?? this.model;
			this.project ??= nonEmpty(payload.cwd);
		} else if (v.type === 'event_msg' && payload.type === 'token_count') {
			this.counter.tokenCount(payload, v.timestamp);
		} else if (v.type === 'token_usage_record') {
			this.counter.usageRecord(payload, v.timestamp);
		}
	}

	finish(): FileSummary {
		this.counter.finish();
		const sessionId = this.parent ?? this.sessionId ?? this.hints.sessionId;
		const project = this.project ?? this.hints.project;
		return { ...(sessionId !== undefined && { sessionId }), ...(project !== undefined && { project }), duplicateLines: 0, warnings: this.parser.warnings() };
	}
}
