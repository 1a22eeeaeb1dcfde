import type { TokenCounter } from '../ports/tokenCounter';
import type { EngineMessage } from './messages';
import { countMessages } from './messages';
import type { CompressionChange, HistoryCompressionResult } from './types';
import { ratioOf } from './types';

/** Counts with the model whose tokenizer measures a compression. */
export interface CountingOptions {
	readonly model: string;
	readonly counter: TokenCounter;
}

/** A compression that changed nothing: the input returned as is, with its count. */
export function unchangedResult(strategy: HistoryCompressionResult['strategy'], messages: readonly EngineMessage[], o: CountingOptions): HistoryCompressionResult {
	const c = countMessages(o.counter, o.model, messages);
	return { strategy, messages, applied: false, tokensBefore: c.tokens, tokensAfter: c.tokens, saved: 0, ratio: 1, exact: c.exact, changes: [] };
}

/** A compression's result with what it saved, measured on both sides. */
export function compressionResult(
	strategy: HistoryCompressionResult['strategy'],
	before: readonly EngineMessage[],
	after: readonly EngineMessage[],
	changes: readonly CompressionChange[],
	o: CountingOptions,
	extra: Partial<HistoryCompressionResult> = {},
): HistoryCompressionResult {
	const b = countMessages(o.counter, o.model, before);
	const a = countMessages(o.counter, o.model, after);
	return {
		strategy,
		messages: after,
		applied: true,
		tokensBefore: b.tokens,
		tokensAfter: a.tokens,
		saved: b.tokens - a.tokens,
		ratio: ratioOf(a.tokens, b.tokens),
		exact: b.exact && a.exact,
		changes,
		...extra,
	};
}
