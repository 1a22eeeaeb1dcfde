/**
 * Enforce mode's history summaries (compression strategy `summarize`): a call to the summary model
 * through the product's own provider clients, straight to the upstream (not through the gateway).
 * Its key is a stored one when the gateway holds one for that provider, else the key of the agent
 * request being planned — a summary made for an agent's request is paid with that agent's key.
 * Without a usable key the summary fails as `auth`, which the policy answers by truncating instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Summarizer } from '../../core/ports/summarizer';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import type { GatewayProvider } from '../../core/gateway/gatewayRoutes';
import { createLiveSummarizer } from '../../core/live/liveSummarizer';
import type { SecretSource } from '../../core/ports/llmTransport';
import { AnthropicTransport } from '../providers/anthropicTransport';
import { OpenAITransport } from '../providers/openaiTransport';
import { upstreamOf } from './upstream';

/** The key of the agent request in whose plan a summary is made. */
export const planningKey = new AsyncLocalStorage<{ readonly provider: GatewayProvider; readonly key: string }>();

export function gatewaySummarizer(o: {
	readonly upstreams: Readonly<Record<GatewayProvider, string>>;
	readonly storedKey: (provider: GatewayProvider) => string | undefined;
	readonly counter: TokenCounter;
	readonly timeoutMs: number;
}): Summarizer {
	const secrets: SecretSource = {
		get: async provider => {
			const planning = planningKey.getStore();
			return o.storedKey(provider) ?? (planning?.provider === provider ? planning.key : undefined);
		},
	};
	// The SDKs want the OpenAI base with its /v1 and the Anthropic base without.
	const openai = upstreamOf(o.upstreams.openai);
	const anthropic = upstreamOf(o.upstreams.anthropic);
	const transports = {
		openai: new OpenAITransport({ secrets, baseUrl: `${openai.url.origin}${openai.basePath}/v1`, timeoutMs: o.timeoutMs }),
		anthropic: new AnthropicTransport({ secrets, baseUrl: `${anthropic.url.origin}${anthropic.basePath}`, timeoutMs: o.timeoutMs }),
	};
	return createLiveSummarizer({ transports, counter: o.counter, timeoutMs: o.timeoutMs });
}
