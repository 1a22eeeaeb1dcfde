/**
 * Codex CLI rollout JSONL (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`, also
 * `archived_sessions/`): `session_meta` (id, cwd, cli_version), `turn_context` (the model),
 * `response_item` (OpenAI Responses items: messages, function calls and their outputs, reasoning)
 * and `event_msg`s, of which `token_count` closes one API call.
 *
 * A `token_count` carries `info.total_token_usage` (cumulative for the thread) and
 * `info.last_token_usage` (this call). The call's usage is the last-call numbers; the cumulative
 * counter is only used to recover them when an old file lacks them (difference to the previous
 * total) and to drop repeats: Codex writes the same `token_count` again (e.g. when rate limits
 * update), and a repeat has the SAME cumulative total — a new call always raises it. Usage follows
 * the OpenAI convention we use everywhere: `input_tokens` includes the cached tokens.
 *
 * Subagent threads (`session_meta.payload.source.subagent.thread_spawn`) start by replaying the
 * parent's history, its `token_count`s included, all stamped with the second the subagent was
 * created; those are the parent's calls, not the subagent's, and are skipped.
 *
 * Newer versions (0.16x) also write a `token_usage_record` per API call, with the response id and
 * that call's usage. Once a file has one, its calls are counted from these records (keyed by
 * response id, which also recognizes the same call in a copied or replayed history) and the
 * `token_count` events, which then describe the same calls again, are ignored.
 */
import { tokenReader, type Usage, type UsageProblems } from '../pricing/usage';
import { type ImportOptions, TranscriptBuilder, throwIfAborted } from './importSupport';
import { isoTime, type JsonRecord, nonEmpty, rec, str } from './jsonAccess';
import { JsonlRecords } from './jsonlRecords';
import type { LineSink } from './lineSplitter';
import { fromResponsesInput, responsesOutput } from './messageShapes';
import type { Transcript, TranscriptMessage } from './model';

const unrecordedPrompt = 'Codex CLI records neither its tool definitions nor the exact request of each call (the prompt is rebuilt from the rollout items)';

/** One `*_token_usage` object of a `token_count` event, as recorded. */
export interface CodexTokenUsage {
	readonly input: number;
	readonly cached: number;
	readonly cacheWrite: number;
	readonly output: number;
	readonly reasoning: number;
	readonly total: number;
	/** Fields that are not token counts (read as 0): the call's cost is then unknown, never a silent $0. */
	readonly problems?: readonly string[];
}

/** A `*_token_usage` object, or undefined when the value is not one. `field` names it in problems. */
function codexTokenUsage(v: unknown, field = 'usage'): CodexTokenUsage | undefined {
	const u = rec(v);
	if (u.input_tokens === undefined && u.output_tokens === undefined && u.total_tokens === undefined) return undefined;
	const problems: UsageProblems = [];
	const read = tokenReader(problems);
	const count = (name: string) => read(u[name], `${field}.${name}`);
	const input = count('input_tokens');
	const output = count('output_tokens');
	const total = u.total_tokens === undefined ? input + output : count('total_tokens');
	return {
		input,
		cached: count('cached_input_tokens'),
		cacheWrite: count('cache_write_input_tokens'),
		output,
		reasoning: count('reasoning_output_tokens'),
		total,
		...(problems.length > 0 && { problems }),
	};
}

function minus(a: CodexTokenUsage, b: CodexTokenUsage | undefined): CodexTokenUsage {
	if (!b) return a;
	const d = (x: number, y: number) => Math.max(0, x - y);
	return {
		input: d(a.input, b.input),
		cached: d(a.cached, b.cached),
		cacheWrite: d(a.cacheWrite, b.cacheWrite),
		output: d(a.output, b.output),
		reasoning: d(a.reasoning, b.reasoning),
		total: d(a.total, b.total),
	};
}

function same(a: CodexTokenUsage, b: CodexTokenUsage | undefined): boolean {
	return b !== undefined && a.input === b.input && a.cached === b.cached && a.cacheWrite === b.cacheWrite && a.output === b.output && a.reasoning === b.reasoning && a.total === b.total;
}

/** Codex's numbers in the product's convention: input includes cache reads and writes, output includes reasoning. */
function fromCodexUsage(u: CodexTokenUsage): Usage {
	return {
		input: u.input,
		cacheRead: Math.min(u.cached, u.input),
		cacheWrite5m: Math.min(u.cacheWrite, Math.max(0, u.input - u.cached)),
		cacheWrite1h: 0,
		output: u.output,
		reasoning: Math.min(u.reasoning, u.output),
	};
}

/** The model a `turn_context` (or an event payload) names. */
export function codexModelOf(payload: JsonRecord): string | undefined {
	return nonEmpty(payload.model) ?? nonEmpty(rec(rec(payload.collaboration_mode).settings).model) ?? nonEmpty(payload.model_name);
}

/** The parent thread of a subagent's `session_meta` payload, when it is one. */
export function codexParentThread(meta: JsonRecord): string | undefined {
	const spawn = rec(rec(rec(meta.source).subagent).thread_spawn);
	return nonEmpty(spawn.parent_thread_id);
}

/** One API call found in a rollout: its usage and what identifies it across copies of the file. */
export interface CodexCall {
	readonly usage: Usage;
	readonly raw: CodexTokenUsage;
	readonly at?: string;
	/** Why the recorded numbers are not counts (the cost is then unknown). */
	readonly invalid?: readonly string[];
	/** Timestamp + numbers: a verbatim copy of this event (an archived copy, a forked thread's history) has the same key. */
	readonly key: string;
}

/**
 * Turns the `token_count` events of ONE rollout file, in order, into calls: repeats dropped, old
 * totals-only events turned into differences, a subagent's replayed parent history skipped.
 * Streaming: a subagent's first event is held until the second shows whether it is a replay.
 */
export class CodexCallCounter {
	private previous?: CodexTokenUsage;
	private subagent = false;
	private replay: 'unknown' | 'skipping' | 'done' = 'unknown';
	private replaySecond?: string;
	private held?: { readonly info: JsonRecord; readonly at?: string; readonly second?: string };
	private records = false;

	constructor(private readonly emit: (call: CodexCall) => void) {}

	/** A `session_meta` payload: the first one says whether this file is a subagent's. */
	meta(payload: JsonRecord, first: boolean): void {
		if (first && codexParentThread(payload) !== undefined) this.subagent = true;
	}

	/** A `token_usage_record`'s payload: one API call, with its response id. */
	usageRecord(payload: JsonRecord, timestamp: unknown): void {
		this.records = true;
		this.held = undefined;
		const raw = codexTokenUsage(payload.usage, 'payload.usage');
		if (raw === undefined || (raw.input === 0 && raw.output === 0 && !raw.problems)) return;
		const at = isoTime(timestamp);
		const responseId = nonEmpty(payload.response_id);
		const key = responseId !== undefined ? `response|${responseId}` : `${at ?? ''}|${raw.input}|${raw.cached}|${raw.cacheWrite}|${raw.output}|${raw.reasoning}|`;
		this.emit({ usage: fromCodexUsage(raw), raw, ...(at !== undefined && { at }), key, ...(raw.problems && { invalid: raw.problems }) });
	}

	/** A `token_count` event's payload and the line's timestamp. */
	tokenCount(payload: JsonRecord, timestamp: unknown): void {
		if (this.records) return; // the usage records of this file already count these calls
		const info = rec(payload.info);
		const at = isoTime(timestamp);
		const second = typeof timestamp === 'string' ? timestamp.slice(0, 19) : undefined;
		if (this.subagent && this.replay === 'unknown') {
			if (!this.held) {
				this.held = { info, ...(at !== undefined && { at }), ...(second !== undefined && { second }) };
				return;
			}
			const held = this.held;
			this.held = undefined;
			if (second !== undefined && second === held.second) {
				this.replay = 'skipping';
				this.replaySecond = second;
				this.skip(held.info);
			} else {
				this.replay = 'done';
				this.count(held.info, held.at);
			}
		}
		if (this.replay === 'skipping') {
			if (second === this.replaySecond) return this.skip(info);
			this.replay = 'done';
		}
		this.count(info, at);
	}

	/** Flushes a held first event (a subagent file with a single call). */
	finish(): void {
		const held = this.held;
		this.held = undefined;
		if (held) this.count(held.info, held.at);
	}

	/** A replayed parent event: not a call of this thread, but later differences start from its total. */
	private skip(info: JsonRecord): void {
		const total = codexTokenUsage(info.total_token_usage);
		if (total) this.previous = total;
	}

	private count(info: JsonRecord, at: string | undefined): void {
		const total = codexTokenUsage(info.total_token_usage, 'payload.info.total_token_usage');
		const last = codexTokenUsage(info.last_token_usage, 'payload.info.last_token_usage');
		if (total !== undefined && same(total, this.previous)) return; // a repeat of the previous event
		const raw = last ?? (total !== undefined ? minus(total, this.previous) : undefined);
		// A difference of totals is as wrong as either total.
		const invalid = last ? last.problems : [...(total?.problems ?? []), ...(this.previous?.problems ?? [])];
		if (total !== undefined) this.previous = total;
		if (raw === undefined || (raw.input === 0 && raw.output === 0 && raw.cached === 0 && raw.reasoning === 0 && !invalid?.length)) return;
		const key = `${at ?? ''}|${raw.input}|${raw.cached}|${raw.cacheWrite}|${raw.output}|${raw.reasoning}|${total?.total ?? ''}`;
		this.emit({ usage: fromCodexUsage(raw), raw, ...(at !== undefined && { at }), key, ...(invalid?.length && { invalid }) });
	}
}

/** Is this parsed line a Codex rollout record? */
export function isCodexRolloutRecord(v: JsonRecord): boolean {
	const t = v.type;
	return (
		(t === 'session_meta' || t === 'response_item' || t === 'event_msg' || t === 'turn_context' || t === 'compacted' || t === 'token_usage_record' || t === 'world_state') &&
		typeof v.payload === 'object' &&
		v.payload !== null
	);
}

/** Streaming importer of one rollout file: feed it lines, then `finish()`. */
export class CodexRolloutImporter implements LineSink {
	private readonly builder: TranscriptBuilder;
	private readonly records: JsonlRecords;
	private readonly counter: CodexCallCounter;
	private recognized = 0;
	private metas = 0;
	private sessionId?: string;
	private version?: string;
	private model = '';
	private pendingInput: unknown[] = [];
	private pendingOutput: unknown[] = [];
	private lineNo = 0;

	constructor(private readonly options: ImportOptions) {
		this.builder = new TranscriptBuilder('codex-rollout', options);
		this.records = new JsonlRecords(this.builder, 'codex-rollout');
		this.counter = new CodexCallCounter(call => this.addCall(call));
	}

	get calls(): number {
		return this.builder.calls.length;
	}

	line(text: string, lineNo: number, terminated: boolean): void {
		if (lineNo % 2048 === 0) throwIfAborted(this.options.signal);
		const v = this.records.parse(text, lineNo, terminated);
		if (!v || !isCodexRolloutRecord(v)) return;
		this.recognized++;
		this.lineNo = lineNo;
		const payload = rec(v.payload);
		switch (v.type) {
			case 'session_meta':
				this.counter.meta(payload, this.metas++ === 0);
				this.sessionId ??= nonEmpty(payload.id);
				this.version ??= nonEmpty(payload.cli_version);
				break;
			case 'turn_context':
				this.model = codexModelOf(payload) ?? this.model;
				break;
			case 'response_item':
				this.item(payload);
				break;
			case 'compacted':
				this.pendingInput = [];
				this.builder.events.push({
					kind: 'compaction',
					...(isoTime(v.timestamp) !== undefined && { at: isoTime(v.timestamp) }),
					beforeCall: this.calls,
					thread: 'main',
					source: 'codex-rollout',
					line: lineNo,
				});
				break;
			case 'event_msg':
				if (payload.type === 'token_count') this.counter.tokenCount(payload, v.timestamp);
				break;
			case 'token_usage_record':
				this.counter.usageRecord(payload, v.timestamp);
				break;
		}
	}

	/** Items the model produced go to the open call's output; everything else is the next prompt's. */
	private item(payload: JsonRecord): void {
		if (!this.builder.retainContent) return;
		const type = str(payload.type);
		const produced =
			(type === 'message' && payload.role === 'assistant') || type === 'reasoning' || type === 'function_call' || type === 'custom_tool_call' || (type !== undefined && type.endsWith('_call'));
		if (produced) this.pendingOutput.push(payload);
		else this.pendingInput.push(payload);
	}

	private addCall(call: CodexCall): void {
		const messages: TranscriptMessage[] = this.builder.retainContent ? fromResponsesInput(this.pendingInput) : [];
		const output = this.builder.retainContent ? responsesOutput(this.pendingOutput) : undefined;
		this.pendingInput = [];
		this.pendingOutput = [];
		this.builder.addCall({
			model: this.model,
			modelSource: this.model === '' ? 'unknown' : 'recorded',
			provider: 'openai',
			thread: 'main',
			input: { kind: 'delta', messages, unrecorded: unrecordedPrompt, reconstructed: true },
			...(output !== undefined && { output }),
			...(call.at !== undefined && { startedAt: call.at, endedAt: call.at }),
			usage: call.usage,
			...(call.invalid && { usageInvalid: call.invalid }),
			usageSource: 'recorded',
			usageExact: true,
			line: this.lineNo,
		});
	}

	finish(): Transcript {
		this.counter.finish();
		this.records.finish(this.recognized, 'a Codex rollout record (session_meta, response_item, event_msg, turn_context)');
		if (this.calls > 0 && this.builder.calls.some(c => c.model === '')) {
			this.builder.warn('modelUnknown', 'some calls come before any turn_context names the model; they have no model and no price');
		}
		return this.builder.finish({
			...(this.sessionId !== undefined && { runId: this.sessionId }),
			agent: this.version !== undefined ? `codex ${this.version}` : 'codex',
		});
	}
}
