/**
 * Inspect AI eval logs (`.json` log format). Every `samples[].events[]` entry with `event: "model"`
 * is one call with its full input and `output.usage`. Inspect keeps each provider's meaning of
 * `input_tokens`: for Anthropic models it EXCLUDES cache reads and writes, for OpenAI and others it
 * includes them — so the normalizer is chosen per call from the model's provider prefix.
 * Large strings are stored once in `samples[].attachments` and referenced as `attachment://<hash>`.
 */
import { fromAnthropicUsage, type Usage, sumUsage } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, modelForCounting, plainUsage, PromptCounter, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, asText, isoTime, isRecord, type JsonRecord, nonEmpty, nonNegative, rec, str } from './jsonAccess';
import type { CallOutput, RecordedTotals, ToolCall, Transcript, TranscriptMessage } from './model';
import type { ToolDefinitionLike } from '../tokens/types';

export function isInspectLog(doc: unknown): boolean {
	return isRecord(doc) && isRecord(doc.eval) && ('samples' in doc || 'stats' in doc || 'plan' in doc);
}

/** Inspect's anthropic provider (and Claude through Bedrock/Vertex) reports input without cache tokens. */
function excludesCache(modelWithProvider: string): boolean {
	const [provider] = modelWithProvider.split('/');
	return provider === 'anthropic' || ((provider === 'bedrock' || provider === 'vertex') && /claude/i.test(modelWithProvider));
}

/** Inspect `ModelUsage` normalized; `modelWithProvider` is e.g. "openai/gpt-4o-mini". */
export function fromInspectUsage(raw: unknown, modelWithProvider: string): Usage {
	const u = rec(raw);
	const read = nonNegative(u.input_tokens_cache_read) ?? 0;
	const write = nonNegative(u.input_tokens_cache_write) ?? 0;
	const output = nonNegative(u.output_tokens) ?? 0;
	const reasoning = nonNegative(u.reasoning_tokens) ?? 0;
	if (excludesCache(modelWithProvider)) {
		return {
			...fromAnthropicUsage({ input_tokens: u.input_tokens, output_tokens: output, cache_read_input_tokens: read, cache_creation_input_tokens: write }),
			reasoning: Math.min(reasoning, output),
		};
	}
	const input = nonNegative(u.input_tokens) ?? 0;
	return { input: Math.max(input, read + write), cacheRead: read, cacheWrite5m: write, cacheWrite1h: 0, output: Math.max(output, reasoning), reasoning };
}

function resolver(attachments: JsonRecord): (text: string) => string {
	return text => {
		if (!text.startsWith('attachment://')) return text;
		const v = attachments[text.slice('attachment://'.length)];
		return typeof v === 'string' ? v : text;
	};
}

function inspectContent(content: unknown, resolve: (t: string) => string): { text: string; reasoning: string[] } {
	if (typeof content === 'string') return { text: resolve(content), reasoning: [] };
	const text: string[] = [];
	const reasoning: string[] = [];
	for (const raw of arr(content)) {
		const c = rec(raw);
		if (c.type === 'text') text.push(resolve(str(c.text) ?? ''));
		else if (c.type === 'reasoning') reasoning.push(resolve(str(c.reasoning) ?? ''));
		else if (c.type === 'image' || c.type === 'audio' || c.type === 'video') text.push(`[${c.type}]`);
		else if (Object.keys(c).length > 0) text.push(asText(c));
	}
	return { text: text.join('\n'), reasoning };
}

function inspectToolCalls(raw: unknown, resolve: (t: string) => string): ToolCall[] {
	return arr(raw).map(t => {
		const c = rec(t);
		const args = c.arguments;
		return { id: str(c.id) ?? '', name: str(c.function) ?? str(c.name) ?? '', arguments: typeof args === 'string' ? resolve(args) : asText(args ?? {}) };
	});
}

function inspectMessage(raw: unknown, resolve: (t: string) => string): TranscriptMessage {
	const m = rec(raw);
	const { text, reasoning } = inspectContent(m.content, resolve);
	const toolCalls = inspectToolCalls(m.tool_calls, resolve);
	const toolCallId = str(m.tool_call_id);
	const role = str(m.role) ?? 'user';
	return {
		role,
		content: text,
		...(toolCalls.length > 0 && { toolCalls, toolCallIds: toolCalls.map(c => c.id) }),
		...(toolCallId !== undefined && { toolCallId, toolResultIds: [toolCallId] }),
		...(role === 'tool' && str(m.function) !== undefined && { name: str(m.function) }),
		...((role === 'tool' || toolCallId !== undefined) && { observation: true }),
		...(reasoning.length > 0 && { reasoning: reasoning.join('\n') }),
	};
}

function inspectTools(raw: unknown, resolve: (t: string) => string): ToolDefinitionLike[] | undefined {
	const list = arr(raw).map(t => {
		const d = rec(t);
		const description = str(d.description);
		// Inspect logs write the schema as `params` (older) or `parameters` (newer).
		const parameters = d.parameters ?? d.params;
		return { name: str(d.name) ?? '', ...(description !== undefined && { description: resolve(description) }), ...(parameters !== undefined && { parameters }) };
	});
	return list.length > 0 ? list : undefined;
}

function splitModel(id: string): { provider?: string; model: string } {
	const slash = id.indexOf('/');
	return slash > 0 ? { provider: id.slice(0, slash), model: id.slice(slash + 1) } : { model: id };
}

export function importInspectLog(doc: unknown, options: ImportOptions): Transcript {
	if (!isRecord(doc) || !isRecord(doc.eval)) throw new TranscriptImportError('badStructure', 'an Inspect log needs an "eval" object', { file: options.file, format: 'inspect-ai' });
	const b = new TranscriptBuilder('inspect-ai', options);
	const prompts = new PromptCounter(options.counter);
	const evalModel = str(doc.eval.model) ?? '';
	const samples = arr(doc.samples);
	if (samples.length === 0) b.warn('missingUsage', 'the log has no samples (written with --no-log-samples?): no per-call data, only the run totals');
	samples.forEach((rawSample, s) => {
		throwIfAborted(options.signal);
		const sample = rec(rawSample);
		const resolve = resolver(rec(sample.attachments));
		const sampleId = sample.id;
		const thread =
			samples.length > 1
				? `sample ${typeof sampleId === 'string' || typeof sampleId === 'number' ? sampleId : s + 1}${typeof sample.epoch === 'number' && sample.epoch > 1 ? ` epoch ${sample.epoch}` : ''}`
				: 'main';
		for (const rawEvent of arr(sample.events)) {
			const e = rec(rawEvent);
			if (e.event !== 'model') continue;
			const withProvider = str(e.model) ?? evalModel;
			const out = rec(e.output);
			const { provider, model: bare } = splitModel(withProvider);
			const model = nonEmpty(out.model) ?? bare;
			const choice = rec(arr(out.choices)[0]);
			const message = inspectMessage(choice.message, resolve);
			const output: CallOutput = {
				text: inspectContent(rec(choice.message).content, resolve).text,
				...(message.reasoning !== undefined && { reasoning: message.reasoning }),
				toolCalls: message.toolCalls ?? [],
				...(nonEmpty(choice.stop_reason) !== undefined && { stopReason: nonEmpty(choice.stop_reason) }),
			};
			const tools = inspectTools(e.tools, resolve);
			const response = rec(rec(e.call).response);
			const id = nonEmpty(response.id);
			const at = isoTime(e.timestamp);
			const hasUsage = isRecord(out.usage);
			const messages = arr(e.input).map(m => inspectMessage(m, resolve));
			// No recorded usage: count the recorded prompt and answer with the engine (marked counted, ≈),
			// never a silent 0 that a replay would then treat as the recorded truth.
			const counted = hasUsage ? undefined : { input: prompts.prompt(modelForCounting(model), messages, tools), output: prompts.output(modelForCounting(model), output) };
			b.addCall({
				...(id !== undefined && { id }),
				model,
				modelSource: model === '' ? 'unknown' : 'recorded',
				...(provider !== undefined && { provider }),
				thread,
				input: { kind: 'full', messages, ...(tools && { tools }) },
				output,
				...(at !== undefined && { startedAt: at }),
				usage: counted ? plainUsage(counted.input.tokens, counted.output.tokens, counted.output.reasoning) : fromInspectUsage(out.usage, withProvider),
				usageSource: counted ? 'counted' : 'recorded',
				usageExact: !counted,
				...(counted && { usageNotes: [`the model event records no usage: counted with the ${modelForCounting(model)} tokenizer from the recorded messages`] }),
			});
			if (counted) b.warn('missingUsage', `a model event of sample ${String(sampleId ?? s + 1)} records no usage: its tokens were counted (≈)`, { callIndex: b.calls.length - 1 });
		}
	});
	const stats = rec(doc.stats);
	let recordedTotals: RecordedTotals | undefined;
	if (isRecord(stats.model_usage)) {
		const byModel = Object.entries(stats.model_usage).map(([m, u]) => fromInspectUsage(u, m));
		recordedTotals = { source: 'stats.model_usage', usage: sumUsage(byModel), fields: ['input', 'cacheRead', 'cacheWrite5m', 'output', 'reasoning'] };
	}
	const status = str(doc.status);
	if (status !== undefined && status !== 'success') b.warn('missingUsage', `the eval's status is "${status}": the log may not cover the whole run`);
	const runId = nonEmpty(doc.eval.run_id) ?? nonEmpty(doc.eval.eval_id);
	const version = doc.version;
	const pkg = nonEmpty(rec(doc.eval.packages).inspect_ai);
	return b.finish({
		...((typeof version === 'number' || typeof version === 'string') && { formatVersion: String(version) }),
		...(runId !== undefined && { runId }),
		agent: pkg !== undefined ? `inspect_ai ${pkg}` : 'inspect_ai',
		...(recordedTotals !== undefined && { recordedTotals }),
		...(isoTime(stats.started_at) !== undefined && { startedAt: isoTime(stats.started_at) }),
		...(isoTime(stats.completed_at) !== undefined && { endedAt: isoTime(stats.completed_at) }),
	});
}
