/**
 * Errors the gateway itself answers with, in the shape of the provider the client speaks to, so
 * an agent shows them to its user the way it shows the provider's own: an Anthropic
 * `{"type":"error","error":{"type","message"}}` or an OpenAI `{"error":{"message","type","param","code"}}`.
 */
import type { GatewayProvider } from './gatewayRoutes';

/** Why the gateway answered instead of the provider. */
export type GatewayErrorKind = 'budget' | 'invalidRequest' | 'notFound' | 'tooLarge' | 'auth' | 'upstreamUnreachable' | 'upstreamTimeout' | 'upstreamCut' | 'shuttingDown';

interface Shape {
	readonly status: number;
	readonly anthropicType: string;
	readonly openaiType: string;
	readonly openaiCode: string;
}

/**
 * A budget refusal is a 400 `invalid_request_error`, not a 429 or 402: agents retry 429s (Claude
 * Code and Codex back off and try again for minutes) and show their own canned text for billing
 * errors, while a 400 stops the agent and prints the message — which names the budget and what is left.
 */
const shapes: Readonly<Record<GatewayErrorKind, Shape>> = {
	budget: { status: 400, anthropicType: 'invalid_request_error', openaiType: 'invalid_request_error', openaiCode: 'budget_exceeded' },
	invalidRequest: { status: 400, anthropicType: 'invalid_request_error', openaiType: 'invalid_request_error', openaiCode: 'invalid_request' },
	notFound: { status: 404, anthropicType: 'not_found_error', openaiType: 'invalid_request_error', openaiCode: 'not_found' },
	tooLarge: { status: 413, anthropicType: 'request_too_large', openaiType: 'invalid_request_error', openaiCode: 'request_too_large' },
	auth: { status: 401, anthropicType: 'authentication_error', openaiType: 'invalid_request_error', openaiCode: 'invalid_api_key' },
	upstreamUnreachable: { status: 502, anthropicType: 'api_error', openaiType: 'server_error', openaiCode: 'upstream_unreachable' },
	upstreamTimeout: { status: 504, anthropicType: 'api_error', openaiType: 'server_error', openaiCode: 'upstream_timeout' },
	upstreamCut: { status: 502, anthropicType: 'api_error', openaiType: 'server_error', openaiCode: 'upstream_cut' },
	shuttingDown: { status: 503, anthropicType: 'overloaded_error', openaiType: 'server_error', openaiCode: 'gateway_shutting_down' },
};

export interface WireError {
	readonly status: number;
	/** JSON text. */
	readonly body: string;
}

/** Every message the gateway writes starts with this, so a user knows who answered. */
const gatewayMessagePrefix = 'Agent Cost gateway: ';

export function wireError(provider: GatewayProvider, kind: GatewayErrorKind, message: string): WireError {
	const s = shapes[kind];
	const text = gatewayMessagePrefix + message;
	const body = provider === 'anthropic' ? { type: 'error', error: { type: s.anthropicType, message: text } } : { error: { message: text, type: s.openaiType, param: null, code: s.openaiCode } };
	return { status: s.status, body: JSON.stringify(body) };
}

/**
 * The same error as one SSE event, for a stream whose headers were already sent when the upstream
 * failed (the client then sees an error event in its own protocol instead of a silent cut).
 */
export function wireErrorEvent(provider: GatewayProvider, protocol: 'anthropicMessages' | 'openaiChat' | 'openaiResponses', kind: GatewayErrorKind, message: string): string {
	const s = shapes[kind];
	const text = gatewayMessagePrefix + message;
	if (provider === 'anthropic') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: s.anthropicType, message: text } })}\n\n`;
	if (protocol === 'openaiResponses') return `event: error\ndata: ${JSON.stringify({ type: 'error', code: s.openaiCode, message: text, param: null })}\n\n`;
	return `data: ${JSON.stringify({ error: { message: text, type: s.openaiType, param: null, code: s.openaiCode } })}\n\n`;
}
