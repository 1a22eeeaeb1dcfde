import type { EngineMessage } from '../compression/messages';
import { canonicalJson } from '../lib/canonicalJson';
import { sha256 } from '../lib/sha256';
import type { ToolDefinitionLike } from '../tokens/types';

/** The request parameters that change a response. Anything else (headers, keys, URLs, timeouts) is never part of a key. */
export interface CacheableParams {
	readonly temperature?: number;
	readonly topP?: number;
	readonly maxOutputTokens?: number;
	readonly stop?: readonly string[];
	readonly seed?: number;
	/** e.g. `{type:'json_object'}` or a JSON schema. */
	readonly responseFormat?: unknown;
	readonly toolChoice?: unknown;
	readonly reasoningEffort?: string;
}

export interface CacheableRequest {
	readonly model: string;
	readonly messages: readonly EngineMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
	readonly params?: CacheableParams;
}

const cacheKeyVersion = 'v1';

function pickMessage(m: EngineMessage) {
	return { role: m.role, content: m.content, name: m.name, toolCallIds: m.toolCallIds, toolResultIds: m.toolResultIds };
}

function pickParams(p: CacheableParams | undefined) {
	if (!p) return undefined;
	return {
		temperature: p.temperature,
		topP: p.topP,
		maxOutputTokens: p.maxOutputTokens,
		stop: p.stop,
		seed: p.seed,
		responseFormat: p.responseFormat,
		toolChoice: p.toolChoice,
		reasoningEffort: p.reasoningEffort,
	};
}

/**
 * The canonical form of the WHITELISTED fields of a request. Fields are copied one by one, so a
 * request object that also carries an API key, headers or a base URL cannot leak them into a key.
 */
export function canonicalRequest(req: CacheableRequest): string {
	return canonicalJson({
		model: req.model,
		messages: req.messages.map(pickMessage),
		tools: req.tools?.map(t => ({ name: t.name, description: t.description, parameters: t.parameters })),
		params: pickParams(req.params),
	});
}

/**
 * A SHA-256 hex digest function. Core's own {@link sha256} is the default; a Node host may inject
 * `node:crypto` (≈ 5× faster on large prompts). Both give the same digest, so keys never depend on the host.
 */
export type Sha256 = (text: string) => string;

/** Exact-match key: `v1:` + SHA-256 of the canonical request. */
export function requestCacheKey(req: CacheableRequest, hash: Sha256 = sha256): string {
	return `${cacheKeyVersion}:${hash(canonicalRequest(req))}`;
}

/**
 * Semantic-cache partition: everything except the conversation text must match exactly (model,
 * parameters, tools and system prompt); only the rest is compared by similarity.
 */
export function semanticPartition(req: CacheableRequest): string {
	return sha256(
		canonicalJson({
			model: req.model,
			system: req.messages.filter(m => m.role === 'system' || m.role === 'developer').map(m => m.content),
			tools: req.tools?.map(t => ({ name: t.name, description: t.description, parameters: t.parameters })),
			params: pickParams(req.params),
		}),
	).slice(0, 32);
}

/** The text a semantic cache embeds: the conversation without the system prompt. */
export function semanticText(req: CacheableRequest): string {
	return req.messages
		.filter(m => m.role !== 'system' && m.role !== 'developer')
		.map(m => `${m.role}: ${m.content}`)
		.join('\n');
}
