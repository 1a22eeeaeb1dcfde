import type { RecordSink } from '../ports/recordSink';
/**
 * What one live call leaves behind: everything needed to replay it (messages as sent, tools,
 * parameters, answer) and to account for it (usage, cost, whether either is an estimate, routing,
 * budget and cache decisions, every attempt). One JSON line per call.
 *
 * Provisional line format (`"kind":"liveCall","v":1`) until the product's recording format
 * (`src/core/transcripts/recording.ts`, being designed for the importers) exists; a recorder can
 * then map this record onto it. Never contains an API key: keys are not part of any field.
 */
import type { CallStatus } from '../metrics/agentMetrics';
import type { Usage } from '../pricing/usage';
import type { FinishReason, ProviderId, ProviderMessage, ProviderToolCall } from '../ports/llmTransport';
import type { AttemptRecord } from '../routing/fallback';
import type { ToolDefinitionLike } from '../tokens/types';
import type { PolicyDecisionRecord } from '../transcripts/recording';

export interface LiveCallRecord {
	readonly kind: 'liveCall';
	readonly v: 1;
	readonly id: string;
	readonly runId: string;
	readonly step?: number;
	/** ISO 8601. */
	readonly startedAt: string;
	readonly endedAt: string;
	readonly status: CallStatus;
	readonly provider?: ProviderId;
	/** The model that answered (or the last one tried). */
	readonly model: string;
	/** The model routing chose before budget downgrades and fallbacks. */
	readonly routedModel?: string;
	readonly downgradedFrom?: string;
	readonly cache?: 'exact' | 'semantic';
	/** As sent, after compression (the agent's originals when the call never got that far). */
	readonly messages: readonly ProviderMessage[];
	/** The agent's own messages, when the policies sent something else (compression, truncated tool outputs). */
	readonly requestMessages?: readonly ProviderMessage[];
	/** The policy step's decision (absent when the call failed before one was made). */
	readonly policy?: PolicyDecisionRecord;
	/** The model the request named before routing, and whether the user pinned it. */
	readonly requested?: { readonly model: string; readonly pinned: boolean };
	readonly tools?: readonly ToolDefinitionLike[];
	readonly params: { readonly maxOutputTokens?: number; readonly temperature?: number };
	readonly response?: {
		readonly text: string;
		readonly toolCalls: readonly ProviderToolCall[];
		readonly finishReason: FinishReason;
		/** The model id the provider reported (often a dated snapshot). */
		readonly servedModel?: string;
		readonly responseId?: string;
		readonly requestId?: string;
	};
	/** What the call was charged with (summed over billed attempts of the model); absent when nothing was billed. */
	readonly usage?: Usage;
	/** `provider`: reported; `estimated`: counted (missing usage, cut or cancelled stream). */
	readonly usageSource?: 'provider' | 'estimated';
	/** Undefined when nothing was charged or the model has no price. */
	readonly costUsd?: number;
	readonly costEstimated: boolean;
	/**
	 * Other provider calls this call paid for, not included in `usage`/`costUsd`: failed attempts
	 * billed before a fallback answered, (`purpose: 'summary'`) the call that summarized older
	 * history before it, and (`purpose: 'embedding'`) the semantic cache's embedding of the request —
	 * also on a cache hit, which is otherwise free.
	 */
	readonly otherCharges?: readonly {
		readonly model: string;
		readonly usage: Usage;
		readonly costUsd?: number;
		readonly estimated: boolean;
		readonly status: CallStatus;
		readonly purpose?: 'summary' | 'embedding';
	}[];
	readonly latencyMs: number;
	readonly attempts: readonly AttemptRecord[];
	readonly error?: { readonly kind: string; readonly reason: string; readonly message: string };
	/** Why: routing rules, cache, compression and budget decisions. */
	readonly explanation: readonly { readonly stage: string; readonly rule: string; readonly text: string }[];
}

/** Where live calls are recorded (the Node side appends JSON lines to a file). */
export type CallRecorder = RecordSink<LiveCallRecord>;
