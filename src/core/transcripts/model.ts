/**
 * The canonical transcript model: every importer (Claude Code, HTTP recordings, SWE-agent, …) lands
 * on these types, and everything downstream (cost accounting, the CLI report, the replay simulator,
 * the webview) reads only these. Everything is plain JSON: no Dates, Maps or class instances, so a
 * transcript crosses to the webview and to `agent-cost report --json` unchanged.
 */
import type { Usage } from '../pricing/usage';
import type { ChatMessageLike, ToolDefinitionLike } from '../tokens/types';
import type { PolicyDecisionRecord } from './recording';

/** The file formats the importers read. */
export type TranscriptFormat =
	| 'claude-code'
	| 'codex-rollout'
	| 'gemini-cli'
	| 'pi-session'
	| 'http-recording'
	| 'openai-chat-messages'
	| 'swe-agent'
	| 'mini-swe-agent'
	| 'openhands-trajectory'
	| 'openhands-eval'
	| 'inspect-ai'
	| 'aider'
	| 'agent-cost-recording';

/** Every format, in the order auto-detection tries them (listed in "unknown format" errors). */
export const transcriptFormats: readonly TranscriptFormat[] = [
	'agent-cost-recording',
	'claude-code',
	'codex-rollout',
	'gemini-cli',
	'pi-session',
	'http-recording',
	'mini-swe-agent',
	'swe-agent',
	'openhands-eval',
	'openhands-trajectory',
	'inspect-ai',
	'openai-chat-messages',
	'aider',
];

/** Wire dialects of one request/response pair (HTTP recordings mix them per interaction). */
export type ApiDialect = 'anthropic-messages' | 'openai-chat' | 'openai-responses' | 'gemini';

/**
 * Where a call's `usage` came from:
 * - `recorded`: the provider's own numbers, as written in the file (normalized).
 * - `counted`: the format has no per-call usage; the engine counted the recorded messages
 *   (an estimate whenever the prompt is incomplete or the tokenizer is not exact; see `usageNotes`).
 * - `rounded`: the format prints rounded counts (aider's `2.4k sent`); `usageRange` gives the bounds.
 * - `placeholder-output`: input and cache numbers are recorded, but the recorded output is a
 *   streaming snapshot (Claude Code's 1–3 tokens); `usage.output` = max(recorded, ≈counted content)
 *   and `recordedUsage` keeps what the file said.
 */
export type UsageSource = 'recorded' | 'counted' | 'rounded' | 'placeholder-output';

export interface ToolCall {
	readonly id: string;
	readonly name: string;
	/** The arguments as the model produced them (a JSON string for function calls). */
	readonly arguments: string;
}

export interface ToolResult {
	readonly toolCallId: string;
	readonly content: string;
	readonly isError?: boolean;
}

/**
 * One message of a prompt, in the engine's neutral shape (a `ChatMessageLike` and structurally an
 * `EngineMessage`, so the token counter and the compression policies take it as is). `content` is
 * the text: text blocks joined, tool results' text, images as a placeholder; tool calls are in
 * `toolCalls` (not in `content`), as the counter renders them the provider's way.
 */
export interface TranscriptMessage extends ChatMessageLike {
	readonly role: string;
	readonly content: string;
	readonly name?: string;
	readonly toolCalls?: readonly ToolCall[];
	/** Assistant messages: ids of the tool calls they make. */
	readonly toolCallIds?: readonly string[];
	/** Tool results: the (first) call answered — what the counter reads. */
	readonly toolCallId?: string;
	/** Tool results (OpenAI `tool` messages, Anthropic `tool_result` blocks): every call id answered. */
	readonly toolResultIds?: readonly string[];
	/** Reasoning/thinking the message carries. Not in `content`: providers drop most of it from later prompts. */
	readonly reasoning?: string;
	/**
	 * What a tool or the environment returned to the agent, whatever role the format gives it: tool
	 * messages, Anthropic `tool_result` blocks, mini-SWE-agent/SWE-agent `user` observations, OpenHands
	 * observations, aider command output added to the chat. Compression strategies act on these
	 * (see `isObservation` in `compression/messages.ts`).
	 */
	readonly observation?: boolean;
}

/**
 * The prompt of one call.
 * - `full`: `messages` is the complete prompt that was sent (system message first, when any).
 * - `delta`: the prompt is the previous call of the same `thread` — its prompt, then its output as
 *   an assistant message — followed by `messages`. The first call of a thread has no previous one:
 *   its prompt is `messages` alone.
 * `unrecorded` says what the provider received that the file does not contain (e.g. Claude Code's
 * system prompt and tool definitions); `reconstructed` marks prompts rebuilt from agent events
 * rather than recorded request bodies.
 */
export type CallInput =
	| {
			readonly kind: 'full';
			readonly messages: readonly TranscriptMessage[];
			readonly tools?: readonly ToolDefinitionLike[];
			readonly unrecorded?: string;
			readonly reconstructed?: boolean;
	  }
	| {
			readonly kind: 'delta';
			readonly messages: readonly TranscriptMessage[];
			readonly tools?: readonly ToolDefinitionLike[];
			readonly unrecorded?: string;
			readonly reconstructed?: boolean;
	  };

export interface CallOutput {
	readonly text: string;
	readonly reasoning?: string;
	readonly toolCalls: readonly ToolCall[];
	readonly stopReason?: string;
}

/** A subagent / sidechain call keeps who made it. */
export interface SidechainInfo {
	/** Claude Code `agentId`, or another format's subagent name. */
	readonly agentId: string;
	/** The parent's tool call that started the subagent (Claude Code `Task`), when known. */
	readonly parentToolUseId?: string;
	/** `compaction`: the agent that wrote a compaction summary (Claude Code `agent-acompact-*`). */
	readonly kind: 'subagent' | 'compaction';
}

/** Min/max of usage printed rounded (aider): the exact numbers lie in between. */
export interface UsageRange {
	readonly low: Usage;
	readonly high: Usage;
}

/** One LLM API call. */
export interface LlmCall {
	/** Position in `Transcript.calls` (0-based). */
	readonly index: number;
	/** The provider's response id (`msg_…`, `chatcmpl-…`, `gen-…`, `resp_…`) when known. */
	readonly id?: string;
	/** Claude Code `requestId` / HTTP request id when known. */
	readonly requestId?: string;
	/** The model as recorded (the response's model when the file has one); '' when unknown. */
	readonly model: string;
	/**
	 * How `model` was found: in the call, in the run's config, from the run's other calls (a call
	 * the format records without its model), guessed from the file name, given by the user, or not at all.
	 */
	readonly modelSource: 'recorded' | 'config' | 'run' | 'fileName' | 'option' | 'unknown';
	/** Provider id for pricing ("anthropic", "openai", "google", "openrouter"…) when the format tells. */
	readonly provider?: string;
	/** Calls of one conversation thread share it: 'main', or a subagent id. Delta inputs chain along it. */
	readonly thread: string;
	readonly sidechain?: SidechainInfo;
	/** Absent when the import kept no content (streaming summary mode). */
	readonly input?: CallInput;
	readonly output?: CallOutput;
	/** Results of this call's tool calls, as the agent recorded them. */
	readonly toolResults?: readonly ToolResult[];
	/** ISO-8601 timestamps, when the format has them. */
	readonly startedAt?: string;
	readonly endedAt?: string;
	/** Normalized usage (see `pricing/usage.ts`: `input` is the TOTAL prompt) — what cost is computed from. */
	readonly usage: Usage;
	readonly usageSource: UsageSource;
	/** False when any number in `usage` is an estimate (counted with an inexact tokenizer, rounded, placeholder corrected). */
	readonly usageExact: boolean;
	/** What the file recorded, when `usage` departs from it (placeholder outputs). */
	readonly recordedUsage?: Usage;
	/** Rounded formats: the bounds of the true usage. */
	readonly usageRange?: UsageRange;
	/** Why the numbers are what they are (how counted, what is missing). */
	readonly usageNotes?: readonly string[];
	/** Cost the file recorded for this call (USD). */
	readonly recordedCostUsd?: number;
	/** Rounded recorded cost (aider): the true value lies within ± this many USD. */
	readonly recordedCostTolerance?: number;
	/** 1-based line of the source file where the call starts (line-oriented formats). */
	readonly line?: number;
	/** Live recordings: how the call ended (absent = ok). Failed calls keep whatever usage the provider billed. */
	/** `refused`: the budget stopped the call before it was sent (no usage; a replay decides it again). */
	readonly status?: 'ok' | 'error' | 'cancelled' | 'refused';
	/** Live recordings: answered by the product's response cache, so no provider call was made. */
	readonly servedFrom?: 'exactCache' | 'semanticCache';
	/**
	 * Live recordings: a call the recorded run's own policies made for an agent step rather than the
	 * step itself — the history summary, the semantic cache's embedding. Replays keep it at its
	 * recorded cost (its effect, a summarized history or a cache hit, is in the recording) and never
	 * re-route it or count it as a step.
	 */
	readonly purpose?: CallPurpose;
	/**
	 * The prompt actually sent when the recording product's own policies changed the agent's
	 * (`input`): a replay calibrates the recorded usage against it (recordings only).
	 */
	readonly sent?: CallInput;
	/** The recording product's policy decision for this call (recordings only). */
	readonly policy?: PolicyDecisionRecord;
	/** What the agent asked for before routing (recordings only): a replay decides from it. */
	readonly request?: CallRequest;
}

/** A call's request as the agent made it: the model it named and its parameters. */
export interface CallRequest {
	readonly model?: string;
	/** The user chose `model` explicitly: never routed elsewhere or downgraded. */
	readonly pinned?: boolean;
	readonly maxOutputTokens?: number;
	readonly temperature?: number;
}

export type CallPurpose = 'summary' | 'embedding';

/** Something that happened between calls and changes the conversation. */
export type TranscriptEvent = {
	readonly kind: 'compaction';
	/** The event's own id in the file (Claude Code line uuid…), when any. */
	readonly id?: string;
	readonly at?: string;
	/** Index of the first call after the event (= calls.length when it is the last thing). */
	readonly beforeCall: number;
	readonly thread: string;
	/** 'manual' | 'auto' | 'server' (provider-side compaction) … as the format says. */
	readonly trigger?: string;
	/** Prompt size before compaction, when recorded. */
	readonly preTokens?: number;
	readonly source: 'claude-code' | 'codex-rollout' | 'pi-session' | 'anthropic-iterations' | 'openai-responses' | 'openhands-condenser' | 'agent-cost-recording';
	readonly line?: number;
};

/**
 * Run-level numbers the format records next to (or instead of) per-call usage: SWE-agent
 * `model_stats`, mini-SWE-agent `model_stats`, OpenHands `metrics`, Inspect `stats.model_usage`,
 * aider's session cost. Kept apart from the calls so a report can show both and their difference.
 */
export interface RecordedTotals {
	/** Where the numbers come from, e.g. "info.model_stats". */
	readonly source: string;
	readonly calls?: number;
	/** Normalized like per-call usage; only the fields the format has are meaningful (see `fields`). */
	readonly usage?: Usage;
	readonly fields?: readonly (keyof Usage)[];
	readonly costUsd?: number;
	/** Rounded recorded cost: the true value lies within ± this many USD. */
	readonly costTolerance?: number;
}

/** Stable warning codes (UIs and tests branch on `code`, never on `message`). */
export type TranscriptWarningCode =
	| 'placeholderOutput'
	| 'syntheticMessage'
	| 'countedUsage'
	| 'roundedUsage'
	| 'promptIncomplete'
	| 'modelUnknown'
	| 'modelGuessed'
	| 'zeroStats'
	| 'totalsMismatch'
	| 'costMismatch'
	| 'unpriced'
	| 'unpricedFee'
	| 'noRecordedCost'
	| 'refusedCalls'
	| 'malformedLine'
	| 'truncatedLastLine'
	| 'unsupportedInteraction'
	| 'failedInteraction'
	| 'missingUsage'
	| 'duplicateCall'
	| 'newerVersion';

export interface TranscriptWarning {
	readonly code: TranscriptWarningCode;
	readonly message: string;
	/** 1-based source line, when the warning is about one. */
	readonly line?: number;
	readonly callIndex?: number;
}

/** An imported agent run. */
export interface Transcript {
	readonly format: TranscriptFormat;
	/** Format version when the file states one (`mini-swe-agent-1`, Inspect log `2`, recording `1`…). */
	readonly formatVersion?: string;
	/** HTTP recordings: the wire dialects found, in order of first use. */
	readonly dialects?: readonly ApiDialect[];
	/** File name or path as given to the importer. */
	readonly file?: string;
	/** Session / run / instance id. */
	readonly runId?: string;
	/** The agent and its version when recorded, e.g. "claude-code 2.1.39". */
	readonly agent?: string;
	/** Distinct call models in order of first use ('' excluded). */
	readonly models: readonly string[];
	readonly calls: readonly LlmCall[];
	readonly events: readonly TranscriptEvent[];
	readonly recordedTotals?: RecordedTotals;
	readonly warnings: readonly TranscriptWarning[];
	/** False when the importer dropped message contents to bound memory (streaming summary mode). */
	readonly contentRetained: boolean;
	/**
	 * The run is a demonstration or a replay (SWE-agent demos, `model: replay`): no API call was
	 * billed; its counted usage is what the steps would send. Absent for real runs.
	 */
	readonly demonstration?: boolean;
	readonly startedAt?: string;
	readonly endedAt?: string;
}
