/**
 * How the lens reads a prompt file into the chat it stands for, per {@link PromptFormat}:
 *
 * - `text` (`*.prompt`, `*.prompt.md`, `prompts/**.md|txt`): ONE user message — the text after any
 *   `---` front matter, trimmed — plus the provider's chat framing (+7 tokens for OpenAI's chat
 *   format). Counted incrementally in the token worker (see `TokenDocuments`); {@link textPrompt}
 *   is the reference the incremental count is tested against.
 * - `prompty`: its `system:` / `user:` / `assistant:` sections with `{{placeholders}}` filled from
 *   the front matter's `sample:` values — the messages "Run Prompt File" sends.
 * - `chat` (`*.messages.json`, `*.messages.jsonl`): a JSON array of messages, an OpenAI chat /
 *   Anthropic messages request body, or JSONL with one message per line — counted like
 *   `agent-cost count` does (messages, tool definitions, tool calls, per-message framing).
 *
 * Pure; the token worker runs it when typing pauses (it parses the whole file).
 */
import { InputError } from '../lib/errors';
import { parsePromptFile } from './promptFile';
import type { ProviderMessage } from '../ports/llmTransport';
import { parseChatJson } from '../tokens/chatShapes';
import type { ChatMessageLike, ToolDefinitionLike } from '../tokens/types';
import type { PromptFormat } from './promptGlobs';
import { promptMeta } from './promptMeta';

/** The problem of a prompt file with nothing to send (no messages, 0 tokens). */
export const noPromptText = 'the file has no prompt text';

/** The chat a prompt file stands for, ready for `countChat`. */
export interface ParsedPrompt {
	readonly messages: readonly ChatMessageLike[];
	readonly tools?: readonly ToolDefinitionLike[];
	/** Anthropic extended thinking is enabled in the request body. */
	readonly thinking: boolean;
	/** Image/audio/document parts that carry no countable text (the count is then a lower bound). */
	readonly uncountedParts: number;
	/** The model the file names (front matter, request body `model`). */
	readonly model?: string;
	/** The output limit the file names (Prompty `max_tokens`, request body `max_tokens`). */
	readonly maxOutputTokens?: number;
	/** Why the file could not be read as its format (the caller falls back and says so). */
	readonly problem?: string;
	/** Things worth knowing about how it was read (unfilled placeholders…). */
	readonly notes: readonly string[];
}

/** A name with the right extension for {@link parsePromptFile}, which decides by file name. */
const formatFileName: Readonly<Record<Exclude<PromptFormat, 'text'>, string>> = { prompty: 'prompt.prompty', chat: 'prompt.messages.json' };

function toChatMessage(m: ProviderMessage): ChatMessageLike {
	switch (m.role) {
		case 'assistant':
			return m.toolCalls?.length
				? { role: 'assistant', content: m.content, toolCalls: m.toolCalls.map(c => ({ id: c.id, name: c.name, arguments: c.arguments })) }
				: { role: 'assistant', content: m.content };
		case 'tool':
			return { role: 'tool', content: m.content, toolCallId: m.toolCallId };
		default:
			return { role: m.role, content: m.content };
	}
}

function positiveInt(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Chat JSON (one document) or JSONL (one message per line) → the counting shape, or undefined. */
function parseChatText(text: string): { chat: NonNullable<ReturnType<typeof parseChatJson>>; maxOutputTokens?: number } | undefined {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		const lines = text.split('\n').filter(l => l.trim() !== '');
		if (lines.length === 0) return undefined;
		try {
			value = lines.map(l => JSON.parse(l) as unknown);
		} catch {
			return undefined;
		}
	}
	const chat = parseChatJson(value);
	if (!chat) return undefined;
	const body = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	const maxOutputTokens = positiveInt(body.max_tokens) ?? positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_output_tokens);
	return { chat, ...(maxOutputTokens !== undefined && { maxOutputTokens }) };
}

/**
 * A `text` prompt file as the call sends it: the text after any front matter, trimmed, as one user
 * message (none when that is empty). The reference for the token worker's incremental count.
 */
export function textPrompt(text: string): { readonly body: string; readonly model?: string; readonly maxOutputTokens?: number } {
	const meta = promptMeta(text);
	return { body: text.slice(meta.bodyStart).trim(), ...(meta.model !== undefined && { model: meta.model }), ...(meta.maxOutputTokens !== undefined && { maxOutputTokens: meta.maxOutputTokens }) };
}

/**
 * Reads a whole prompt file as the chat it stands for. Total: a file that cannot be read as its
 * format gives no messages and a `problem` (never throws).
 */
export function parsePrompt(format: PromptFormat, text: string): ParsedPrompt {
	if (format === 'chat') {
		const parsed = parseChatText(text);
		if (!parsed) {
			return {
				messages: [],
				thinking: false,
				uncountedParts: 0,
				notes: [],
				problem: 'not (yet) a chat: expected a JSON array of {role, content} messages, a {"messages": [...]} request body, or JSONL with one message per line',
			};
		}
		const { chat } = parsed;
		return {
			messages: chat.messages,
			...(chat.tools.length > 0 && { tools: chat.tools }),
			thinking: chat.thinking,
			uncountedParts: chat.uncountedParts,
			...(chat.model !== undefined && chat.model.trim() !== '' && { model: chat.model.trim() }),
			...(parsed.maxOutputTokens !== undefined && { maxOutputTokens: parsed.maxOutputTokens }),
			notes: [],
		};
	}
	if (format === 'text') {
		const t = textPrompt(text);
		return {
			messages: t.body ? [{ role: 'user', content: t.body }] : [],
			thinking: false,
			uncountedParts: 0,
			...(t.model !== undefined && { model: t.model }),
			...(t.maxOutputTokens !== undefined && { maxOutputTokens: t.maxOutputTokens }),
			notes: [],
			...(!t.body && { problem: noPromptText }),
		};
	}
	try {
		const request = parsePromptFile(text, formatFileName[format]);
		return {
			messages: request.messages.map(toChatMessage),
			...(request.tools && { tools: request.tools }),
			thinking: false,
			uncountedParts: 0,
			...(request.model !== undefined && { model: request.model }),
			...(request.maxOutputTokens !== undefined && { maxOutputTokens: request.maxOutputTokens }),
			notes: request.warnings,
		};
	} catch (e) {
		if (!InputError.is(e)) throw e;
		return { messages: [], thinking: false, uncountedParts: 0, notes: [], problem: noPromptText };
	}
}

/** The messages (and tools) a call for this prompt file sends, in the provider-neutral shape (for exact counts). */
export function promptRequestMessages(format: PromptFormat, text: string): { readonly messages: readonly ProviderMessage[]; readonly tools?: readonly ToolDefinitionLike[] } {
	if (format === 'text') {
		const { body } = textPrompt(text);
		if (!body) throw new InputError('badFile', noPromptText);
		return { messages: [{ role: 'user', content: body }] };
	}
	const request = parsePromptFile(text, formatFileName[format]);
	return { messages: request.messages, ...(request.tools && { tools: request.tools }) };
}
