import { InputError } from '../lib/errors';

/** An IANA time zone the runtime knows, or an InputError naming it. */
export function checkTimeZone(timeZone: string): string {
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
	} catch {
		throw new InputError('badArgument', `unknown time zone ${JSON.stringify(timeZone)} (an IANA name such as UTC, Europe/Berlin, America/New_York)`);
	}
}

/**
 * Calendar keys of timestamps in one time zone: day `YYYY-MM-DD`, week = the Monday that starts it
 * (ISO weeks), month `YYYY-MM`. Intl formatting is the slow part, so results are cached per quarter
 * hour of UTC time (every zone's offset is a multiple of 15 minutes).
 */
export class TimeBuckets {
	readonly timeZone: string;
	private readonly format: Intl.DateTimeFormat;
	private readonly days = new Map<string, string>();

	constructor(timeZone: string) {
		this.timeZone = checkTimeZone(timeZone);
		this.format = new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
	}

	/** The local date of an ISO timestamp, or undefined when it is not one. */
	day(iso: string | undefined): string | undefined {
		if (iso === undefined) return undefined;
		const cacheKey = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}.*Z$/.test(iso) ? `${iso.slice(0, 13)}:${Math.floor(Number(iso.slice(14, 16)) / 15)}` : undefined;
		if (cacheKey !== undefined) {
			const hit = this.days.get(cacheKey);
			if (hit !== undefined) return hit;
		}
		const t = Date.parse(iso);
		if (Number.isNaN(t)) return undefined;
		const parts = this.format.formatToParts(new Date(t));
		const get = (type: string) => parts.find(p => p.type === type)?.value ?? '';
		const day = `${get('year')}-${get('month')}-${get('day')}`;
		if (cacheKey !== undefined) this.days.set(cacheKey, day);
		return day;
	}

	/** The Monday (YYYY-MM-DD) of the week a local date is in. */
	static weekOf(day: string): string {
		// A malformed day gives NaN parts (as a missing one always did): an invalid date, and toISOString throws.
		const [y = NaN, m = NaN, d = NaN] = day.split('-').map(Number);
		const date = new Date(Date.UTC(y, m - 1, d));
		date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
		return date.toISOString().slice(0, 10);
	}

	static monthOf(day: string): string {
		return day.slice(0, 7);
	}
}

/** Is `s` a calendar date `YYYY-MM-DD` that exists? */
export function isCalendarDate(s: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
	const t = Date.parse(`${s}T00:00:00Z`);
	return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}
