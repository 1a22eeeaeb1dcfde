/**
 * What every importer shares: options, the run builder (calls, models, warnings) and token counting
 * for formats that record no usage.
 */
import type { TokenCounter } from '../ports/tokenCounter';
import { modelIdProblem } from '../tokens/modelId';
import { maxCallTokens, tokenCountProblem, zeroUsage, type Usage, type UsageProblems } from '../pricing/usage';
import type { ToolDefinitionLike } from '../tokens/types';
import { outputTextForCounting } from './messageShapes';
import type { CallOutput, LlmCall, RecordedTotals, Transcript, TranscriptEvent, TranscriptFormat, TranscriptMessage, TranscriptWarning, TranscriptWarningCode } from './model';

interface ImportProgress {
	/** Characters consumed so far (streaming imports; the Node reader reports bytes instead). */
	readonly consumed: number;
	readonly lines: number;
	readonly calls: number;
}

export interface ImportOptions {
	/** File name or path: shown in errors and warnings; its name helps detection and, for tau-bench, names the model. */
	readonly file?: string;
	/** Counts tokens where the format records no usage (tau-bench, SWE-agent, aider website transcripts) and placeholder outputs. */
	readonly counter: TokenCounter;
	/** Model to assume when the file records none (`agent-cost report --model`); the file's own model always wins. */
	readonly model?: string;
	/**
	 * Keep message contents (inputs, outputs, tool results). Off, an import keeps only what the cost
	 * report needs, so memory stays bounded by the number of calls instead of the file size.
	 * @default true
	 */
	readonly retainContent?: boolean;
	/** Force a format instead of detecting it. */
	readonly format?: TranscriptFormat;
	readonly signal?: AbortSignal;
	readonly onProgress?: (progress: ImportProgress) => void;
}

/** No single call is anywhere near this many tokens; larger numbers are damage. */
const maxTokens = maxCallTokens;

/**
 * A provider usage object normalized for `addCall`: the usage, and `usageInvalid` when a token
 * field was not a count (the call's cost is then unknown, see `LlmCall.usageInvalid`).
 */
export function recordedUsage(normalize: (raw: unknown, problems: UsageProblems) => Usage, raw: unknown): { usage: Usage; usageInvalid?: readonly string[] } {
	const problems: UsageProblems = [];
	const usage = normalize(raw, problems);
	return problems.length ? { usage, usageInvalid: problems } : { usage };
}

/** Tokenizer used to count prompts whose model is unknown (demonstrations, website transcripts). */
const countingFallbackModel = 'gpt-4o';

/** The model id with its provider prefix dropped (`openai/gpt-4o-mini` → `gpt-4o-mini`) for the tokenizer choice. */
export function modelForCounting(model: string): string {
	return model === '' ? countingFallbackModel : model;
}

/** Mutable draft of an {@link LlmCall}; `index` is assigned by the builder. */
export type CallDraft = { -readonly [K in keyof LlmCall]: LlmCall[K] };

/** Collects calls, events and warnings of one run and produces the immutable {@link Transcript}. */
export class TranscriptBuilder {
	readonly calls: CallDraft[] = [];
	readonly events: TranscriptEvent[] = [];
	private readonly warnings: TranscriptWarning[] = [];
	private readonly warned = new Set<string>();

	constructor(
		readonly format: TranscriptFormat,
		readonly options: ImportOptions,
	) {}

	get retainContent(): boolean {
		return this.options.retainContent !== false;
	}

	addCall(call: Omit<CallDraft, 'index'>): CallDraft {
		// Built without the content keys rather than deleting them: `delete` would put every call
		// object in V8's dictionary mode (several times larger), which matters for 100 MB sessions.
		const { input, output, toolResults, ...numbers } = call;
		const draft = (this.retainContent ? { index: this.calls.length, ...call } : { index: this.calls.length, ...numbers }) as CallDraft;
		(void input, output, toolResults);
		this.calls.push(draft);
		return draft;
	}

	/** Problems of a usage's numbers (a damaged file can hold 1e308, -5 or 12.5); empty when all are counts. */
	private usageProblems(u: Usage, what: string): string[] {
		const out: string[] = [];
		for (const [field, v] of Object.entries(u)) {
			if (field === 'serverTools') continue; // uses of provider-run tools, by tool: checked one by one below
			const problem = tokenCountProblem(v);
			if (problem) out.push(`${what}${field}: ${problem}`);
		}
		for (const [tool, uses] of Object.entries(u.serverTools ?? {})) {
			const problem = tokenCountProblem(uses);
			if (problem) out.push(`${what}serverTools.${tool}: ${problem}`);
		}
		return out;
	}

	/**
	 * A number the file records — a cost in USD or a token count — named by `what` ("call 3's
	 * costUSD", "info.model_stats.instance_cost"). Absent (undefined or null) is undefined; anything
	 * else that is not a valid amount is undefined WITH an 'invalidUsage' warning, never a silent 0.
	 */
	recordedNumber(v: unknown, what: string, kind: 'cost' | 'tokens', line?: number): number | undefined {
		if (v === undefined || v === null) return undefined;
		const problem = kind === 'tokens' ? tokenCountProblem(v) : typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e9 ? undefined : 'is not an amount of money';
		if (problem === undefined) return v as number;
		const where = `${this.options.file ?? 'the file'}${line !== undefined ? `:${line}` : ''}`;
		this.warn(
			'invalidUsage',
			`${where}: ${what} ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}: ${kind === 'tokens' ? problem : 'not an amount of money'}; ignored`,
			line !== undefined ? { line } : {},
		);
		return undefined;
	}

	warn(code: TranscriptWarningCode, message: string, extra: { line?: number; callIndex?: number; once?: boolean } = {}): void {
		if (extra.once) {
			if (this.warned.has(code)) return;
			this.warned.add(code);
		}
		this.warnings.push({ code, message, ...(extra.line !== undefined && { line: extra.line }), ...(extra.callIndex !== undefined && { callIndex: extra.callIndex }) });
	}

	hasWarning(code: TranscriptWarningCode): boolean {
		return this.warnings.some(w => w.code === code);
	}

	finish(meta: Partial<Pick<Transcript, 'formatVersion' | 'dialects' | 'runId' | 'agent' | 'recordedTotals' | 'startedAt' | 'endedAt' | 'demonstration'>> = {}): Transcript {
		const models: string[] = [];
		const seen = new Set<string>();
		const file = this.options.file ?? 'the file';
		const badModels = new Map<string, { problem: string; first: CallDraft; calls: number }>();
		for (const c of this.calls) {
			// A model id no tokenizer or price list can take (control characters, spaces, 200+ characters)
			// is treated as unknown here, at the edge, rather than failing a replay later without a file name.
			const idProblem = c.model === '' ? undefined : modelIdProblem(c.model);
			if (idProblem) {
				const bad = badModels.get(c.model);
				if (bad) bad.calls++;
				else badModels.set(c.model, { problem: idProblem, first: c, calls: 1 });
				c.model = '';
				c.modelSource = 'unknown';
			}
			const invalid = [
				...(c.usageInvalid ?? []),
				...this.usageProblems(c.usage, ''),
				...(c.recordedUsage ? this.usageProblems(c.recordedUsage, 'recorded ') : []),
				...(c.usageRange ? [...this.usageProblems(c.usageRange.low, 'low '), ...this.usageProblems(c.usageRange.high, 'high ')] : []),
			];
			if (invalid.length) {
				// Never priced as if the bad number were 0: the call's usage and cost are unknown.
				c.usageInvalid = [...new Set(invalid)];
				c.usage = zeroUsage;
				delete c.recordedUsage;
				delete c.usageRange;
				c.usageExact = false;
				const where = `${file}${c.line !== undefined ? `:${c.line}` : ''}`;
				this.warn('invalidUsage', `${where}: call ${c.index + 1}: its token counts are not counts (${c.usageInvalid.join('; ')}); its usage and cost are unknown, not $0`, {
					callIndex: c.index,
					...(c.line !== undefined && { line: c.line }),
				});
			}
			if (c.recordedCostUsd !== undefined && !(Number.isFinite(c.recordedCostUsd) && c.recordedCostUsd >= 0 && c.recordedCostUsd < 1e9)) {
				this.warn('invalidUsage', `${file}${c.line !== undefined ? `:${c.line}` : ''}: call ${c.index + 1}: the recorded cost ${String(c.recordedCostUsd)} is not an amount of money; ignored`, {
					callIndex: c.index,
					...(c.line !== undefined && { line: c.line }),
				});
				delete c.recordedCostUsd;
			}
			if (c.model !== '' && !seen.has(c.model)) {
				seen.add(c.model);
				models.push(c.model);
			}
		}
		for (const [model, { problem, first: c, calls }] of badModels) {
			this.warn(
				'invalidModel',
				`${file}${c.line !== undefined ? `:${c.line}` : ''}: call ${c.index + 1}${calls > 1 ? ` and ${calls - 1} more` : ''}: the model ${JSON.stringify(model.slice(0, 60))} is not a model id (${problem}); treated as unknown`,
				{ callIndex: c.index, ...(c.line !== undefined && { line: c.line }) },
			);
		}
		const first = this.calls.find(c => c.startedAt !== undefined)?.startedAt;
		let last: string | undefined;
		for (let i = this.calls.length - 1; i >= 0 && last === undefined; i--) last = this.calls[i]!.endedAt ?? this.calls[i]!.startedAt;
		let recordedTotals: RecordedTotals | undefined = meta.recordedTotals;
		if (recordedTotals) {
			const finite = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v >= 0 && v <= maxTokens);
			const { usage, costUsd, ...rest } = recordedTotals;
			const usageOk = usage === undefined || Object.values(usage).every(v => finite(v));
			recordedTotals = { ...rest, ...(usage !== undefined && usageOk && { usage }), ...(costUsd !== undefined && finite(costUsd) && { costUsd }) };
		}
		return {
			format: this.format,
			...(meta.formatVersion !== undefined && { formatVersion: meta.formatVersion }),
			...(meta.dialects !== undefined && { dialects: meta.dialects }),
			...(this.options.file !== undefined && { file: this.options.file }),
			...(meta.runId !== undefined && { runId: meta.runId }),
			...(meta.agent !== undefined && { agent: meta.agent }),
			models,
			calls: this.calls,
			events: this.events,
			...(recordedTotals !== undefined && { recordedTotals }),
			warnings: this.warnings,
			contentRetained: this.retainContent,
			...(meta.demonstration === true && { demonstration: true }),
			...((meta.startedAt ?? first) !== undefined && { startedAt: meta.startedAt ?? first }),
			...((meta.endedAt ?? last) !== undefined && { endedAt: meta.endedAt ?? last }),
		};
	}
}

export interface Counted {
	readonly tokens: number;
	readonly exact: boolean;
}

/**
 * Counts prompts the way `countChat` does, but message by message with a cache, so an agent run whose
 * every call re-sends the growing history costs O(total messages) tokenization, not O(calls²).
 * Relies on chat counts being additive per message (true of the OpenAI chat framing the counter
 * models: priming tokens + Σ per-message tokens), as the compression policies do.
 */
export class PromptCounter {
	private readonly perMessage = new Map<string, WeakMap<TranscriptMessage, Counted>>();
	private readonly empty = new Map<string, Counted>();
	/** Tool names by call id, so a tool result counted on its own is framed as in the whole prompt. */
	private readonly callNames = new Map<string, string>();
	/** Model ids the counter rejects (damaged files) are counted with the fallback tokenizer. */
	private readonly usable = new Map<string, string>();

	constructor(private readonly counter: TokenCounter) {}

	private model(model: string): string {
		let m = this.usable.get(model);
		if (m === undefined) {
			try {
				this.counter.countText(model, 'x');
				m = model;
			} catch {
				m = countingFallbackModel;
			}
			this.usable.set(model, m);
		}
		return m;
	}

	private base(model: string): Counted {
		let b = this.empty.get(model);
		if (!b) {
			const c = this.counter.countChat(this.model(model), []);
			this.empty.set(model, (b = { tokens: c.tokens, exact: c.exact }));
		}
		return b;
	}

	message(model: string, m: TranscriptMessage): Counted {
		let byMessage = this.perMessage.get(model);
		if (!byMessage) this.perMessage.set(model, (byMessage = new WeakMap()));
		let c = byMessage.get(m);
		if (!c) {
			for (const call of m.toolCalls ?? []) if (call.id) this.callNames.set(call.id, call.name);
			const name = m.name ?? (m.toolCallId !== undefined ? this.callNames.get(m.toolCallId) : undefined);
			const whole = this.counter.countChat(this.model(model), [
				{
					role: m.role,
					content: m.content,
					...(name !== undefined && { name }),
					...(m.toolCalls !== undefined && m.toolCalls.length > 0 && { toolCalls: m.toolCalls }),
					...(m.toolCallId !== undefined && { toolCallId: m.toolCallId }),
				},
			]);
			c = { tokens: Math.max(0, whole.tokens - this.base(model).tokens), exact: whole.exact };
			byMessage.set(m, c);
		}
		return c;
	}

	/** Tokens of a whole prompt: priming + messages + tool definitions. */
	prompt(model: string, messages: readonly TranscriptMessage[], tools?: readonly ToolDefinitionLike[]): Counted {
		const base = this.base(model);
		let tokens = base.tokens;
		let exact = base.exact;
		for (const m of messages) {
			const c = this.message(model, m);
			tokens += c.tokens;
			exact &&= c.exact;
		}
		if (tools && tools.length > 0) {
			const t = this.tools(
				model,
				tools,
				messages.some(m => m.role === 'system' || m.role === 'developer'),
			);
			tokens += t.tokens;
			exact &&= t.exact;
		}
		return { tokens, exact };
	}

	/** Tool definitions' share of a prompt (their framing depends on whether the prompt has a system message). */
	tools(model: string, tools: readonly ToolDefinitionLike[], withSystem: boolean): Counted {
		const stub = withSystem ? [{ role: 'system', content: '' }] : [];
		const without = this.counter.countChat(this.model(model), stub);
		const withTools = this.counter.countChat(this.model(model), stub, tools);
		return { tokens: Math.max(0, withTools.tokens - without.tokens), exact: withTools.exact };
	}

	text(model: string, text: string): Counted {
		if (text === '') return { tokens: 0, exact: true };
		const c = this.counter.countText(this.model(model), text);
		return { tokens: c.tokens, exact: c.exact };
	}

	/** Output tokens of a call, reasoning included (billed as output). */
	output(model: string, o: CallOutput): { tokens: number; reasoning: number; exact: boolean } {
		const all = this.text(model, outputTextForCounting(o));
		const reasoning = o.reasoning ? this.text(model, o.reasoning).tokens : 0;
		return { tokens: all.tokens, reasoning: Math.min(reasoning, all.tokens), exact: all.exact };
	}
}

/** Usage with only input and output known. */
export function plainUsage(input: number, output: number, reasoning = 0): Usage {
	return { ...zeroUsage, input, output, reasoning };
}

/**
 * Counts the prompts of a run whose calls carry delta inputs, keeping only a running token sum per
 * thread (the prompt of a delta call = the thread's previous prompt + that call's output + the delta).
 */
export class RunningPromptCounter {
	private readonly threads = new Map<string, { tokens: number; exact: boolean }>();
	private readonly system = new Map<string, boolean>();

	constructor(private readonly counter: PromptCounter) {}

	/** Prompt tokens of a call with this input (tool definitions counted once per call, not carried). */
	prompt(thread: string, model: string, input: { kind: 'full' | 'delta'; messages: readonly TranscriptMessage[]; tools?: readonly ToolDefinitionLike[] }): Counted {
		const prior = input.kind === 'delta' ? (this.threads.get(thread) ?? { tokens: 0, exact: true }) : { tokens: 0, exact: true };
		const delta = this.counter.prompt(model, input.messages);
		const base = this.counter.prompt(model, []);
		const history = { tokens: prior.tokens + delta.tokens - base.tokens, exact: prior.exact && delta.exact };
		this.threads.set(thread, history);
		this.system.set(thread, (input.kind === 'delta' && this.system.get(thread)) || input.messages.some(m => m.role === 'system' || m.role === 'developer'));
		const tools = input.tools && input.tools.length > 0 ? this.counter.tools(model, input.tools, this.system.get(thread) === true) : { tokens: 0, exact: true };
		return { tokens: base.tokens + history.tokens + tools.tokens, exact: history.exact && base.exact && tools.exact };
	}

	/** Adds a call's output (as the assistant message the next prompt carries) to its thread. */
	addOutput(thread: string, model: string, output: TranscriptMessage): void {
		const h = this.threads.get(thread) ?? { tokens: 0, exact: true };
		const c = this.counter.message(model, output);
		this.threads.set(thread, { tokens: h.tokens + c.tokens, exact: h.exact && c.exact });
	}
}

/**
 * Counts, call by call, a run that records no token usage (tau-bench chats, SWE-agent steps) on one
 * thread, and keeps the run's totals for the import's "counted" warning.
 */
export class CountedRun {
	/** Every count so far used an exact encoding. */
	exact = true;
	inputTokens = 0;
	outputTokens = 0;
	private readonly counter: PromptCounter;
	private readonly running: RunningPromptCounter;

	constructor(
		tokens: TokenCounter,
		private readonly model: string,
	) {
		this.counter = new PromptCounter(tokens);
		this.running = new RunningPromptCounter(this.counter);
	}

	/** Usage of one call; `reply` is the assistant message the next delta input builds on, when there is one. */
	call(input: Parameters<RunningPromptCounter['prompt']>[2], output: CallOutput, reply?: TranscriptMessage): Usage {
		const p = this.running.prompt('main', this.model, input);
		const o = this.counter.output(this.model, output);
		if (reply) this.running.addOutput('main', this.model, reply);
		this.exact &&= p.exact && o.exact;
		this.inputTokens += p.tokens;
		this.outputTokens += o.tokens;
		return plainUsage(p.tokens, o.tokens, o.reasoning);
	}
}

/** Throws a CancelledError when the signal fired (re-exported for importers' loops). */
export { throwIfAborted } from '../lib/errors';
