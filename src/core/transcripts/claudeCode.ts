/**
 * Claude Code session JSONL (`~/.claude/projects/<project>/<session>.jsonl`, subagents in
 * `agent-<id>.jsonl`). One line per content block, so one API response spans several lines that
 * repeat its `message.id`, `requestId` and usage — sometimes with tool results in between. Calls are
 * deduplicated by id + request id and merged. The recorded `output_tokens` is usually a streaming
 * snapshot (1–3 tokens, anthropics/claude-code#25941): a call whose lines never carry a
 * `stop_reason` is flagged and its output taken as max(recorded, ≈counted content).
 * Line-at-a-time, so the Node reader can stream 100 MB files with bounded memory.
 */
import { fromAnthropicUsage } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type CallDraft, type ImportOptions, PromptCounter, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, asText, isoTime, isRecord, type JsonRecord, nonEmpty, nonNegative, rec, str } from './jsonAccess';
import type { LineSink } from './lineSplitter';
import { anthropicOutput, fromAnthropicMessage } from './messageShapes';
import type { SidechainInfo, ToolResult, Transcript, TranscriptMessage } from './model';

const unrecordedPrompt = 'Claude Code does not record its system prompt, tool definitions or attached context';

interface Draft {
	readonly call: CallDraft;
	/** The usage object of the line with the largest output count (input and cache fields repeat). */
	usage: JsonRecord;
	recordedOutput: number;
	stopReason?: string;
	blocks: unknown[];
	readonly lineIds: Set<string>;
	countedOutput: number;
	countedExact: boolean;
	recordedCost?: number;
	toolResults: ToolResult[];
}

interface ThreadState {
	pending: TranscriptMessage[];
	/** The next call starts from a compaction summary, not from the previous call's prompt. */
	afterCompaction: boolean;
}

/** Streaming importer of one Claude Code session file: feed it lines, then `finish()`. */
export class ClaudeCodeImporter implements LineSink {
	private readonly builder: TranscriptBuilder;
	private readonly counter: PromptCounter;
	private readonly drafts: Draft[] = [];
	private readonly byKey = new Map<string, Draft>();
	private readonly threads = new Map<string, ThreadState>();
	private readonly toolOwner = new Map<string, Draft>();
	private readonly agentParents = new Map<string, string>();
	/** One string per distinct model id (JSON.parse makes a new copy on every line). */
	private readonly modelIds = new Map<string, string>();
	private sessionId?: string;
	private version?: string;
	private parsedLines = 0;
	private recognizedLines = 0;
	private synthetic = 0;
	private readonly badLines: number[] = [];
	private badLineCount = 0;
	private firstBadProblem?: string;

	constructor(private readonly options: ImportOptions) {
		this.builder = new TranscriptBuilder('claude-code', options);
		this.counter = new PromptCounter(options.counter);
	}

	get calls(): number {
		return this.drafts.length;
	}

	line(text: string, lineNo: number, terminated: boolean): void {
		if (lineNo % 2048 === 0) throwIfAborted(this.options.signal);
		if (text.trim() === '') return;
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			this.bad(lineNo, terminated, 'not valid JSON');
			return;
		}
		if (!isRecord(value)) {
			this.bad(lineNo, terminated, 'not a JSON object');
			return;
		}
		this.parsedLines++;
		const type = value.type;
		if (type === 'assistant') this.assistant(value, lineNo);
		else if (type === 'user') this.user(value);
		else if (type === 'system' && value.subtype === 'compact_boundary') this.compaction(value, lineNo);
		else if (type === 'progress') this.progress(value);
		else if (typeof type === 'string') this.recognizedLines++;
		this.meta(value);
	}

	private bad(lineNo: number, terminated: boolean, problem: string): void {
		if (!terminated) {
			this.builder.warn('truncatedLastLine', `the last line (${lineNo}) is incomplete (${problem}); the file was probably cut off while being written — ignored`, { line: lineNo });
			return;
		}
		this.badLineCount++;
		this.firstBadProblem ??= `line ${lineNo}: ${problem}`;
		if (this.badLines.length < 5) this.badLines.push(lineNo);
	}

	private meta(v: JsonRecord): void {
		this.sessionId ??= nonEmpty(v.sessionId);
		this.version ??= nonEmpty(v.version);
	}

	private thread(v: JsonRecord): { id: string; sidechain?: SidechainInfo } {
		const agentId = nonEmpty(v.agentId);
		// agent-acompact-*.jsonl: the compaction agent writing a summary, not a task subagent.
		const compaction = (agentId ?? '').startsWith('acompact') || /(^|[\\/])agent-acompact[^\\/]*$/.test(this.options.file ?? '');
		if (agentId !== undefined) return { id: agentId, sidechain: { agentId, kind: compaction ? 'compaction' : 'subagent' } };
		if (v.isSidechain === true) return { id: 'sidechain', sidechain: { agentId: 'sidechain', kind: 'subagent' } };
		return { id: 'main' };
	}

	private state(id: string): ThreadState {
		let s = this.threads.get(id);
		if (!s) this.threads.set(id, (s = { pending: [], afterCompaction: false }));
		return s;
	}

	private assistant(v: JsonRecord, lineNo: number): void {
		this.recognizedLines++;
		const m = rec(v.message);
		const parsedModel = str(m.model) ?? '';
		let model = this.modelIds.get(parsedModel);
		if (model === undefined) this.modelIds.set(parsedModel, (model = parsedModel));
		// Local placeholders (API errors, interrupted turns) that Claude Code writes as assistant lines.
		if (model === '<synthetic>' || v.isApiErrorMessage === true) {
			this.synthetic++;
			return;
		}
		const id = nonEmpty(m.id);
		const requestId = nonEmpty(v.requestId);
		const lineId = nonEmpty(v.uuid) ?? `line:${lineNo}`;
		const key = id !== undefined ? `${id}\u0000${requestId ?? ''}` : lineId;
		const usage = rec(m.usage);
		const output = nonNegative(usage.output_tokens) ?? 0;
		const stopReason = nonEmpty(m.stop_reason);
		const at = isoTime(v.timestamp);
		const cost = nonNegative(v.costUSD);
		let d = this.byKey.get(key);
		if (d === undefined) {
			const thread = this.thread(v);
			const state = this.state(thread.id);
			const pending = state.pending;
			state.pending = [];
			const input = state.afterCompaction ? { kind: 'full' as const, messages: pending, unrecorded: unrecordedPrompt } : { kind: 'delta' as const, messages: pending, unrecorded: unrecordedPrompt };
			state.afterCompaction = false;
			const call = this.builder.addCall({
				...(id !== undefined && { id }),
				...(requestId !== undefined && { requestId }),
				model,
				modelSource: model === '' ? 'unknown' : 'recorded',
				provider: 'anthropic',
				thread: thread.id,
				...(thread.sidechain && { sidechain: thread.sidechain }),
				input,
				...(at !== undefined && { startedAt: at, endedAt: at }),
				usage: fromAnthropicUsage(usage),
				usageSource: 'recorded',
				usageExact: true,
				line: lineNo,
			});
			d = { call, usage, recordedOutput: output, blocks: [], lineIds: new Set(), countedOutput: 0, countedExact: true, toolResults: [] };
			this.drafts.push(d);
			this.byKey.set(key, d);
		} else {
			if (output >= d.recordedOutput) {
				d.usage = usage;
				d.recordedOutput = output;
			}
			if (at !== undefined) d.call.endedAt = at;
		}
		if (stopReason !== undefined) d.stopReason = stopReason;
		if (cost !== undefined) d.recordedCost = Math.max(d.recordedCost ?? 0, cost);
		// A line repeated verbatim (same uuid) adds no content.
		if (d.lineIds.has(lineId)) return;
		d.lineIds.add(lineId);
		const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : arr(m.content);
		const counted = this.counter.text(model, blocksText(blocks));
		d.countedOutput += counted.tokens;
		d.countedExact &&= counted.exact;
		if (this.builder.retainContent) {
			d.blocks.push(...blocks);
			for (const b of blocks) {
				const block = rec(b);
				if (block.type === 'tool_use' && typeof block.id === 'string') this.toolOwner.set(block.id, d);
			}
		}
	}

	private user(v: JsonRecord): void {
		this.recognizedLines++;
		const thread = this.thread(v);
		const state = this.state(thread.id);
		if (!this.builder.retainContent) return;
		const m = rec(v.message);
		const message = fromAnthropicMessage({ role: 'user', content: m.content });
		state.pending.push(message);
		for (const b of arr(m.content)) {
			const block = rec(b);
			if (block.type !== 'tool_result') continue;
			const owner = typeof block.tool_use_id === 'string' ? this.toolOwner.get(block.tool_use_id) : undefined;
			if (owner) {
				owner.toolResults.push({
					toolCallId: block.tool_use_id as string,
					content: typeof block.content === 'string' ? block.content : asText(block.content),
					...(block.is_error === true && { isError: true }),
				});
			}
		}
	}

	private compaction(v: JsonRecord, lineNo: number): void {
		this.recognizedLines++;
		const thread = this.thread(v);
		const state = this.state(thread.id);
		state.pending = [];
		state.afterCompaction = true;
		const meta = rec(v.compactMetadata);
		const id = nonEmpty(v.uuid);
		const at = isoTime(v.timestamp);
		const trigger = nonEmpty(meta.trigger);
		const preTokens = nonNegative(meta.preTokens);
		this.builder.events.push({
			kind: 'compaction',
			...(id !== undefined && { id }),
			...(at !== undefined && { at }),
			beforeCall: this.drafts.length,
			thread: thread.id,
			...(trigger !== undefined && { trigger }),
			...(preTokens !== undefined && { preTokens }),
			source: 'claude-code',
			line: lineNo,
		});
	}

	private progress(v: JsonRecord): void {
		this.recognizedLines++;
		const data = rec(v.data);
		const agentId = nonEmpty(data.agentId);
		const parent = nonEmpty(v.parentToolUseID);
		if (data.type === 'agent_progress' && agentId !== undefined && parent !== undefined) this.agentParents.set(agentId, parent);
	}

	finish(): Transcript {
		if (this.parsedLines === 0) {
			if (this.badLineCount > 0) {
				throw new TranscriptImportError('malformed', `no line is a JSON object (${this.firstBadProblem})`, { file: this.options.file, line: this.badLines[0], format: 'claude-code' });
			}
			throw new TranscriptImportError('empty', 'the file has no JSONL records', { file: this.options.file, format: 'claude-code' });
		}
		if (this.recognizedLines === 0) {
			throw new TranscriptImportError('badStructure', 'no line has a Claude Code record type (user, assistant, system, progress…)', { file: this.options.file, format: 'claude-code' });
		}
		if (this.badLineCount > 0) {
			const more = this.badLineCount > this.badLines.length ? ` and ${this.badLineCount - this.badLines.length} more` : '';
			this.builder.warn('malformedLine', `${this.badLineCount} line(s) are not valid JSONL records and were skipped: line ${this.badLines.join(', ')}${more} (${this.firstBadProblem})`, {
				line: this.badLines[0],
			});
		}
		let placeholders = 0;
		let recordedOut = 0;
		let correctedOut = 0;
		for (const d of this.drafts) {
			const call = d.call;
			const recorded = fromAnthropicUsage(d.usage);
			call.usage = recorded;
			if (d.recordedCost !== undefined) call.recordedCostUsd = d.recordedCost;
			if (call.sidechain && call.sidechain.parentToolUseId === undefined) {
				const parent = this.agentParents.get(call.sidechain.agentId);
				if (parent !== undefined) call.sidechain = { ...call.sidechain, parentToolUseId: parent };
			}
			if (this.builder.retainContent) {
				call.output = anthropicOutput(d.blocks, d.stopReason);
				if (d.toolResults.length > 0) call.toolResults = d.toolResults;
			}
			if (d.stopReason === undefined) {
				// No line of this response carries a stop_reason: its output_tokens is a streaming snapshot.
				placeholders++;
				recordedOut += recorded.output;
				const output = Math.max(recorded.output, d.countedOutput);
				correctedOut += output;
				call.usageSource = 'placeholder-output';
				call.usageExact = false;
				call.recordedUsage = recorded;
				call.usage = { ...recorded, output };
				call.usageNotes = [`streaming placeholder output (no stop_reason): recorded ${recorded.output}, ≈${d.countedOutput} counted from the content, ${output} used`];
			}
		}
		if (placeholders > 0) {
			this.builder.warn(
				'placeholderOutput',
				`${placeholders} of ${this.drafts.length} calls have no final output count (Claude Code wrote streaming placeholders, no stop_reason): recorded output ${recordedOut} tokens; output taken as max(recorded, ≈counted content) = ≈${correctedOut} tokens`,
			);
		}
		if (this.synthetic > 0) {
			this.builder.warn('syntheticMessage', `${this.synthetic} assistant line(s) with model <synthetic> (local error/interrupt placeholders, not API calls) were skipped`);
		}
		return this.builder.finish({
			...(this.sessionId !== undefined && { runId: this.sessionId }),
			agent: this.version !== undefined ? `claude-code ${this.version}` : 'claude-code',
		});
	}
}

/** The text of an assistant line's content blocks, for counting what was generated. */
export function blocksText(blocks: readonly unknown[]): string {
	const out: string[] = [];
	for (const raw of blocks) {
		const b = rec(raw);
		if (b.type === 'text') out.push(str(b.text) ?? '');
		else if (b.type === 'thinking') out.push(str(b.thinking) ?? '');
		else if (b.type === 'tool_use' || b.type === 'server_tool_use') out.push(`${str(b.name) ?? ''}(${asText(b.input ?? {})})`);
	}
	return out.join('\n');
}
