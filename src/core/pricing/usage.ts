/**
 * Provider-run tools billed per use rather than per token, by canonical name: `web_search`
 * (Anthropic `server_tool_use.web_search_requests`, OpenAI Responses `web_search_call` items, Gemini
 * grounding queries), `web_fetch`, `file_search`, `code_execution`, … Only uses, never tokens: what a
 * tool reads or returns is already in the token counts.
 */
export type ServerToolUses = Readonly<Record<string, number>>;

/**
 * Token usage of one LLM call, normalized to ONE convention so that every cost computation in the
 * product (importers, live calls, replay) agrees:
 *
 * - `input` is the TOTAL prompt size: uncached + cache reads + cache writes (OpenAI's convention).
 *   Anthropic reports `input_tokens` WITHOUT cache reads/writes; {@link fromAnthropicUsage} adds them.
 * - `cacheRead`, `cacheWrite5m`, `cacheWrite1h` are parts of `input`, never extra.
 * - `output` is the total generated tokens INCLUDING reasoning; `reasoning` is the part of it that
 *   was reasoning (billed as output).
 * - `serverTools` counts uses of provider-run tools billed per use (web search…): absent when the
 *   call made none, so usage without them keeps its plain shape.
 */
export interface Usage {
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	readonly output: number;
	readonly reasoning: number;
	readonly serverTools?: ServerToolUses;
}

export const zeroUsage: Usage = Object.freeze({ input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 });

/** Input tokens billed at the plain input price: not read from, nor written to, the cache. */
export function uncachedInput(u: Usage): number {
	return Math.max(0, u.input - u.cacheRead - u.cacheWrite5m - u.cacheWrite1h);
}

export function cacheWrite(u: Usage): number {
	return u.cacheWrite5m + u.cacheWrite1h;
}

/** Per-tool sums; undefined when neither side used a server tool (keeps usage objects plain). */
function addServerTools(a: ServerToolUses | undefined, b: ServerToolUses | undefined): ServerToolUses | undefined {
	if (!a) return b;
	if (!b) return a;
	const out: Record<string, number> = { ...a };
	for (const [tool, uses] of Object.entries(b)) out[tool] = (out[tool] ?? 0) + uses;
	return out;
}

/** `u` with `serverTools` set (dropped when empty or all zero). */
export function withServerTools(u: Usage, tools: ServerToolUses | undefined): Usage {
	const kept = Object.entries(tools ?? {}).filter(([, uses]) => uses > 0);
	const { serverTools: _, ...plain } = u;
	return kept.length > 0 ? { ...plain, serverTools: Object.fromEntries(kept) } : plain;
}

export function addUsage(a: Usage, b: Usage): Usage {
	const serverTools = addServerTools(a.serverTools, b.serverTools);
	return {
		input: a.input + b.input,
		cacheRead: a.cacheRead + b.cacheRead,
		cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
		cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
		output: a.output + b.output,
		reasoning: a.reasoning + b.reasoning,
		...(serverTools !== undefined && { serverTools }),
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
export function tokenReader(problems: UsageProblems | undefined): (v: unknown, field: string, required?: boolean) => number {
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
 * Anthropic `usage.server_tool_use` (`web_search_requests`, `web_fetch_requests`, and any
 * `<tool>_requests` the API adds later) as canonical tool names.
 */
function anthropicServerTools(raw: unknown, problems: UsageProblems | undefined): ServerToolUses | undefined {
	const num = tokenReader(problems);
	const out: Record<string, number> = {};
	for (const [key, value] of Object.entries(obj(raw))) {
		const uses = num(value, `server_tool_use.${key}`);
		if (uses > 0) out[key.replace(/_requests$/, '')] = uses;
	}
	return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Anthropic Messages `usage`: `input_tokens` excludes cache reads and writes. The 5m/1h split comes
 * from `cache_creation.ephemeral_*`; without it every write is a 5-minute write (the API default).
 * With server-side compaction, `iterations[]` lists every sampling pass and the top-level fields
 * cover only the last one, so iterations are summed when present. Thinking is billed inside
 * `output_tokens`; newer responses say how much of it was thinking (`output_tokens_details`).
 * Server tools (`server_tool_use`) are counted per use: web search has a fee per 1,000 searches.
 */
export function fromAnthropicUsage(raw: unknown, problems?: UsageProblems): Usage {
	const u = obj(raw);
	const num = tokenReader(problems);
	const serverTools = anthropicServerTools(u.server_tool_use, problems);
	const iterations = Array.isArray(u.iterations) ? u.iterations : undefined;
	if (iterations && iterations.length > 0) {
		const summed = sumUsage(iterations.map(it => fromAnthropicUsage({ ...obj(it), iterations: undefined }, problems)));
		return serverTools ? withServerTools(summed, serverTools) : summed;
	}
	const cacheRead = num(u.cache_read_input_tokens, 'cache_read_input_tokens');
	const creation = obj(u.cache_creation);
	const has1h = 'ephemeral_1h_input_tokens' in creation || 'ephemeral_5m_input_tokens' in creation;
	const write1h = has1h ? num(creation.ephemeral_1h_input_tokens, 'cache_creation.ephemeral_1h_input_tokens') : 0;
	const creationTotal = num(u.cache_creation_input_tokens, 'cache_creation_input_tokens');
	const write5m = has1h ? num(creation.ephemeral_5m_input_tokens, 'cache_creation.ephemeral_5m_input_tokens') : creationTotal;
	// If the split and the total disagree, the total wins and the difference counts as 5-minute writes.
	const writeTotal = Math.max(creationTotal, write5m + write1h);
	const cacheWrite5m = writeTotal - write1h;
	const output = num(u.output_tokens, 'output_tokens', true);
	return {
		input: num(u.input_tokens, 'input_tokens', true) + cacheRead + writeTotal,
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: write1h,
		output,
		reasoning: Math.min(output, num(obj(u.output_tokens_details).thinking_tokens, 'output_tokens_details.thinking_tokens')),
		...(serverTools && { serverTools }),
	};
}

/**
 * What a provider's usage object is read with besides itself: the request body (a Chat Completions
 * web search is one use per request), the response's `output[]` (Responses tool calls) or
 * `candidates[]` (Gemini grounding), and where to report numbers that are not token counts.
 */
export interface UsageContext {
	readonly request?: unknown;
	readonly output?: unknown;
	readonly candidates?: unknown;
	readonly problems?: UsageProblems;
}

/**
 * OpenAI Chat Completions `usage` (also LiteLLM/OpenRouter and most OpenAI-compatible servers):
 * `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`; `completion_tokens` includes
 * reasoning. LiteLLM adds Anthropic-style `cache_creation_input_tokens` for Claude models; those
 * writes are part of `prompt_tokens` already. Pass the request body to count the web search a
 * request with `web_search_options` makes (one per request: the usage object does not say).
 */
export function fromOpenAIChatUsage(raw: unknown, context: UsageContext = {}): Usage {
	const { request, problems } = context;
	const u = obj(raw);
	const num = tokenReader(problems);
	const details = obj(u.prompt_tokens_details);
	const out = obj(u.completion_tokens_details);
	const cacheRead = num(details.cached_tokens, 'prompt_tokens_details.cached_tokens') || num(u.cache_read_input_tokens, 'cache_read_input_tokens');
	const cacheWrite5m = num(details.cache_write_tokens, 'prompt_tokens_details.cache_write_tokens') || num(u.cache_creation_input_tokens, 'cache_creation_input_tokens');
	const usage: Usage = {
		input: num(u.prompt_tokens, 'prompt_tokens', true),
		cacheRead,
		cacheWrite5m,
		cacheWrite1h: 0,
		output: num(u.completion_tokens, 'completion_tokens', true),
		reasoning: num(out.reasoning_tokens, 'completion_tokens_details.reasoning_tokens'),
	};
	const searched = typeof obj(request).web_search_options === 'object' && obj(request).web_search_options !== null;
	return searched ? withServerTools(usage, { web_search: 1 }) : usage;
}

/**
 * Responses `output[]` item types that are uses of a tool OpenAI runs and bills per call (web search,
 * file search) or per container (code interpreter), by canonical tool name. Other items (function,
 * MCP, computer, shell calls) cost tokens only.
 */
const responsesToolItems: Readonly<Record<string, string>> = {
	web_search_call: 'web_search',
	file_search_call: 'file_search',
	code_interpreter_call: 'code_interpreter',
	image_generation_call: 'image_generation',
};

/** Uses of per-call-billed tools in a Responses `output[]` (failed calls are not billed). */
export function responsesServerTools(output: unknown): ServerToolUses | undefined {
	const out: Record<string, number> = {};
	for (const item of Array.isArray(output) ? output : []) {
		const it = obj(item);
		const tool = typeof it.type === 'string' ? responsesToolItems[it.type] : undefined;
		if (tool !== undefined && it.status !== 'failed') out[tool] = (out[tool] ?? 0) + 1;
	}
	return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * OpenAI Responses `usage`: `input_tokens` includes cached tokens and, on models that price cache
 * writes, `cache_write_tokens`; `output_tokens` includes reasoning. The usage object does not count
 * tool calls: pass the response's `output[]` to count its web/file searches.
 */
export function fromOpenAIResponsesUsage(raw: unknown, context: UsageContext = {}): Usage {
	const { output, problems } = context;
	const u = obj(raw);
	const num = tokenReader(problems);
	const details = obj(u.input_tokens_details);
	const usage: Usage = {
		input: num(u.input_tokens, 'input_tokens', true),
		cacheRead: num(details.cached_tokens, 'input_tokens_details.cached_tokens'),
		cacheWrite5m: num(details.cache_write_tokens, 'input_tokens_details.cache_write_tokens'),
		cacheWrite1h: 0,
		output: num(u.output_tokens, 'output_tokens', true),
		reasoning: num(obj(u.output_tokens_details).reasoning_tokens, 'output_tokens_details.reasoning_tokens'),
	};
	return withServerTools(usage, responsesServerTools(output));
}

/**
 * Gemini `usageMetadata` (camelCase from the REST API, snake_case from Python SDK dumps):
 * `promptTokenCount` INCLUDES `cachedContentTokenCount`; `candidatesTokenCount` EXCLUDES
 * `thoughtsTokenCount`, which is billed as output — so output = candidates + thoughts. Tool-use
 * prompt tokens (`toolUsePromptTokenCount`) are billed as input. Pass the response's `candidates[]`
 * to count its Google Search grounding (see {@link geminiServerTools}).
 */
export function fromGeminiUsage(raw: unknown, context: UsageContext = {}): Usage {
	const { candidates, problems } = context;
	const u = obj(raw);
	const num = tokenReader(problems);
	const pick = (camel: string, snake: string) => num(u[camel], camel) || num(u[snake], snake);
	const thoughts = pick('thoughtsTokenCount', 'thoughts_token_count');
	const input = pick('promptTokenCount', 'prompt_token_count') + pick('toolUsePromptTokenCount', 'tool_use_prompt_token_count');
	const usage: Usage = {
		input,
		cacheRead: Math.min(input, pick('cachedContentTokenCount', 'cached_content_token_count')),
		cacheWrite5m: 0,
		cacheWrite1h: 0,
		output: pick('candidatesTokenCount', 'candidates_token_count') + thoughts,
		reasoning: thoughts,
	};
	return withServerTools(usage, geminiServerTools(candidates));
}

/**
 * Gemini grounding with Google Search, from a response's `candidates[]`: one use per search query
 * the model ran (`groundingMetadata.webSearchQueries`), at least one per grounded candidate. Google
 * bills grounding per prompt or per query depending on the model; the count is what the fee needs.
 */
export function geminiServerTools(candidates: unknown): ServerToolUses | undefined {
	let searches = 0;
	for (const c of Array.isArray(candidates) ? candidates : []) {
		const grounding = obj(obj(c).groundingMetadata ?? obj(c).grounding_metadata);
		if (Object.keys(grounding).length === 0) continue;
		const queries = grounding.webSearchQueries ?? grounding.web_search_queries;
		searches += Math.max(1, Array.isArray(queries) ? queries.length : 0);
	}
	return searches > 0 ? { web_search: searches } : undefined;
}
