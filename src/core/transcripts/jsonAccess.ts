/**
 * Total accessors over untrusted parsed JSON: every importer reads fields through these, so a field
 * of the wrong type reads as "absent" instead of throwing (the fuzz test feeds files with every field
 * type swapped).
 */
import { TranscriptImportError } from './importErrors';

export type JsonRecord = Readonly<Record<string, unknown>>;

const emptyRecord: JsonRecord = Object.freeze({});
const emptyArray: readonly unknown[] = Object.freeze([]);

export function isRecord(v: unknown): v is JsonRecord {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an object, or an empty one. */
export function rec(v: unknown): JsonRecord {
	return isRecord(v) ? v : emptyRecord;
}

/** The value as an array, or an empty one. */
export function arr(v: unknown): readonly unknown[] {
	return Array.isArray(v) ? v : emptyArray;
}

/** A string, or undefined. */
export function str(v: unknown): string | undefined {
	return typeof v === 'string' ? v : undefined;
}

/** A non-empty string, or undefined. */
export function nonEmpty(v: unknown): string | undefined {
	return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A finite number, or undefined. */
export function num(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A finite, non-negative number (token counts, costs), or undefined. */
export function nonNegative(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Any value as display text: strings as is, everything else as JSON. */
export function asText(v: unknown): string {
	if (typeof v === 'string') return v;
	if (v === undefined || v === null) return '';
	try {
		return JSON.stringify(v) ?? '';
	} catch {
		return String(v);
	}
}

/**
 * An ISO timestamp from a string or unix seconds; undefined otherwise. A date-time without a zone
 * (OpenHands writes local time without one) is taken as UTC, so results never depend on the
 * machine's time zone.
 */
export function isoTime(v: unknown): string | undefined {
	if (typeof v === 'string') {
		const text = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(v) ? `${v}Z` : v;
		if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
		const t = Date.parse(text);
		return Number.isNaN(t) ? undefined : text;
	}
	if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e11) {
		const d = new Date(v * 1000);
		return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
	}
	return undefined;
}

/**
 * JSON.parse with a typed error that says where the text stops being JSON (V8's messages carry no
 * position on Node 20, so a small scanner finds it; it only runs after a failure).
 */
export function parseJsonDocument(text: string, file?: string): unknown {
	try {
		return JSON.parse(text);
	} catch (e) {
		const at = locateJsonError(text);
		const details = { file, line: at.line, column: at.column, cause: e };
		if (at.atEnd) throw new TranscriptImportError('truncated', 'the JSON document ends early (the file looks truncated)', details);
		throw new TranscriptImportError('malformed', `invalid JSON: ${at.problem}`, details);
	}
}

interface JsonErrorLocation {
	readonly offset: number;
	readonly line: number;
	readonly column: number;
	/** The text ended while a value was still open. */
	readonly atEnd: boolean;
	readonly problem: string;
}

/** Finds the first syntax error of `text` (which JSON.parse rejected). */
export function locateJsonError(text: string): JsonErrorLocation {
	let i = 0;
	const n = text.length;
	class Stop {
		constructor(
			readonly offset: number,
			readonly problem: string,
		) {}
	}
	const fail = (problem: string): never => {
		throw new Stop(i, problem);
	};
	const ws = () => {
		while (i < n) {
			const c = text.charCodeAt(i);
			if (c === 32 || c === 9 || c === 10 || c === 13) i++;
			else break;
		}
	};
	const literal = (word: string) => {
		if (text.startsWith(word, i)) i += word.length;
		else fail(word.startsWith(text.slice(i)) ? 'unexpected end' : `unexpected character ${JSON.stringify(text[i])}`);
	};
	const string = () => {
		i++; // opening quote
		while (i < n) {
			const c = text.charCodeAt(i);
			if (c === 34) {
				i++;
				return;
			}
			if (c === 92) {
				i++;
				if (i >= n) break;
				const e = text[i]!;
				if (e === 'u') {
					if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(i + 5 > n ? 'unexpected end' : 'bad \\u escape');
					i += 5;
				} else if ('"\\/bfnrt'.includes(e)) i++;
				else fail(`bad escape \\${e}`);
			} else if (c < 32) fail('control character in string');
			else i++;
		}
		fail('unexpected end');
	};
	const number = () => {
		const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
		if (!m) fail(`unexpected character ${JSON.stringify(text[i])}`);
		else i += m[0].length;
	};
	const key = () => {
		ws();
		if (i >= n) fail('unexpected end');
		if (text[i] !== '"') fail(`expected a property name, found ${JSON.stringify(text[i])}`);
		string();
		ws();
		if (i >= n) fail('unexpected end');
		if (text[i] !== ':') fail(`expected ':' after a property name, found ${JSON.stringify(text[i])}`);
		i++;
	};
	// An explicit stack instead of recursion: deeply nested garbage must not overflow.
	const stack: ('{' | '[')[] = [];
	let atEnd = false;
	let problem = 'unknown syntax error';
	let offset = n;
	try {
		let expectValue = true;
		for (;;) {
			ws();
			if (expectValue) {
				if (i >= n) fail('unexpected end');
				const c = text[i];
				if (c === '{' || c === '[') {
					i++;
					ws();
					if (text[i] === (c === '{' ? '}' : ']')) {
						i++;
						expectValue = false;
					} else {
						stack.push(c);
						if (c === '{') key();
					}
					continue;
				}
				if (c === '"') string();
				else if (c === 't') literal('true');
				else if (c === 'f') literal('false');
				else if (c === 'n') literal('null');
				else number();
				expectValue = false;
				continue;
			}
			if (stack.length === 0) {
				if (i < n) fail(`unexpected ${JSON.stringify(text[i])} after the JSON value`);
				break;
			}
			if (i >= n) fail('unexpected end');
			const top = stack[stack.length - 1];
			const c = text[i];
			if (c === ',') {
				i++;
				if (top === '{') key();
				expectValue = true;
			} else if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
				stack.pop();
				i++;
			} else fail(`expected ',' or '${top === '{' ? '}' : ']'}', found ${JSON.stringify(c)}`);
		}
	} catch (e) {
		if (!(e instanceof Stop)) throw e;
		offset = Math.min(e.offset, n);
		problem = e.problem;
		atEnd = e.problem === 'unexpected end';
	}
	let line = 1;
	let lineStart = 0;
	for (let k = 0; k < offset; k++) {
		if (text.charCodeAt(k) === 10) {
			line++;
			lineStart = k + 1;
		}
	}
	return { offset, line, column: offset - lineStart + 1, atEnd, problem };
}
