/**
 * Compress Prompt on a whole prompt file (or a selection of it), measured by what the API receives.
 *
 * A prompt file is not what is sent: a Markdown prompt sends its body after the front matter,
 * trimmed; a Prompty file its role sections; a chat JSON file its messages, re-serialized by the
 * SDK. So the rules run only on the prose that is sent — the body, or the text of each message —
 * and the tokens before and after are those of the request the file stands for (the lens's count).
 * Front matter, role markers, JSON keys, numbers and layout are never rewritten, and a change
 * that saves no sent token is reported as "nothing to save", never as a saving.
 */
import type { TokenCounter } from '../ports/tokenCounter';
import { countPromptText } from './promptFile';
import type { PromptFormat } from './promptGlobs';
import { promptMeta } from './promptMeta';
import { proseStringPaths } from '../compression/chatFile';
import { jsonStringValues, replaceJsonStrings, type JsonStringValue } from '../compression/jsonStrings';
import { changeList, losslessText, lossyStages, type RuleCounts } from '../compression/prompt';
import { ratioOf, type PromptCompressionResult } from '../compression/types';

export interface PromptCompressionRequest {
	/** The whole file. */
	readonly text: string;
	/** How the file is sent (`promptFormatOf(fileName)`). */
	readonly format: PromptFormat;
	/** The model whose tokenizer counts. */
	readonly model: string;
	/** Offsets of the selection to compress (`end` exclusive); the whole file when absent. */
	readonly range?: { readonly start: number; readonly end: number };
}

/** A piece of prose the rules may rewrite: its span in the file and its text. */
export interface ProseUnit {
	readonly start: number;
	readonly end: number;
	readonly text: string;
	/** A JSON string literal (re-encoded on write) rather than raw file text. */
	readonly json: boolean;
}

/** The single-prompt strategies, for a quick pick (the live "summarize with the cheap model" is added by the caller once calls exist). */
export const promptCompressionStrategies = [
	{ id: 'lossless', label: 'Lossless', detail: 'Extra whitespace, blank and repeated lines — the meaning is unchanged', offline: true },
	{ id: 'lossy', label: 'Lossy (target ratio)', detail: 'Also drops filler and wordy phrases and repeated sentences; never code, quotes, numbers, identifiers or front matter', offline: true },
] as const;

function jsonUnits(text: string, range: { start: number; end: number }): ProseUnit[] | undefined {
	let values: JsonStringValue[] | undefined;
	let parsed: unknown;
	const whole = jsonStringValues(text);
	if (whole) {
		values = whole;
		parsed = JSON.parse(text);
	} else {
		// JSONL: one message per line.
		values = [];
		const lines: unknown[] = [];
		let offset = 0;
		for (const line of text.split('\n')) {
			if (line.trim() !== '') {
				const found = jsonStringValues(line, [lines.length], offset);
				if (!found) return undefined;
				values.push(...found);
				lines.push(JSON.parse(line));
			}
			offset += line.length + 1;
		}
		parsed = lines;
	}
	const prose = proseStringPaths(parsed);
	return values.filter(v => prose.has(JSON.stringify(v.path)) && v.start >= range.start && v.end <= range.end).map(v => ({ start: v.start, end: v.end, text: v.value, json: true }));
}

/**
 * The prose of a file the rules may rewrite, inside the range: a text prompt's body after the front
 * matter (a Prompty file's role sections included, whose marker lines no rule changes), or the
 * message texts of a chat file. Undefined for a chat file that is not JSON/JSONL.
 */
export function proseUnits(req: PromptCompressionRequest): ProseUnit[] | undefined {
	const range = req.range ?? { start: 0, end: req.text.length };
	if (req.format === 'chat') return jsonUnits(req.text, range);
	const start = Math.max(range.start, promptMeta(req.text).bodyStart);
	return start < range.end ? [{ start, end: range.end, text: req.text.slice(start, range.end), json: false }] : [];
}

/** The file with the units' new texts written in (units whose text did not change, or that `next` has no text for, keep their bytes). */
export function writeUnits(text: string, units: readonly ProseUnit[], next: readonly string[]): string {
	const edits = units.flatMap((u, i) => {
		const value = next[i];
		return value === undefined || value === u.text ? [] : [{ ...u, value }];
	});
	if (edits.length === 0) return text;
	if (edits.every(e => e.json)) return replaceJsonStrings(text, edits);
	let out = '';
	let last = 0;
	for (const e of edits) {
		out += text.slice(last, e.start) + e.value;
		last = e.end;
	}
	return out + text.slice(last);
}

/** Tokens of the request the file stands for, exactly as the lens and `agent-cost count` count it (THE prompt reader). */
function sentTokens(format: PromptFormat, text: string, model: string, counter: TokenCounter) {
	return countPromptText(counter, model, text, format);
}

const chatLayoutNote = 'The JSON layout (indentation, line breaks) is not a saving: the messages are re-serialized before sending.';

/**
 * The verdict on a compressed file: before/after in sent tokens, and "nothing to save" (with why)
 * when the text did not change or the request did not get smaller — then `text` is the original.
 */
export function compressionOutcome(
	req: PromptCompressionRequest,
	counter: TokenCounter,
	strategy: PromptCompressionResult['strategy'],
	compressed: string,
	changes: RuleCounts,
	extra: { readonly targetRatio?: number } = {},
): PromptCompressionResult {
	const range = req.range ?? { start: 0, end: req.text.length };
	const original = req.text.slice(range.start, range.end);
	const before = sentTokens(req.format, req.text, req.model, counter);
	const after = compressed === req.text ? before : sentTokens(req.format, compressed, req.model, counter);
	const exact = before.exact && after.exact;
	const base = { strategy, original, exact, tokensBefore: before.tokens, ...(extra.targetRatio !== undefined && { targetRatio: extra.targetRatio }) };
	const chat = req.format === 'chat';
	if (before.problem !== undefined) {
		return { ...base, text: original, tokensAfter: before.tokens, ratio: 1, changes: [], verdict: 'unchanged', note: `Nothing to save: nothing is sent from this file (${before.problem}).` };
	}
	if (compressed === req.text || after.tokens >= before.tokens) {
		const what =
			compressed === req.text
				? strategy === 'lossless'
					? `the ${chat ? 'message texts have' : 'prompt has'} no extra whitespace, blank or repeated lines`
					: `the ${chat ? 'message texts have' : 'prompt has'} no filler, wordy phrases or repeated sentences a rule may remove${strategy === 'summarize' ? '' : ' without changing the meaning'}`
				: `the API receives ${before.tokens.toLocaleString('en-US')} tokens either way (the changes touch only text that is not sent${chat ? '' : ', such as blank lines around the prompt'})`;
		return {
			...base,
			text: original,
			tokensAfter: before.tokens,
			ratio: 1,
			changes: [],
			verdict: compressed === req.text ? 'unchanged' : 'noSaving',
			note: `Nothing to save: ${what}.${chat ? ` ${chatLayoutNote}` : ''}`,
			...(extra.targetRatio !== undefined && { targetReached: false }),
		};
	}
	const delta = compressed.length - req.text.length;
	const ratio = ratioOf(after.tokens, before.tokens);
	return {
		...base,
		text: compressed.slice(range.start, range.end + delta),
		tokensAfter: after.tokens,
		ratio,
		changes: changeList(changes),
		verdict: 'saves',
		...(chat && { note: `Counted as sent: the message texts. ${chatLayoutNote}` }),
		...(extra.targetRatio !== undefined && { targetReached: ratio <= extra.targetRatio }),
	};
}

/**
 * Lossless or lossy compression of a prompt file (or the selection `range` of it). Lossy applies its
 * stages, mildest first, until the sent tokens are at most `targetRatio` of the original; a stage
 * that would not make the request smaller is skipped.
 */
export function compressPromptFile(req: PromptCompressionRequest, counter: TokenCounter, strategy: 'lossless' | 'lossy', targetRatio = 0.8): PromptCompressionResult {
	const changes: RuleCounts = new Map();
	const extra = strategy === 'lossy' ? { targetRatio } : {};
	const units = proseUnits(req);
	if (!units) return compressionOutcome(req, counter, strategy, req.text, changes, extra);
	let texts = units.map(u => losslessText(u.text, changes));
	let doc = writeUnits(req.text, units, texts);
	if (strategy === 'lossy') {
		const before = sentTokens(req.format, req.text, req.model, counter).tokens;
		let current = sentTokens(req.format, doc, req.model, counter).tokens;
		for (const stage of lossyStages) {
			if (ratioOf(current, before) <= targetRatio) break;
			const stageChanges: RuleCounts = new Map();
			const next = texts.map(t => stage(t, stageChanges));
			const nextDoc = writeUnits(req.text, units, next);
			const tokens = sentTokens(req.format, nextDoc, req.model, counter).tokens;
			if (nextDoc === doc || tokens > current) continue;
			texts = next;
			doc = nextDoc;
			current = tokens;
			for (const [rule, n] of stageChanges) changes.set(rule, (changes.get(rule) ?? 0) + n);
		}
	}
	return compressionOutcome(req, counter, strategy, doc, changes, extra);
}
