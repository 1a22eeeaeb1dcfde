/**
 * Token usage of one LLM call, normalized to ONE convention so that every cost computation in the
 * product (importers, live calls, replay) agrees:
 *
 * - `input` is the TOTAL prompt size: uncached + cache reads + cache writes (OpenAI's convention).
 *   Anthropic reports `input_tokens` WITHOUT cache reads/writes; {@link fromAnthropicUsage} adds them.
 * - `cacheRead`, `cacheWrite5m`, `cacheWrite1h` are parts of `input`, never extra.
 * - `output` is the total generated tokens INCLUDING reasoning; `reasoning` is the part of it that
 *   was reasoning (billed as output).
 */
export interface Usage {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	readonly output: number;
	readonly reasoning: number;
}

export const zeroUsage: Usage = Object.freeze({ input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });

/** Input tokens billed at the plain input price: not read from, nor written to, the cache. */
export function uncachedInput(u: Usage): number {
	return Math.max(0, u.input - u.cacheRead - u.cacheWrite5m - u.cacheWrite1h);
}

export function cacheWrite(u: Usage): number {
	return u.cacheWrite5m + u.cacheWrite1h;
}

export function addUsage(a: Usage, b: Usage): Usage {
	return {
		input: a.input + b.input,
		cacheRead: a.cacheRead + b.cacheRead,
		cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
		cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
		output: a.output + b.output,
		reasoning: a.reasoning + b.reasoning,
	};
}

export function sumUsage(items: Iterable<Usage>): Usage {
	let total = zeroUsage;
	for (const u of items) total = addUsage(total, u);
	return total;
}

function num(v: unknown): number {
	return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function obj(v: unknown): Record<string, unknown> {
	return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/**
 * Anthropic Messages `usage`: `input_tokens` excludes cache reads and writes. The 5m/1h split comes
 * from `cache_creation.ephemeral_*`; without it every write is a 5-minute write (the API default).
 * With server-side compaction, `iterations[]` lists every sampling pass and the top-level fields
 * cover only the last one, so iterations are summed when present.
 */
export function fromAnthropicUsage(raw: unknown): Usage {
	const u = obj(raw);
	const iterations = Array.isArray(u.iterations) ? u.iterations : undefined;
	if (iterations && iterations.length > 0) return sumUsage(iterations.map(it => fromAnthropicUsage({ ...obj(it), iterations: undefined })));
	const cacheRead = num(u.cache_read_input_tokens);
	const creation = obj(u.cache_creation);
	const has1h = 'ephemeral_1h_input_tokens' in creation || 'ephemeral_5m_input_tokens' in creation;
	const write1h = has1h ? num(creation.ephemeral_1h_input_tokens) : 0;
	const write5m = has1h ? num(creation.ephemeral_5m_input_tokens) : num(u.cache_creation_input_tokens);
	// If the split and the total disagree, the total wins and the difference counts as 5-minute writes.
	const writeTotal = Math.max(num(u.cache_creation_input_tokens), write5m + write1h);
	const cacheWrite5m = writeTotal - write1h;
	return {
		input: num(u.input_tokens) + cacheRead + writeTotal,
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: write1h,
		output: num(u.output_tokens),
		reasoning: 0, // Anthropic bills thinking inside output_tokens and does not report it apart
	};
}

/**
 * OpenAI Chat Completions `usage` (also LiteLLM/OpenRouter and most OpenAI-compatible servers):
 * `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`; `completion_tokens` includes
 * reasoning. LiteLLM adds Anthropic-style `cache_creation_input_tokens` for Claude models; those
 * writes are part of `prompt_tokens` already.
 */
export function fromOpenAIChatUsage(raw: unknown): Usage {
	const u = obj(raw);
	const details = obj(u.prompt_tokens_details);
	const out = obj(u.completion_tokens_details);
	const cacheRead = num(details.cached_tokens) || num(u.cache_read_input_tokens);
	const cacheWrite5m = num(details.cache_write_tokens) || num(u.cache_creation_input_tokens);
	return {
		input: num(u.prompt_tokens),
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: 0,
		output: num(u.completion_tokens),
		reasoning: num(out.reasoning_tokens),
	};
}

/** OpenAI Responses `usage`: `input_tokens` includes cached tokens; `output_tokens` includes reasoning. */
export function fromOpenAIResponsesUsage(raw: unknown): Usage {
	const u = obj(raw);
	return {
		input: num(u.input_tokens),
		cacheRead: num(obj(u.input_tokens_details).cached_tokens),
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: num(u.output_tokens),
		reasoning: num(obj(u.output_tokens_details).reasoning_tokens),
	};
}

/**
 * Gemini `usageMetadata` (camelCase from the REST API, snake_case from Python SDK dumps):
 * `promptTokenCount` INCLUDES `cachedContentTokenCount`; `candidatesTokenCount` EXCLUDES
 * `thoughtsTokenCount`, which is billed as output — so output = candidates + thoughts. Tool-use
 * prompt tokens (`toolUsePromptTokenCount`) are billed as input.
 */
export function fromGeminiUsage(raw: unknown): Usage {
	const u = obj(raw);
	const pick = (camel: string, snake: string) => num(u[camel]) || num(u[snake]);
	const thoughts = pick('thoughtsTokenCount', 'thoughts_token_count');
	const input = pick('promptTokenCount', 'prompt_token_count') + pick('toolUsePromptTokenCount', 'tool_use_prompt_token_count');
	return {
		input,
		cacheRead: Math.min(input, pick('cachedContentTokenCount', 'cached_content_token_count')),
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: pick('candidatesTokenCount', 'candidates_token_count') + thoughts,
		reasoning: thoughts,
	};
}
