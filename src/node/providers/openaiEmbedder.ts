/**
 * The semantic cache's provider embedder (`agentCost.embeddings.provider: openai`): OpenAI's
 * embeddings API through the official SDK, with the same key, endpoint, timeout and error mapping
 * as chat calls. It is a paid model (`billedModel`): the policy engine reserves and charges every
 * embedding to the run's budget before calling it.
 */
import OpenAI from 'openai';
import type { Embedder } from '../../core/ports/embedder';
import { InputError } from '../../core/lib/errors';
import type { SecretSource } from '../../core/ports/llmTransport';
import { createOpenAIClient, openaiEndpoint } from './openaiTransport';
import { badShape, CallGuard, type CallContext, defaultTimeoutMs, newProgress, readKey, toProviderError } from './transportSupport';

/** Output sizes of OpenAI's embedding models (the semantic index is built for one size up front). */
const openaiEmbeddingDims: Readonly<Record<string, number>> = {
	'text-embedding-3-small': 1536,
	'text-embedding-3-large': 3072,
	'text-embedding-ada-002': 1536,
};

/** The input limit of every OpenAI embedding model (in cl100k tokens). */
const openaiEmbeddingMaxInputTokens = 8191;

export interface OpenAIEmbedderOptions {
	readonly secrets: SecretSource;
	/** `agentCost.embeddings.model`. */
	readonly model: string;
	/** An OpenAI-compatible endpoint; empty or undefined: api.openai.com. */
	readonly baseUrl?: string;
	/** Inactivity timeout (`tool_call_timeout_seconds`). */
	readonly timeoutMs?: number;
}

/**
 * Throws `InputError('badSetting')` for a model whose size is unknown: an index sized wrongly would
 * reject every vector, so the setting is refused up front with the models that work.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
	const model = options.model.trim();
	const dims = openaiEmbeddingDims[model];
	if (dims === undefined) {
		throw new InputError(
			'badSetting',
			`agentCost.embeddings.model: "${options.model}" is not an OpenAI embedding model this version knows the size of; use one of ${Object.keys(openaiEmbeddingDims).join(', ')}, or set agentCost.embeddings.provider to "offline".`,
		);
	}
	const { baseUrl, official, label } = openaiEndpoint(options.baseUrl);
	return {
		id: `openai:${model}:${dims}`,
		dims,
		billedModel: model,
		maxInputTokens: openaiEmbeddingMaxInputTokens,
		async embed(texts, signal) {
			if (texts.length === 0) return [];
			const ctx0 = { provider: 'openai' as const, model, label };
			const key = await readKey(options.secrets, ctx0, !official);
			const ctx: CallContext = { ...ctx0, key };
			const guard = new CallGuard(signal, options.timeoutMs ?? defaultTimeoutMs);
			const progress = newProgress();
			try {
				const client = createOpenAIClient(key, baseUrl, guard.timeoutMs);
				const { data: body, response } = await client.embeddings.create({ model, input: [...texts], encoding_format: 'float' }, { signal: guard.signal }).withResponse();
				progress.responded = true;
				progress.requestId = response.headers.get('x-request-id') ?? undefined;
				const rows = typeof body === 'object' && body !== null && Array.isArray(body.data) ? body.data : undefined;
				if (!rows || rows.length !== texts.length) throw badShape(ctx, `an embeddings list with ${texts.length} vector(s)`, body, response.headers.get('content-type'), progress);
				const out: Float32Array[] = new Array(texts.length);
				for (const row of rows) {
					const v = row?.embedding;
					const i = row?.index;
					if (!Array.isArray(v) || v.length !== dims || !Number.isInteger(i) || i < 0 || i >= texts.length || out[i] !== undefined) {
						throw badShape(ctx, `${texts.length} distinct ${dims}-dimensional vectors`, body, response.headers.get('content-type'), progress);
					}
					out[i] = normalized(v);
				}
				return out;
			} catch (e) {
				throw toProviderError(e, ctx, guard, progress, OpenAI, baseUrl);
			} finally {
				guard.dispose();
				guard.abort();
			}
		},
	};
}

/** Unit length, so cosine similarity is a dot product (OpenAI's are normalized already; compatible servers may not be). */
function normalized(v: readonly number[]): Float32Array {
	let norm = 0;
	for (const x of v) norm += x * x;
	const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
	const out = new Float32Array(v.length);
	for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
	return out;
}
