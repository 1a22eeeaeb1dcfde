/**
 * Between the provider-neutral conversation a live call sends ({@link ProviderMessage}: tool calls
 * with their arguments) and what the policies work on ({@link EngineMessage}: text plus tool-call
 * links). The engine may drop, truncate or summarize messages; mapping back rebuilds the provider
 * messages from whatever survived.
 */
import type { EngineMessage } from '../compression/messages';
import type { ProviderMessage, ProviderToolCall } from '../ports/llmTransport';

/**
 * The engine's view of a conversation. An assistant message's `content` includes its tool calls
 * (name + arguments), because they are sent and billed as prompt tokens — counting and cache keys
 * must see them.
 */
export function toEngineMessages(messages: readonly ProviderMessage[]): EngineMessage[] {
	return messages.map((m): EngineMessage => {
		switch (m.role) {
			case 'system':
			case 'user':
				return { role: m.role, content: m.content };
			case 'assistant':
				return m.toolCalls?.length
					? { role: 'assistant', content: [m.content, ...m.toolCalls.map(renderToolCall)].filter(Boolean).join('\n'), toolCallIds: m.toolCalls.map(c => c.id) }
					: { role: 'assistant', content: m.content };
			case 'tool':
				return { role: 'tool', content: m.content, toolResultIds: [m.toolCallId] };
		}
	});
}

function renderToolCall(c: ProviderToolCall): string {
	return `[tool call ${c.name} ${c.arguments}]`;
}

/**
 * Maps engine messages (possibly compressed) back to provider messages, taking tool calls and
 * error flags from the ORIGINAL conversation by id, and every other text from the engine message
 * (tool outputs may have been truncated, summaries and omission markers inserted).
 */
export function toProviderMessages(engine: readonly EngineMessage[], original: readonly ProviderMessage[]): ProviderMessage[] {
	const assistantByCall = new Map<string, Extract<ProviderMessage, { role: 'assistant' }>>();
	const toolByCall = new Map<string, Extract<ProviderMessage, { role: 'tool' }>>();
	for (const m of original) {
		if (m.role === 'assistant') for (const c of m.toolCalls ?? []) assistantByCall.set(c.id, m);
		if (m.role === 'tool') toolByCall.set(m.toolCallId, m);
	}
	const out: ProviderMessage[] = [];
	for (const m of engine) {
		if (m.role === 'assistant' && m.toolCallIds?.length) {
			const source = assistantByCall.get(m.toolCallIds[0]!);
			// Compression keeps a tool-call message whole or drops it, so the original is the message.
			if (source) {
				out.push(source);
				continue;
			}
		}
		if (m.role === 'tool' && m.toolResultIds?.length) {
			const id = m.toolResultIds[0]!;
			const source = toolByCall.get(id);
			out.push({ role: 'tool', toolCallId: id, content: m.content, ...(source?.isError ? { isError: true } : {}) });
			continue;
		}
		if (m.role === 'system' || m.role === 'developer') out.push({ role: 'system', content: m.content });
		else if (m.role === 'assistant') out.push({ role: 'assistant', content: m.content });
		else out.push({ role: 'user', content: m.content });
	}
	return out;
}

/**
 * A recorded conversation (transcript messages: tool calls as structured `toolCalls`, results by
 * id, observations in whatever role the format used) as provider messages, for sending it again
 * (the shadow probe). A result message that answers several calls at once (Anthropic parallel
 * tools) becomes one tool message per call, the text on the first.
 */
export function transcriptToProviderMessages(messages: readonly EngineMessage[]): ProviderMessage[] {
	const out: ProviderMessage[] = [];
	for (const m of messages) {
		if (m.role === 'system' || m.role === 'developer') out.push({ role: 'system', content: m.content });
		else if (m.role === 'assistant') {
			const calls = (m.toolCalls ?? []).map((c, i): ProviderToolCall => ({ id: c.id || m.toolCallIds?.[i] || `call_${out.length}_${i}`, name: c.name, arguments: c.arguments || '{}' }));
			out.push(calls.length ? { role: 'assistant', content: m.content, toolCalls: calls } : { role: 'assistant', content: m.content });
		} else if (m.toolResultIds?.length) {
			m.toolResultIds.forEach((id, i) => out.push({ role: 'tool', toolCallId: id, content: i === 0 ? m.content : '(answered together with the call above)' }));
		} else out.push({ role: 'user', content: m.content });
	}
	return out;
}
