/**
 * What a request to the gateway is: the run and workspace prefixes a user can put in a base URL,
 * then which provider endpoint it is. Pure; the Node server feeds it the request line and headers.
 *
 * Base URLs the gateway understands (any prefix is optional, in any order, each at most once):
 *
 *   http://127.0.0.1:PORT                       ANTHROPIC_BASE_URL
 *   http://127.0.0.1:PORT/v1                    OPENAI_BASE_URL
 *   http://127.0.0.1:PORT/run/<name>/v1         every call of this base URL belongs to run <name>
 *   http://127.0.0.1:PORT/w/<key>/…             record into the workspace registered as <key>
 */

export type GatewayProvider = 'anthropic' | 'openai';

/**
 * The key value an agent sends to have the gateway put a stored key in its place ("Copy Agent
 * Environment" sets it when keys are injected): no real key then lives in the agent's environment.
 */
export const gatewayKeyPlaceholder = 'agent-cost-gateway';

/** A provider endpoint the gateway accounts for (`call` endpoints) or just forwards. */
type GatewayEndpoint = 'messages' | 'chat' | 'responses' | 'countTokens' | 'models' | 'other';

/** The wire protocol of a billed call. */
export type CallProtocol = 'anthropicMessages' | 'openaiChat' | 'openaiResponses';

export interface GatewayTarget {
	readonly provider: GatewayProvider;
	readonly endpoint: GatewayEndpoint;
	/** Set for the billed endpoints. */
	readonly protocol?: CallProtocol;
}

export interface GatewayPath {
	/** The path as the provider sees it (prefixes removed), query string included. */
	readonly upstreamPath: string;
	/** Without the query string. */
	readonly pathname: string;
	readonly runName?: string;
	readonly workspaceKey?: string;
}

/** Run names and workspace keys: what fits in a URL segment and a file name unchanged. */
const segmentName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** The prefixes of a request target, or why they are unusable. Never throws. */
export function parseGatewayPath(target: string): { readonly ok: true; readonly path: GatewayPath } | { readonly ok: false; readonly message: string } {
	const q = target.indexOf('?');
	const pathname = q < 0 ? target : target.slice(0, q);
	const query = q < 0 ? '' : target.slice(q);
	if (!pathname.startsWith('/')) return { ok: false, message: `the request target ${JSON.stringify(target.slice(0, 80))} is not a path` };
	const segments = pathname.split('/').slice(1);
	let runName: string | undefined;
	let workspaceKey: string | undefined;
	while (segments.length >= 2 && (segments[0] === 'run' || segments[0] === 'w')) {
		const kind = segments.shift();
		let value: string;
		try {
			value = decodeURIComponent(segments.shift() ?? '');
		} catch {
			return { ok: false, message: `the /${kind}/ segment of the URL is not valid percent-encoding` };
		}
		if (!segmentName.test(value)) {
			return { ok: false, message: `"${value.slice(0, 80)}" cannot name a ${kind === 'run' ? 'run' : 'workspace'}: use 1–80 letters, digits, ".", "_" or "-", starting with a letter or digit` };
		}
		if (kind === 'run') {
			if (runName !== undefined) return { ok: false, message: 'the URL names two runs (/run/<name>/ twice)' };
			runName = value;
		} else {
			if (workspaceKey !== undefined) return { ok: false, message: 'the URL names two workspaces (/w/<key>/ twice)' };
			workspaceKey = value;
		}
	}
	const rest = '/' + segments.join('/');
	return { ok: true, path: { upstreamPath: rest + query, pathname: rest, ...(runName !== undefined && { runName }), ...(workspaceKey !== undefined && { workspaceKey }) } };
}

/** Header lookup by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/** Anthropic clients send `x-api-key` and `anthropic-version`; OpenAI clients a Bearer token. */
function providerOfHeaders(header: HeaderLookup): GatewayProvider {
	return header('x-api-key') !== undefined || header('anthropic-version') !== undefined ? 'anthropic' : 'openai';
}

/** Which endpoint a request is, from its method, prefix-free path and headers. */
export function classifyTarget(method: string, pathname: string, header: HeaderLookup): GatewayTarget {
	const p = pathname.replace(/\/+$/, '');
	if (method === 'POST') {
		if (p === '/v1/messages') return { provider: 'anthropic', endpoint: 'messages', protocol: 'anthropicMessages' };
		if (p === '/v1/messages/count_tokens') return { provider: 'anthropic', endpoint: 'countTokens' };
		if (p === '/v1/chat/completions') return { provider: 'openai', endpoint: 'chat', protocol: 'openaiChat' };
		if (p === '/v1/responses') return { provider: 'openai', endpoint: 'responses', protocol: 'openaiResponses' };
	}
	if (method === 'GET' && (p === '/v1/models' || p.startsWith('/v1/models/'))) return { provider: providerOfHeaders(header), endpoint: 'models' };
	return { provider: providerOfHeaders(header), endpoint: 'other' };
}

/** The provider whose protocol a call speaks. */
export function providerOfProtocol(protocol: CallProtocol): GatewayProvider {
	return protocol === 'anthropicMessages' ? 'anthropic' : 'openai';
}
