/**
 * THE reader of prompt files: what a file asks a provider for. The status-bar lens, `agent-cost
 * count`, `agent-cost compress`, "Agent Cost: Run Prompt File" and the gateway's request accounting
 * all read prompts through it, so they count and send the same thing:
 *
 * - `text` (`*.prompt`, `*.prompt.md`, `prompts/**.md|txt`, anything else): ONE user message — the
 *   text after any `---` front matter, trimmed; the front matter names the model (`model:`) and
 *   may set Prompty-style `model.parameters` (`max_tokens`…). A text file is text even when it
 *   starts with `[` or `{`: the file name decides the format (see `promptFormatOf`).
 * - `prompty` (`*.prompty`): front matter plus `system:` / `user:` / `assistant:` sections, with
 *   `{{name}}` placeholders filled from the front matter's `sample:` values.
 * - `chat` (`*.json`, `*.jsonl`): a JSON array of messages, an OpenAI chat / Anthropic messages
 *   request body, or JSONL with one message per line; tool definitions, tool calls, tool results,
 *   extended thinking and the body's `model`, `max_tokens` / `max_completion_tokens` /
 *   `max_output_tokens` and `temperature` are read.
 *
 * Pure and total: a file that is not what its format expects gives no messages and a `problem`.
 */
import { InputError } from '../lib/errors';
import type { ProviderMessage } from '../ports/llmTransport';
import { chatCountOptions, parseChatJson, type ParsedChat } from '../tokens/chatShapes';
import type { CountChatOptions } from '../tokens/count';
import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from '../tokens/types';
import { frontMatterMeta, parseFrontMatter, type Yaml } from './frontMatter';
import { jsonlLineOffsets, outlineJson } from './jsonOutline';
import type { PromptFormat } from './promptGlobs';
import { promptFormatOf } from './promptGlobs';

/** The problem of a prompt file with nothing to send (no messages, 0 tokens). */
export const noPromptText = 'the file has no prompt text';

/** What a prompt file asks for. */
export interface PromptRequest {
	readonly format: PromptFormat;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	/** The model the file names (front matter, request body): routing is skipped for it. */
	readonly model?: string;
	readonly maxOutputTokens?: number;
	readonly temperature?: number;
	/** Anthropic extended thinking is enabled in the request body (it adds a fixed prompt overhead). */
	readonly thinking: boolean;
	/** How a request body changes the count beyond its messages (thinking mode, tool choice, output format). */
	readonly countOptions?: CountChatOptions;
	/** Image/audio/document parts that carry no countable text (a count is then a lower bound). */
	readonly uncountedParts: number;
	/** Things the user should know about how the file was read (unfilled placeholders…). */
	readonly warnings: readonly string[];
	/** Why there is nothing to send, when there is not. */
	readonly problem?: string;
	/** Where in the file each message and tool definition starts (only when asked: {@link ReadPromptOptions.origins}). */
	readonly origins?: PromptOrigins;
}

/** UTF-16 offsets into the file's text, in step with {@link PromptRequest.messages} and `tools`. */
interface PromptOrigins {
	readonly messages: readonly number[];
	readonly tools: readonly number[];
	/** Where the `tools` (or `functions`) key of a request body is. */
	readonly toolsKey?: number;
}

// ---------------------------------------------------------------------------------------------
// Prompty bodies

const roleLine = /^[ \t]*(system|user|assistant|developer)[ \t]*:[ \t]*$/i;

function fillPlaceholders(text: string, sample: { readonly [key: string]: Yaml }, unfilled: Set<string>): string {
	return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => {
		const v = sample[name];
		if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v).replace(/\n$/, '');
		unfilled.add(name);
		return whole;
	});
}

/** `bodyOffset`: where `body` starts in the file, so each message's origin is a file offset (its role line). */
function promptyMessages(body: string, bodyOffset: number, sample: { readonly [key: string]: Yaml }, warnings: string[]): { messages: ProviderMessage[]; origins: number[] } {
	const unfilled = new Set<string>();
	const out: ProviderMessage[] = [];
	const origins: number[] = [];
	let role: 'system' | 'user' | 'assistant' | undefined;
	let origin = bodyOffset;
	let lines: string[] = [];
	const flush = () => {
		const content = fillPlaceholders(lines.join('\n'), sample, unfilled).trim();
		lines = [];
		if (content === '') return;
		// Text before the first role marker is the system prompt (Prompty's convention).
		const r = role ?? 'system';
		out.push(r === 'assistant' ? { role: 'assistant', content } : { role: r, content });
		origins.push(origin);
	};
	let offset = bodyOffset;
	for (const line of body.split('\n')) {
		const m = roleLine.exec(line.replace(/\r$/, ''));
		if (m) {
			flush();
			const r = m[1]!.toLowerCase();
			role = r === 'developer' ? 'system' : (r as 'system' | 'user' | 'assistant');
			origin = offset + (line.length - line.trimStart().length);
		} else lines.push(line.replace(/\r$/, ''));
		offset += line.length + 1;
	}
	flush();
	if (unfilled.size) warnings.push(`placeholders without a sample value were sent as written: ${[...unfilled].map(n => `{{${n}}}`).join(', ')}`);
	// A body of only a system prompt still needs a user turn: send it as the user's message.
	if (out.length === 1 && out[0]!.role === 'system') return { messages: [{ role: 'user', content: out[0]!.content }], origins };
	return { messages: out, origins };
}

// ---------------------------------------------------------------------------------------------
// Chat JSON

function positiveInt(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function nonNegative(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** One JSON document, or JSONL (one message per line). */
function parseJsonOrLines(text: string): { value: unknown; lines: boolean } | undefined {
	try {
		return { value: JSON.parse(text), lines: false };
	} catch {
		const lines = text.split('\n').filter(l => l.trim() !== '');
		if (lines.length === 0) return undefined;
		try {
			return { value: lines.map(l => JSON.parse(l) as unknown), lines: true };
		} catch {
			return undefined;
		}
	}
}

/** Where the messages and tools of a parsed chat file start (see {@link PromptOrigins}). */
function chatOrigins(text: string, lines: boolean, chat: ParsedChat): PromptOrigins {
	if (lines) {
		const at = jsonlLineOffsets(text);
		return { messages: chat.sources.map(s => (s === 'system' ? 0 : (at[s] ?? 0))), tools: [] };
	}
	const outline = outlineJson(text);
	const elements = outline.elements ?? outline.members?.get('messages')?.elements ?? [];
	const system = outline.members?.get('system')?.key ?? 0;
	const toolsKey = outline.members?.get('tools')?.key ?? outline.members?.get('functions')?.key;
	return {
		messages: chat.sources.map(s => (s === 'system' ? system : (elements[s] ?? 0))),
		tools: chat.toolSources.map(([key, i]) => outline.members?.get(key)?.elements[i] ?? 0),
		...(toolsKey !== undefined && { toolsKey }),
	};
}

/** The neutral counting shape → the provider-neutral message a call sends. */
function providerMessageOf(m: ChatMessageLike): ProviderMessage {
	switch (m.role) {
		case 'system':
		case 'developer':
			return { role: 'system', content: m.content };
		case 'assistant':
			return m.toolCalls?.length
				? { role: 'assistant', content: m.content, toolCalls: m.toolCalls.map((c, i) => ({ id: c.id ?? `call_${i}`, name: c.name, arguments: c.arguments })) }
				: { role: 'assistant', content: m.content };
		case 'tool':
		case 'function':
			return { role: 'tool', toolCallId: m.toolCallId ?? m.name ?? '', content: m.content };
		default:
			return { role: 'user', content: m.content };
	}
}

const notChat = 'not (yet) a chat: expected a JSON array of {role, content} messages, a {"messages": [...]} request body, or JSONL with one message per line';

function chatRequest(text: string, withOrigins = false): PromptRequest {
	const parsed = parseJsonOrLines(text);
	const value = parsed?.value;
	const chat = value === undefined ? undefined : parseChatJson(value);
	if (!chat || !parsed) return { format: 'chat', messages: [], thinking: false, uncountedParts: 0, warnings: [], problem: notChat };
	const body = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	const model = chat.model?.trim() || undefined;
	const maxOutputTokens = positiveInt(body.max_tokens) ?? positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_output_tokens);
	const temperature = nonNegative(body.temperature);
	return {
		format: 'chat',
		messages: chat.messages.map(providerMessageOf),
		...(chat.tools.length > 0 && { tools: chat.tools }),
		...(model !== undefined && { model }),
		...(maxOutputTokens !== undefined && { maxOutputTokens }),
		...(temperature !== undefined && { temperature }),
		thinking: chat.thinking,
		countOptions: chatCountOptions(chat),
		uncountedParts: chat.uncountedParts,
		warnings: [],
		...(withOrigins && { origins: chatOrigins(text, parsed.lines, chat) }),
	};
}

// ---------------------------------------------------------------------------------------------
// The reader

export interface ReadPromptOptions {
	/** Read this instead of the file's body (the editor's selection) — as a chat if it is chat JSON, else one user message. The file's front matter still names the model. */
	readonly selection?: string;
	/** Also say where each message and tool definition starts in `text` ({@link PromptRequest.origins}; not for a selection). */
	readonly origins?: boolean;
}

/** Reads a prompt file of a known format (see the module comment). Total: never throws. */
export function readPromptFile(text: string, format: PromptFormat, options: ReadPromptOptions = {}): PromptRequest {
	const front = format === 'chat' ? undefined : parseFrontMatter(text);
	const meta = front ? frontMatterMeta(front.data) : {};
	const warnings: string[] = [];
	let request: PromptRequest;
	const selection = options.selection;
	if (selection !== undefined && selection.trim() !== '') {
		const chat = /^\s*[[{]/.test(selection) ? chatRequest(selection) : undefined;
		request = chat && !chat.problem ? chat : { format: 'text', messages: [{ role: 'user', content: selection.trim() }], thinking: false, uncountedParts: 0, warnings };
	} else if (format === 'chat') {
		request = chatRequest(text, options.origins === true);
	} else {
		const body = front ? front.body : text;
		const bodyOffset = text.length - body.length;
		const read =
			format === 'prompty'
				? promptyMessages(body, bodyOffset, obj(front?.data.sample), warnings)
				: body.trim() === ''
					? { messages: [], origins: [] }
					: { messages: [{ role: 'user', content: body.trim() } as const], origins: [bodyOffset + body.length - body.trimStart().length] };
		request = { format, messages: read.messages, thinking: false, uncountedParts: 0, warnings, ...(options.origins === true && { origins: { messages: read.origins, tools: [] } }) };
	}
	const empty = request.messages.length === 0 || request.messages.every(m => m.content.trim() === '' && !(m.role === 'assistant' && m.toolCalls?.length));
	return {
		...request,
		...(request.model === undefined && meta.model !== undefined && { model: meta.model }),
		...(request.maxOutputTokens === undefined && meta.maxOutputTokens !== undefined && { maxOutputTokens: meta.maxOutputTokens }),
		...(request.temperature === undefined && meta.temperature !== undefined && { temperature: meta.temperature }),
		warnings: request.warnings === warnings ? warnings : [...request.warnings, ...warnings],
		...(request.problem === undefined && empty && { problem: noPromptText }),
	};
}

/**
 * A prompt file as the call it asks for, its format from its name ("Run Prompt File", the
 * gateway). Throws `InputError('badFile')` when there is nothing to send.
 */
export function parsePromptFile(text: string, fileName: string, selection?: string): PromptRequest {
	const request = readPromptFile(text, promptFormatOf(fileName), { selection });
	if (request.problem === notChat) throw new InputError('badFile', `${fileName} is ${notChat}.`);
	if (request.problem) throw new InputError('badFile', `${fileName} has no prompt text to send.`);
	return request;
}

/** A request's messages in the neutral shape the token counters take. */
export function chatMessagesOf(request: Pick<PromptRequest, 'messages'>): ChatMessageLike[] {
	return request.messages.map(m => {
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
	});
}

/** `countChat` of `src/core/tokens/count.ts` (the token worker's and the CLI's counter). */
export type ChatCounter = (model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options?: CountChatOptions) => TokenCount;

/** The options a request's count takes (a request body's thinking mode, tool choice, output format). */
export function countOptionsOf(request: Pick<PromptRequest, 'thinking' | 'countOptions'>): CountChatOptions {
	return request.countOptions ?? { thinking: request.thinking };
}

/** The input tokens a prompt file's call sends to `model` (exact only when every part was countable). */
export function countPromptRequest(countChat: ChatCounter, model: string, request: PromptRequest): TokenCount {
	const c = countChat(model, chatMessagesOf(request), request.tools, countOptionsOf(request));
	return request.uncountedParts > 0 ? { ...c, exact: false } : c;
}

function obj(v: unknown): { readonly [key: string]: Yaml } {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { [key: string]: Yaml }) : {};
}

/** How a prompt file's text was counted. */
export interface PromptTextCount extends TokenCount {
	readonly format: PromptFormat;
	/** Messages counted (0 when the file was counted as raw text). */
	readonly messages: number;
	readonly uncountedParts: number;
	/** Why the file was counted as raw text, or has no tokens. */
	readonly problem?: string;
}

/**
 * The tokens the status-bar lens shows for a prompt file, as every other reader counts it: the
 * call the file asks for (see {@link readPromptFile}); a file that is not what its format expects
 * (mid-edit chat JSON) counts as its raw text, marked ≈; a file with nothing to send counts 0.
 */
export function countPromptText(
	counter: { readonly countChat: ChatCounter; readonly countText: (model: string, text: string) => TokenCount },
	model: string,
	text: string,
	format: PromptFormat,
): PromptTextCount {
	const request = readPromptFile(text, format);
	if (request.problem === noPromptText) return { tokens: 0, exact: true, method: counter.countText(model, '').method, format, messages: 0, uncountedParts: 0, problem: request.problem };
	if (request.problem) return { ...counter.countText(model, text), exact: false, format, messages: 0, uncountedParts: 0, problem: request.problem };
	return { ...countPromptRequest(counter.countChat, model, request), format, messages: request.messages.length, uncountedParts: request.uncountedParts };
}
