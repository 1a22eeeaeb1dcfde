// dist/tokenCounter.js: what `agent-cost sessions` counts Claude Code's placeholder outputs with,
// as a bundle of its own, required only when a placeholder needs counting (see
// src/node/sessions/placeholderCounter.ts) — so the sessions bundle never parses rank tables it
// does not use. Only o200k is loaded (the Claude estimate and every current OpenAI model use it;
// cl100k would add ≈20 MB for models Claude Code does not run): the counts equal
// `tokenCounter.countText`'s for those models; a cl100k model is estimated with o200k (≈).
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { TiktokenEncoder } from '../../core/tokens/bytePairEncoder';
import { estimateClaudeText, estimateHeuristicText } from '../../core/tokens/claudeEstimate';
import { encodingForModel, modelFamily } from '../../core/tokens/modelEncoding';

let o200k: TiktokenEncoder | undefined;

function countText(model: string, text: string): ReturnType<TokenCounter['countText']> {
	o200k ??= new TiktokenEncoder('o200k_base', o200kRanks);
	const encoding = encodingForModel(model);
	if (encoding === 'o200k_base') return { tokens: o200k.count(text), exact: true, method: encoding };
	if (modelFamily(model) === 'claude') return { tokens: estimateClaudeText(o200k, text), exact: false, method: 'claude-estimate' };
	return { tokens: estimateHeuristicText(o200k, text), exact: false, method: 'heuristic-estimate' };
}

/** Text counting only: placeholder outputs are texts, never chats. */
export const tokenCounter: TokenCounter = {
	countText,
	countChat() {
		throw new Error('dist/tokenCounter.js counts texts only');
	},
};
