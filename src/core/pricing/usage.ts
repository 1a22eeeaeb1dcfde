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

/**
 * The most tokens one call can plausibly use (the largest context windows are ~10 M): a count above
 * it is damage or an attack, never priced.
 */
export const maxCallTokens = 1_000_000_000;

/**
 * Why a token count is not one: not a number, negative, fractional, not finite or above
 * {@link maxCallTokens}. Undefined when it is a valid count.
 */
export function tokenCountProblem(v: unknown): string | undefined {
	if (typeof v !== 'number') return `${v === null ? 'null' : typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 20))}` : typeof v} is not a number`;
	if (!Number.isFinite(v)) return `${v} is not finite`;
	if (v < 0) return `${v} is negative`;
	if (!Number.isInteger(v)) return `${v} is not a whole number`;
	if (v > maxCallTokens) return `${v} is more than any call can use (${maxCallTokens.toLocaleString('en-US')})`;
	return undefined;
}

/**
 * Where a normalizer reports fields whose value is not a valid token count (`input_tokens: -5`,
 * `"prompt_tokens": "120"`). The normalized usage then counts such a field as 0, so a caller that
 * passes a sink MUST treat the call's usage — and its cost — as unknown when it is not empty.
 */
export type UsageProblems = string[];

/**
 * A token field. An optional detail field that is absent is 0; the main input and output counts must
 * be there. Anything present — null included — must be a valid count, or it is reported and read as 0.
 */
function reader(problems: UsageProblems | undefined): (v: unknown, field: string, required?: boolean) => number {
	return (v, field, required = false) => {
		if (!required && v === undefined) return 0;
		if (v === undefined) {
			problems?.push(`${field} is missing`);
			return 0;
		}
		const problem = tokenCountProblem(v);
		if (problem === undefined) return v as number;
		problems?.push(`${field}: ${problem}`);
		return 0;
	};
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
export function fromAnthropicUsage(raw: unknown, problems?: UsageProblems): Usage {
	const u = obj(raw);
	const num = reader(problems);
	const iterations = Array.isArray(u.iterations) ? u.iterations : undefined;
	if (iterations && iterations.length > 0) return sumUsage(iterations.map(it => fromAnthropicUsage({ ...obj(it), iterations: undefined }, problems)));
	const cacheRead = num(u.cache_read_input_tokens, 'cache_read_input_tokens');
	const creation = obj(u.cache_creation);
	const has1h = 'ephemeral_1h_input_tokens' in creation || 'ephemeral_5m_input_tokens' in creation;
	const write1h = has1h ? num(creation.ephemeral_1h_input_tokens, 'cache_creation.ephemeral_1h_input_tokens') : 0;
	const creationTotal = num(u.cache_creation_input_tokens, 'cache_creation_input_tokens');
	const write5m = has1h ? num(creation.ephemeral_5m_input_tokens, 'cache_creation.ephemeral_5m_input_tokens') : creationTotal;
	// If the split and the total disagree, the total wins and the difference counts as 5-minute writes.
	const writeTotal = Math.max(creationTotal, write5m + write1h);
	const cacheWrite5m = writeTotal - write1h;
	return {
		input: num(u.input_tokens, 'input_tokens', true) + cacheRead + writeTotal,
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: write1h,
		output: num(u.output_tokens, 'output_tokens', true),
		reasoning: 0, // Anthropic bills thinking inside output_tokens and does not report it apart
	};
}

/**
 * OpenAI Chat Completions `usage` (also LiteLLM/OpenRouter and most OpenAI-compatible servers):
 * `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`; `completion_tokens` includes
 * reasoning. LiteLLM adds Anthropic-style `cache_creation_input_tokens` for Claude models; those
 * writes are part of `prompt_tokens` already.
 */
export function fromOpenAIChatUsage(raw: unknown, problems?: UsageProblems): Usage {
	const u = obj(raw);
	const num = reader(problems);
	const details = obj(u.prompt_tokens_details);
	const out = obj(u.completion_tokens_details);
	const cacheRead = num(details.cached_tokens, 'prompt_tokens_details.cached_tokens') || num(u.cache_read_input_tokens, 'cache_read_input_tokens');
	const cacheWrite5m = num(details.cache_write_tokens, 'prompt_tokens_details.cache_write_tokens') || num(u.cache_creation_input_tokens, 'cache_creation_input_tokens');
	return {
		input: num(u.prompt_tokens, 'prompt_tokens', true),
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: 0,
		output: num(u.completion_tokens, 'completion_tokens', true),
		reasoning: num(out.reasoning_tokens, 'completion_tokens_details.reasoning_tokens'),
	};
}

/** OpenAI Responses `usage`: `input_tokens` includes cached tokens; `output_tokens` includes reasoning. */
export function fromOpenAIResponsesUsage(raw: unknown, problems?: UsageProblems): Usage {
	const u = obj(raw);
	const num = reader(problems);
	return {
		input: num(u.input_tokens, 'input_tokens', true),
		cacheRead: num(obj(u.input_tokens_details).cached_tokens, 'input_tokens_details.cached_tokens'),
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: num(u.output_tokens, 'output_tokens', true),
		reasoning: num(obj(u.output_tokens_details).reasoning_tokens, 'output_tokens_details.reasoning_tokens'),
	};
}

/**
 * Gemini `usageMetadata` (camelCase from the REST API, snake_case from Python SDK dumps):
 * `promptTokenCount` INCLUDES `cachedContentTokenCount`; `candidatesTokenCount` EXCLUDES
 * `thoughtsTokenCount`, which is billed as output — so output = candidates + thoughts. Tool-use
 * prompt tokens (`toolUsePromptTokenCount`) are billed as input.
 */
export function fromGeminiUsage(raw: unknown, problems?: UsageProblems): Usage {
	const u = obj(raw);
	const num = reader(problems);
	const pick = (camel: string, snake: string) => num(u[camel], camel) || num(u[snake], snake);
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
