/**
 * A billed request as the policies see it, read from the body an agent sent: the model, whether it
 * streams, its output limit, its conversation in the engine's neutral shape (each message linked to
 * the body entry it came from, so an enforce-mode rewrite can keep every untouched entry byte for
 * byte) and the parameters that change an answer (for the response cache). Pure and total: a body
 * of the wrong shape is a typed refusal, never an exception.
 */
import type { CacheableParams } from '../caching/cacheKey';
import type { EngineMessage } from '../compression/messages';
import type { TokenCounter } from '../ports/tokenCounter';
import type { ToolDefinitionLike } from '../tokens/types';
import { arr, isRecord, num, rec, str, type JsonRecord } from '../transcripts/jsonAccess';
import { fromAnthropicMessage, fromAnthropicSystem, fromOpenAIChatMessage, fromResponsesInput, renderToolCall, toolDefinitions } from '../transcripts/messageShapes';
import type { TranscriptMessage } from '../transcripts/model';
import type { CallProtocol } from './gatewayRoutes';

/** Where a neutral message came from in the request body. */
type MessageSource =
	/** Anthropic `system`. */
	| { readonly kind: 'system' }
	/** Responses `instructions`. */
	| { readonly kind: 'instructions' }
	/** `messages[index]` (Messages, Chat Completions) or `input[index]` (Responses; -1 for a plain-string input). */
	| { readonly kind: 'entry'; readonly index: number };

export interface CallRequest {
	readonly protocol: CallProtocol;
	readonly model: string;
	readonly stream: boolean;
	/** `max_tokens` / `max_completion_tokens` / `max_output_tokens` when the request sets one. */
	readonly maxOutputTokens?: number;
	/** The conversation in the engine's shape; `sources[i]` says where `messages[i]` came from. */
	readonly messages: readonly EngineMessage[];
	readonly sources: readonly MessageSource[];
	/** The same messages as a transcript keeps them (tool calls with their arguments), for recordings. */
	readonly transcript: readonly TranscriptMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly params: CacheableParams;
	/** Chat Completions: the stream carries a usage chunk (`stream_options.include_usage`). */
	readonly streamUsage: boolean;
	/** Images, documents and files: their tokens cannot be counted from the body (see {@link attachmentAllowanceTokens}). */
	readonly attachments: number;
	/** The parsed body, for a rewrite. */
	readonly body: JsonRecord;
}

/**
 * Tokens reserved per image, document or file part. Anthropic bills an image by its pixels (at most
 * about 1,600 tokens after its automatic downscale); OpenAI's high-detail tiles stay below that too.
 * A PDF can exceed it (every page is billed): such counts are marked as estimates.
 */
export const attachmentAllowanceTokens = 1600;

const attachmentTypes = new Set(['image', 'image_url', 'input_image', 'document', 'file', 'input_file', 'input_audio']);

function countAttachments(v: unknown, depth = 0): number {
	if (depth > 8) return 0;
	if (Array.isArray(v)) return v.reduce((n: number, x) => n + countAttachments(x, depth + 1), 0);
	if (!isRecord(v)) return 0;
	if (typeof v.type === 'string' && attachmentTypes.has(v.type)) return 1;
	return countAttachments(v.content, depth + 1);
}

/** The engine's view of a message: tool calls are part of the content (they are sent and billed as prompt). */
function engineMessageOf(m: TranscriptMessage): EngineMessage {
	const calls = m.toolCalls ?? [];
	return {
		role: m.role,
		content: calls.length ? [m.content, ...calls.map(renderToolCall)].filter(s => s !== '').join('\n') : m.content,
		...(m.name !== undefined && { name: m.name }),
		...(calls.length > 0 && { toolCallIds: calls.map(c => c.id) }),
		...(m.toolResultIds !== undefined && m.toolResultIds.length > 0 && { toolResultIds: m.toolResultIds }),
	};
}

function positiveInt(v: unknown): number | undefined {
	const n = num(v);
	return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function stopList(v: unknown): readonly string[] | undefined {
	if (typeof v === 'string') return [v];
	const list = arr(v).filter((s): s is string => typeof s === 'string');
	return list.length ? list : undefined;
}

function params(protocol: CallProtocol, b: JsonRecord, maxOutputTokens: number | undefined): CacheableParams {
	const temperature = num(b.temperature);
	const topP = num(b.top_p);
	const seed = num(b.seed);
	const stop = stopList(protocol === 'anthropicMessages' ? b.stop_sequences : b.stop);
	const responseFormat = protocol === 'openaiResponses' ? rec(b.text).format : b.response_format;
	const reasoningEffort = str(rec(b.reasoning).effort) ?? str(b.reasoning_effort) ?? str(rec(b.output_config).effort);
	return {
		...(temperature !== undefined && { temperature }),
		...(topP !== undefined && { topP }),
		...(maxOutputTokens !== undefined && { maxOutputTokens }),
		...(stop !== undefined && { stop }),
		...(seed !== undefined && { seed }),
		...(responseFormat !== undefined && { responseFormat }),
		...(b.tool_choice !== undefined && { toolChoice: b.tool_choice }),
		...(reasoningEffort !== undefined && { reasoningEffort }),
	};
}

export type CallRequestResult = { readonly ok: true; readonly request: CallRequest } | { readonly ok: false; readonly message: string };

/** Reads a billed request body (JSON text). */
export function parseCallRequest(protocol: CallProtocol, text: string): CallRequestResult {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (e) {
		return { ok: false, message: `the request body is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
	}
	if (!isRecord(parsed)) return { ok: false, message: 'the request body must be a JSON object' };
	const b = parsed;
	const model = str(b.model);
	if (model === undefined || model.trim() === '') return { ok: false, message: 'the request names no model ("model" is missing or not a string)' };
	const transcript: TranscriptMessage[] = [];
	const sources: MessageSource[] = [];
	const add = (m: TranscriptMessage | undefined, source: MessageSource) => {
		if (!m) return;
		transcript.push(m);
		sources.push(source);
	};
	let maxOutputTokens: number | undefined;
	let attachments = 0;
	switch (protocol) {
		case 'anthropicMessages': {
			if (!Array.isArray(b.messages)) return { ok: false, message: '"messages" must be an array' };
			add(fromAnthropicSystem(b.system), { kind: 'system' });
			b.messages.forEach((m, index) => add(fromAnthropicMessage(m), { kind: 'entry', index }));
			maxOutputTokens = positiveInt(b.max_tokens);
			attachments = countAttachments(b.messages);
			break;
		}
		case 'openaiChat': {
			if (!Array.isArray(b.messages)) return { ok: false, message: '"messages" must be an array' };
			b.messages.forEach((m, index) => add(fromOpenAIChatMessage(m), { kind: 'entry', index }));
			maxOutputTokens = positiveInt(b.max_completion_tokens) ?? positiveInt(b.max_tokens);
			attachments = countAttachments(b.messages);
			break;
		}
		case 'openaiResponses': {
			const instructions = str(b.instructions);
			if (instructions) add({ role: 'system', content: instructions }, { kind: 'instructions' });
			if (typeof b.input === 'string') add({ role: 'user', content: b.input }, { kind: 'entry', index: -1 });
			else if (Array.isArray(b.input)) b.input.forEach((item, index) => add(fromResponsesInput([item])[0], { kind: 'entry', index }));
			else if (b.input !== undefined) return { ok: false, message: '"input" must be a string or an array' };
			maxOutputTokens = positiveInt(b.max_output_tokens);
			attachments = countAttachments(b.input);
			break;
		}
	}
	const tools = toolDefinitions(b.tools);
	return {
		ok: true,
		request: {
			protocol,
			model,
			stream: b.stream === true,
			...(maxOutputTokens !== undefined && { maxOutputTokens }),
			messages: transcript.map(engineMessageOf),
			sources,
			transcript,
			...(tools !== undefined && { tools }),
			params: params(protocol, b, maxOutputTokens),
			streamUsage: rec(b.stream_options).include_usage === true,
			attachments,
			body: b,
		},
	};
}

/** The prompt's size as the budget reserves it: counted messages and tools, plus the attachment allowance. */
export function countCallInput(counter: TokenCounter, model: string, req: Pick<CallRequest, 'messages' | 'tools' | 'attachments'>): { readonly tokens: number; readonly exact: boolean } {
	const c = counter.countChat(model, req.messages, req.tools);
	return { tokens: c.tokens + req.attachments * attachmentAllowanceTokens, exact: c.exact && req.attachments === 0 };
}
