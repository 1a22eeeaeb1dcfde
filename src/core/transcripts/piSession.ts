/**
 * pi (the `pi` coding agent of badlogic/pi-mono) session JSONL
 * (`~/.pi/agent/sessions/--<cwd>--/<time>_<id>.jsonl`, or under `$PI_CODING_AGENT_DIR`): a
 * `session` header (id, cwd; `branchedFrom` when the session was forked), then entries —
 * `message` (user, assistant, toolResult), `model_change`, `compaction`, … Every assistant message
 * with `usage` is one API call. pi normalizes usage itself: `input` EXCLUDES cache reads and writes
 * (it subtracts OpenAI's cached tokens), `output` includes reasoning, and `cost.total` is what pi
 * computed with its own prices (kept as the recorded cost).
 */
import { tokenReader, type Usage, type UsageProblems } from '../pricing/usage';
import { type ImportOptions, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, asText, isoTime, isRecord, type JsonRecord, nonEmpty, nonNegative, rec, str } from './jsonAccess';
import { JsonlRecords } from './jsonlRecords';
import type { LineSink } from './lineSplitter';
import type { CallOutput, ToolCall, Transcript, TranscriptMessage } from './model';

const unrecordedPrompt = 'pi records neither its system prompt nor its tool definitions';

/** pi's `usage` in the product's convention (input = the whole prompt), or undefined when it is all zero. */
export function fromPiUsage(raw: unknown, problems?: UsageProblems): Usage | undefined {
	const u = rec(raw);
	const read = tokenReader(problems);
	const n = (name: string) => read(u[name], `usage.${name}`);
	const input = n('input');
	const cacheRead = n('cacheRead');
	const cacheWrite = n('cacheWrite');
	const output = n('output');
	if (input + cacheRead + cacheWrite + output === 0 && !problems?.length) return undefined;
	return { input: input + cacheRead + cacheWrite, cacheRead, cacheWrite5m: cacheWrite, cacheWrite1h: 0, output, reasoning: 0 };
}

/** An assistant message's own timestamp (ms) and numbers: a forked session's copy of it has the same key. */
export function piCallKey(entry: JsonRecord, message: JsonRecord, usage: Usage): string {
	const at = nonNegative(message.timestamp) ?? str(entry.timestamp) ?? '';
	return `${at}|${str(message.responseId) ?? ''}|${str(message.model) ?? ''}|${usage.input}|${usage.cacheRead}|${usage.cacheWrite5m}|${usage.output}`;
}

/** pi provider ids that name a provider the price catalog knows. */
export function piProvider(message: JsonRecord): string | undefined {
	const p = str(message.provider) ?? '';
	if (p === 'anthropic' || p === 'google') return p;
	if (p === 'openai' || p.startsWith('openai-')) return 'openai';
	return undefined;
}

/** The session header line. */
export function isPiSessionHeader(v: JsonRecord): boolean {
	return v.type === 'session' && typeof v.id === 'string';
}

/** Any pi entry line. */
function isPiEntry(v: JsonRecord): boolean {
	return (
		isPiSessionHeader(v) ||
		(v.type === 'message' && isRecord(v.message) && typeof rec(v.message).role === 'string') ||
		v.type === 'model_change' ||
		v.type === 'compaction' ||
		v.type === 'thinking_level_change'
	);
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	return arr(content)
		.map(b => {
			const block = rec(b);
			if (block.type === 'text') return str(block.text) ?? '';
			if (block.type === 'image') return '[image]';
			return '';
		})
		.filter(s => s !== '')
		.join('\n');
}

function piOutput(message: JsonRecord): CallOutput {
	const text: string[] = [];
	const reasoning: string[] = [];
	const toolCalls: ToolCall[] = [];
	for (const b of arr(message.content)) {
		const block = rec(b);
		if (block.type === 'text') text.push(str(block.text) ?? '');
		else if (block.type === 'thinking') reasoning.push(str(block.thinking) ?? '');
		else if (block.type === 'toolCall') toolCalls.push({ id: str(block.id) ?? '', name: str(block.name) ?? '', arguments: asText(block.arguments ?? {}) });
	}
	const stopReason = nonEmpty(message.stopReason);
	return { text: text.join('\n'), ...(reasoning.length > 0 && { reasoning: reasoning.join('\n') }), toolCalls, ...(stopReason !== undefined && { stopReason }) };
}

/** Streaming importer of one pi session file. */
export class PiSessionImporter implements LineSink {
	private readonly builder: TranscriptBuilder;
	private readonly records: JsonlRecords;
	private recognized = 0;
	private sessionId?: string;
	private pending: TranscriptMessage[] = [];
	private afterCompaction = false;

	constructor(private readonly options: ImportOptions) {
		this.builder = new TranscriptBuilder('pi-session', options);
		this.records = new JsonlRecords(this.builder, 'pi-session');
	}

	get calls(): number {
		return this.builder.calls.length;
	}

	line(text: string, lineNo: number, terminated: boolean): void {
		if (lineNo % 2048 === 0) throwIfAborted(this.options.signal);
		const v = this.records.parse(text, lineNo, terminated);
		if (!v || !isPiEntry(v)) return;
		this.recognized++;
		if (isPiSessionHeader(v)) {
			this.sessionId ??= nonEmpty(v.id);
			return;
		}
		if (v.type === 'compaction') {
			this.pending = [];
			this.afterCompaction = true;
			const at = isoTime(v.timestamp);
			const preTokens = nonNegative(v.tokensBefore);
			this.builder.events.push({
				kind: 'compaction',
				...(at !== undefined && { at }),
				beforeCall: this.calls,
				thread: 'main',
				...(preTokens !== undefined && { preTokens }),
				source: 'pi-session',
				line: lineNo,
			});
			return;
		}
		if (v.type !== 'message') return;
		const m = rec(v.message);
		if (m.role === 'assistant') this.assistant(v, m, lineNo);
		else if (this.builder.retainContent && m.role === 'toolResult') {
			const id = str(m.toolCallId) ?? '';
			this.pending.push({ role: 'tool', content: textOf(m.content), toolCallId: id, toolResultIds: [id] });
		} else if (this.builder.retainContent && m.role === 'user') this.pending.push({ role: 'user', content: textOf(m.content) });
	}

	private assistant(entry: JsonRecord, m: JsonRecord, lineNo: number): void {
		const problems: UsageProblems = [];
		const usage = fromPiUsage(m.usage, problems);
		if (!usage) return; // aborted before the provider answered: nothing billed
		const model = nonEmpty(m.model) ?? '';
		const at = isoTime(entry.timestamp);
		const provider = piProvider(m);
		const cost = this.builder.recordedNumber(rec(rec(m.usage).cost).total, 'usage.cost.total', 'cost', lineNo);
		const messages = this.pending;
		this.pending = [];
		this.builder.addCall({
			model,
			modelSource: model === '' ? 'unknown' : 'recorded',
			...(provider !== undefined && { provider }),
			thread: 'main',
			input: { kind: this.afterCompaction ? 'full' : 'delta', messages, unrecorded: unrecordedPrompt },
			...(this.builder.retainContent && { output: piOutput(m) }),
			...(at !== undefined && { startedAt: at, endedAt: at }),
			usage,
			...(problems.length > 0 && { usageInvalid: problems }),
			usageSource: 'recorded',
			usageExact: true,
			...(cost !== undefined && cost > 0 && { recordedCostUsd: cost }),
			line: lineNo,
		});
		this.afterCompaction = false;
	}

	finish(): Transcript {
		this.records.finish(this.recognized, 'a pi session record (session header or message entry)');
		return this.builder.finish({ ...(this.sessionId !== undefined && { runId: this.sessionId }), agent: 'pi' });
	}
}
