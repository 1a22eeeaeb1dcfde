import type { EngineMessage } from './messages';

/** A chat file read into engine messages, remembering each message's original JSON for writing back. */
export interface ChatDocument {
	readonly messages: readonly EngineMessage[];
	readonly format: 'array' | 'object' | 'jsonl';
	/** Everything but `messages` of an `{messages: [...]}` document. */
	readonly envelope?: Record<string, unknown>;
	readonly originals: ReadonlyMap<EngineMessage, unknown>;
}

function blockText(b: unknown): string {
	if (typeof b === 'string') return b;
	if (typeof b !== 'object' || b === null) return '';
	const o = b as Record<string, unknown>;
	if (typeof o.text === 'string') return o.text;
	if (o.type === 'tool_use') return JSON.stringify({ name: o.name, input: o.input });
	if (o.type === 'tool_result') return Array.isArray(o.content) ? o.content.map(blockText).join('\n') : typeof o.content === 'string' ? o.content : '';
	return JSON.stringify(o);
}

/** Maps one OpenAI-chat or Anthropic-messages message onto an {@link EngineMessage}; undefined if it is not a message. */
function toEngineMessage(raw: unknown): EngineMessage | undefined {
	if (typeof raw !== 'object' || raw === null || typeof (raw as { role?: unknown }).role !== 'string') return undefined;
	const m = raw as Record<string, unknown>;
	const blocks = Array.isArray(m.content) ? (m.content as unknown[]) : undefined;
	const parts = blocks ? blocks.map(blockText) : [typeof m.content === 'string' ? m.content : m.content == null ? '' : JSON.stringify(m.content)];
	const toolCalls = Array.isArray(m.tool_calls) ? (m.tool_calls as Record<string, unknown>[]) : [];
	for (const c of toolCalls) parts.push(JSON.stringify(c.function ?? c));
	const callIds = [...toolCalls.map(c => String(c.id)), ...(blocks ?? []).filter(b => (b as { type?: unknown })?.type === 'tool_use').map(b => String((b as { id?: unknown }).id))];
	const resultIds = [
		...(typeof m.tool_call_id === 'string' ? [m.tool_call_id] : []),
		...(blocks ?? []).filter(b => (b as { type?: unknown })?.type === 'tool_result').map(b => String((b as { tool_use_id?: unknown }).tool_use_id)),
	];
	return {
		role: m.role as string,
		content: parts.filter(Boolean).join('\n'),
		...(typeof m.name === 'string' ? { name: m.name } : {}),
		...(callIds.length ? { toolCallIds: callIds } : {}),
		...(resultIds.length ? { toolResultIds: resultIds } : {}),
	};
}

/**
 * Reads a chat file: a JSON array of messages, an object with `messages` (a request body), or JSONL
 * with one message per line. Returns undefined when the text is none of these.
 */
export function parseChatDocument(text: string): ChatDocument | undefined {
	const trimmed = text.trim();
	const build = (items: unknown[], format: ChatDocument['format'], envelope?: Record<string, unknown>): ChatDocument | undefined => {
		const originals = new Map<EngineMessage, unknown>();
		const messages: EngineMessage[] = [];
		for (const it of items) {
			const m = toEngineMessage(it);
			if (!m) return undefined;
			originals.set(m, it);
			messages.push(m);
		}
		return messages.length ? { messages, format, envelope, originals } : undefined;
	};
	try {
		const v: unknown = JSON.parse(trimmed);
		if (Array.isArray(v)) return build(v, 'array');
		if (typeof v === 'object' && v !== null && Array.isArray((v as { messages?: unknown }).messages)) {
			const { messages, ...envelope } = v as Record<string, unknown>;
			return build(messages as unknown[], 'object', envelope);
		}
		return undefined;
	} catch {
		// not one JSON document: try JSONL
	}
	const lines = trimmed.split('\n').filter(l => l.trim() !== '');
	try {
		return build(
			lines.map(l => JSON.parse(l)),
			'jsonl',
		);
	} catch {
		return undefined;
	}
}

/** Writes compressed messages back in the document's own format, keeping kept messages byte-identical as JSON values. */
export function serializeChatDocument(doc: ChatDocument, messages: readonly EngineMessage[]): string {
	const items = messages.map(m => doc.originals.get(m) ?? { role: m.role, content: m.content });
	if (doc.format === 'jsonl') return items.map(i => JSON.stringify(i)).join('\n') + '\n';
	if (doc.format === 'object') return JSON.stringify({ ...doc.envelope, messages: items }, null, 2) + '\n';
	return JSON.stringify(items, null, 2) + '\n';
}

/** Roles whose text is written prose (instructions, questions, answers): tool results are data. */
const proseRoles = new Set(['system', 'developer', 'user', 'assistant']);

/**
 * The paths (`JSON.stringify`ed) of the string values in a parsed chat file that hold a message's
 * prose: `content` strings and `text` blocks of system/developer/user/assistant messages, and an
 * Anthropic body's `system`. Tool results, tool calls, tool definitions and every other field are
 * left out: they are data a rewrite could break.
 */
export function proseStringPaths(value: unknown): Set<string> {
	const paths = new Set<string>();
	const add = (...path: (string | number)[]) => paths.add(JSON.stringify(path));
	const record = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
	const textBlocks = (content: unknown, ...at: (string | number)[]) => {
		if (typeof content === 'string') add(...at);
		else if (Array.isArray(content))
			content.forEach((b, j) => {
				const block = record(b);
				if (block && typeof block.text === 'string' && (block.type === undefined || block.type === 'text' || block.type === 'input_text' || block.type === 'output_text')) add(...at, j, 'text');
			});
	};
	const body = record(value);
	const messages = Array.isArray(value) ? value : Array.isArray(body?.messages) ? (body.messages as unknown[]) : [];
	const prefix = Array.isArray(value) ? [] : ['messages'];
	messages.forEach((m, i) => {
		const message = record(m);
		if (message && typeof message.role === 'string' && proseRoles.has(message.role)) textBlocks(message.content, ...prefix, i, 'content');
	});
	if (body) textBlocks(body.system, 'system');
	return paths;
}
