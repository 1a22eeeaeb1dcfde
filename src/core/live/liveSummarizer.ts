/**
 * The live {@link Summarizer}: compression's "summarize older history" step as a real call to the
 * summary model (`agentCost.compression.summaryModel`, a cheap one by default) through the same
 * transports as every live call. The policy engine reserves and settles its budget; this only
 * makes the call and reports the provider's usage (counted, and flagged, if the server sent none).
 */
import type { Summarizer } from '../ports/summarizer';
import { summaryInstruction, summaryPromptOverheadTokens } from '../compression/history';
import type { TokenCounter } from '../ports/tokenCounter';
import { ProviderError } from '../providers/providerError';
import { collectResponse, type LlmTransport, type ProviderId } from '../ports/llmTransport';
import { defaultProviderOf, estimateUsage } from './liveCalls';

export interface LiveSummarizerDeps {
	readonly transports: Readonly<Partial<Record<ProviderId, LlmTransport>>>;
	readonly counter: TokenCounter;
	readonly providerOf?: (model: string) => ProviderId;
	/** Inactivity timeout of the summary call (default: the transport's). */
	readonly timeoutMs?: number;
}

export function createLiveSummarizer(deps: LiveSummarizerDeps): Summarizer {
	return {
		async summarize({ messages, model, maxTokens, inputTokens, signal }) {
			const provider = (deps.providerOf ?? defaultProviderOf)(model);
			const transport = deps.transports[provider];
			if (!transport) throw new ProviderError('badRequest', `No ${provider} client is configured for the summary model ${model}.`, { provider, model, retryable: false });
			const history = messages.map(m => `${m.role.toUpperCase()}: ${m.content}`).join('\n\n');
			const response = await collectResponse(
				transport.send(
					{
						provider,
						model: provider === 'anthropic' ? model.replace(/^anthropic\//i, '') : model,
						messages: [
							{ role: 'system', content: summaryInstruction },
							{ role: 'user', content: `Conversation to summarize:\n\n${history}` },
						],
						maxOutputTokens: maxTokens,
						temperature: 0,
						stream: false,
						timeoutMs: deps.timeoutMs,
					},
					signal,
				),
			);
			const usage = response.usage ?? estimateUsage(deps.counter, model, inputTokens + summaryPromptOverheadTokens, { text: response.text, toolCalls: [] });
			return { text: response.text, usage, estimated: response.usage === undefined };
		},
	};
}
