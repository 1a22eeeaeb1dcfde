/**
 * Anthropic Messages over the official `@anthropic-ai/sdk`: streaming with usage from
 * `message_start` (input side, cache reads/writes) merged with `message_delta` (output), the system
 * prompt sent apart, tool use as content blocks — plus `countInputTokens`, the exact Claude prompt
 * count (`messages.countTokens`) the lens uses when the user opts in.
 *
 * Like the OpenAI client: one SDK client per call with the key read for that call, SDK retries
 * off, SDK logging and telemetry off, nothing read from ANTHROPIC_* environment variables or
 * profiles.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageCreateParamsBase, MessageParam, RawMessageStreamEvent, Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages/messages';
import { fromAnthropicUsage } from '../../core/pricing/usage';
import type { FinishReason, LlmTransport, ProviderChunk, ProviderRequest, ProviderResponse, ProviderTokenCounter, ProviderToolCall, SecretSource } from '../../core/ports/llmTransport';
import { displayUrl } from '../../core/providers/scrubSecrets';
import {
	abortError,
	badShape,
	CallGuard,
	type CallContext,
	defaultTimeoutMs,
	invalidRequest,
	newProgress,
	providerUsage,
	readKey,
	silentLogger,
	toProviderError,
	truncatedStream,
	fromServer,
} from './transportSupport';

const anthropicDefaultBaseUrl = 'https://api.anthropic.com';

export interface AnthropicTransportOptions {
	readonly secrets: SecretSource;
	/** A proxy or gateway speaking the Messages API; empty or undefined: api.anthropic.com. */
	readonly baseUrl?: string;
	/** Inactivity timeout when the request sets none (default 30 s). */
	readonly timeoutMs?: number;
}

type MessageBody = Omit<MessageCreateParamsBase, 'stream'>;

export class AnthropicTransport implements LlmTransport, ProviderTokenCounter {
	readonly provider = 'anthropic' as const;
	private readonly baseUrl: string;
	private readonly label: string;

	constructor(private readonly options: AnthropicTransportOptions) {
		const custom = options.baseUrl?.trim();
		this.baseUrl = custom ? custom.replace(/\/+$/, '') : anthropicDefaultBaseUrl;
		this.label = !custom || /^https:\/\/api\.anthropic\.com(\/|$)/.test(this.baseUrl) ? 'Anthropic' : `Anthropic endpoint ${displayUrl(this.baseUrl)}`;
	}

	private client(key: string, timeoutMs: number): Anthropic {
		return new Anthropic({
			apiKey: key,
			authToken: null,
			webhookKey: null,
			baseURL: this.baseUrl,
			maxRetries: 0,
			timeout: timeoutMs,
			logger: silentLogger,
			logLevel: 'off',
			openTelemetry: false,
		});
	}

	async *send(request: ProviderRequest, signal?: AbortSignal): AsyncGenerator<ProviderChunk, ProviderResponse, void> {
		const ctx0 = { provider: this.provider, model: request.model, label: this.label };
		if (request.provider !== this.provider) throw invalidRequest(ctx0, `A ${request.provider} request was sent to the Anthropic client.`);
		const body = messageBody(request, ctx0);
		const key = (await readKey(this.options.secrets, ctx0, false)) as string;
		const ctx: CallContext = { ...ctx0, key };
		const guard = new CallGuard(signal, request.timeoutMs ?? this.options.timeoutMs ?? defaultTimeoutMs);
		const progress = newProgress();
		const started = performance.now();
		let firstChunkAt: number | undefined;
		let completed = false;
		try {
			const client = this.client(key, guard.timeoutMs);
			if (!request.stream) {
				const { data, response } = await client.messages.create({ ...body, stream: false }, { signal: guard.signal }).withResponse();
				progress.responded = true;
				progress.requestId = fromServer(response.headers.get('request-id'), key);
				if (typeof data !== 'object' || data === null || !Array.isArray(data.content)) {
					throw badShape(ctx, 'a Messages JSON object with content', data, response.headers.get('content-type'), progress);
				}
				let text = '';
				const toolCalls: ProviderToolCall[] = [];
				for (const block of data.content) {
					if (block.type === 'text') text += block.text;
					else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
				}
				if (text) yield { type: 'text', text };
				for (const [index, c] of toolCalls.entries()) {
					yield { type: 'toolCallStart', index, id: c.id, name: c.name };
					yield { type: 'toolCallDelta', index, argumentsDelta: c.arguments };
				}
				completed = true;
				return {
					provider: this.provider,
					model: fromServer(data.model, key) ?? request.model,
					text,
					toolCalls,
					finishReason: finishOf(data.stop_reason),
					rawFinishReason: data.stop_reason ?? undefined,
					...providerUsage(fromAnthropicUsage, data.usage),
					responseId: fromServer(data.id, key),
					requestId: progress.requestId,
					latencyMs: performance.now() - started,
				};
			}

			const { data: stream, response } = await client.messages.create({ ...body, stream: true }, { signal: guard.signal }).withResponse();
			guard.touch();
			progress.responded = true;
			progress.requestId = fromServer(response.headers.get('request-id'), key);
			let model = request.model;
			let stopReason: string | null | undefined;
			let stopped = false;
			// Usage: message_start has the input side (and a placeholder output count); message_delta
			// has the final output count and, on newer API versions, repeats the input fields.
			let rawUsage: Record<string, unknown> | undefined;
			/** Content-block index → tool-call index (text and thinking blocks have none). */
			const toolIndex = new Map<number, number>();
			/** The `input` of tool_use blocks whose arguments did not stream as deltas. */
			const startInput = new Map<number, unknown>();
			for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
				guard.touch();
				progress.started = true;
				progress.events++;
				if (typeof event !== 'object' || event === null) throw badShape(ctx, 'Messages stream events', event, null, progress);
				switch (event.type) {
					case 'message_start': {
						progress.responseId = fromServer(event.message.id, key);
						model = fromServer(event.message.model, key) ?? model;
						if (event.message.usage) {
							rawUsage = { ...event.message.usage };
							progress.usage = providerUsage(fromAnthropicUsage, rawUsage).usage;
							if (progress.usage) yield { type: 'usage', usage: progress.usage };
						}
						break;
					}
					case 'content_block_start': {
						const block = event.content_block;
						if (block.type === 'text' && block.text) {
							firstChunkAt ??= performance.now();
							progress.text += block.text;
							yield { type: 'text', text: block.text };
						} else if (block.type === 'tool_use') {
							const index = progress.toolCalls.length;
							toolIndex.set(event.index, index);
							startInput.set(index, block.input);
							progress.toolCalls.push({ id: block.id, name: block.name, arguments: '' });
							firstChunkAt ??= performance.now();
							yield { type: 'toolCallStart', index, id: block.id, name: block.name };
						}
						break;
					}
					case 'content_block_delta': {
						const delta = event.delta;
						if (delta.type === 'text_delta') {
							firstChunkAt ??= performance.now();
							progress.text += delta.text;
							yield { type: 'text', text: delta.text };
						} else if (delta.type === 'input_json_delta') {
							const index = toolIndex.get(event.index);
							if (index !== undefined && delta.partial_json) {
								progress.toolCalls[index].arguments += delta.partial_json;
								yield { type: 'toolCallDelta', index, argumentsDelta: delta.partial_json };
							}
						}
						break;
					}
					case 'message_delta': {
						stopReason = event.delta.stop_reason;
						if (event.usage) {
							rawUsage = { ...(rawUsage ?? {}) };
							for (const [k, v] of Object.entries(event.usage)) if (v !== null && v !== undefined) rawUsage[k] = v;
							progress.usage = providerUsage(fromAnthropicUsage, rawUsage).usage;
						}
						break;
					}
					case 'message_stop':
						stopped = true;
						break;
					default:
						break; // content_block_stop and event types added later carry nothing we need
				}
			}
			if (guard.fired) throw abortError(ctx, guard, progress);
			if (!stopped) throw truncatedStream(ctx, progress, 'message_stop');
			for (const [index, call] of progress.toolCalls.entries()) {
				if (call.arguments === '') call.arguments = JSON.stringify(startInput.get(index) ?? {});
			}
			completed = true;
			return {
				provider: this.provider,
				model,
				text: progress.text,
				toolCalls: progress.toolCalls,
				finishReason: finishOf(stopReason),
				rawFinishReason: stopReason ?? undefined,
				...providerUsage(fromAnthropicUsage, rawUsage),
				responseId: progress.responseId,
				requestId: progress.requestId,
				latencyMs: performance.now() - started,
				timeToFirstChunkMs: firstChunkAt !== undefined ? firstChunkAt - started : undefined,
			};
		} catch (e) {
			throw toProviderError(e, ctx, guard, progress, Anthropic, this.baseUrl);
		} finally {
			guard.dispose();
			if (!completed) guard.abort();
		}
	}

	/**
	 * The exact number of input tokens Anthropic would bill for this prompt (`POST
	 * /v1/messages/count_tokens`; free, but it sends the prompt to Anthropic — opt-in only).
	 */
	async countInputTokens(request: Pick<ProviderRequest, 'model' | 'messages' | 'tools'>, signal?: AbortSignal, timeoutMs?: number): Promise<number> {
		const ctx0 = { provider: this.provider, model: request.model, label: this.label };
		const body = messageBody({ ...request, provider: 'anthropic', maxOutputTokens: 1, stream: false }, ctx0);
		const key = (await readKey(this.options.secrets, ctx0, false)) as string;
		const ctx: CallContext = { ...ctx0, key };
		const guard = new CallGuard(signal, timeoutMs ?? this.options.timeoutMs ?? defaultTimeoutMs);
		const progress = newProgress();
		try {
			const { data, response } = await this.client(key, guard.timeoutMs)
				.messages.countTokens({ model: body.model, messages: body.messages, ...(body.system ? { system: body.system } : {}), ...(body.tools ? { tools: body.tools } : {}) }, { signal: guard.signal })
				.withResponse();
			const n = typeof data === 'object' && data !== null ? data.input_tokens : undefined;
			if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw badShape(ctx, 'a token count {"input_tokens": n}', data, response.headers.get('content-type'), progress);
			return n;
		} catch (e) {
			throw toProviderError(e, ctx, guard, progress, Anthropic, this.baseUrl);
		} finally {
			guard.dispose();
			guard.abort();
		}
	}
}

/**
 * The Messages request body: system messages joined into `system`, tool results as `tool_result`
 * blocks of a user turn, and consecutive same-role turns merged (the API requires every tool result
 * of a turn in the ONE user message that follows it).
 */
export function messageBody(request: ProviderRequest, ctx: { provider: 'anthropic'; model: string; label: string }): MessageBody {
	const system: string[] = [];
	const messages: MessageParam[] = [];
	const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
		if (blocks.length === 0) return;
		const last = messages[messages.length - 1];
		if (last && last.role === role) (last.content as ContentBlockParam[]).push(...blocks);
		else messages.push({ role, content: blocks });
	};
	for (const m of request.messages) {
		switch (m.role) {
			case 'system':
				if (m.content) system.push(m.content);
				break;
			case 'user':
				// The API rejects empty text blocks.
				push('user', m.content ? [{ type: 'text', text: m.content }] : []);
				break;
			case 'assistant': {
				const blocks: ContentBlockParam[] = m.content ? [{ type: 'text', text: m.content }] : [];
				for (const call of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call, ctx) });
				push('assistant', blocks);
				break;
			}
			case 'tool':
				push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, ...(m.isError ? { is_error: true } : {}) }]);
				break;
		}
	}
	const tools: Tool[] | undefined = request.tools?.length
		? request.tools.map(t => ({
				name: t.name,
				...(t.description ? { description: t.description } : {}),
				input_schema: ((t.parameters as Tool['input_schema'] | undefined) ?? { type: 'object', properties: {} }) as Tool['input_schema'],
			}))
		: undefined;
	return {
		model: request.model,
		max_tokens: request.maxOutputTokens,
		messages,
		...(system.length ? { system: system.join('\n\n') } : {}),
		...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
		...(tools ? { tools } : {}),
		...(tools && request.toolChoice ? { tool_choice: toolChoice(request.toolChoice) } : {}),
	};
}

function parseArguments(call: ProviderToolCall, ctx: { provider: 'anthropic'; model: string; label: string }): Record<string, unknown> {
	if (call.arguments.trim() === '') return {};
	try {
		const v = JSON.parse(call.arguments) as unknown;
		if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
	} catch {
		// fall through to the error below
	}
	throw invalidRequest(ctx, `Tool call ${call.id} (${call.name}) has arguments that are not a JSON object; Anthropic needs tool input as an object.`);
}

function toolChoice(c: NonNullable<ProviderRequest['toolChoice']>): ToolChoice {
	if (c === 'auto') return { type: 'auto' };
	if (c === 'none') return { type: 'none' };
	if (c === 'required') return { type: 'any' };
	return { type: 'tool', name: c.name };
}

function finishOf(raw: string | null | undefined): FinishReason {
	switch (raw) {
		case 'end_turn':
		case 'stop_sequence':
			return 'stop';
		case 'max_tokens':
		case 'model_context_window_exceeded':
			return 'length';
		case 'tool_use':
			return 'toolCalls';
		case 'refusal':
			return 'contentFilter';
		default:
			return 'other';
	}
}
