/**
 * A response-cache hit in enforce mode, written in the protocol and shape (JSON or SSE) the client
 * asked for. It reports zero usage: the answer cost nothing this time, so an agent that prices its
 * own calls (Claude Code's `total_cost_usd`) agrees with the gateway's accounting.
 */
import type { ToolCall } from '../transcripts/model';
import type { CallProtocol } from './gatewayRoutes';

export interface CachedAnswer {
	readonly model: string;
	readonly text: string;
	readonly toolCalls: readonly ToolCall[];
	/** The provider's own stop reason word (`end_turn`, `stop`, `completed`…). */
	readonly stopReason?: string;
}

export interface CachedReply {
	readonly contentType: string;
	readonly body: string;
}

function sse(data: unknown, event?: string): string {
	return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

function parsedArguments(args: string): unknown {
	try {
		return JSON.parse(args);
	} catch {
		return {};
	}
}

function anthropic(a: CachedAnswer, id: string, stream: boolean): CachedReply {
	const stop = a.stopReason ?? (a.toolCalls.length ? 'tool_use' : 'end_turn');
	const usage = { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
	const content = [...(a.text ? [{ type: 'text', text: a.text }] : []), ...a.toolCalls.map(c => ({ type: 'tool_use', id: c.id, name: c.name, input: parsedArguments(c.arguments) }))];
	if (!stream)
		return {
			contentType: 'application/json',
			body: JSON.stringify({ id, type: 'message', role: 'assistant', model: a.model, content, stop_reason: stop, stop_sequence: null, usage }),
		};
	const out = [sse({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model: a.model, content: [], stop_reason: null, stop_sequence: null, usage } }, 'message_start')];
	content.forEach((block, index) => {
		if (block.type === 'text') {
			out.push(sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start'));
			out.push(sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: a.text } }, 'content_block_delta'));
		} else {
			const c = block as { id: string; name: string; input: unknown };
			out.push(sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }, 'content_block_start'));
			out.push(sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(c.input) } }, 'content_block_delta'));
		}
		out.push(sse({ type: 'content_block_stop', index }, 'content_block_stop'));
	});
	out.push(sse({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 0 } }, 'message_delta'));
	out.push(sse({ type: 'message_stop' }, 'message_stop'));
	return { contentType: 'text/event-stream', body: out.join('') };
}

function chat(a: CachedAnswer, id: string, stream: boolean, withUsage: boolean): CachedReply {
	const finish = a.stopReason ?? (a.toolCalls.length ? 'tool_calls' : 'stop');
	const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
	const toolCalls = a.toolCalls.map(c => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
	const created = 0;
	if (!stream) {
		const message = { role: 'assistant', content: a.text || (toolCalls.length ? null : ''), ...(toolCalls.length && { tool_calls: toolCalls }) };
		return { contentType: 'application/json', body: JSON.stringify({ id, object: 'chat.completion', created, model: a.model, choices: [{ index: 0, message, finish_reason: finish }], usage }) };
	}
	const base = { id, object: 'chat.completion.chunk', created, model: a.model };
	const chunk = (delta: unknown, finish_reason: string | null = null) => sse({ ...base, choices: [{ index: 0, delta, finish_reason }] });
	const out = [chunk({ role: 'assistant', content: '' })];
	if (a.text) out.push(chunk({ content: a.text }));
	toolCalls.forEach((c, index) => out.push(chunk({ tool_calls: [{ index, ...c }] })));
	out.push(chunk({}, finish));
	if (withUsage) out.push(sse({ ...base, choices: [], usage }));
	out.push('data: [DONE]\n\n');
	return { contentType: 'text/event-stream', body: out.join('') };
}

function responses(a: CachedAnswer, id: string, stream: boolean): CachedReply {
	const output = [
		...(a.text ? [{ id: `${id}_msg`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: a.text, annotations: [] }] }] : []),
		...a.toolCalls.map((c, i) => ({ id: `${id}_fc${i}`, type: 'function_call', status: 'completed', call_id: c.id, name: c.name, arguments: c.arguments })),
	];
	const usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
	const response = (status: string, out: unknown[], u: unknown) => ({ id, object: 'response', created_at: 0, status, model: a.model, output: out, usage: u });
	if (!stream) return { contentType: 'application/json', body: JSON.stringify(response('completed', output, usage)) };
	let sequence_number = 0;
	const ev = (type: string, data: Record<string, unknown>) => sse({ type, sequence_number: sequence_number++, ...data }, type);
	const out = [ev('response.created', { response: response('in_progress', [], null) })];
	output.forEach((item, output_index) => {
		out.push(ev('response.output_item.added', { output_index, item }));
		out.push(ev('response.output_item.done', { output_index, item }));
	});
	out.push(ev('response.completed', { response: response('completed', output, usage) }));
	return { contentType: 'text/event-stream', body: out.join('') };
}

/** The cached answer as the client's protocol writes it. */
export function cachedReply(protocol: CallProtocol, answer: CachedAnswer, options: { readonly id: string; readonly stream: boolean; readonly streamUsage: boolean }): CachedReply {
	switch (protocol) {
		case 'anthropicMessages':
			return anthropic(answer, options.id, options.stream);
		case 'openaiChat':
			return chat(answer, options.id, options.stream, options.streamUsage);
		case 'openaiResponses':
			return responses(answer, options.id, options.stream);
	}
}
