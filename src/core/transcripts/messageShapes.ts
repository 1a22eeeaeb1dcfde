/**
 * Provider message shapes (Anthropic Messages, OpenAI Chat, OpenAI Responses, Gemini) mapped onto the
 * neutral {@link TranscriptMessage}. Structured content is rendered to text the way it is sent, so a
 * counted prompt includes tool calls and results; images and documents become short placeholders
 * (their token cost is not derivable from the transcript).
 */
import type { ToolDefinitionLike } from '../tokens/types';
import { arr, asText, isRecord, nonEmpty, rec, str } from './jsonAccess';
import type { CallOutput, ToolCall, TranscriptMessage } from './model';

interface Parts {
	text: string[];
	reasoning: string[];
	toolCalls: ToolCall[];
	toolResultIds: string[];
}

function newParts(): Parts {
	return { text: [], reasoning: [], toolCalls: [], toolResultIds: [] };
}

/** How a tool call reads in a rendered prompt: `name(arguments)`. */
export function renderToolCall(c: ToolCall): string {
	return `${c.name}(${c.arguments})`;
}

function message(role: string, p: Parts, name?: string): TranscriptMessage {
	const observation = p.toolResultIds.length > 0 || role === 'tool' || role === 'function';
	return {
		role,
		content: p.text.join('\n'),
		...(name !== undefined && { name }),
		...(p.toolCalls.length > 0 && { toolCalls: p.toolCalls, toolCallIds: p.toolCalls.map(c => c.id) }),
		...(p.toolResultIds.length > 0 && { toolCallId: p.toolResultIds[0], toolResultIds: p.toolResultIds }),
		...(p.reasoning.length > 0 && { reasoning: p.reasoning.join('\n') }),
		...(observation && { observation }),
	};
}

function output(p: Parts, stopReason: string | undefined): CallOutput {
	return {
		text: p.text.join('\n'),
		...(p.reasoning.length > 0 && { reasoning: p.reasoning.join('\n') }),
		toolCalls: p.toolCalls,
		...(stopReason !== undefined && { stopReason }),
	};
}

/** The text of a tool result's content (Anthropic string or blocks, OpenAI string or parts). */
export function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return asText(content);
	const out: string[] = [];
	for (const b of content) {
		if (typeof b === 'string') out.push(b);
		else if (isRecord(b)) {
			const t = str(b.text) ?? str(b.input_text) ?? str(b.output_text);
			if (t !== undefined) out.push(t);
			else if (b.type === 'image' || b.type === 'image_url' || b.type === 'input_image') out.push('[image]');
			else if (b.type === 'document' || b.type === 'file' || b.type === 'input_file') out.push('[document]');
			else if (b.type === 'tool_reference' || b.type === 'search_result') out.push(asText(b));
			else if ('content' in b) out.push(contentText(b.content));
			else out.push(asText(b));
		}
	}
	return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicBlocks(content: unknown, p: Parts): void {
	if (typeof content === 'string') {
		p.text.push(content);
		return;
	}
	for (const raw of arr(content)) {
		if (typeof raw === 'string') {
			p.text.push(raw);
			continue;
		}
		const b = rec(raw);
		switch (b.type) {
			case 'text':
				p.text.push(str(b.text) ?? '');
				break;
			case 'thinking':
				p.reasoning.push(str(b.thinking) ?? '');
				break;
			case 'redacted_thinking':
				p.reasoning.push('[redacted thinking]');
				break;
			case 'tool_use':
			case 'server_tool_use':
			case 'mcp_tool_use':
				p.toolCalls.push({ id: str(b.id) ?? '', name: str(b.name) ?? '', arguments: asText(b.input ?? {}) });
				break;
			case 'tool_result':
			case 'mcp_tool_result':
				p.toolResultIds.push(str(b.tool_use_id) ?? '');
				p.text.push(contentText(b.content));
				break;
			case 'image':
				p.text.push('[image]');
				break;
			case 'document':
				p.text.push('[document]');
				break;
			default:
				// web_search_tool_result, code execution results, container uploads…: sent as structured data.
				if (typeof b.type === 'string' && b.type.endsWith('_tool_result')) {
					p.toolResultIds.push(str(b.tool_use_id) ?? '');
					p.text.push(contentText(b.content));
				} else if (Object.keys(b).length > 0) p.text.push(asText(b));
		}
	}
}

/** An Anthropic `messages[]` entry. */
export function fromAnthropicMessage(raw: unknown): TranscriptMessage {
	const m = rec(raw);
	const p = newParts();
	anthropicBlocks(m.content, p);
	return message(str(m.role) ?? 'user', p);
}

/** The request's `system` (string or text blocks) as a leading system message. */
export function fromAnthropicSystem(system: unknown): TranscriptMessage | undefined {
	if (system === undefined || system === null) return undefined;
	const text = contentText(system);
	return text === '' ? undefined : { role: 'system', content: text };
}

/** A response's `content[]` (or the blocks of a Claude Code assistant line). */
export function anthropicOutput(content: unknown, stopReason?: unknown): CallOutput {
	const p = newParts();
	anthropicBlocks(content, p);
	return output(p, nonEmpty(stopReason));
}

/** Anthropic tool definitions (`input_schema`) or OpenAI ones (`function.parameters` / `parameters`). */
export function toolDefinitions(tools: unknown): ToolDefinitionLike[] | undefined {
	const list = arr(tools);
	if (list.length === 0) return undefined;
	const out: ToolDefinitionLike[] = [];
	for (const raw of list) {
		const t = rec(raw);
		const fn = rec(t.function);
		const name = str(fn.name) ?? str(t.name) ?? str(t.type) ?? '';
		const description = str(fn.description) ?? str(t.description);
		const parameters = fn.parameters ?? t.parameters ?? t.input_schema;
		// Provider-defined tools (Anthropic's web_search_20250305, memory_20250818…): a dated type, no schema.
		const type = str(t.type);
		const kind = parameters === undefined && t.function === undefined && type !== undefined && /_\d{8}$/.test(type) ? type : undefined;
		out.push({
			name,
			...(description !== undefined && { description }),
			...(parameters !== undefined && { parameters }),
			...(kind !== undefined && { kind }),
			...(t.defer_loading === true && { deferred: true }),
		});
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions (also LiteLLM/OpenRouter and the chat arrays of tau-bench, SWE-agent…)

/** `tool_calls[]` in the OpenAI shape `{id, type, function: {name, arguments}}`. */
function openAIToolCalls(raw: unknown): ToolCall[] {
	const out: ToolCall[] = [];
	for (const c of arr(raw)) {
		const call = rec(c);
		const fn = rec(call.function);
		const args = fn.arguments ?? call.arguments;
		out.push({ id: str(call.id) ?? '', name: str(fn.name) ?? str(call.function) ?? str(call.name) ?? '', arguments: typeof args === 'string' ? args : asText(args ?? {}) });
	}
	return out;
}

/** An OpenAI chat message (`role` system|developer|user|assistant|tool). */
export function fromOpenAIChatMessage(raw: unknown): TranscriptMessage {
	const m = rec(raw);
	const p = newParts();
	const text = m.content === null || m.content === undefined ? '' : contentText(m.content);
	if (text !== '') p.text.push(text);
	const reasoning = str(m.reasoning_content) ?? str(m.reasoning);
	if (reasoning) p.reasoning.push(reasoning);
	p.toolCalls.push(...openAIToolCalls(m.tool_calls));
	const fnCall = rec(m.function_call);
	if (str(fnCall.name)) p.toolCalls.push({ id: '', name: str(fnCall.name) ?? '', arguments: asText(fnCall.arguments ?? '') });
	const toolCallId = str(m.tool_call_id);
	if (toolCallId !== undefined) p.toolResultIds.push(toolCallId);
	return message(str(m.role) ?? 'user', p, str(m.name));
}

/** `choices[0]` of a chat completion. */
export function openAIChatOutput(choices: unknown): CallOutput {
	const choice = rec(arr(choices)[0]);
	const m = fromOpenAIChatMessage(choice.message ?? choice.delta);
	return {
		text: contentText(rec(choice.message).content ?? ''),
		...(m.reasoning !== undefined && { reasoning: m.reasoning }),
		toolCalls: m.toolCalls ?? [],
		...(nonEmpty(choice.finish_reason) !== undefined && { stopReason: nonEmpty(choice.finish_reason) }),
	};
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

/** Responses `input[]` items (or a plain string input) as messages. */
export function fromResponsesInput(input: unknown): TranscriptMessage[] {
	if (typeof input === 'string') return [{ role: 'user', content: input }];
	const out: TranscriptMessage[] = [];
	for (const raw of arr(input)) {
		const item = rec(raw);
		const type = str(item.type);
		if (type === 'function_call' || type === 'custom_tool_call') {
			const call: ToolCall = { id: str(item.call_id) ?? str(item.id) ?? '', name: str(item.name) ?? '', arguments: asText(item.arguments ?? item.input ?? '') };
			out.push({ role: 'assistant', content: '', toolCalls: [call], toolCallIds: [call.id] });
		} else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
			const id = str(item.call_id) ?? '';
			out.push({ role: 'tool', content: contentText(item.output), toolCallId: id, toolResultIds: [id], observation: true });
		} else if (type === 'reasoning') {
			const summary = arr(item.summary)
				.map(s => str(rec(s).text) ?? '')
				.join('\n');
			out.push({ role: 'assistant', content: '', reasoning: summary || '[encrypted reasoning]' });
		} else if (type === 'compaction') {
			out.push({ role: 'system', content: '[compacted history]' });
		} else if (type === 'message' || item.role !== undefined) {
			out.push({ role: str(item.role) ?? 'user', content: contentText(item.content) });
		} else if (type === 'item_reference') {
			out.push({ role: 'system', content: `[item ${str(item.id) ?? ''}]` });
		} else if (Object.keys(item).length > 0) {
			out.push({ role: 'user', content: asText(item) });
		}
	}
	return out;
}

/** Responses `output[]`. */
export function responsesOutput(items: unknown, status?: unknown): CallOutput {
	const p = newParts();
	for (const raw of arr(items)) {
		const item = rec(raw);
		const type = str(item.type);
		if (type === 'message') p.text.push(contentText(item.content));
		else if (type === 'reasoning')
			p.reasoning.push(
				arr(item.summary)
					.map(s => str(rec(s).text) ?? '')
					.join('\n') || '[encrypted reasoning]',
			);
		else if (type === 'function_call' || type === 'custom_tool_call')
			p.toolCalls.push({ id: str(item.call_id) ?? str(item.id) ?? '', name: str(item.name) ?? '', arguments: asText(item.arguments ?? item.input ?? '') });
		else if (type !== undefined && type.endsWith('_call')) p.toolCalls.push({ id: str(item.id) ?? '', name: type, arguments: asText(item.action ?? item.arguments ?? {}) });
		else if (type === 'compaction') p.text.push('[compacted history]');
	}
	return output(p, nonEmpty(status));
}

// ---------------------------------------------------------------------------------------------
// Gemini generateContent

function geminiParts(parts: unknown, p: Parts): void {
	for (const raw of arr(parts)) {
		const part = rec(raw);
		if (typeof part.text === 'string') {
			if (part.thought === true) p.reasoning.push(part.text);
			else p.text.push(part.text);
		} else if (isRecord(part.functionCall)) {
			const fc = part.functionCall;
			p.toolCalls.push({ id: str(fc.id) ?? '', name: str(fc.name) ?? '', arguments: asText(fc.args ?? {}) });
		} else if (isRecord(part.functionResponse)) {
			const fr = part.functionResponse;
			p.toolResultIds.push(str(fr.id) ?? str(fr.name) ?? '');
			p.text.push(asText(fr.response));
		} else if (part.inlineData !== undefined || part.fileData !== undefined) p.text.push('[media]');
	}
}

/** Gemini `contents[]` (+ `systemInstruction`) as messages. */
export function fromGeminiContents(contents: unknown, systemInstruction?: unknown): TranscriptMessage[] {
	const out: TranscriptMessage[] = [];
	if (isRecord(systemInstruction)) {
		const p = newParts();
		geminiParts(systemInstruction.parts, p);
		if (p.text.length) out.push({ role: 'system', content: p.text.join('\n') });
	}
	for (const raw of arr(contents)) {
		const c = rec(raw);
		const p = newParts();
		geminiParts(c.parts, p);
		const role = c.role === 'model' ? 'assistant' : p.toolResultIds.length > 0 ? 'tool' : (str(c.role) ?? 'user');
		out.push(message(role, p));
	}
	return out;
}

export function geminiOutput(candidates: unknown): CallOutput {
	const cand = rec(arr(candidates)[0]);
	const p = newParts();
	geminiParts(rec(cand.content).parts, p);
	return output(p, nonEmpty(cand.finishReason));
}

// ---------------------------------------------------------------------------------------------

/** A call's output as the assistant message the next prompt carries. */
export function outputMessage(o: CallOutput): TranscriptMessage {
	return {
		role: 'assistant',
		content: o.text,
		...(o.toolCalls.length > 0 && { toolCalls: o.toolCalls, toolCallIds: o.toolCalls.map(c => c.id) }),
		...(o.reasoning !== undefined && { reasoning: o.reasoning }),
	};
}

/** Everything a call generated, as one text to count output tokens from (reasoning included: it is billed as output). */
export function outputTextForCounting(o: CallOutput): string {
	return [o.reasoning ?? '', o.text, ...o.toolCalls.map(renderToolCall)].filter(s => s !== '').join('\n');
}
