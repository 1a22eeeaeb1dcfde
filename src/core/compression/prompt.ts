import type { TokenCounter } from '../ports/tokenCounter';
import type { PromptChange, PromptCompressionResult } from './types';
import { ratioOf } from './types';

interface Block {
	readonly code: boolean;
	/** Fence info string ("json", "ts"…) of a code block. */
	readonly lang: string;
	readonly lines: string[];
}

/** Splits text (LF line endings) into prose and fenced code blocks (``` or ~~~; an unclosed fence runs to the end). */
function splitBlocks(text: string): Block[] {
	const blocks: Block[] = [];
	let prose: string[] = [];
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const open = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
		if (!open) {
			prose.push(lines[i]);
			continue;
		}
		if (prose.length) blocks.push({ code: false, lang: '', lines: prose });
		prose = [];
		const fence = open[1];
		const code = [lines[i]];
		for (i++; i < lines.length; i++) {
			code.push(lines[i]);
			if (new RegExp(`^\\s{0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[i])) break;
		}
		blocks.push({ code: true, lang: open[2].toLowerCase(), lines: code });
	}
	if (prose.length) blocks.push({ code: false, lang: '', lines: prose });
	return blocks;
}

function joinBlocks(blocks: readonly Block[]): string {
	return blocks.map(b => b.lines.join('\n')).join('\n');
}

/** Spans inside a prose line that no rule may change: inline code, quoted strings, URLs, template placeholders. */
const protectedSpan = /`[^`\n]+`|"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|(?<![\w])'[^'\n]*'(?![\w])|\bhttps?:\/\/\S+|\{\{[^}\n]*\}\}|\{[A-Za-z_][\w.]*\}|<[A-Za-z/][^>\n]*>/g;

/** Applies `fn` to the unprotected parts of a line only. */
function mapFree(line: string, fn: (free: string, isFirst: boolean) => string): string {
	let out = '';
	let last = 0;
	for (const m of line.matchAll(protectedSpan)) {
		out += fn(line.slice(last, m.index), last === 0) + m[0];
		last = m.index + m[0].length;
	}
	return out + fn(line.slice(last), last === 0);
}

/** Removes JSON whitespace outside strings; keeps every number, key and duplicate key byte-for-byte. */
export function minifyJsonText(s: string): string {
	let out = '';
	let inStr = false;
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (inStr) {
			out += c;
			if (c === '\\') out += s[++i] ?? '';
			else if (c === '"') inStr = false;
		} else if (c === '"') {
			inStr = true;
			out += c;
		} else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
	}
	return out;
}

function parsesAsJson(s: string): boolean {
	try {
		JSON.parse(s);
		return true;
	} catch {
		return false;
	}
}

function counter(changes: Map<PromptChange['rule'], number>, rule: PromptChange['rule'], n = 1): void {
	if (n > 0) changes.set(rule, (changes.get(rule) ?? 0) + n);
}

const ruleText: Record<PromptChange['rule'], string> = {
	lineEndings: 'CRLF line endings → LF',
	whitespace: 'trailing spaces and runs of spaces removed (outside code, quotes and inline code)',
	blankLines: 'runs of blank lines collapsed to one',
	jsonMinify: 'JSON minified (numbers, keys and strings unchanged)',
	duplicateLines: 'consecutive duplicate lines removed',
	filler: 'filler phrases shortened or removed',
	articles: 'articles (a, an, the) removed',
	stopWords: 'low-information words removed (is, are, that, which…)',
	prepositions: 'some prepositions and possessives removed (of, in, on, with…)',
};

function changeList(changes: Map<PromptChange['rule'], number>): PromptChange[] {
	return [...changes].map(([rule, count]) => ({ rule, count, description: ruleText[rule] }));
}

/** The lossless pass; returns the text and what changed. Idempotent. */
function losslessText(input: string, changes: Map<PromptChange['rule'], number>): string {
	let text = input;
	if (text.includes('\r\n')) {
		counter(changes, 'lineEndings', text.split('\r\n').length - 1);
		text = text.replace(/\r\n/g, '\n');
	}
	const trimmed = text.trim();
	// A whole JSON document (chat message files): minify it and stop.
	if (/^[[{]/.test(trimmed) && parsesAsJson(trimmed)) {
		const min = minifyJsonText(trimmed);
		if (min !== text) counter(changes, 'jsonMinify');
		return min;
	}
	// JSONL: every non-empty line is JSON.
	const rawLines = text.split('\n');
	const nonEmpty = rawLines.filter(l => l.trim() !== '');
	if (nonEmpty.length > 1 && nonEmpty.every(l => /^\s*[[{]/.test(l) && parsesAsJson(l))) {
		const out = nonEmpty.map(l => minifyJsonText(l)).join('\n') + (text.endsWith('\n') ? '\n' : '');
		if (out !== text) counter(changes, 'jsonMinify', nonEmpty.length);
		return out;
	}
	const endsWithNewline = text.endsWith('\n');
	const blocks = splitBlocks(text).map(b => {
		if (b.code) {
			const body = b.lines.slice(1, b.lines.length > 1 && /^\s{0,3}(`{3,}|~{3,})\s*$/.test(b.lines[b.lines.length - 1]) ? -1 : undefined).join('\n');
			if (b.lang === 'json' && body.trim() && parsesAsJson(body)) {
				const min = minifyJsonText(body);
				if (min !== body) {
					counter(changes, 'jsonMinify');
					const close = b.lines.length > 1 ? [b.lines[b.lines.length - 1]] : [];
					return { ...b, lines: [b.lines[0], min, ...close] };
				}
			}
			return b;
		}
		const lines: string[] = [];
		let blankRun = 0;
		for (const raw of b.lines) {
			const indent = /^[ \t]*/.exec(raw)![0];
			let line = indent + mapFree(raw.slice(indent.length), free => free.replace(/[ \t]{2,}/g, ' '));
			line = line.replace(/[ \t]+$/, '');
			if (line !== raw) counter(changes, 'whitespace');
			if (line === '') {
				blankRun++;
				if (blankRun > 1) {
					counter(changes, 'blankLines');
					continue;
				}
			} else blankRun = 0;
			if (line !== '' && lines.length > 0 && lines[lines.length - 1] === line) {
				counter(changes, 'duplicateLines');
				continue;
			}
			lines.push(line);
		}
		return { ...b, lines };
	});
	let out = joinBlocks(blocks);
	const stripped = out.replace(/^\n+/, '').replace(/\n+$/, '');
	if (stripped !== out.replace(/\n$/, '')) counter(changes, 'blankLines');
	out = stripped + (endsWithNewline && stripped !== '' ? '\n' : '');
	return out;
}

function measure(counterPort: TokenCounter, model: string, text: string) {
	return counterPort.countText(model, text);
}

/**
 * Lossless prompt compression: CRLF → LF, trailing spaces, runs of spaces (outside code, quotes and
 * inline code), runs of blank lines, consecutive duplicate lines, JSON minification (whole JSON or
 * JSONL documents and ```json blocks; numbers and keys are kept byte for byte). Idempotent; the
 * meaning of a JSON document is unchanged.
 */
export function compressPromptLossless(text: string, model: string, tokenCounter: TokenCounter): PromptCompressionResult {
	const changes = new Map<PromptChange['rule'], number>();
	const out = losslessText(text, changes);
	const b = measure(tokenCounter, model, text);
	const a = measure(tokenCounter, model, out);
	return {
		strategy: 'lossless',
		original: text,
		text: out,
		tokensBefore: b.tokens,
		tokensAfter: a.tokens,
		ratio: ratioOf(a.tokens, b.tokens),
		exact: a.exact && b.exact,
		changes: changeList(changes),
	};
}

const fillerPhrases: [RegExp, string][] = [
	[/\bit is (?:important|worth noting) to note that\s*/gi, ''],
	[/\bit is important to (?:note|remember) that\s*/gi, ''],
	[/\bplease note that\s*/gi, ''],
	[/\bi would like you to\s*/gi, ''],
	[/\bcould you please\s*/gi, ''],
	[/\bin order to\b/gi, 'to'],
	[/\bdue to the fact that\b/gi, 'because'],
	[/\bat this point in time\b/gi, 'now'],
	[/\bfor the purpose of\b/gi, 'for'],
	[/\bin the event that\b/gi, 'if'],
	[/\bwith (?:regard|respect) to\b/gi, 'about'],
	[/\ba large number of\b/gi, 'many'],
	[/\bthe majority of\b/gi, 'most'],
	[/\bis able to\b/gi, 'can'],
	[/\b(?:please|kindly)\s+/gi, ''],
];

const stages: { rule: PromptChange['rule']; words: ReadonlySet<string> }[] = [
	{ rule: 'filler', words: new Set(['basically', 'actually', 'really', 'very', 'simply', 'quite', 'literally', 'essentially', 'definitely', 'certainly', 'obviously', 'somewhat', 'rather']) },
	{ rule: 'articles', words: new Set(['a', 'an', 'the']) },
	{ rule: 'stopWords', words: new Set(['that', 'which', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'also', 'there', 'here', 'then', 'so', 'such', 'this', 'these', 'those', 'some']) },
	{ rule: 'prepositions', words: new Set(['of', 'in', 'on', 'at', 'with', 'by', 'your', 'my', 'our', 'their']) },
];

/** Removes the stage's words from a free (unprotected) part of a prose line; never names, identifiers or numbers. */
function pruneFree(free: string, lineStart: boolean, words: ReadonlySet<string>, onRemove: () => void): string {
	const out = free.replace(/[A-Za-z]+(?:'[a-z]+)?/g, (w: string, offset: number) => {
		if (!words.has(w.toLowerCase())) return w;
		const prev = free[offset - 1] ?? '';
		const next = free[offset + w.length] ?? '';
		// Part of an identifier, path, hyphenated term, handle or number: keep.
		if (/[\w.\-/@$#\\]/.test(prev) || /[\w\-/@\\]/.test(next) || (next === '.' && /\w/.test(free[offset + w.length + 1] ?? ''))) return w;
		// A capitalized stop word mid-sentence is a name ("Will", "May", "Plan A"): keep.
		if (/^[A-Z]/.test(w)) {
			const before = free.slice(0, offset).trimEnd();
			const sentenceStart = before === '' ? lineStart : /[.!?:;]$|^[-*+>]$|^\d+[.)]$/.test(before) || /[.!?:]\s*$/.test(before);
			if (!sentenceStart || w === 'A' || w === 'I') return w;
		}
		onRemove();
		return '';
	});
	return out;
}

function tidy(free: string): string {
	return free
		.replace(/[ \t]{2,}/g, ' ')
		.replace(/ +([,.;:!?)])/g, '$1')
		.replace(/\( +/g, '(');
}

function applyLossyStage(text: string, stageIndex: number, changes: Map<PromptChange['rule'], number>): string {
	return joinBlocks(
		splitBlocks(text).map(b => {
			if (b.code) return b;
			const lines = b.lines.map(line => {
				const indent = /^[ \t]*(?:[-*+>]\s+|\d+[.)]\s+)?/.exec(line)![0];
				const body = line.slice(indent.length);
				const next = mapFree(body, (free, isFirst) => {
					let f = free;
					if (stageIndex === 0) {
						for (const [re, rep] of fillerPhrases) {
							f = f.replace(re, () => {
								counter(changes, 'filler');
								return rep;
							});
						}
					}
					const stage = stages[stageIndex];
					f = pruneFree(f, isFirst, stage.words, () => counter(changes, stage.rule));
					return f === free ? f : tidy(f);
				});
				return (indent + next.replace(/^[ \t]+/, '')).replace(/[ \t]+$/, '');
			});
			return { ...b, lines };
		}),
	);
}

/**
 * Lossy prompt compression towards `targetRatio` (tokens after / before, e.g. 0.8): the lossless
 * pass, then — stage by stage until the target is met — filler phrases and adverbs, articles,
 * low-information words, some prepositions. NEVER touches code blocks, inline code, quoted strings,
 * URLs, placeholders, numbers, identifiers (snake_case, camelCase, dotted, hyphenated) or
 * capitalized names; never removes negations or logic words (not, no, never, and, or, if, only, all…).
 */
export function compressPromptLossy(text: string, model: string, tokenCounter: TokenCounter, targetRatio = 0.8): PromptCompressionResult {
	const changes = new Map<PromptChange['rule'], number>();
	const before = measure(tokenCounter, model, text);
	let out = losslessText(text, changes);
	let after = measure(tokenCounter, model, out);
	const isJson = /^[[{]/.test(out.trim()) && parsesAsJson(out.trim());
	for (let s = 0; s < stages.length && !isJson && ratioOf(after.tokens, before.tokens) > targetRatio; s++) {
		out = applyLossyStage(out, s, changes);
		after = measure(tokenCounter, model, out);
	}
	const ratio = ratioOf(after.tokens, before.tokens);
	return {
		strategy: 'lossy',
		original: text,
		text: out,
		tokensBefore: before.tokens,
		tokensAfter: after.tokens,
		ratio,
		exact: before.exact && after.exact,
		changes: changeList(changes),
		targetReached: ratio <= targetRatio,
	};
}

/** The single-prompt strategies, for a quick pick (the live "summarize with the cheap model" is added by the caller once calls exist). */
export const promptCompressionStrategies = [
	{ id: 'lossless', label: 'Lossless', detail: 'Whitespace, blank and duplicate lines, JSON minify — the meaning is unchanged', offline: true },
	{ id: 'lossy', label: 'Lossy (target ratio)', detail: 'Also prunes filler and stop words; never code, quotes, numbers, identifiers or names', offline: true },
] as const;

/** Runs a single-prompt strategy by id (what a Compress Prompt command previews before applying). */
export function compressPrompt(strategy: (typeof promptCompressionStrategies)[number]['id'], text: string, model: string, tokenCounter: TokenCounter, targetRatio = 0.8): PromptCompressionResult {
	return strategy === 'lossless' ? compressPromptLossless(text, model, tokenCounter) : compressPromptLossy(text, model, tokenCounter, targetRatio);
}
