import type { TokenCounter } from '../../core/ports/tokenCounter';
import { PromptCounter } from '../../core/transcripts/importSupport';

/**
 * Counts the text of a Claude Code response whose recorded output is a streaming placeholder, the
 * way `agent-cost report` does (≈ o200k × Claude's calibration). The tokenizer is loaded on the
 * first count only (`load`): its rank tables cost ≈0.2 s and ≈60 MB, which a run without
 * placeholders (Codex, Gemini, pi logs) never pays.
 */
export function placeholderCounter(load: () => TokenCounter): (model: string, text: string) => number {
	let prompts: PromptCounter | undefined;
	return (model, text) => {
		prompts ??= new PromptCounter(load());
		return prompts.text(model, text).tokens;
	};
}
