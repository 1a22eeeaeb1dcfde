/**
 * Gemini CLI chat recordings (`~/.gemini/tmp/<project>/chats/session-<time>-<id>.json[l]`, a
 * subagent's under `chats/<parent session id>/<id>.jsonl`). Two shapes:
 * - older versions: ONE JSON document `{sessionId, projectHash, startTime, lastUpdated, messages[]}`;
 * - current versions: JSONL — a metadata line, then one line per message record, re-appended with
 *   the same `id` whenever the message changes (tokens arrive, tool calls finish), `{"$set":…}`
 *   metadata updates and `{"$rewindTo": id}` when the user rewinds.
 *
 * Each `type: "gemini"` message with `tokens` is one API call. `tokens` mirrors Gemini's
 * `usageMetadata`: `input` = promptTokenCount (cached tokens INCLUDED), `cached`, `output` =
 * candidates (thoughts EXCLUDED), `thoughts`, `tool` = tool-use prompt tokens, `total`. A rewind
 * hides messages from the conversation but the calls were made and billed, so they stay counted.
 */
import { tokenReader, type Usage, type UsageProblems } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, asText, isoTime, isRecord, type JsonRecord, nonEmpty, rec, str } from './jsonAccess';
import { JsonlRecords } from './jsonlRecords';
import type { LineSink } from './lineSplitter';
import { fromGeminiContents } from './messageShapes';
import type { CallOutput, ToolCall, ToolResult, Transcript, TranscriptMessage } from './model';

const unrecordedPrompt = 'Gemini CLI records neither its system prompt nor its tool definitions';

const messageTypes = new Set(['user', 'gemini', 'info', 'error', 'warning']);

/**
 * A message's `tokens` in the product's convention, or undefined without any. Usually `total` =
 * input + output + thoughts + tool (input includes the cache); when it instead equals that PLUS
 * `cached`, the writer counted input without the cache, and the cache is added back.
 */
export function fromGeminiCliTokens(raw: unknown, problems?: UsageProblems): Usage | undefined {
	if (!isRecord(raw)) return undefined;
	const read = tokenReader(problems);
	const n = (name: string) => read(raw[name], `tokens.${name}`);
	const input = n('input');
	const output = n('output');
	const cached = n('cached');
	const thoughts = n('thoughts');
	const tool = n('tool');
	const total = raw.total === undefined ? undefined : n('total');
	if (input + output + cached + thoughts + tool === 0 && !problems?.length) return undefined;
	const inclusive = input + output + thoughts + tool;
	const cacheExcluded = cached > 0 && total === inclusive + cached && total !== inclusive;
	const prompt = (cacheExcluded ? input + cached : input) + tool;
	return { input: prompt, cacheRead: Math.min(cached, prompt), cacheWrite5m: 0, cacheWrite1h: 0, output: output + thoughts, reasoning: thoughts };
}

/** A message record (`{id, timestamp, type, content, …}`; the timestamp is not needed to count it). */
function isGeminiMessageRecord(v: JsonRecord): boolean {
	return typeof v.id === 'string' && typeof v.type === 'string' && messageTypes.has(v.type) && ('content' in v || 'tokens' in v || 'timestamp' in v);
}

/** The session metadata a recording starts with (a whole legacy document has the same keys plus `messages`). */
export function isGeminiSessionMetadata(v: JsonRecord): boolean {
	return typeof v.sessionId === 'string' && (typeof v.projectHash === 'string' || typeof v.startTime === 'string') && !('type' in v);
}

/** A legacy single-document recording. */
export function isGeminiSessionDocument(doc: unknown): boolean {
	return isRecord(doc) && isGeminiSessionMetadata(doc) && Array.isArray(doc.messages);
}

/**
 * The records of one recording, whichever shape it came in: messages by id (a re-appended record
 * replaces the earlier one in place), in order of first appearance.
 */
export class GeminiConversation {
	readonly messages = new Map<string, JsonRecord>();
	sessionId?: string;
	startTime?: string;
	recognized = 0;

	/** One parsed line or document. */
	record(v: JsonRecord): void {
		if (isGeminiMessageRecord(v)) {
			this.recognized++;
			const id = v.id as string;
			const earlier = this.messages.get(id);
			// A later copy without tokens (a display update) must not lose the call's usage.
			this.messages.set(id, earlier && earlier.tokens !== undefined && v.tokens === undefined ? { ...v, tokens: earlier.tokens } : v);
			return;
		}
		if (typeof v.$rewindTo === 'string') {
			this.recognized++;
			return;
		}
		const set = isRecord(v.$set) ? v.$set : isGeminiSessionMetadata(v) ? v : undefined;
		if (!set) return;
		this.recognized++;
		this.sessionId = nonEmpty(set.sessionId) ?? this.sessionId;
		this.startTime ??= isoTime(set.startTime);
		for (const m of arr(set.messages)) if (isRecord(m)) this.record(m);
	}
}

function partsOf(content: unknown): unknown[] {
	if (typeof content === 'string') return [{ text: content }];
	if (Array.isArray(content)) return content.map(p => (typeof p === 'string' ? { text: p } : p));
	return isRecord(content) ? [content] : [];
}

function geminiCallOutput(m: JsonRecord): CallOutput {
	const text = fromGeminiContents([{ role: 'model', parts: partsOf(m.content) }])[0]?.content ?? '';
	const thoughts = arr(m.thoughts)
		.map(t => [str(rec(t).subject), str(rec(t).description)].filter(Boolean).join(': '))
		.filter(s => s !== '');
	const toolCalls: ToolCall[] = arr(m.toolCalls).map(raw => {
		const c = rec(raw);
		return { id: str(c.id) ?? '', name: str(c.name) ?? '', arguments: asText(c.args ?? {}) };
	});
	return { text, ...(thoughts.length > 0 && { reasoning: thoughts.join('\n') }), toolCalls };
}

function toolResults(m: JsonRecord): ToolResult[] {
	return arr(m.toolCalls).map(raw => {
		const c = rec(raw);
		const result = fromGeminiContents([{ role: 'user', parts: partsOf(c.result) }])[0]?.content ?? '';
		return { toolCallId: str(c.id) ?? '', content: result || asText(c.resultDisplay ?? ''), ...(c.status === 'error' && { isError: true }) };
	});
}

/** Builds the calls of a conversation: every `gemini` message with tokens, its prompt delta rebuilt from the messages before it. */
function buildTranscript(conversation: GeminiConversation, builder: TranscriptBuilder): Transcript {
	let pending: TranscriptMessage[] = [];
	let noTokens = 0;
	for (const m of conversation.messages.values()) {
		if (m.type === 'user') {
			if (builder.retainContent) pending.push({ role: 'user', content: fromGeminiContents([{ role: 'user', parts: partsOf(m.content) }])[0]?.content ?? '' });
			continue;
		}
		if (m.type !== 'gemini') continue;
		const problems: UsageProblems = [];
		const usage = fromGeminiCliTokens(m.tokens, problems);
		if (!usage) {
			noTokens++;
			continue;
		}
		const model = nonEmpty(m.model) ?? '';
		const at = isoTime(m.timestamp);
		const output = builder.retainContent ? geminiCallOutput(m) : undefined;
		const results = builder.retainContent ? toolResults(m) : [];
		builder.addCall({
			model,
			modelSource: model === '' ? 'unknown' : 'recorded',
			provider: 'google',
			thread: 'main',
			input: { kind: 'delta', messages: pending, unrecorded: unrecordedPrompt, reconstructed: true },
			...(output !== undefined && { output }),
			...(results.length > 0 && { toolResults: results }),
			...(at !== undefined && { startedAt: at, endedAt: at }),
			usage,
			...(problems.length > 0 && { usageInvalid: problems }),
			usageSource: 'recorded',
			usageExact: true,
		});
		pending = results.map(r => ({ role: 'tool', content: r.content, toolCallId: r.toolCallId, toolResultIds: [r.toolCallId] }));
	}
	if (noTokens > 0) builder.warn('missingUsage', `${noTokens} Gemini message(s) record no tokens (interrupted or failed turns); they are not counted`);
	return builder.finish({
		...(conversation.sessionId !== undefined && { runId: conversation.sessionId }),
		agent: 'gemini-cli',
		...(conversation.startTime !== undefined && { startedAt: conversation.startTime }),
	});
}

/** Streaming importer of a JSONL recording. */
export class GeminiSessionImporter implements LineSink {
	private readonly builder: TranscriptBuilder;
	private readonly records: JsonlRecords;
	private readonly conversation = new GeminiConversation();

	constructor(private readonly options: ImportOptions) {
		this.builder = new TranscriptBuilder('gemini-cli', options);
		this.records = new JsonlRecords(this.builder, 'gemini-cli');
	}

	get calls(): number {
		return this.conversation.messages.size;
	}

	line(text: string, lineNo: number, terminated: boolean): void {
		if (lineNo % 2048 === 0) throwIfAborted(this.options.signal);
		const v = this.records.parse(text, lineNo, terminated);
		if (v) this.conversation.record(v);
	}

	finish(): Transcript {
		this.records.finish(this.conversation.recognized, 'a Gemini CLI record (session metadata or a message with id, type and timestamp)');
		return buildTranscript(this.conversation, this.builder);
	}
}

/** An older single-document recording. */
export function importGeminiSessionDocument(doc: unknown, options: ImportOptions): Transcript {
	if (!isGeminiSessionDocument(doc)) throw new TranscriptImportError('badStructure', 'not a Gemini CLI recording (sessionId and messages[] expected)', { file: options.file, format: 'gemini-cli' });
	const conversation = new GeminiConversation();
	conversation.record(doc as JsonRecord);
	return buildTranscript(conversation, new TranscriptBuilder('gemini-cli', options));
}
