import * as assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ProviderError } from '../../../../src/core/providers/providerError';
import type { LlmTransport, ProviderChunk, ProviderId, ProviderRequest, ProviderResponse, SecretSource } from '../../../../src/core/ports/llmTransport';
import { AnthropicTransport } from '../../../../src/node/providers/anthropicTransport';
import type { FakeProviderServer } from '../../../support/fakeProviderServer';
import { OpenAITransport } from '../../../../src/node/providers/openaiTransport';

/** Canary keys: long, unique, and with a recognizable tail so fragments are detectable too. */
export const canary: Record<ProviderId, string> = {
	openai: 'sk-proj-CANARYopenai0123456789abcdefZQX9',
	anthropic: 'sk-ant-api03-CANARYanthropic0123456789ZQX8',
};

export function secretsOf(keys: Partial<Record<ProviderId, string>>): SecretSource {
	return { get: async p => keys[p] };
}

export function transportFor(provider: ProviderId, server: FakeProviderServer, options: { key?: string | null; timeoutMs?: number } = {}): LlmTransport {
	const key = options.key === null ? undefined : (options.key ?? canary[provider]);
	const secrets = secretsOf({ [provider]: key });
	return provider === 'openai'
		? new OpenAITransport({ secrets, baseUrl: server.openaiBaseUrl, timeoutMs: options.timeoutMs })
		: new AnthropicTransport({ secrets, baseUrl: server.anthropicBaseUrl, timeoutMs: options.timeoutMs });
}

export function request(provider: ProviderId, overrides: Partial<ProviderRequest> = {}): ProviderRequest {
	return {
		provider,
		model: provider === 'openai' ? 'gpt-4o-mini' : 'claude-opus-4-6',
		messages: [
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'What is six times seven?' },
		],
		maxOutputTokens: 256,
		temperature: 0,
		stream: true,
		...overrides,
	};
}

export interface Collected {
	readonly chunks: ProviderChunk[];
	readonly response: ProviderResponse;
}

export async function run(transport: LlmTransport, req: ProviderRequest, signal?: AbortSignal, onChunk?: (c: ProviderChunk) => void): Promise<Collected> {
	const chunks: ProviderChunk[] = [];
	const gen = transport.send(req, signal);
	for (;;) {
		const next = await gen.next();
		if (next.done) return { chunks, response: next.value };
		chunks.push(next.value);
		onChunk?.(next.value);
	}
}

/** Runs a call that must fail and returns its ProviderError. */
export async function failure(transport: LlmTransport, req: ProviderRequest, signal?: AbortSignal, onChunk?: (c: ProviderChunk) => void): Promise<ProviderError> {
	try {
		await run(transport, req, signal, onChunk);
	} catch (e) {
		assert.ok(ProviderError.is(e), `expected a ProviderError, got ${inspect(e)}`);
		return e;
	}
	assert.fail('the call succeeded but should have failed');
}

/** Every rendering of the error (message, stack, inspect, JSON) is free of the key and its fragments. */
export function assertNoSecret(e: unknown, key: string): void {
	const renderings = [String(e), (e as Error).stack ?? '', inspect(e, { depth: 8 }), JSON.stringify(e)];
	const fragments = [key, key.slice(0, 12), key.slice(-8)];
	for (const text of renderings) for (const f of fragments) assert.ok(!text.includes(f), `secret fragment ${JSON.stringify(f.slice(0, 4))}… leaked in: ${text.slice(0, 400)}`);
}

export const textOf = (chunks: readonly ProviderChunk[]) =>
	chunks
		.filter((c): c is Extract<ProviderChunk, { type: 'text' }> => c.type === 'text')
		.map(c => c.text)
		.join('');
