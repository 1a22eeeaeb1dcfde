import * as assert from 'node:assert/strict';
import { EngineError } from '../../../../src/core/lib/errors';
import { isRetryableReason, ProviderError, type ProviderErrorReason } from '../../../../src/core/providers/providerError';
import { classifyFailure } from '../../../../src/core/providers/providerFailure';
import { parseRetryAfter } from '../../../../src/core/providers/retryAfter';
import { displayUrl, redactedMarker, scrubSecrets } from '../../../../src/core/providers/scrubSecrets';

const headers = (h: Record<string, string>) => (name: string) => h[name];
const now = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('ProviderError', () => {
	it('is an EngineError with a reason, a default retryability per reason, and an override', () => {
		const e = new ProviderError('rateLimit', 'OpenAI rate-limited the call', { provider: 'openai', model: 'gpt-4o', status: 429, retryAfterMs: 2000 });
		assert.ok(e instanceof EngineError);
		assert.equal(e.kind, 'provider');
		assert.equal(e.name, 'ProviderError');
		assert.equal(e.retryable, true);
		assert.equal(e.keyMissing, false);
		assert.ok(ProviderError.is(e));
		assert.ok(ProviderError.is(e, 'rateLimit'));
		assert.ok(!ProviderError.is(e, 'server'));
		assert.ok(!ProviderError.is(new Error('rateLimit')));
		assert.equal(new ProviderError('server', 'x', { provider: 'anthropic', model: 'm', retryable: false }).retryable, false);
	});

	it('retryable by default: rateLimit, server, timeout, network — nothing else', () => {
		const all: ProviderErrorReason[] = ['auth', 'quota', 'rateLimit', 'server', 'timeout', 'network', 'badResponse', 'cancelled', 'badRequest'];
		assert.deepEqual(all.filter(isRetryableReason), ['rateLimit', 'server', 'timeout', 'network']);
	});
});

describe('parseRetryAfter', () => {
	it('reads retry-after-ms first, then retry-after seconds, then an HTTP date', () => {
		assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now), 1500);
		assert.equal(parseRetryAfter(headers({ 'retry-after': '9' }), now), 9000);
		assert.equal(parseRetryAfter(headers({ 'retry-after': '0.5' }), now), 500);
		assert.equal(parseRetryAfter(headers({ 'retry-after': new Date(now + 30_000).toUTCString() }), now), 30_000);
	});

	it('a date in the past means "now"; absent, garbage, negative or absurd values mean unknown', () => {
		assert.equal(parseRetryAfter(headers({ 'retry-after': new Date(now - 5000).toUTCString() }), now), 0);
		assert.equal(parseRetryAfter(headers({}), now), undefined);
		assert.equal(parseRetryAfter(headers({ 'retry-after': 'soon' }), now), undefined);
		assert.equal(parseRetryAfter(headers({ 'retry-after': '-3' }), now), undefined);
		assert.equal(parseRetryAfter(headers({ 'retry-after': '99999999' }), now), undefined);
		assert.equal(parseRetryAfter(headers({ 'retry-after-ms': 'NaN', 'retry-after': '2' }), now), 2000, 'a bad ms header falls back to retry-after');
	});
});

describe('scrubSecrets', () => {
	const key = 'sk-proj-AbCdEf0123456789GhIjKlMn';

	it('removes the exact keys in use, however often they appear', () => {
		const out = scrubSecrets(`key ${key} and again ${key}!`, [key]);
		assert.equal(out, `key ${redactedMarker} and again ${redactedMarker}!`);
	});

	it('removes masked fragments providers echo, and key-shaped tokens it was not told about', () => {
		const openaiEcho = 'Incorrect API key provided: sk-pro**********KlMn. You can find your API key at https://platform.openai.com/account/api-keys.';
		const out = scrubSecrets(openaiEcho);
		assert.ok(!out.includes('KlMn') && !out.includes('sk-pro'), out);
		assert.match(out, /^Incorrect API key provided: \[redacted\]\. You can find your API key at https:\/\/platform\.openai\.com\/account\/api-keys\.$/);
		assert.equal(scrubSecrets('using sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZ now'), `using ${redactedMarker} now`);
		assert.equal(scrubSecrets('Authorization: Bearer abc.def.ghi'), `Authorization: Bearer ${redactedMarker}`);
		assert.equal(scrubSecrets('header x-api-key: secret123'), `header x-api-key: ${redactedMarker}`);
	});

	it('removes partial keys echoed without asterisks and keys echoed in base64 (a Basic auth header, a config blob)', () => {
		const partial = scrubSecrets(`bad key sk-proj-AbCdEf0123…KlMn, middle 0123456789GhIj here`, [key]);
		assert.ok(!partial.includes('AbCdEf0123') && !partial.includes('0123456789GhIj'), partial);
		assert.equal(partial, `bad key ${redactedMarker}…KlMn, middle ${redactedMarker} here`);
		// Only the public prefix, shared by every key of the kind, is not a leak.
		assert.equal(scrubSecrets('keys start with sk-proj- as documented', [key]), 'keys start with sk-proj- as documented');
		for (const echo of [Buffer.from(key).toString('base64'), Buffer.from(`user:${key}`).toString('base64'), Buffer.from(`ab${key}xyz`).toString('base64')]) {
			const out = scrubSecrets(`Authorization: Basic ${echo} was rejected; raw ${echo}`, [key]);
			const decoded = out.match(/[A-Za-z0-9+/=]{12,}/g)?.map(b => Buffer.from(b, 'base64').toString('latin1')) ?? [];
			assert.ok(!decoded.some(d => d.includes('0123456789')), `${echo} → ${out}`);
			assert.ok(!out.includes(echo), out);
		}
	});

	it('leaves ordinary error text alone', () => {
		const text = 'Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1.';
		assert.equal(scrubSecrets(text, [key]), text);
		assert.equal(scrubSecrets('prompt is too long: 250000 tokens > 200000 maximum'), 'prompt is too long: 250000 tokens > 200000 maximum');
	});

	it('ignores empty or tiny "secrets" instead of shredding the text', () => {
		assert.equal(scrubSecrets('a b c', ['', 'a', undefined]), 'a b c');
	});
});

describe('displayUrl', () => {
	it('drops user info, query and fragment, where gateways put keys', () => {
		assert.equal(displayUrl('https://user:pw@gw.example.com/openai/v1?api-key=secret#x'), 'https://gw.example.com/openai/v1');
		assert.equal(displayUrl('http://127.0.0.1:8080/v1'), 'http://127.0.0.1:8080/v1');
		assert.equal(displayUrl('not a url'), '(invalid URL)');
	});
});

describe('classifyFailure (the one failure vocabulary)', () => {
	const err = (reason: ProviderErrorReason, extra: { retryable?: boolean; retryAfterMs?: number; status?: number } = {}) =>
		new ProviderError(reason, `m ${reason}`, { provider: 'openai', model: 'gpt-4o', ...extra });

	it('keeps a ProviderError as it is: reason, status, retry-after, retryability and message', () => {
		assert.deepEqual(classifyFailure(err('rateLimit', { status: 429, retryAfterMs: 1200 }), 0), { reason: 'rateLimit', status: 429, retryAfterMs: 1200, retryable: true, message: 'm rateLimit' });
		const reasons = (['auth', 'quota', 'rateLimit', 'server', 'timeout', 'unreachable', 'network', 'badResponse', 'cancelled', 'badRequest'] as const).map(r => classifyFailure(err(r), 0).reason);
		assert.deepEqual(reasons, ['auth', 'quota', 'rateLimit', 'server', 'timeout', 'unreachable', 'network', 'badResponse', 'cancelled', 'badRequest']);
	});

	it('a server that said "do not retry" is not retryable', () => {
		assert.equal(classifyFailure(err('server', { status: 503, retryable: false }), 0).retryable, false);
	});

	it('reads raw SDK and socket errors by status, headers and codes, never by message text', () => {
		const http = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error('whatever the text says'), { status, headers });
		assert.equal(classifyFailure(http(500)).reason, 'server');
		assert.equal(classifyFailure(http(529)).reason, 'server');
		assert.equal(classifyFailure(http(429, { 'retry-after': '2' })).retryAfterMs, 2000);
		assert.equal(classifyFailure(http(401)).reason, 'auth');
		assert.equal(classifyFailure(http(402)).reason, 'quota');
		assert.equal(classifyFailure(http(400)).reason, 'badRequest');
		assert.equal(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' })).reason, 'network');
		assert.equal(classifyFailure(Object.assign(new Error('x'), { code: 'ENOTFOUND' })).reason, 'unreachable');
		assert.equal(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).reason, 'unreachable');
		assert.equal(classifyFailure(Object.assign(new Error('x'), { name: 'TimeoutError' })).reason, 'timeout');
		assert.equal(classifyFailure(new Error('rate limit exceeded')).reason, 'other');
	});
});
