const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The budget day (`YYYY-MM-DD`) that an instant falls in, in an IANA time zone (UTC by default).
 * A day boundary is local midnight, so DST days are 23 or 25 hours long, as users expect.
 * @throws RangeError for an unknown zone (settings are validated by `parseEngineConfig` first).
 */
export function dayKey(atMs: number, timeZone = 'UTC'): string {
	if (timeZone === 'UTC') return new Date(atMs).toISOString().slice(0, 10);
	let f = formatters.get(timeZone);
	if (!f) {
		// Formatter construction costs ~50 µs; budget checks run per call, so formatters are kept.
		f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
		formatters.set(timeZone, f);
	}
	let y = '',
		m = '',
		d = '';
	for (const p of f.formatToParts(atMs)) {
		if (p.type === 'year') y = p.value;
		else if (p.type === 'month') m = p.value;
		else if (p.type === 'day') d = p.value;
	}
	return `${y.padStart(4, '0')}-${m}-${d}`;
}
