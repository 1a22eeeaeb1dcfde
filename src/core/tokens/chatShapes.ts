import { claudeKeepsEarlierThinking } from './claudeEstimate';
import type { CountChatOptions } from './count';
import type { ChatMessageLike, ChatToolCallLike, ToolDefinitionLike } from './types';

/** A chat request body (or bare message array) in the neutral shape the counters take. */
export interface ParsedChat {
	readonly shape: 'openai' | 'anthropic';
	readonly messages: readonly ChatMessageLike[];
	readonly tools: readonly ToolDefinitionLike[];
	/** The request's `model`, when the body names one. */
	readonly model?: string;
	/** Anthropic extended thinking was enabled (adds a fixed prompt overhead). */
	readonly thinking: boolean;
	/** Anthropic thinking mode when thinking is on: budgeted (`enabled`) or `adaptive` (Opus 4.6+). */
	readonly thinkingMode?: 'enabled' | 'adaptive';
	/** Anthropic `tool_choice.type` (auto, any, tool, none). */
	readonly toolChoice?: 'auto' | 'any' | 'tool' | 'none';
	/** A structured-output schema (`output_config.format`), when the request has one. */
	readonly outputFormat?: unknown;
	/** Parts that carry no countable text (images, audio, documents): a count is then a lower bound. */
	readonly uncountedParts: number;
	/**
	 * Where each of `messages` came from, in step with it: the index of its element in the body's
	 * `messages` (an Anthropic message with tool results becomes several), or `'system'` for
	 * Anthropic's `system` field. Lets the editor show each element's share (context attribution).
	 */
	readonly sources: readonly (number | 'system')[];
	/** Where each of `tools` came from: `['tools', i]` or `['functions', i]` (OpenAI's legacy field). */
	readonly toolSources: readonly (readonly ['tools' | 'functions', number])[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Recognizes a chat JSON document: an array of messages, or an object with `messages` (an OpenAI
 * chat completion or Anthropic messages request body). Returns undefined for any other JSON value,
 * so callers can fall back to counting the file as plain text.
 */
export function parseChatJson(value: unknown): ParsedChat | undefined {
	const body: Json | undefined = Array.isArray(value) ? { messages: value } : isObject(value) ? value : undefined;
	if (!body || !Array.isArray(body.messages) || body.messages.length === 0) return undefined;
	if (!body.messages.every(m => isObject(m) && typeof m.role === 'string')) return undefined;
	return looksAnthropic(body) ? fromAnthropic(body) : fromOpenAI(body);
}

/** Request fields only the Anthropic messages API has. */
const anthropicOnlyFields = ['system', 'thinking', 'output_config', 'stop_sequences', 'top_k'];

function looksAnthropic(body: Json): boolean {
	if (anthropicOnlyFields.some(k => body[k] !== undefined)) return true;
	if (typeof body.model === 'string' && /^(?:anthropic[/.:])?claude/i.test(body.model)) return true;
	// OpenAI's object tool_choice is {type: "function" | "allowed_tools" | "custom"}.
	if (isObject(body.tool_choice) && ['auto', 'any', 'tool', 'none'].includes(str(body.tool_choice.type))) return true;
	// Custom tools carry input_schema; provider-defined ones a dated type (memory_20250818) and no function.
	if (Array.isArray(body.tools) && body.tools.some(t => isObject(t) && ('input_schema' in t || (!('function' in t) && /_\d{8}$/.test(str(t.type)))))) return true;
	return (body.messages as Json[]).some(m => Array.isArray(m.content) && m.content.some(b => isObject(b) && (b.type === 'tool_use' || b.type === 'tool_result' || b.type === 'thinking')));
}

function fromOpenAI(body: Json): ParsedChat {
	let uncounted = 0;
	const messages: ChatMessageLike[] = [];
	const sources: number[] = [];
	for (const [index, m] of (body.messages as Json[]).entries()) {
		sources.push(index);
		let content = '';
		if (typeof m.content === 'string') content = m.content;
		else if (Array.isArray(m.content)) {
			for (const part of m.content) {
				if (isObject(part) && (part.type === 'text' || part.type === 'input_text' || part.type === 'output_text')) content += str(part.text);
				else if (isObject(part) && part.type === 'refusal') content += str(part.refusal);
				else uncounted++;
			}
		}
		const toolCalls: ChatToolCallLike[] = [];
		if (Array.isArray(m.tool_calls)) {
			for (const c of m.tool_calls) {
				const fn = isObject(c) && isObject(c.function) ? c.function : undefined;
				if (fn) toolCalls.push({ id: typeof c.id === 'string' ? c.id : undefined, name: str(fn.name), arguments: str(fn.arguments) });
			}
		}
		if (isObject(m.function_call)) toolCalls.push({ name: str(m.function_call.name), arguments: str(m.function_call.arguments) });
		messages.push({
			role: m.role as string,
			content,
			...(typeof m.name === 'string' ? { name: m.name } : {}),
			...(toolCalls.length ? { toolCalls } : {}),
			...(typeof m.tool_call_id === 'string' ? { toolCallId: m.tool_call_id } : {}),
		});
	}
	const tools: ToolDefinitionLike[] = [];
	const toolSources: (readonly ['tools' | 'functions', number])[] = [];
	for (const [i, t] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
		const fn = isObject(t) && isObject(t.function) ? t.function : undefined;
		if (fn) {
			tools.push({ name: str(fn.name), description: typeof fn.description === 'string' ? fn.description : undefined, parameters: fn.parameters });
			toolSources.push(['tools', i]);
		}
	}
	for (const [i, f] of (Array.isArray(body.functions) ? body.functions : []).entries()) {
		if (isObject(f)) {
			tools.push({ name: str(f.name), description: typeof f.description === 'string' ? f.description : undefined, parameters: f.parameters });
			toolSources.push(['functions', i]);
		}
	}
	return { shape: 'openai', messages, tools, model: typeof body.model === 'string' ? body.model : undefined, thinking: false, uncountedParts: uncounted, sources, toolSources };
}

/**
 * Whether the thinking blocks of the assistant message at `index` are in the prompt: older models
 * drop earlier turns' thinking except in the turn that is still using tools (the last assistant
 * message with tool_use); Opus 4.5 and later keep it (see `claudeKeepsEarlierThinking`).
 */
function thinkingSent(messages: readonly Json[], index: number, keepsEarlier: boolean): boolean {
	if (keepsEarlier) return true;
	const later = messages.slice(index + 1).some(m => m.role === 'assistant');
	const content = messages[index]!.content;
	return !later && Array.isArray(content) && content.some(b => isObject(b) && b.type === 'tool_use');
}

function fromAnthropic(body: Json): ParsedChat {
	let uncounted = 0;
	const messages: ChatMessageLike[] = [];
	const sources: (number | 'system')[] = [];
	const model = typeof body.model === 'string' ? body.model : undefined;
	const keepsEarlier = claudeKeepsEarlierThinking(model);
	const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? body.system.map(b => (isObject(b) ? str(b.text) : '')).join('\n') : '';
	if (system) {
		messages.push({ role: 'system', content: system });
		sources.push('system');
	}
	const all = body.messages as Json[];
	for (const [index, m] of all.entries()) {
		const role = m.role as string;
		if (typeof m.content === 'string') {
			messages.push({ role, content: m.content });
			sources.push(index);
			continue;
		}
		let text = '';
		const toolCalls: ChatToolCallLike[] = [];
		const results: ChatMessageLike[] = [];
		for (const block of Array.isArray(m.content) ? m.content : []) {
			if (!isObject(block)) continue;
			switch (block.type) {
				case 'text':
					text += str(block.text);
					break;
				case 'thinking':
					if (thinkingSent(all, index, keepsEarlier)) text += str(block.thinking);
					break;
				case 'tool_use':
				case 'server_tool_use':
					toolCalls.push({ id: str(block.id) || undefined, name: str(block.name), arguments: JSON.stringify(block.input ?? {}) });
					break;
				case 'tool_result':
					results.push({ role: 'tool', content: toolResultText(block.content, () => uncounted++), toolCallId: str(block.tool_use_id) || undefined });
					break;
				case 'redacted_thinking':
				case 'image':
				case 'document':
				default:
					uncounted++;
			}
		}
		messages.push(...results);
		for (let i = 0; i < results.length; i++) sources.push(index);
		if (text || toolCalls.length || results.length === 0) {
			messages.push({ role, content: text, ...(toolCalls.length ? { toolCalls } : {}) });
			sources.push(index);
		}
	}
	const tools: ToolDefinitionLike[] = [];
	const toolSources: (readonly ['tools', number])[] = [];
	for (const [i, t] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
		if (!isObject(t)) continue;
		toolSources.push(['tools', i]);
		// Provider-defined tools (web_search_20250305, bash_20250124…) have a versioned type and no schema.
		const kind = typeof t.type === 'string' && t.type !== 'custom' && t.input_schema === undefined ? t.type : undefined;
		tools.push({
			name: str(t.name),
			...(typeof t.description === 'string' && { description: t.description }),
			...(t.input_schema !== undefined && { parameters: t.input_schema }),
			...(kind !== undefined && { kind }),
			...(t.defer_loading === true && { deferred: true }),
		});
	}
	const thinkingType = isObject(body.thinking) ? body.thinking.type : undefined;
	const thinkingMode = thinkingType === 'enabled' || thinkingType === 'adaptive' ? thinkingType : undefined;
	const choice = isObject(body.tool_choice) ? body.tool_choice.type : undefined;
	const toolChoice = choice === 'auto' || choice === 'any' || choice === 'tool' || choice === 'none' ? choice : undefined;
	const outputFormat = isObject(body.output_config) ? body.output_config.format : undefined;
	return {
		shape: 'anthropic',
		messages,
		tools,
		model,
		thinking: thinkingMode === 'enabled',
		...(thinkingMode !== undefined && { thinkingMode }),
		...(toolChoice !== undefined && { toolChoice }),
		...(outputFormat !== undefined && { outputFormat }),
		uncountedParts: uncounted,
		sources,
		toolSources,
	};
}

function toolResultText(content: unknown, onUncounted: () => void): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	let text = '';
	for (const b of content) {
		if (isObject(b) && b.type === 'text') text += str(b.text);
		else onUncounted();
	}
	return text;
}

/** The count options a parsed request body carries (thinking mode, tool choice, output format). */
export function chatCountOptions(chat: Pick<ParsedChat, 'thinking' | 'thinkingMode' | 'toolChoice' | 'outputFormat'>): CountChatOptions {
	return {
		thinking: chat.thinkingMode ?? chat.thinking,
		...(chat.toolChoice !== undefined && { toolChoice: chat.toolChoice }),
		...(chat.outputFormat !== undefined && { outputFormat: chat.outputFormat }),
	};
}
