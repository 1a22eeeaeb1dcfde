/**
 * OpenAI Chat Completions over the official `openai` SDK — also any OpenAI-compatible endpoint by
 * base URL (LiteLLM/OpenRouter-style gateways, vLLM, llama.cpp, Ollama, LM Studio).
 *
 * One SDK client per call, built with the key read for that call (never kept), SDK retries OFF
 * (the routing policy owns retries and fallbacks), the SDK's logger silenced, and nothing taken
 * from OPENAI_* environment variables: what the settings say is what is used.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsBase, ChatCompletionMessageParam, ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { fromOpenAIChatUsage } from '../../core/pricing/usage';
import { displayUrl } from '../../core/providers/scrubSecrets';
import type { FinishReason, LlmTransport, ProviderChunk, ProviderMessage, ProviderRequest, ProviderResponse, ProviderToolCall, SecretSource } from '../../core/ports/llmTransport';
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

const openaiDefaultBaseUrl = 'https://api.openai.com/v1';

export interface OpenAITransportOptions {
	readonly secrets: SecretSource;
	/** An OpenAI-compatible endpoint (`http://localhost:8000/v1`); empty or undefined: api.openai.com. */
	readonly baseUrl?: string;
	/** Inactivity timeout when the request sets none (default 30 s). */
	readonly timeoutMs?: number;
	/**
	 * Call without a key when none is set. Default: true for a custom base URL (local servers need
	 * none), false for api.openai.com (where a missing key is an `auth` error before any request).
	 */
	readonly keyOptional?: boolean;
	/**
	 * Which output-limit field to send. Default: `max_completion_tokens` for api.openai.com (the
	 * o-series and gpt-5 reject `max_tokens`), `max_tokens` for other endpoints (many servers know
	 * only that one).
	 */
	readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
	/**
	 * Ask for usage in streamed responses (`stream_options.include_usage`). Default true; turn off
	 * only for servers that reject the field — their streamed calls then have no usage and are
	 * counted (marked as estimates) by the caller.
	 */
	readonly streamUsage?: boolean;
}

/**
 * OpenAI reasoning models reject any `temperature` but the default, so it is left out for them on
 * the official endpoint (`gpt-5-chat-*` is a chat model and keeps it).
 */
export function rejectsTemperature(model: string): boolean {
	const id = model.replace(/^openai\//, '');
	return /^o\d/.test(id) || (/^gpt-5/.test(id) && !/^gpt-5(\.\d+)?-chat/.test(id));
}

/** The endpoint a base-URL setting names: api.openai.com when empty; `label` is how messages name it. */
export function openaiEndpoint(setting: string | undefined): { baseUrl: string; official: boolean; label: string } {
	const custom = setting?.trim();
	const baseUrl = custom ? custom.replace(/\/+$/, '') : openaiDefaultBaseUrl;
	const official = !custom || /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
	return { baseUrl, official, label: official ? 'OpenAI' : `OpenAI-compatible endpoint ${displayUrl(baseUrl)}` };
}

/**
 * An SDK client for one call: no SDK retries (the routing policy owns retries), no environment
 * variables (organization, project), nothing logged. A keyless local server gets no Authorization
 * header at all.
 */
export function createOpenAIClient(key: string | undefined, baseUrl: string, timeoutMs: number): OpenAI {
	return new OpenAI({
		apiKey: key ?? '',
		baseURL: baseUrl,
		organization: null,
		project: null,
		webhookSecret: null,
		maxRetries: 0,
		timeout: timeoutMs,
		logger: silentLogger,
		logLevel: 'off',
		defaultHeaders: key === undefined ? { Authorization: null } : undefined,
	});
}

export class OpenAITransport implements LlmTransport {
	readonly provider = 'openai' as const;
	private readonly baseUrl: string;
	private readonly official: boolean;
	private readonly label: string;

	constructor(private readonly options: OpenAITransportOptions) {
		({ baseUrl: this.baseUrl, official: this.official, label: this.label } = openaiEndpoint(options.baseUrl));
	}

	async *send(request: ProviderRequest, signal?: AbortSignal): AsyncGenerator<ProviderChunk, ProviderResponse, void> {
		const ctx0 = { provider: this.provider, model: request.model, label: this.label };
		if (request.provider !== this.provider) throw invalidRequest(ctx0, `A ${request.provider} request was sent to the OpenAI client.`);
		const key = await readKey(this.options.secrets, ctx0, this.options.keyOptional ?? !this.official);
		const ctx: CallContext = { ...ctx0, key };
		const guard = new CallGuard(signal, request.timeoutMs ?? this.options.timeoutMs ?? defaultTimeoutMs);
		const progress = newProgress();
		const started = performance.now();
		let firstChunkAt: number | undefined;
		let completed = false;
		try {
			const client = createOpenAIClient(key, this.baseUrl, guard.timeoutMs);
			const params = this.params(request);
			if (!request.stream) {
				const { data, response } = await client.chat.completions.create({ ...params, stream: false }, { signal: guard.signal }).withResponse();
				progress.responded = true;
				progress.requestId = fromServer(response.headers.get('x-request-id'), key);
				const choice = typeof data === 'object' && data !== null && Array.isArray(data.choices) ? data.choices[0] : undefined;
				if (!choice) throw badShape(ctx, 'a chat completion JSON object with choices', data, response.headers.get('content-type'), progress);
				const text = (choice.message?.content ?? '') + (choice.message?.refusal ?? '');
				const toolCalls: ProviderToolCall[] = (choice.message?.tool_calls ?? []).flatMap(c =>
					c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' }] : [],
				);
				if (text) yield { type: 'text', text };
				for (const [index, c] of toolCalls.entries()) {
					yield { type: 'toolCallStart', index, id: c.id, name: c.name };
					if (c.arguments) yield { type: 'toolCallDelta', index, argumentsDelta: c.arguments };
				}
				completed = true;
				return {
					provider: this.provider,
					model: fromServer(data.model, key) ?? request.model,
					text,
					toolCalls,
					finishReason: finishOf(choice.finish_reason),
					rawFinishReason: choice.finish_reason ?? undefined,
					...providerUsage((u, problems) => fromOpenAIChatUsage(u, { problems }), data.usage),
					responseId: fromServer(data.id, key),
					requestId: progress.requestId,
					latencyMs: performance.now() - started,
				};
			}

			const { data: stream, response } = await client.chat.completions
				.create({ ...params, stream: true, ...(this.options.streamUsage === false ? {} : { stream_options: { include_usage: true } }) }, { signal: guard.signal })
				.withResponse();
			guard.touch();
			progress.responded = true;
			progress.requestId = fromServer(response.headers.get('x-request-id'), key);
			let model = request.model;
			let finish: string | undefined;
			let rawUsage: unknown;
			for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
				guard.touch();
				progress.started = true;
				progress.events++;
				if (typeof chunk !== 'object' || chunk === null) throw badShape(ctx, 'chat.completion.chunk objects', chunk, null, progress);
				progress.responseId ??= fromServer(chunk.id, key);
				model = fromServer(chunk.model, key) ?? model;
				if (chunk.usage) {
					rawUsage = chunk.usage;
					progress.usage = providerUsage((u, problems) => fromOpenAIChatUsage(u, { problems }), chunk.usage).usage;
				}
				const choice = chunk.choices?.[0];
				if (!choice) continue;
				const delta = choice.delta ?? {};
				const piece = (delta.content ?? '') + (delta.refusal ?? '');
				if (piece) {
					firstChunkAt ??= performance.now();
					progress.text += piece;
					yield { type: 'text', text: piece };
				}
				for (const tc of delta.tool_calls ?? []) {
					const index = typeof tc.index === 'number' ? tc.index : 0;
					let call = progress.toolCalls[index];
					if (!call) {
						call = progress.toolCalls[index] = { id: tc.id ?? '', name: tc.function?.name ?? '', arguments: '' };
						firstChunkAt ??= performance.now();
						yield { type: 'toolCallStart', index, id: call.id, name: call.name };
					} else {
						// Some servers send the id or name in a later fragment.
						if (!call.id && tc.id) call.id = tc.id;
						if (!call.name && tc.function?.name) call.name = tc.function.name;
					}
					const args = tc.function?.arguments;
					if (args) {
						call.arguments += args;
						yield { type: 'toolCallDelta', index, argumentsDelta: args };
					}
				}
				if (choice.finish_reason) finish = choice.finish_reason;
			}
			// The SDK ends the iteration quietly when the request is aborted.
			if (guard.fired) throw abortError(ctx, guard, progress);
			if (finish === undefined) throw truncatedStream(ctx, progress, 'its finish_reason');
			completed = true;
			return {
				provider: this.provider,
				model,
				text: progress.text,
				toolCalls: progress.toolCalls.filter(c => c !== undefined),
				finishReason: finishOf(finish),
				rawFinishReason: finish,
				...providerUsage((u, problems) => fromOpenAIChatUsage(u, { problems }), rawUsage),
				responseId: progress.responseId,
				requestId: progress.requestId,
				latencyMs: performance.now() - started,
				timeToFirstChunkMs: firstChunkAt !== undefined ? firstChunkAt - started : undefined,
			};
		} catch (e) {
			throw toProviderError(e, ctx, guard, progress, OpenAI, this.baseUrl);
		} finally {
			guard.dispose();
			// Covers consumers that stop iterating early: the HTTP request must not live on.
			if (!completed) guard.abort();
		}
	}

	private params(request: ProviderRequest): ChatCompletionCreateParamsBase {
		const field = this.options.maxTokensField ?? (this.official ? 'max_completion_tokens' : 'max_tokens');
		const sendTemperature = request.temperature !== undefined && !(this.official && rejectsTemperature(request.model));
		const tools: ChatCompletionTool[] | undefined = request.tools?.length
			? request.tools.map(t => ({
					type: 'function',
					function: {
						name: t.name,
						...(t.description ? { description: t.description } : {}),
						parameters: (t.parameters as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
					},
				}))
			: undefined;
		return {
			model: request.model,
			messages: request.messages.map(toOpenAIMessage),
			[field]: request.maxOutputTokens,
			...(sendTemperature ? { temperature: request.temperature } : {}),
			...(tools ? { tools } : {}),
			...(tools && request.toolChoice ? { tool_choice: toolChoice(request.toolChoice) } : {}),
		};
	}
}

function toOpenAIMessage(m: ProviderMessage): ChatCompletionMessageParam {
	switch (m.role) {
		case 'system':
			return { role: 'system', content: m.content };
		case 'user':
			return { role: 'user', content: m.content };
		case 'assistant':
			return m.toolCalls?.length
				? {
						role: 'assistant',
						content: m.content || null,
						tool_calls: m.toolCalls.map(c => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments || '{}' } })),
					}
				: { role: 'assistant', content: m.content };
		case 'tool':
			// Chat Completions has no error flag for tool results; the text carries it.
			return { role: 'tool', tool_call_id: m.toolCallId, content: m.isError ? `Error: ${m.content}` : m.content };
	}
}

function toolChoice(c: NonNullable<ProviderRequest['toolChoice']>): ChatCompletionToolChoiceOption {
	return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

function finishOf(raw: string | null | undefined): FinishReason {
	switch (raw) {
		case 'stop':
			return 'stop';
		case 'length':
			return 'length';
		case 'tool_calls':
		case 'function_call':
			return 'toolCalls';
		case 'content_filter':
			return 'contentFilter';
		default:
			return 'other';
	}
}
