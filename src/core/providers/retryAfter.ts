/** Response headers as any SDK hands them over: a getter, a Fetch `Headers`, or a plain record. */
export type HeaderSource = ((name: string) => string | null | undefined) | { get(name: string): string | null } | Readonly<Record<string, unknown>> | undefined | null;

function headerReader(headers: HeaderSource): (name: string) => string | undefined {
	if (!headers) return () => undefined;
	if (typeof headers === 'function') return name => headers(name) ?? undefined;
	if (typeof (headers as { get?: unknown }).get === 'function') return name => (headers as { get(n: string): string | null }).get(name) ?? undefined;
	const h = headers as Readonly<Record<string, unknown>>;
	return name => {
		const v = h[name] ?? h[name.toLowerCase()];
		return typeof v === 'string' ? v : undefined;
	};
}

/** Upper bound for a server-requested wait: beyond it the value is treated as garbage. */
const maxRetryAfterMs = 24 * 60 * 60 * 1000;

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI/Anthropic extension), else
 * `retry-after` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent,
 * unparseable, negative or absurdly large.
 */
export function parseRetryAfter(headers: HeaderSource, nowMs: number): number | undefined {
	const header = headerReader(headers);
	const ms = header('retry-after-ms');
	if (ms != null && ms.trim() !== '') {
		const v = Number(ms);
		if (Number.isFinite(v) && v >= 0 && v <= maxRetryAfterMs) return Math.round(v);
	}
	const ra = header('retry-after');
	if (ra == null || ra.trim() === '') return undefined;
	const trimmed = ra.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) {
		const v = Number(trimmed) * 1000;
		return v <= maxRetryAfterMs ? Math.round(v) : undefined;
	}
	// An HTTP date always has a weekday or month name; this keeps "-3" from parsing as a year.
	if (!/[a-z]{3}/i.test(trimmed)) return undefined;
	const at = Date.parse(trimmed);
	if (Number.isNaN(at)) return undefined;
	const wait = at - nowMs;
	return wait >= 0 && wait <= maxRetryAfterMs ? wait : wait < 0 ? 0 : undefined;
}
