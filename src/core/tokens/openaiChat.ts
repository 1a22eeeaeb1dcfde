import type { TiktokenEncoder } from './bytePairEncoder';
import { renderFunctionNamespace } from './functionDefinitions';
import type { ChatMessageLike, ToolDefinitionLike } from './types';

/** Result of {@link countOpenAIChat}. */
export interface OpenAIChatCount {
	readonly tokens: number;
	/** True when only parts validated against the API were counted (no tools, no tool calls). */
	readonly validated: boolean;
	/** What each message adds and what the tool definitions add (the rest is the reply priming). */
	readonly parts: ChatParts;
}

/** A chat's tokens split by where they come from; `tokens − Σ messages − tools` is the request's own framing. */
export interface ChatParts {
	readonly messages: readonly number[];
	readonly tools: number;
}

const tokensPerMessage = 3;
const tokensPerName = 1;

/** How the reply is primed: `<|im_start|>assistant<|im_sep|>` (3) on chat models; reasoning models (o3, o4, gpt-5 families) use 2. */
type ReplyPriming = 2 | 3;

export interface OpenAIChatOptions {
	/** @default 3 */
	readonly replyPriming?: ReplyPriming;
}

/**
 * Tool-definition overhead per encoding, with and without an existing system message. The cl100k
 * numbers are hmarr's (+9 per completion, −4 when a system message is reused, which is also padded
 * with a newline); o200k-era snapshots (gpt-4o-2024-08-06, gpt-4.1) use one token less. The cookbook's
 * older gpt-4o example (2024-05 snapshot) reads one token more than this: see bench/results/tokenCalibration.md.
 */
const toolOverhead = {
	cl100k_base: { withSystem: 5, withoutSystem: 9, padSystem: true },
	o200k_base: { withSystem: 4, withoutSystem: 8, padSystem: false },
} as const;

const isSystemRole = (role: string) => role === 'system' || role === 'developer';

/**
 * Prompt tokens of an OpenAI chat completion request, from the chat format the models see:
 * `<|im_start|>{role}<|im_sep|>{content}<|im_end|>` per message, `<|im_start|>assistant<|im_sep|>`
 * as reply priming.
 *
 * - Messages: Σ (3 + tok(role) + tok(content) [+ tok(name) + 1]) + 3. Validated against the API by
 *   the OpenAI cookbook (129 cl100k / 124 o200k on its example) and pinned in unit tests. Reasoning
 *   models prime the reply with one token less (+ 2): every recorded message-only request of o3-mini,
 *   gpt-5 and gpt-5.6 is exact with 2 and one token high with 3 (bench/results/tokenCalibration.md).
 * - Tool definitions: tok(TypeScript namespace rendering) + a fixed overhead that depends on whether
 *   the request already has a system message (the definitions join it) or not (a system message is
 *   added). Fitted on the recorded `prompt_tokens` of real requests (test/fixtures/transcripts/
 *   openai_chat/pydai_*: gpt-4o-2024-08-06 and gpt-4.1-mini, all exact) and, for cl100k, on the
 *   API-validated cases of hmarr/openai-chat-tokens (gpt-3.5-turbo).
 * - Assistant tool calls are rendered as their own message `assistant to=functions.{name}` whose
 *   content is the arguments JSON, and a tool result as a message from `functions.{name}`; each
 *   carries one more token. Exact on the first recorded requests (pydantic-ai's gpt-4o and
 *   gpt-4.1-mini cassettes), but off on many of the 214 in bench/results/tokenCalibration.md
 *   (parallel calls, nested schemas, gpt-5's tool prompt): every count with tools stays `validated: false`.
 */
export function countOpenAIChat(encoder: TiktokenEncoder, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options: OpenAIChatOptions = {}): OpenAIChatCount {
	const tok = (s: string) => (s ? encoder.count(s) : 0);
	// Provider-defined tools (a `kind`) are not functions: the namespace renders only functions.
	const functions = (tools ?? []).filter(t => t.kind === undefined);
	const hasTools = functions.length > 0;
	const overhead = toolOverhead[encoder.name];
	const callNames = new Map<string, string>();
	let validated = !tools || tools.length === 0;
	let paddedSystem = false;

	/** What one message adds (its framing included). */
	const messageTokens = (m: ChatMessageLike): number => {
		let content = m.content;
		if (hasTools && overhead.padSystem && !paddedSystem && isSystemRole(m.role)) {
			content += '\n';
			paddedSystem = true;
		}
		if (m.toolCalls && m.toolCalls.length > 0) {
			validated = false;
			// The text of a message that also calls tools is a message of its own.
			let t = content ? tokensPerMessage + tok(m.role) + tok(content) : 0;
			for (const call of m.toolCalls) {
				if (call.id) callNames.set(call.id, call.name);
				t += tokensPerMessage + tok(`${m.role} to=functions.${call.name}`) + tok(call.arguments) + 1;
			}
			return t;
		}
		if (m.role === 'tool') {
			validated = false;
			const name = (m.toolCallId !== undefined ? callNames.get(m.toolCallId) : undefined) ?? m.name;
			return tokensPerMessage + (name ? tok(`functions.${name}`) : tok(m.role)) + tok(content) + 1;
		}
		if (m.role === 'function') {
			// Legacy function results: hmarr's API-validated rule (name replaces the role, 2 tokens less).
			validated = false;
			return tokensPerMessage + tok(m.role) + tok(content) + (m.name ? tok(m.name) + tokensPerName : 0) - 2;
		}
		return tokensPerMessage + tok(m.role) + tok(content) + (m.name ? tok(m.name) + tokensPerName : 0);
	};

	const perMessage = messages.map(messageTokens);
	let toolTokens = 0;
	if (hasTools) {
		const hasSystem = messages.some(m => isSystemRole(m.role));
		toolTokens = tok(renderFunctionNamespace(functions)) + (hasSystem ? overhead.withSystem : overhead.withoutSystem);
	}
	const tokens = (options.replyPriming ?? 3) + perMessage.reduce((a, b) => a + b, 0) + toolTokens;
	return { tokens, validated, parts: { messages: perMessage, tools: toolTokens } };
}
