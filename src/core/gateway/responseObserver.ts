/**
 * Reads a COPY of a provider's response — an SSE stream or a JSON body — as it passes through the
 * gateway, and keeps what accounting and recordings need: model, response id, usage, the answer's
 * text and tool calls, the stop reason, whether the response was complete, and an error the
 * provider reported. It never sees the bytes the client gets (the server writes those first) and
 * never throws, whatever arrives: a cut stream, garbage, an HTML page.
 *
 * Usage conventions (normalized by `pricing/usage.ts`, as everywhere in the product):
 * - Anthropic streams report the input side in `message_start` (with a placeholder output count)
 *   and the final output in `message_delta`;
 * - Chat Completions streams carry usage only when the client asked (`stream_options.include_usage`);
 * - Responses streams carry it in `response.completed` (or `.incomplete` / `.failed`).
 */
import { fromAnthropicUsage, fromOpenAIChatUsage, fromOpenAIResponsesUsage, type Usage } from '../pricing/usage';
import { arr, isRecord, rec, str, type JsonRecord } from '../transcripts/jsonAccess';
import type { ToolCall } from '../transcripts/model';
import type { CallProtocol } from './gatewayRoutes';
import { SseParser } from './sseParser';

export interface ObservedResponse {
	/** The model the provider says answered. */
	readonly model?: string;
	readonly id?: string;
	/** Usage reported so far (normalized); see {@link usageFinal}. */
	readonly usage?: Usage;
	/** The provider's final usage arrived (not only the input side of a stream that was then cut). */
	readonly usageFinal: boolean;
	readonly text: string;
	/** Reasoning the provider streamed as text (Anthropic thinking): billed as output. */
	readonly reasoning: string;
	readonly toolCalls: readonly ToolCall[];
	readonly stopReason?: string;
	/** The terminal event arrived (or the JSON body parsed): nothing was cut. */
	readonly complete: boolean;
	/** An error the provider reported (an error body, an in-stream error event, a failed response). */
	readonly error?: { readonly type: string; readonly message: string };
	/** SSE events seen (0 for JSON bodies). */
	readonly events: number;
}

/** A JSON body larger than this is not kept for parsing (usage is then counted, marked ≈). */
const maxObservedJsonChars = 32 * 1024 * 1024;

interface MutableCall {
	id: string;
	name: string;
	arguments: string;
}

export class ResponseObserver {
	private readonly sse: SseParser | undefined;
	private json = '';
	private jsonOverflow = false;
	private model?: string;
	private id?: string;
	private usage?: Usage;
	private usageFinal = false;
	private text = '';
	private reasoning = '';
	private readonly calls = new Map<number | string, MutableCall>();
	private stopReason?: string;
	private complete = false;
	private error?: { type: string; message: string };
	private events = 0;
	private ended = false;

	/**
	 * @param stream the response is an event stream (`content-type: text/event-stream`)
	 * @param status the HTTP status: a non-2xx body is read as the provider's error object
	 */
	constructor(
		private readonly protocol: CallProtocol,
		stream: boolean,
		private readonly status = 200,
	) {
		this.sse = stream && status < 300 ? new SseParser(e => this.onEvent(e.event, e.data)) : undefined;
	}

	push(text: string): void {
		if (this.ended) return;
		if (this.sse) return this.sse.push(text);
		if (this.jsonOverflow) return;
		if (this.json.length + text.length > maxObservedJsonChars) {
			this.jsonOverflow = true;
			this.json = '';
		} else this.json += text;
	}

	/** The body ended (or was cut): the final picture. Idempotent. */
	end(): ObservedResponse {
		if (!this.ended) {
			this.ended = true;
			if (this.sse) this.sse.end();
			else if (!this.jsonOverflow) this.onJson(this.json);
			this.json = '';
		}
		return this.snapshot();
	}

	snapshot(): ObservedResponse {
		const toolCalls = [...this.calls.values()].map(c => ({ id: c.id, name: c.name, arguments: c.arguments }));
		return {
			...(this.model !== undefined && { model: this.model }),
			...(this.id !== undefined && { id: this.id }),
			...(this.usage !== undefined && { usage: this.usage }),
			usageFinal: this.usageFinal,
			text: this.text,
			reasoning: this.reasoning,
			toolCalls,
			...(this.stopReason !== undefined && { stopReason: this.stopReason }),
			complete: this.complete,
			...(this.error !== undefined && { error: this.error }),
			events: this.events,
		};
	}

	private call(key: number | string): MutableCall {
		let c = this.calls.get(key);
		if (!c) this.calls.set(key, (c = { id: '', name: '', arguments: '' }));
		return c;
	}

	private onJson(text: string): void {
		let v: unknown;
		try {
			v = JSON.parse(text);
		} catch {
			if (this.status >= 300) this.error = { type: `http_${this.status}`, message: text.slice(0, 300) };
			return;
		}
		const b = rec(v);
		if (this.status >= 300 || isRecord(b.error)) {
			const e = rec(b.error);
			this.error = { type: str(e.type) ?? str(e.code) ?? `http_${this.status}`, message: str(e.message) ?? text.slice(0, 300) };
			return;
		}
		this.model = str(b.model);
		this.id = str(b.id);
		switch (this.protocol) {
			case 'anthropicMessages':
				for (const block of arr(b.content)) {
					const c = rec(block);
					if (c.type === 'text') this.text += str(c.text) ?? '';
					else if (c.type === 'thinking') this.reasoning += str(c.thinking) ?? '';
					else if (c.type === 'tool_use' || c.type === 'server_tool_use') this.calls.set(this.calls.size, { id: str(c.id) ?? '', name: str(c.name) ?? '', arguments: JSON.stringify(c.input ?? {}) });
				}
				this.stopReason = str(b.stop_reason);
				if (isRecord(b.usage)) this.setUsage(fromAnthropicUsage(b.usage), true);
				break;
			case 'openaiChat': {
				const choice = rec(arr(b.choices)[0]);
				const m = rec(choice.message);
				this.text = typeof m.content === 'string' ? m.content : '';
				for (const [i, raw] of arr(m.tool_calls).entries()) {
					const fn = rec(rec(raw).function);
					this.calls.set(i, { id: str(rec(raw).id) ?? '', name: str(fn.name) ?? '', arguments: str(fn.arguments) ?? '' });
				}
				this.stopReason = str(choice.finish_reason);
				if (isRecord(b.usage)) this.setUsage(fromOpenAIChatUsage(b.usage), true);
				break;
			}
			case 'openaiResponses':
				this.responsesOutput(b);
				break;
		}
		this.complete = true;
	}

	private setUsage(u: Usage, final: boolean): void {
		this.usage = u;
		if (final) this.usageFinal = true;
	}

	private responsesOutput(r: JsonRecord): void {
		this.model = str(r.model) ?? this.model;
		this.id = str(r.id) ?? this.id;
		this.stopReason = str(rec(r.incomplete_details).reason) ?? str(r.status);
		this.text = '';
		this.calls.clear();
		for (const raw of arr(r.output)) {
			const item = rec(raw);
			if (item.type === 'message') for (const part of arr(item.content)) this.text += str(rec(part).text) ?? '';
			else if (item.type === 'function_call' || item.type === 'custom_tool_call')
				this.calls.set(this.calls.size, { id: str(item.call_id) ?? str(item.id) ?? '', name: str(item.name) ?? '', arguments: str(item.arguments) ?? str(item.input) ?? '' });
		}
		if (isRecord(r.usage)) this.setUsage(fromOpenAIResponsesUsage(r.usage, { output: r.output }), true);
		if (isRecord(r.error)) this.error = { type: str(rec(r.error).code) ?? 'response_failed', message: str(rec(r.error).message) ?? 'the response failed' };
	}

	private onEvent(event: string, data: string): void {
		this.events++;
		if (this.protocol === 'openaiChat' && data.trim() === '[DONE]') {
			this.complete = true;
			return;
		}
		let v: unknown;
		try {
			v = JSON.parse(data);
		} catch {
			return; // a garbage event: what arrived before and after still counts
		}
		const d = rec(v);
		switch (this.protocol) {
			case 'anthropicMessages':
				return this.anthropicEvent(event || str(d.type) || '', d);
			case 'openaiChat':
				return this.chatChunk(d);
			case 'openaiResponses':
				return this.responsesEvent(str(d.type) ?? event, d);
		}
	}

	private anthropicEvent(type: string, d: JsonRecord): void {
		switch (type) {
			case 'message_start': {
				const m = rec(d.message);
				this.model = str(m.model);
				this.id = str(m.id);
				if (isRecord(m.usage)) this.setUsage(fromAnthropicUsage(m.usage), false);
				return;
			}
			case 'content_block_start': {
				const b = rec(d.content_block);
				if (b.type === 'tool_use' || b.type === 'server_tool_use') {
					const c = this.call(`b${String(d.index)}`);
					c.id = str(b.id) ?? '';
					c.name = str(b.name) ?? '';
				}
				return;
			}
			case 'content_block_delta': {
				const delta = rec(d.delta);
				if (delta.type === 'text_delta') this.text += str(delta.text) ?? '';
				else if (delta.type === 'thinking_delta') this.reasoning += str(delta.thinking) ?? '';
				else if (delta.type === 'input_json_delta') this.call(`b${String(d.index)}`).arguments += str(delta.partial_json) ?? '';
				return;
			}
			case 'message_delta': {
				this.stopReason = str(rec(d.delta).stop_reason) ?? this.stopReason;
				const u = rec(d.usage);
				if (Object.keys(u).length > 0) {
					// message_delta's usage is cumulative; newer API versions repeat the input side in it.
					const start = this.usage;
					const merged = fromAnthropicUsage({
						input_tokens: u.input_tokens ?? (start ? start.input - start.cacheRead - start.cacheWrite5m - start.cacheWrite1h : 0),
						cache_read_input_tokens: u.cache_read_input_tokens ?? start?.cacheRead ?? 0,
						cache_creation_input_tokens: u.cache_creation_input_tokens ?? (start ? start.cacheWrite5m + start.cacheWrite1h : 0),
						...(isRecord(u.cache_creation)
							? { cache_creation: u.cache_creation }
							: start
								? { cache_creation: { ephemeral_5m_input_tokens: start.cacheWrite5m, ephemeral_1h_input_tokens: start.cacheWrite1h } }
								: {}),
						output_tokens: u.output_tokens,
					});
					this.setUsage(merged, true);
				}
				return;
			}
			case 'message_stop':
				this.complete = true;
				return;
			case 'error': {
				const e = rec(d.error);
				this.error = { type: str(e.type) ?? 'error', message: str(e.message) ?? 'the provider reported an error in the stream' };
				return;
			}
		}
	}

	private chatChunk(d: JsonRecord): void {
		if (isRecord(d.error)) {
			const e = d.error;
			this.error = { type: str(e.type) ?? str(e.code) ?? 'error', message: str(e.message) ?? 'the provider reported an error in the stream' };
			return;
		}
		this.model = str(d.model) ?? this.model;
		this.id = str(d.id) ?? this.id;
		for (const raw of arr(d.choices)) {
			const choice = rec(raw);
			if (choice.index !== undefined && choice.index !== 0) continue;
			const delta = rec(choice.delta);
			if (typeof delta.content === 'string') this.text += delta.content;
			for (const t of arr(delta.tool_calls)) {
				const tc = rec(t);
				const c = this.call(typeof tc.index === 'number' ? tc.index : this.calls.size);
				const fn = rec(tc.function);
				if (typeof tc.id === 'string') c.id = tc.id;
				if (typeof fn.name === 'string') c.name += fn.name;
				if (typeof fn.arguments === 'string') c.arguments += fn.arguments;
			}
			const finish = str(choice.finish_reason);
			if (finish) this.stopReason = finish;
		}
		if (isRecord(d.usage)) this.setUsage(fromOpenAIChatUsage(d.usage), true);
	}

	private responsesEvent(type: string, d: JsonRecord): void {
		switch (type) {
			case 'response.created':
			case 'response.in_progress': {
				const r = rec(d.response);
				this.model = str(r.model) ?? this.model;
				this.id = str(r.id) ?? this.id;
				return;
			}
			case 'response.output_text.delta':
				this.text += str(d.delta) ?? '';
				return;
			case 'response.reasoning_summary_text.delta':
			case 'response.reasoning_text.delta':
				this.reasoning += str(d.delta) ?? '';
				return;
			case 'response.output_item.added': {
				const item = rec(d.item);
				if (item.type === 'function_call' || item.type === 'custom_tool_call') {
					const c = this.call(str(item.id) ?? String(d.output_index));
					c.id = str(item.call_id) ?? str(item.id) ?? '';
					c.name = str(item.name) ?? '';
				}
				return;
			}
			case 'response.function_call_arguments.delta':
			case 'response.custom_tool_call_input.delta':
				this.call(str(d.item_id) ?? String(d.output_index)).arguments += str(d.delta) ?? '';
				return;
			case 'response.completed':
			case 'response.incomplete':
			case 'response.failed': {
				// The final response object repeats the whole output: it wins over the deltas.
				const r = rec(d.response);
				const text = this.text;
				const calls = new Map(this.calls);
				this.responsesOutput(r);
				if (arr(r.output).length === 0) {
					this.text = text;
					for (const [k, c] of calls) this.calls.set(k, c);
				}
				if (type === 'response.failed' && !this.error) this.error = { type: 'response_failed', message: 'the provider reported the response as failed' };
				this.complete = true;
				return;
			}
			case 'error':
				this.error = { type: str(d.code) ?? 'error', message: str(d.message) ?? 'the provider reported an error in the stream' };
				return;
		}
	}
}
