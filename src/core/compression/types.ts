import type { Usage } from '../pricing/usage';
import type { EngineMessage } from './messages';

/** What a history compression did, in terms a UI can list. Indexes refer to the ORIGINAL messages. */
export type CompressionChange =
	| { readonly kind: 'dropped'; readonly from: number; readonly to: number; readonly messages: number; readonly tokens: number }
	| { readonly kind: 'marker'; readonly omitted: number; readonly tokens: number }
	| { readonly kind: 'summarized'; readonly messages: number; readonly tokens: number; readonly summaryTokens: number; readonly estimated: boolean }
	| { readonly kind: 'toolOutputTruncated'; readonly index: number; readonly before: number; readonly after: number; readonly note: string }
	/** An observation replaced by a one-line placeholder (`tool`: what produced it, in a few words). */
	| { readonly kind: 'masked'; readonly index: number; readonly tool: string };

type HistoryStrategy = 'truncate' | 'window' | 'summarize' | 'toolOutputs' | 'observationMask';

/** The result of a history compression with its measured savings. */
export interface HistoryCompressionResult {
	readonly strategy: HistoryStrategy;
	readonly messages: readonly EngineMessage[];
	/** False when nothing needed to change (the input is returned as is). */
	readonly applied: boolean;
	readonly tokensBefore: number;
	readonly tokensAfter: number;
	readonly saved: number;
	/** tokensAfter / tokensBefore. */
	readonly ratio: number;
	/** False when a count is an estimate (≈). */
	readonly exact: boolean;
	readonly changes: readonly CompressionChange[];
	/** Summaries only: what the summary call used (estimated in replay mode). */
	readonly summary?: { readonly model: string; readonly usage: Usage; readonly estimated: boolean };
}

/** A change to a single prompt, for the Compress Prompt preview. */
export interface PromptChange {
	readonly rule: 'lineEndings' | 'whitespace' | 'blankLines' | 'jsonMinify' | 'duplicateLines' | 'filler' | 'wordyPhrases' | 'duplicateSentences';
	readonly count: number;
	readonly description: string;
}

/** The result of compressing a prompt file (or a selection of it): everything a diff preview needs. */
export interface PromptCompressionResult {
	readonly strategy: 'lossless' | 'lossy' | 'summarize';
	/** The compressed range as it was. */
	readonly original: string;
	/** Its replacement (the original when there is nothing to save). */
	readonly text: string;
	/** Tokens of the request the whole file stands for — what the API receives, not the file's raw text. */
	readonly tokensBefore: number;
	readonly tokensAfter: number;
	/** tokensAfter / tokensBefore (1 for an empty prompt or nothing to save). */
	readonly ratio: number;
	readonly exact: boolean;
	readonly changes: readonly PromptChange[];
	/**
	 * `saves`: the request gets smaller. `unchanged`: no rule applied. `noSaving`: the text changed
	 * but the request did not get smaller (only text that is never sent changed).
	 */
	readonly verdict: 'saves' | 'unchanged' | 'noSaving';
	/** One or two sentences: why there is nothing to save, or how the tokens were counted. */
	readonly note?: string;
	/** Lossy only: the target asked for and whether it was reached without touching protected text. */
	readonly targetRatio?: number;
	readonly targetReached?: boolean;
}

export function ratioOf(after: number, before: number): number {
	return before > 0 ? after / before : 1;
}
