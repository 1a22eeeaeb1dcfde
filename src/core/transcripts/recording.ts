/**
 * The product's own recording format: versioned JSONL, one line per record, written by appending
 * ONE line per live call (so a crash can at worst cut the last line, which readers tolerate).
 * The spec is in the README ("Recording format"); in short:
 *
 *   {"v":1,"type":"run","runId":"…","startedAt":"…","agent":"agent-cost-lens 0.1.0"}
 *   {"v":1,"type":"call","at":"…","model":"gpt-4o","provider":"openai","usage":{…},"costUsd":0.0123,…}
 *   {"v":1,"type":"event","kind":"compaction","at":"…",…}
 *
 * Readers ignore unknown fields and unknown record types, skip (with a warning) records of a newer
 * `v`, and ignore an unparsable last line without a newline.
 */
import { InputError } from '../lib/errors';
import { tokenCountProblem, type Usage, type UsageProblems, withServerTools } from '../pricing/usage';
import type { ToolDefinitionLike } from '../tokens/types';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, isoTime, isRecord, type JsonRecord, nonEmpty, nonNegative, rec, str } from './jsonAccess';
import { LineSplitter, type LineSink } from './lineSplitter';
import type { CallInput, CallOutput, CallPurpose, CallRequest, SidechainInfo, ToolCall, Transcript, TranscriptMessage, UsageSource } from './model';

/** The version this code writes; readers accept it and every older one. */
export const recordingVersion = 1;

/** The file name suffix recordings use (`<runId>.agent-cost.jsonl`). */
export const recordingFileSuffix = '.agent-cost.jsonl';

/** The run header: optional, first line by convention. */
export interface RecordedRun {
	readonly runId: string;
	readonly startedAt: string;
	/** Writer and version, e.g. "agent-cost-lens 0.1.0". */
	readonly agent?: string;
	readonly title?: string;
}

/** One live call as the provider clients record it. */
export interface RecordedCall {
	readonly runId?: string;
	/** Provider response id. */
	readonly id?: string;
	readonly requestId?: string;
	/** When the request was sent (ISO-8601). */
	readonly at: string;
	readonly endedAt?: string;
	readonly durationMs?: number;
	/** The model that answered (the response's model id when the provider returns one). */
	readonly model: string;
	readonly provider?: string;
	/** @default 'main' */
	readonly thread?: string;
	readonly sidechain?: SidechainInfo;
	/** Normalized (`pricing/usage.ts`): input is the TOTAL prompt; use the shared normalizers. */
	readonly usage: Usage;
	/** @default 'recorded' */
	readonly usageSource?: UsageSource;
	/** @default true */
	readonly usageExact?: boolean;
	/** What the product priced the call at when it was made (USD). */
	readonly costUsd?: number;
	readonly priceId?: string;
	readonly input?: CallInput;
	readonly output?: CallOutput;
	/** @default 'ok'. `refused`: the budget stopped it before it was sent (zero usage, the request kept for replays). */
	readonly status?: 'ok' | 'error' | 'cancelled' | 'refused';
	/** A typed error reason and a one-line message (never secrets). */
	readonly error?: { readonly reason: string; readonly message: string };
	readonly servedFrom?: 'exactCache' | 'semanticCache';
	/** A side call of the product's policies (history summary, semantic-cache embedding), not an agent step. */
	readonly purpose?: CallPurpose;
	/** The router's decision, for the Spend view. */
	readonly routing?: { readonly requestedModel?: string; readonly tier?: string; readonly reason?: string };
	/**
	 * The prompt actually sent, when the product's policies changed the agent's (`input`): a
	 * compression, truncated tool outputs. Replays calibrate the recorded usage against it.
	 */
	readonly sent?: CallInput;
	/** The policy step's decision for this call. */
	readonly policy?: PolicyDecisionRecord;
	/** What the agent asked for, before routing: its model (`pinned`: the user's explicit choice) and parameters. */
	readonly request?: CallRequest;
}

/**
 * What the product's policy step decided for a call (`src/core/policy/policyStep.ts`), in brief: the
 * rules that fired (stable ids), the outcome, the budget's verdict and the compression applied.
 * Live calls and the gateway record it; a replay reports the same shape per step, so the two can be
 * compared decision by decision.
 */
export interface PolicyDecisionRecord {
	readonly outcome: 'cached' | 'call' | 'refused';
	readonly rules: readonly string[];
	readonly budget?: 'allow' | 'downgrade' | 'warn' | 'refuse';
	readonly compression?: { readonly strategy: string; readonly trigger?: string };
}

/** Something that happened between calls (compaction, a budget downgrade…). */
export interface RecordedEvent {
	readonly kind: string;
	readonly at?: string;
	readonly runId?: string;
	readonly thread?: string;
	readonly trigger?: string;
	readonly preTokens?: number;
	readonly message?: string;
}

const usageKeys = ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output', 'reasoning'] as const;

function checkUsage(u: Usage): void {
	for (const k of usageKeys) {
		const v = u?.[k];
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InputError('badArgument', `recorded usage.${k} must be a non-negative number, got ${String(v)}`);
	}
	for (const [tool, v] of Object.entries(u?.serverTools ?? {})) {
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InputError('badArgument', `recorded usage.serverTools.${tool} must be a non-negative number, got ${String(v)}`);
	}
}

function stripUndefined<T extends object>(o: T): T {
	return JSON.parse(JSON.stringify(o)) as T;
}

/** The run header as one JSONL line (with its trailing newline). */
export function serializeRecordedRun(run: RecordedRun): string {
	return JSON.stringify({ v: recordingVersion, type: 'run', ...stripUndefined(run) }) + '\n';
}

/**
 * One call as one JSONL line (with its trailing newline), ready to append. Throws
 * `InputError('badArgument')` for usage that is not a non-negative number (a programming error).
 */
export function serializeRecordedCall(call: RecordedCall): string {
	checkUsage(call.usage);
	if (typeof call.model !== 'string') throw new InputError('badArgument', 'a recorded call needs a model id');
	if (isoTime(call.at) === undefined) throw new InputError('badArgument', `a recorded call needs an ISO timestamp "at", got ${String(call.at)}`);
	const { usage, ...rest } = call;
	const u: Usage = withServerTools(
		{ input: usage.input, cacheRead: usage.cacheRead, cacheWrite5m: usage.cacheWrite5m, cacheWrite1h: usage.cacheWrite1h, output: usage.output, reasoning: usage.reasoning },
		usage.serverTools,
	);
	return JSON.stringify({ v: recordingVersion, type: 'call', ...stripUndefined(rest), usage: u }) + '\n';
}

export function serializeRecordedEvent(event: RecordedEvent): string {
	return JSON.stringify({ v: recordingVersion, type: 'event', ...stripUndefined(event) }) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading

function readUsage(raw: unknown, problems: UsageProblems): Usage | undefined {
	if (!isRecord(raw)) return undefined;
	const u = {} as Record<(typeof usageKeys)[number], number>;
	for (const k of usageKeys) {
		const v = raw[k];
		const problem = v === undefined ? undefined : tokenCountProblem(v);
		if (problem) problems.push(`usage.${k}: ${problem}`);
		u[k] = problem || v === undefined ? 0 : (v as number);
	}
	// Parts never exceed the whole: a damaged line must not yield a negative uncached input.
	u.input = Math.max(u.input, u.cacheRead + u.cacheWrite5m + u.cacheWrite1h);
	u.output = Math.max(u.output, u.reasoning);
	const tools: Record<string, number> = {};
	for (const [tool, uses] of Object.entries(isRecord(raw.serverTools) ? raw.serverTools : {})) {
		const n = nonNegative(uses);
		if (n !== undefined) tools[tool] = n;
	}
	return withServerTools(u, tools);
}

function readRequest(raw: unknown): CallRequest | undefined {
	if (!isRecord(raw)) return undefined;
	const model = nonEmpty(raw.model);
	const maxOutputTokens = nonNegative(raw.maxOutputTokens);
	const temperature = nonNegative(raw.temperature);
	const out: CallRequest = {
		...(model !== undefined && { model }),
		...(raw.pinned === true && model !== undefined && { pinned: true }),
		...(maxOutputTokens !== undefined && Number.isInteger(maxOutputTokens) && maxOutputTokens > 0 && { maxOutputTokens }),
		...(temperature !== undefined && { temperature }),
	};
	return Object.keys(out).length ? out : undefined;
}

function readPolicy(raw: unknown): PolicyDecisionRecord | undefined {
	if (!isRecord(raw)) return undefined;
	const outcome = raw.outcome === 'cached' || raw.outcome === 'call' || raw.outcome === 'refused' ? raw.outcome : undefined;
	if (!outcome) return undefined;
	const budget = raw.budget === 'allow' || raw.budget === 'downgrade' || raw.budget === 'warn' || raw.budget === 'refuse' ? raw.budget : undefined;
	const c = rec(raw.compression);
	const strategy = str(c.strategy);
	const trigger = str(c.trigger);
	return {
		outcome,
		rules: arr(raw.rules).filter((r): r is string => typeof r === 'string'),
		...(budget && { budget }),
		...(strategy && { compression: { strategy, ...(trigger && { trigger }) } }),
	};
}

function readToolCalls(raw: unknown): ToolCall[] {
	const out: ToolCall[] = [];
	for (const c of arr(raw)) {
		const t = rec(c);
		out.push({ id: str(t.id) ?? '', name: str(t.name) ?? '', arguments: str(t.arguments) ?? '' });
	}
	return out;
}

function readStrings(raw: unknown): string[] | undefined {
	const list = arr(raw).filter((s): s is string => typeof s === 'string');
	return list.length > 0 ? list : undefined;
}

function readMessage(raw: unknown): TranscriptMessage {
	const m = rec(raw);
	const toolCalls = readToolCalls(m.toolCalls);
	const toolCallIds = readStrings(m.toolCallIds);
	const toolResultIds = readStrings(m.toolResultIds);
	const name = str(m.name);
	const reasoning = str(m.reasoning);
	const toolCallId = str(m.toolCallId) ?? toolResultIds?.[0];
	return {
		role: str(m.role) ?? 'user',
		content: str(m.content) ?? '',
		...(name !== undefined && { name }),
		...(toolCalls.length > 0 && { toolCalls }),
		...(toolCallIds !== undefined && { toolCallIds }),
		...(toolCallId !== undefined && { toolCallId }),
		...(toolResultIds !== undefined && { toolResultIds }),
		...(reasoning !== undefined && { reasoning }),
		...((m.observation === true || toolResultIds !== undefined || m.role === 'tool') && { observation: true }),
	};
}

function readInput(raw: unknown): CallInput | undefined {
	if (!isRecord(raw)) return undefined;
	const kind = raw.kind === 'full' ? 'full' : 'delta';
	const tools: ToolDefinitionLike[] = arr(raw.tools).map(t => {
		const d = rec(t);
		const description = str(d.description);
		return { name: str(d.name) ?? '', ...(description !== undefined && { description }), ...(d.parameters !== undefined && { parameters: d.parameters }) };
	});
	const unrecorded = str(raw.unrecorded);
	return { kind, messages: arr(raw.messages).map(readMessage), ...(tools.length > 0 && { tools }), ...(unrecorded !== undefined && { unrecorded }) };
}

function readOutput(raw: unknown): CallOutput | undefined {
	if (!isRecord(raw)) return undefined;
	const reasoning = str(raw.reasoning);
	const stopReason = str(raw.stopReason);
	return { text: str(raw.text) ?? '', ...(reasoning !== undefined && { reasoning }), toolCalls: readToolCalls(raw.toolCalls), ...(stopReason !== undefined && { stopReason }) };
}

const usageSources: readonly UsageSource[] = ['recorded', 'counted', 'rounded', 'placeholder-output'];

/** Streaming reader of a recording: feed it lines, then `finish()`. */
export class RecordingImporter implements LineSink {
	private readonly builder: TranscriptBuilder;
	private run?: JsonRecord;
	private records = 0;
	private newer = 0;
	private readonly badLines: number[] = [];
	private badCount = 0;

	constructor(private readonly options: ImportOptions) {
		this.builder = new TranscriptBuilder('agent-cost-recording', options);
	}

	get calls(): number {
		return this.builder.calls.length;
	}

	line(text: string, lineNo: number, terminated: boolean): void {
		if (lineNo % 2048 === 0) throwIfAborted(this.options.signal);
		if (text.trim() === '') return;
		let v: unknown;
		try {
			v = JSON.parse(text);
		} catch {
			if (!terminated) {
				this.builder.warn('truncatedLastLine', `the last line (${lineNo}) is incomplete — the recording was cut off mid-append; ignored`, { line: lineNo });
				return;
			}
			this.badCount++;
			if (this.badLines.length < 5) this.badLines.push(lineNo);
			return;
		}
		if (!isRecord(v) || typeof v.v !== 'number' || typeof v.type !== 'string') {
			this.badCount++;
			if (this.badLines.length < 5) this.badLines.push(lineNo);
			return;
		}
		this.records++;
		if (v.v > recordingVersion) {
			this.newer++;
			return;
		}
		if (v.type === 'run') this.run ??= v;
		else if (v.type === 'call') this.call(v, lineNo);
		else if (v.type === 'event' && v.kind === 'compaction') {
			const at = isoTime(v.at);
			const trigger = nonEmpty(v.trigger);
			const preTokens = nonNegative(v.preTokens);
			this.builder.events.push({
				kind: 'compaction',
				...(at !== undefined && { at }),
				beforeCall: this.builder.calls.length,
				thread: nonEmpty(v.thread) ?? 'main',
				...(trigger !== undefined && { trigger }),
				...(preTokens !== undefined && { preTokens }),
				source: 'agent-cost-recording',
				line: lineNo,
			});
		}
	}

	private call(v: JsonRecord, lineNo: number): void {
		const problems: UsageProblems = [];
		const usage = readUsage(v.usage, problems);
		if (usage === undefined) {
			this.builder.warn('missingUsage', `line ${lineNo}: a call record without usage was skipped`, { line: lineNo });
			return;
		}
		const model = str(v.model) ?? '';
		const source = usageSources.find(s => s === v.usageSource) ?? 'recorded';
		const id = nonEmpty(v.id);
		const requestId = nonEmpty(v.requestId);
		const provider = nonEmpty(v.provider);
		const at = isoTime(v.at);
		const endedAt = isoTime(v.endedAt);
		const sc = rec(v.sidechain);
		const sidechain: SidechainInfo | undefined =
			typeof sc.agentId === 'string'
				? { agentId: sc.agentId, kind: sc.kind === 'compaction' ? 'compaction' : 'subagent', ...(typeof sc.parentToolUseId === 'string' && { parentToolUseId: sc.parentToolUseId }) }
				: undefined;
		const input = readInput(v.input);
		const sent = readInput(v.sent);
		const policy = readPolicy(v.policy);
		const request = readRequest(v.request);
		const output = readOutput(v.output);
		const cost = this.builder.recordedNumber(v.costUsd, 'costUsd', 'cost', lineNo);
		const status = v.status === 'error' || v.status === 'cancelled' || v.status === 'refused' ? v.status : undefined;
		const servedFrom = v.servedFrom === 'exactCache' || v.servedFrom === 'semanticCache' ? v.servedFrom : undefined;
		const purpose = v.purpose === 'summary' || v.purpose === 'embedding' ? v.purpose : undefined;
		this.builder.addCall({
			...(id !== undefined && { id }),
			...(requestId !== undefined && { requestId }),
			model,
			modelSource: model === '' ? 'unknown' : 'recorded',
			...(provider !== undefined && { provider }),
			thread: nonEmpty(v.thread) ?? 'main',
			...(sidechain !== undefined && { sidechain }),
			...(input !== undefined && { input }),
			...(output !== undefined && { output }),
			...(at !== undefined && { startedAt: at }),
			...(endedAt !== undefined && { endedAt }),
			usage,
			...(problems.length > 0 && { usageInvalid: problems }),
			usageSource: source,
			usageExact: v.usageExact !== false && source === 'recorded',
			...(cost !== undefined && { recordedCostUsd: cost }),
			line: lineNo,
			...(status !== undefined && { status }),
			...(servedFrom !== undefined && { servedFrom }),
			...(purpose !== undefined && { purpose }),
			...(sent !== undefined && { sent }),
			...(policy !== undefined && { policy }),
			...(request !== undefined && { request }),
		});
	}

	finish(): Transcript {
		if (this.records === 0) {
			if (this.badCount > 0)
				throw new TranscriptImportError('malformed', 'no line is a recording record ({"v":1,"type":…})', { file: this.options.file, line: this.badLines[0], format: 'agent-cost-recording' });
			throw new TranscriptImportError('empty', 'the recording has no records', { file: this.options.file, format: 'agent-cost-recording' });
		}
		if (this.badCount > 0) {
			this.builder.warn('malformedLine', `${this.badCount} line(s) are not recording records and were skipped: line ${this.badLines.join(', ')}${this.badCount > this.badLines.length ? ' …' : ''}`, {
				line: this.badLines[0],
			});
		}
		if (this.newer > 0) {
			this.builder.warn('newerVersion', `${this.newer} record(s) of a newer recording version than ${recordingVersion} were skipped; update Agent Cost Lens to read them`);
		}
		const run = rec(this.run);
		const runId = nonEmpty(run.runId);
		const agent = nonEmpty(run.agent);
		const startedAt = isoTime(run.startedAt);
		return this.builder.finish({
			formatVersion: String(recordingVersion),
			...(runId !== undefined && { runId }),
			...(agent !== undefined && { agent }),
			...(startedAt !== undefined && { startedAt }),
		});
	}
}

/** Parses a whole recording held in memory (the Node reader streams large ones through {@link RecordingImporter}). */
export function parseRecording(text: string, options: ImportOptions): Transcript {
	const importer = new RecordingImporter(options);
	const splitter = new LineSplitter(importer, options.file);
	splitter.push(text);
	splitter.end();
	return importer.finish();
}
