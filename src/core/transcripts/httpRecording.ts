/**
 * Recorded HTTP exchanges with LLM APIs — VCR cassettes (`{version, interactions[]}`, as pydantic-ai
 * and vcrpy write them; YAML cassettes must be converted to JSON first). Each interaction is one
 * call whose request body carries the prompt. The wire dialect is decided per interaction from the
 * URI, so a file may mix Anthropic, OpenAI Chat/Responses and Gemini calls. Streaming (SSE) bodies
 * are reassembled; a call without usage is counted with the engine and marked.
 */
import { fromAnthropicUsage, fromGeminiUsage, fromOpenAIChatUsage, fromOpenAIResponsesUsage, type Usage, zeroUsage } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, PromptCounter, recordedUsage, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, isoTime, isRecord, type JsonRecord, nonEmpty, num, rec, str } from './jsonAccess';
import {
	anthropicOutput,
	fromAnthropicMessage,
	fromAnthropicSystem,
	fromGeminiContents,
	fromOpenAIChatMessage,
	fromResponsesInput,
	geminiOutput,
	openAIChatOutput,
	responsesOutput,
	toolDefinitions,
} from './messageShapes';
import type { ApiDialect, CallInput, CallOutput, Transcript, TranscriptMessage } from './model';

/** True when the document looks like a cassette: `interactions[]` of request/response pairs. */
export function isHttpRecording(doc: unknown): boolean {
	if (!isRecord(doc) || !Array.isArray(doc.interactions)) return false;
	return doc.interactions.length === 0 ? 'version' in doc : doc.interactions.some(i => isRecord(i) && isRecord(i.request));
}

/** The dialect of a request URI, or undefined for endpoints that are not LLM calls. */
function dialectOfUri(uri: string): ApiDialect | undefined {
	let path = uri;
	const q = path.indexOf('?');
	if (q >= 0) path = path.slice(0, q);
	if (/:(?:stream)?generateContent$/i.test(path)) return 'gemini';
	if (/\/messages$/.test(path) && !/\/(batches|threads)\//.test(path)) return 'anthropic-messages';
	if (/\/chat\/completions$/.test(path)) return 'openai-chat';
	if (/\/responses(?:\/compact)?$/.test(path)) return 'openai-responses';
	return undefined;
}

/** Endpoints that cost nothing or are not model calls (listed so they are skipped without a warning). */
function isNonBillable(uri: string): boolean {
	return /\/(conversations|files|models|vector_stores|uploads)(\/|$|\?)|count_tokens|\/responses\/[^/?]+(\/input_items)?(\?|$)/.test(uri);
}

/** Provider id for pricing from the API host. */
function providerOfUri(uri: string): string | undefined {
	const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(uri)?.[1]?.toLowerCase() ?? '';
	if (host.endsWith('anthropic.com')) return 'anthropic';
	if (host.endsWith('openai.com')) return 'openai';
	if (host.endsWith('openrouter.ai')) return 'openrouter';
	if (host.endsWith('generativelanguage.googleapis.com')) return 'google';
	if (host.endsWith('aiplatform.googleapis.com')) return 'google';
	if (host.includes('openai.azure.com')) return 'azure';
	if (host.includes('bedrock')) return 'aws';
	if (host.endsWith('groq.com')) return 'groq';
	if (host.endsWith('mistral.ai')) return 'mistral';
	if (host.endsWith('deepseek.com')) return 'deepseek';
	if (host.endsWith('x.ai')) return 'x-ai';
	return undefined;
}

/** A body as recorded: parsed JSON, a JSON string, a vcrpy `{string: …}` wrapper, or an SSE stream. */
function bodyOf(part: JsonRecord): { json?: unknown; sse?: string } {
	if (part.parsed_body !== undefined && part.parsed_body !== null && part.parsed_body !== '') return { json: part.parsed_body };
	let body: unknown = part.body;
	if (isRecord(body) && typeof body.string === 'string') body = body.string;
	if (typeof body !== 'string') return isRecord(body) || Array.isArray(body) ? { json: body } : {};
	const text = body.trim();
	if (text.startsWith('event:') || text.startsWith('data:')) return { sse: text };
	try {
		return { json: JSON.parse(text) };
	} catch {
		return {};
	}
}

/** `data:` payloads of a server-sent-event stream, parsed (non-JSON payloads like [DONE] dropped). */
function sseEvents(text: string): JsonRecord[] {
	const out: JsonRecord[] = [];
	for (const line of text.split(/\r?\n/)) {
		if (!line.startsWith('data:')) continue;
		const payload = line.slice(5).trim();
		if (payload === '' || payload === '[DONE]') continue;
		try {
			const v: unknown = JSON.parse(payload);
			if (isRecord(v)) out.push(v);
		} catch {
			// a torn event: the rest of the stream still counts
		}
	}
	return out;
}

/** Reassembles an Anthropic Messages stream into the non-streamed response shape. */
function anthropicFromSse(events: readonly JsonRecord[]): JsonRecord {
	let message: Record<string, unknown> = {};
	let usage: Record<string, unknown> = {};
	const blocks: Record<string, unknown>[] = [];
	for (const e of events) {
		if (e.type === 'message_start') {
			message = { ...rec(e.message) };
			usage = { ...rec(rec(e.message).usage) };
		} else if (e.type === 'content_block_start') {
			blocks[num(e.index) ?? blocks.length] = { ...rec(e.content_block) };
		} else if (e.type === 'content_block_delta') {
			const b = (blocks[num(e.index) ?? blocks.length - 1] ??= { type: 'text', text: '' });
			const d = rec(e.delta);
			if (d.type === 'text_delta') b.text = (str(b.text) ?? '') + (str(d.text) ?? '');
			else if (d.type === 'thinking_delta') b.thinking = (str(b.thinking) ?? '') + (str(d.thinking) ?? '');
			else if (d.type === 'input_json_delta') b.partial = (str(b.partial) ?? '') + (str(d.partial_json) ?? '');
		} else if (e.type === 'message_delta') {
			// message_delta usage is cumulative: it wins over message_start's field by field — but only
			// where it has a number (the API sends null for fields it does not repeat, like the SDK skips).
			for (const [k, v] of Object.entries(rec(e.usage))) if (v !== null && v !== undefined) usage[k] = v;
			const stop = rec(e.delta).stop_reason;
			if (stop !== undefined) message.stop_reason = stop;
		}
	}
	for (const b of blocks) {
		if (b && typeof b.partial === 'string') {
			try {
				b.input = JSON.parse(b.partial);
			} catch {
				b.input = b.partial;
			}
			delete b.partial;
		}
	}
	return { ...message, content: blocks.filter(Boolean), usage };
}

/** Reassembles an OpenAI chat stream; `usage` only when the client asked for it (stream_options.include_usage). */
function chatFromSse(events: readonly JsonRecord[]): JsonRecord {
	let id: unknown;
	let model: unknown;
	let created: unknown;
	let usage: unknown;
	let text = '';
	let finish: unknown;
	const calls: { id: string; type: string; function: { name: string; arguments: string } }[] = [];
	for (const e of events) {
		id ??= e.id;
		model ??= e.model;
		created ??= e.created;
		if (isRecord(e.usage)) usage = e.usage;
		const choice = rec(arr(e.choices)[0]);
		const delta = rec(choice.delta);
		if (typeof delta.content === 'string') text += delta.content;
		for (const tc of arr(delta.tool_calls)) {
			const t = rec(tc);
			const i = num(t.index) ?? calls.length;
			const c = (calls[i] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
			if (typeof t.id === 'string') c.id = t.id;
			const fn = rec(t.function);
			if (typeof fn.name === 'string') c.function.name += fn.name;
			if (typeof fn.arguments === 'string') c.function.arguments += fn.arguments;
		}
		if (choice.finish_reason !== undefined && choice.finish_reason !== null) finish = choice.finish_reason;
	}
	return { id, model, created, usage, choices: [{ message: { role: 'assistant', content: text, tool_calls: calls.filter(Boolean) }, finish_reason: finish }] };
}

/** The final `response` object of a Responses stream (`response.completed` / `response.incomplete`). */
function responsesFromSse(events: readonly JsonRecord[]): JsonRecord {
	let last: JsonRecord = {};
	for (const e of events) if (isRecord(e.response)) last = e.response;
	return last;
}

/** Gemini streams: chunks each with candidates; the last usageMetadata holds the totals. */
function geminiFromChunks(chunks: readonly JsonRecord[]): JsonRecord {
	let usage: unknown;
	let modelVersion: unknown;
	let responseId: unknown;
	const parts: unknown[] = [];
	let finish: unknown;
	let grounding: unknown;
	for (const c of chunks) {
		if (isRecord(c.usageMetadata)) usage = c.usageMetadata;
		modelVersion ??= c.modelVersion;
		responseId ??= c.responseId;
		const cand = rec(arr(c.candidates)[0]);
		parts.push(...arr(rec(cand.content).parts));
		if (cand.finishReason !== undefined) finish = cand.finishReason;
		// Grounding arrives with the last chunks, whole: the latest one describes the response.
		if (isRecord(cand.groundingMetadata)) grounding = cand.groundingMetadata;
	}
	return {
		usageMetadata: usage,
		modelVersion,
		responseId,
		candidates: [{ content: { role: 'model', parts }, finishReason: finish, ...(grounding !== undefined && { groundingMetadata: grounding }) }],
	};
}

function headerDate(headers: unknown): string | undefined {
	const h = rec(headers);
	for (const key of Object.keys(h)) {
		if (key.toLowerCase() !== 'date') continue;
		const v = h[key];
		const text = typeof v === 'string' ? v : str(arr(v)[0]);
		if (text !== undefined) {
			const t = Date.parse(text);
			if (!Number.isNaN(t)) return new Date(t).toISOString();
		}
	}
	return undefined;
}

interface Parsed {
	readonly model: string;
	readonly id?: string;
	readonly input: CallInput;
	readonly output: CallOutput;
	readonly usage?: Usage;
	readonly usageInvalid?: readonly string[];
	readonly at?: string;
	readonly compaction?: boolean;
}

function parseAnthropic(req: JsonRecord, res: JsonRecord): Parsed {
	const system = fromAnthropicSystem(req.system);
	const messages: TranscriptMessage[] = [...(system ? [system] : []), ...arr(req.messages).map(fromAnthropicMessage)];
	const tools = toolDefinitions(req.tools);
	const iterations = arr(rec(res.usage).iterations);
	return {
		model: str(res.model) ?? str(req.model) ?? '',
		...(nonEmpty(res.id) !== undefined && { id: nonEmpty(res.id) }),
		input: { kind: 'full', messages, ...(tools && { tools }) },
		output: anthropicOutput(res.content, res.stop_reason),
		...(isRecord(res.usage) && recordedUsage(fromAnthropicUsage, res.usage)),
		compaction: iterations.some(it => rec(it).type === 'compaction'),
	};
}

function parseChat(req: JsonRecord, res: JsonRecord): Parsed {
	const tools = toolDefinitions(req.tools);
	const at = isoTime(res.created);
	return {
		model: str(res.model) ?? str(req.model) ?? '',
		...(nonEmpty(res.id) !== undefined && { id: nonEmpty(res.id) }),
		input: { kind: 'full', messages: arr(req.messages).map(fromOpenAIChatMessage), ...(tools && { tools }) },
		output: openAIChatOutput(res.choices),
		...(isRecord(res.usage) && recordedUsage((u, problems) => fromOpenAIChatUsage(u, { request: req, problems }), res.usage)),
		...(at !== undefined && { at }),
	};
}

function parseResponses(req: JsonRecord, res: JsonRecord, uri: string): Parsed {
	const instructions = str(req.instructions);
	const items = fromResponsesInput(req.input);
	const messages: TranscriptMessage[] = [...(instructions ? [{ role: 'system', content: instructions }] : []), ...items];
	const tools = toolDefinitions(req.tools);
	// With server-side state the request carries only the new items; the rest lives at OpenAI.
	const chained = typeof req.previous_response_id === 'string' || req.conversation !== undefined;
	const at = isoTime(res.created_at);
	return {
		model: str(res.model) ?? str(req.model) ?? '',
		...(nonEmpty(res.id) !== undefined && { id: nonEmpty(res.id) }),
		input: chained
			? { kind: 'delta', messages, ...(tools && { tools }), unrecorded: 'earlier turns are held server-side (previous_response_id / conversation)' }
			: { kind: 'full', messages, ...(tools && { tools }) },
		output: responsesOutput(res.output, res.status),
		...(isRecord(res.usage) && recordedUsage((u, problems) => fromOpenAIResponsesUsage(u, { output: res.output, problems }), res.usage)),
		...(at !== undefined && { at }),
		compaction: /\/responses\/compact(?:$|\?)/.test(uri),
	};
}

function parseGemini(req: JsonRecord, res: JsonRecord, uri: string): Parsed {
	const fromUri = /\/models\/([^/:?]+):/.exec(uri)?.[1] ?? '';
	const tools = arr(req.tools).flatMap(t => toolDefinitions(rec(t).functionDeclarations) ?? []);
	const usage = res.usageMetadata ?? res.usage_metadata;
	return {
		model: str(res.modelVersion) ?? str(res.model_version) ?? decodeURIComponent(fromUri),
		...(nonEmpty(res.responseId) !== undefined && { id: nonEmpty(res.responseId) }),
		input: { kind: 'full', messages: fromGeminiContents(req.contents, req.systemInstruction ?? req.system_instruction), ...(tools.length > 0 && { tools }) },
		output: geminiOutput(res.candidates),
		...(isRecord(usage) && recordedUsage((u, problems) => fromGeminiUsage(u, { candidates: res.candidates, problems }), usage)),
	};
}

/** Imports a parsed cassette document. */
export function importHttpRecording(doc: unknown, options: ImportOptions): Transcript {
	if (!isRecord(doc) || !Array.isArray(doc.interactions)) {
		throw new TranscriptImportError('badStructure', 'an HTTP recording needs an "interactions" array', { file: options.file, format: 'http-recording' });
	}
	const b = new TranscriptBuilder('http-recording', options);
	const counter = new PromptCounter(options.counter);
	const dialects: ApiDialect[] = [];
	let failed = 0;
	const failedCodes = new Set<number>();
	const unsupported = new Set<string>();
	doc.interactions.forEach((raw, n) => {
		if (n % 256 === 0) throwIfAborted(options.signal);
		const it = rec(raw);
		const request = rec(it.request);
		const response = rec(it.response);
		const uri = str(request.uri) ?? str(request.url) ?? '';
		const dialect = dialectOfUri(uri);
		if (dialect === undefined) {
			if (!isNonBillable(uri) && (str(request.method) ?? 'POST').toUpperCase() === 'POST') unsupported.add(uri.replace(/\?.*$/, '') || '(no uri)');
			return;
		}
		const code = num(rec(response.status).code) ?? num(response.status) ?? 200;
		if (code < 200 || code >= 300) {
			failed++;
			failedCodes.add(code);
			return;
		}
		const reqBody = rec(bodyOf(request).json);
		const body = bodyOf(response);
		let res: JsonRecord;
		if (body.sse !== undefined) {
			const events = sseEvents(body.sse);
			res =
				dialect === 'anthropic-messages'
					? anthropicFromSse(events)
					: dialect === 'openai-chat'
						? chatFromSse(events)
						: dialect === 'openai-responses'
							? responsesFromSse(events)
							: geminiFromChunks(events);
		} else if (dialect === 'gemini' && Array.isArray(body.json)) {
			res = geminiFromChunks(body.json.filter(isRecord));
		} else res = rec(body.json);
		const parsed =
			dialect === 'anthropic-messages'
				? parseAnthropic(reqBody, res)
				: dialect === 'openai-chat'
					? parseChat(reqBody, res)
					: dialect === 'openai-responses'
						? parseResponses(reqBody, res, uri)
						: parseGemini(reqBody, res, uri);
		if (!dialects.includes(dialect)) dialects.push(dialect);
		const at = parsed.at ?? headerDate(response.headers);
		const provider = providerOfUri(uri) ?? (dialect === 'anthropic-messages' ? 'anthropic' : dialect === 'gemini' ? 'google' : undefined);
		const model = parsed.model;
		let usage = parsed.usage;
		let counted = false;
		let exact = true;
		if (usage === undefined) {
			// No usage in the response (a stream without include_usage, a stripped body): count it.
			const p = counter.prompt(model || 'gpt-4o', parsed.input.messages, parsed.input.tools);
			const o = counter.output(model || 'gpt-4o', parsed.output);
			usage = { ...zeroUsage, input: p.tokens, output: o.tokens, reasoning: o.reasoning };
			counted = true;
			exact = p.exact && o.exact && parsed.input.kind === 'full';
		}
		const call = b.addCall({
			...(parsed.id !== undefined && { id: parsed.id }),
			model,
			modelSource: model === '' ? 'unknown' : 'recorded',
			...(provider !== undefined && { provider }),
			thread: 'main',
			input: parsed.input,
			output: parsed.output,
			...(at !== undefined && { startedAt: at }),
			usage,
			...(parsed.usageInvalid && { usageInvalid: parsed.usageInvalid }),
			usageSource: counted ? 'counted' : 'recorded',
			usageExact: !counted || exact,
			...(counted && { usageNotes: ['the response records no usage: prompt and output counted with the engine'] }),
		});
		if (counted) b.warn('missingUsage', `interaction ${n + 1} (${dialect}) records no usage: tokens counted with the engine`, { callIndex: call.index });
		if (parsed.compaction) {
			b.events.push({
				kind: 'compaction',
				beforeCall: call.index,
				thread: 'main',
				trigger: 'server',
				source: dialect === 'anthropic-messages' ? 'anthropic-iterations' : 'openai-responses',
				...(at !== undefined && { at }),
			});
		}
	});
	if (failed > 0) b.warn('failedInteraction', `${failed} interaction(s) failed (HTTP ${[...failedCodes].join(', ')}) and are not counted as calls (failed requests are not billed)`);
	if (unsupported.size > 0)
		b.warn('unsupportedInteraction', `interactions with endpoints that are not chat/messages/responses/generateContent calls were skipped: ${[...unsupported].slice(0, 5).join(', ')}`);
	return b.finish({ formatVersion: doc.version !== undefined ? String(doc.version) : undefined, dialects });
}
