/**
 * Enforce mode: writes the policy's decision (another model, a compressed history) back into the
 * agent's own request body. Every body entry the policy kept is copied as the agent sent it —
 * images, `cache_control` markers, thinking signatures and all — so only what the policy changed
 * differs: the model, dropped entries, inserted summaries or omission markers, truncated tool
 * outputs. When nothing changed the caller forwards the original bytes.
 */
import type { EngineMessage } from '../compression/messages';
import { isMasked, maskedSource } from '../compression/observationMask';
import { isRecord, type JsonRecord } from '../transcripts/jsonAccess';
import type { TranscriptMessage } from '../transcripts/model';
import type { CallRequest } from './callRequest';

export interface RewrittenRequest {
	readonly body: string;
	/** The same body as an object (a fallback model is written into it with {@link withModel}). */
	readonly value: JsonRecord;
	/** What differs from the agent's request, for the decision header and the recording. */
	readonly changes: readonly string[];
}

function insertedEntry(protocol: CallRequest['protocol'], text: string): unknown {
	// A user turn is valid for every provider (Anthropic has no mid-conversation system role).
	return protocol === 'openaiResponses' ? { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } : { role: 'user', content: text };
}

/**
 * The original entry with its tool output replaced by the policy's text (a truncated output, a
 * masked observation's placeholder), or undefined when the entry's shape does not allow a faithful
 * edit. Observations some agents send as plain user turns (mini-SWE-agent) are edited in place too.
 */
function editedEntry(protocol: CallRequest['protocol'], raw: unknown, text: string): unknown {
	if (!isRecord(raw)) return undefined;
	if (raw.role === 'user' && typeof raw.content === 'string') return { ...raw, content: text };
	switch (protocol) {
		case 'openaiChat':
			return raw.role === 'tool' ? { ...raw, content: text } : undefined;
		case 'openaiResponses':
			return raw.type === 'function_call_output' || raw.type === 'custom_tool_call_output' ? { ...raw, output: text } : undefined;
		case 'anthropicMessages': {
			// Only a message that is exactly one tool result: its text is the whole message's text.
			const blocks = Array.isArray(raw.content) ? raw.content : [];
			if (blocks.length !== 1 || !isRecord(blocks[0]) || blocks[0].type !== 'tool_result') return undefined;
			return { ...raw, content: [{ ...blocks[0], content: text }] };
		}
	}
}

/** Where a planned message comes from: the request's message `index` kept as is (`same`) or with a truncated tool output (`edited`); undefined for an inserted one. */
type Origin = { readonly index: number; readonly same: boolean } | undefined;

function origins(req: CallRequest): (m: EngineMessage) => Origin {
	const indexOf = new Map<EngineMessage, number>(req.messages.map((m, i) => [m, i]));
	const byResult = new Map<string, number>();
	req.messages.forEach((m, i) => m.toolResultIds?.[0] !== undefined && byResult.set(m.toolResultIds[0], i));
	return m => {
		const same = indexOf.get(m);
		if (same !== undefined) return { index: same, same: true };
		// Truncation copies a tool-result message with new content; masking replaces an observation
		// with a placeholder in its place; other compressions insert messages of their own.
		if (isMasked(m)) {
			const source = maskedSource(m);
			const at = (source && indexOf.get(source)) ?? (m.toolResultIds?.[0] !== undefined ? byResult.get(m.toolResultIds[0]) : undefined);
			return at === undefined ? undefined : { index: at, same: false };
		}
		const edited = m.compression ? undefined : m.toolResultIds?.[0] !== undefined ? byResult.get(m.toolResultIds[0]) : undefined;
		return edited === undefined ? undefined : { index: edited, same: false };
	};
}

function entriesOf(req: CallRequest): readonly unknown[] {
	const b = req.body;
	if (req.protocol === 'openaiResponses') return Array.isArray(b.input) ? b.input : [];
	return Array.isArray(b.messages) ? b.messages : [];
}

/**
 * The body to send for `model` and the policy's `messages` (the request's own message objects where
 * kept), or undefined when it is the agent's request unchanged.
 */
export function rewriteRequest(req: CallRequest, model: string, messages: readonly EngineMessage[]): RewrittenRequest | undefined {
	const changes: string[] = [];
	if (model !== req.model) changes.push(`model ${req.model} → ${model}`);
	const same = messages.length === req.messages.length && messages.every((m, i) => m === req.messages[i]);
	if (same && changes.length === 0) return undefined;
	const body: Record<string, unknown> = { ...req.body, model };
	if (!same) {
		const originOf = origins(req);
		const raw = entriesOf(req);
		const out: unknown[] = [];
		let keptSystem = false;
		let keptInstructions = false;
		let inserted = 0;
		let truncated = 0;
		let masked = 0;
		const seen = new Set<number>();
		for (const m of messages) {
			const origin = originOf(m);
			if (origin === undefined) {
				out.push(insertedEntry(req.protocol, m.content));
				inserted++;
				continue;
			}
			seen.add(origin.index);
			const source = req.sources[origin.index];
			if (source?.kind === 'system') keptSystem = true;
			else if (source?.kind === 'instructions') keptInstructions = true;
			else if (source?.kind === 'entry') {
				const entry = source.index < 0 ? { role: 'user', content: req.body.input } : raw[source.index];
				if (origin.same) out.push(entry);
				else {
					const edited = editedEntry(req.protocol, entry, m.content);
					out.push(edited ?? entry);
					if (edited !== undefined) {
						if (isMasked(m)) masked++;
						else truncated++;
					}
				}
			}
		}
		const dropped = req.messages.length - seen.size;
		if (req.protocol === 'anthropicMessages') {
			body.messages = out;
			if (!keptSystem) delete body.system;
		} else if (req.protocol === 'openaiChat') body.messages = out;
		else {
			body.input = out;
			if (!keptInstructions) delete body.instructions;
		}
		if (dropped) changes.push(`${dropped} message${dropped === 1 ? '' : 's'} dropped`);
		if (inserted) changes.push(`${inserted} summary or marker inserted`);
		if (truncated) changes.push(`${truncated} tool output${truncated === 1 ? '' : 's'} truncated`);
		if (masked) changes.push(`${masked} observation${masked === 1 ? '' : 's'} masked`);
	}
	return { body: JSON.stringify(body), value: body, changes };
}

/** The request body as JSON text with only its model replaced (a fallback to another model of the same protocol). */
export function withModel(body: JsonRecord, model: string): string {
	return JSON.stringify({ ...body, model });
}

/** The prompt that was sent, as transcript messages (for the recording): the agent's own where kept, the policy's text where changed. */
export function sentTranscript(req: CallRequest, messages: readonly EngineMessage[]): TranscriptMessage[] {
	const originOf = origins(req);
	return messages.map(m => {
		const origin = originOf(m);
		const original = origin === undefined ? undefined : req.transcript[origin.index];
		if (!original) return { role: m.role, content: m.content };
		return origin?.same ? original : { ...original, content: m.content };
	});
}
