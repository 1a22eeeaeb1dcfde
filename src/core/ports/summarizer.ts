import type { Usage } from '../pricing/usage';
import type { ChatMessageLike } from '../tokens/types';

/** The result of one summary call. */
export interface SummaryResult {
	readonly text: string;
	/** Token count of the summary when it is an estimate (replay); otherwise the text is counted. */
	readonly tokens?: number;
	readonly usage: Usage;
	readonly estimated: boolean;
}

/** Summarizes older history. Live mode calls `summary_model`; replay uses {@link estimatingSummarizer}. */
export interface Summarizer {
	summarize(request: {
		readonly messages: readonly ChatMessageLike[];
		readonly model: string;
		readonly maxTokens: number;
		readonly inputTokens: number;
		readonly signal?: AbortSignal;
	}): Promise<SummaryResult>;
}
