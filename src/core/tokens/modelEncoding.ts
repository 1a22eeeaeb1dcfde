import type { EncodingName } from './types';

/** Who tokenizes a model's input, which decides whether a count can be exact. */
export type ModelFamily = 'openai' | 'claude' | 'gemini' | 'other';

// Provider routes put the vendor in front of the id ("openai/gpt-4o", "openrouter/openai/gpt-4o",
// "openai:gpt-4o" in pydantic-ai, "ft:gpt-4o-mini:org::id" for fine-tunes, Bedrock's
// "anthropic.claude-…-v1:0"). Only the model id itself decides the tokenizer.
const providerPrefix = /^(?:openai|azure|azure_ai|openrouter|anthropic|google|google-gla|google-vertex|vertex_ai|gemini|bedrock|groq|mistral|deepseek|together_ai|fireworks_ai|ollama)$/;

/**
 * The bare, lower-cased model id of a provider-qualified model string ("openrouter/openai/GPT-4o"
 * → "gpt-4o", "ft:gpt-4o-mini-2024-07-18:acme::abc" → "gpt-4o-mini-2024-07-18").
 */
export function bareModelId(model: string): string {
	let id = model.trim().toLowerCase();
	id = id.slice(id.lastIndexOf('/') + 1);
	const parts = id.split(':');
	while (parts.length > 1 && (parts[0] === 'ft' || providerPrefix.test(parts[0]!))) parts.shift();
	return parts[0]!; // split always yields a first part, and the loop keeps one
}

const o200kModels = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o[134](?:-|$)|codex-|computer-use-preview|omni-moderation)/;
const cl100kModels = /^(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)/;

/**
 * The tiktoken encoding an OpenAI model uses, or undefined when the model is not an OpenAI model
 * with a public tokenizer. Same table as tiktoken's `encoding_for_model` for the current families
 * (gpt-4o/4.1/4.5/5, o-series, gpt-oss → o200k_base; gpt-4, gpt-3.5, embeddings → cl100k_base).
 */
export function encodingForModel(model: string): EncodingName | undefined {
	const id = bareModelId(model);
	if (o200kModels.test(id)) return 'o200k_base';
	if (cl100kModels.test(id)) return 'cl100k_base';
	return undefined;
}

/** The family of a model id; only 'openai' models have exact counts. */
export function modelFamily(model: string): ModelFamily {
	if (encodingForModel(model) !== undefined) return 'openai';
	const id = model.toLowerCase();
	if (id.includes('claude')) return 'claude';
	if (id.includes('gemini') || id.includes('gemma')) return 'gemini';
	return 'other';
}
