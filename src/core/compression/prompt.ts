/**
 * The text rules of Compress Prompt, applied to prose (a prompt body, a message's text); what a
 * rule may touch is decided here, what a file sends is decided by `promptCompression.ts`.
 *
 * - Lossless: CRLF → LF, trailing spaces, runs of spaces inside a line, runs of blank lines,
 *   consecutive duplicate lines, JSON minification (a whole JSON text, JSONL, ```json blocks).
 *   Idempotent; the meaning of a JSON document is unchanged.
 * - Lossy, stage by stage until a target is met: filler (empty phrases, intensifiers, "please"),
 *   wordy phrases rewritten to their short form ("in order to" → "to"), repeated sentences. Every
 *   rule keeps grammatical English: no rule drops articles, prepositions or verbs.
 *
 * Never touched by any rule: fenced and indented code, inline code, quoted strings, URLs,
 * placeholders, HTML tags. Never touched by a lossy rule: YAML-like `key: value` blocks, table
 * rows, identifiers (snake_case, camelCase, dotted, paths, hyphenated), numbers, negations.
 */
import type { PromptChange } from './types';

type PromptRule = PromptChange['rule'];
export type RuleCounts = Map<PromptRule, number>;

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
		const open = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
		if (!open) {
			prose.push(lines[i]!);
			continue;
		}
		if (prose.length) blocks.push({ code: false, lang: '', lines: prose });
		prose = [];
		const fence = open[1]!;
		const code = [lines[i]!];
		for (i++; i < lines.length; i++) {
			code.push(lines[i]!);
			if (new RegExp(`^\\s{0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[i]!)) break;
		}
		blocks.push({ code: true, lang: open[2]!.toLowerCase(), lines: code });
	}
	if (prose.length) blocks.push({ code: false, lang: '', lines: prose });
	return blocks;
}

function joinBlocks(blocks: readonly Block[]): string {
	return blocks.map(b => b.lines.join('\n')).join('\n');
}

/** Spans inside a prose line that no rule may change: inline code, quoted strings, URLs, template placeholders, tags. */
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

/** Indented code (a tab or 4+ spaces): its inner spacing may be meaningful, so only trailing spaces go. */
const indentedCode = /^(?:\t| {4,})/;

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

function count(changes: RuleCounts, rule: PromptRule, n = 1): void {
	if (n > 0) changes.set(rule, (changes.get(rule) ?? 0) + n);
}

const ruleText: Record<PromptRule, string> = {
	lineEndings: 'CRLF line endings → LF',
	whitespace: 'trailing spaces and runs of spaces removed (outside code, quotes and inline code)',
	blankLines: 'runs of blank lines collapsed to one',
	jsonMinify: 'JSON minified (numbers, keys and strings unchanged)',
	duplicateLines: 'consecutive duplicate lines removed',
	filler: 'filler removed ("please note that", "basically", "very", "please"…)',
	wordyPhrases: 'wordy phrases shortened ("in order to" → "to", "due to the fact that" → "because"…)',
	duplicateSentences: 'sentences that repeat an earlier one removed',
};

export function changeList(changes: RuleCounts): PromptChange[] {
	return [...changes].map(([rule, n]) => ({ rule, count: n, description: ruleText[rule] }));
}

/** The lossless pass over one prose text; counts what it changed into `changes`. Idempotent. */
export function losslessText(input: string, changes: RuleCounts): string {
	let text = input;
	if (text.includes('\r\n')) {
		count(changes, 'lineEndings', text.split('\r\n').length - 1);
		text = text.replace(/\r\n/g, '\n');
	}
	const trimmed = text.trim();
	// A whole JSON text (sent as text, so its whitespace costs tokens): minify it and stop.
	if (/^[[{]/.test(trimmed) && parsesAsJson(trimmed)) {
		const min = minifyJsonText(trimmed);
		if (min !== text) count(changes, 'jsonMinify');
		return min;
	}
	// JSONL: every non-empty line is JSON.
	const rawLines = text.split('\n');
	const nonEmpty = rawLines.filter(l => l.trim() !== '');
	if (nonEmpty.length > 1 && nonEmpty.every(l => /^\s*[[{]/.test(l) && parsesAsJson(l))) {
		const out = nonEmpty.map(l => minifyJsonText(l)).join('\n') + (text.endsWith('\n') ? '\n' : '');
		if (out !== text) count(changes, 'jsonMinify', nonEmpty.length);
		return out;
	}
	const endsWithNewline = text.endsWith('\n');
	const blocks = splitBlocks(text).map(b => {
		if (b.code) {
			const body = b.lines.slice(1, b.lines.length > 1 && /^\s{0,3}(`{3,}|~{3,})\s*$/.test(b.lines[b.lines.length - 1]!) ? -1 : undefined).join('\n');
			if (b.lang === 'json' && body.trim() && parsesAsJson(body)) {
				const min = minifyJsonText(body);
				if (min !== body) {
					count(changes, 'jsonMinify');
					// A code block's first line is its opening fence, so lines[0] exists.
					const close = b.lines.length > 1 ? [b.lines[b.lines.length - 1]!] : [];
					return { ...b, lines: [b.lines[0]!, min, ...close] };
				}
			}
			return b;
		}
		const lines: string[] = [];
		let blankRun = 0;
		for (const raw of b.lines) {
			const indent = /^[ \t]*/.exec(raw)![0];
			let line = indentedCode.test(raw) ? raw : indent + mapFree(raw.slice(indent.length), free => free.replace(/[ \t]{2,}/g, ' '));
			line = line.replace(/[ \t]+$/, '');
			if (line !== raw) count(changes, 'whitespace');
			if (line === '') {
				blankRun++;
				if (blankRun > 1) {
					count(changes, 'blankLines');
					continue;
				}
			} else blankRun = 0;
			if (line !== '' && lines.length > 0 && lines[lines.length - 1] === line) {
				count(changes, 'duplicateLines');
				continue;
			}
			lines.push(line);
		}
		return { ...b, lines };
	});
	let out = joinBlocks(blocks);
	const stripped = out.replace(/^\n+/, '').replace(/\n+$/, '');
	if (stripped !== out.replace(/\n$/, '')) count(changes, 'blankLines');
	out = stripped + (endsWithNewline && stripped !== '' ? '\n' : '');
	return out;
}

// ── lossy ───────────────────────────────────────────────────────────────────────────────────

interface Rewrite {
	readonly re: RegExp;
	/** The short form, or a function of the regex's groups. */
	readonly to: string | ((groups: readonly (string | undefined)[]) => string);
	/** Only where a sentence starts ("I want you to review…" → "Review…"). */
	readonly sentenceStart?: boolean;
}

/** Marks where a removal left a sentence without its first word, so the next word is capitalized. */
const capitalizeMark = '\uE000';

/** Empty phrases and intensifiers: removing them leaves the same sentence, shorter. */
const filler: readonly Rewrite[] = [
	{ re: /\b(?:please )?(?:note|remember|keep in mind) that\s+/gi, to: '', sentenceStart: true },
	{ re: /\bit is (?:important|worth noting|worth mentioning|crucial|essential) to (?:note|remember|mention) that\s+/gi, to: '' },
	{ re: /\bit should be noted that\s+/gi, to: '' },
	{ re: /\bneedless to say,?\s+/gi, to: '' },
	{ re: /\bas a matter of fact,?\s+/gi, to: '' },
	{ re: /\bI (?:would like|want|need) you to\s+/gi, to: '', sentenceStart: true },
	{ re: /\b(?:please|kindly)\s+(?=[a-z])/gi, to: '' },
	{ re: /,\s*please(?=[.!?]|$)/gi, to: '' },
	// With the article before it, so "a very important" becomes "an important", not "a important".
	{
		re: /\b(?:(an?)\s+)?(?:basically|actually|really|very|simply|literally|essentially|definitely|certainly|obviously|truly|extremely|absolutely|totally),?\s+(?=([A-Za-z]+))/gi,
		to: ([article, next]) => (article ? `${articleFor(next ?? '', article)} ` : ''),
	},
];

/** "a" or "an" for the word that now follows it, in the case of the article that was there. */
function articleFor(word: string, was: string): string {
	const w = word.toLowerCase();
	const an = /^(?:hour|honest|honou?r|heir)/.test(w) || (/^[aeiou]/.test(w) && !/^(?:uni|use|usu|usa|ure|euro|one|once)/.test(w));
	const article = an ? 'an' : 'a';
	return was[0] === 'A' ? article[0]!.toUpperCase() + article.slice(1) : article;
}

/** Wordy phrases and their short form; the sentence keeps its grammar. */
const wordy: readonly Rewrite[] = [
	{ re: /\bin order to\b/gi, to: 'to' },
	{ re: /\bso as to\b/gi, to: 'to' },
	{ re: /\b(?:due|owing) to the fact that\b/gi, to: 'because' },
	{ re: /\b(?:for the reason that|in light of the fact that|in view of the fact that)\b/gi, to: 'because' },
	{ re: /\b(?:despite|in spite of) the fact that\b/gi, to: 'although' },
	{ re: /\bat (?:this point in time|the present time|this moment in time)\b/gi, to: 'now' },
	{ re: /\bfor the purpose of\b/gi, to: 'for' },
	{ re: /\bin the event that\b/gi, to: 'if' },
	{ re: /\b(?:with|in) (?:regard|respect) to\b/gi, to: 'about' },
	{ re: /\ba (?:large|great) number of\b/gi, to: 'many' },
	{ re: /\b(?:the|a) (?:vast )?majority of\b/gi, to: 'most' },
	{ re: /\b(?:is|are) able to\b/gi, to: 'can' },
	{ re: /\b(?:has|have) the ability to\b/gi, to: 'can' },
	{ re: /\bprior to\b/gi, to: 'before' },
	{ re: /\bsubsequent to\b/gi, to: 'after' },
	{ re: /\bin close proximity to\b/gi, to: 'near' },
	{ re: /\beach and every\b/gi, to: 'every' },
	{ re: /\bfirst and foremost\b/gi, to: 'first' },
	{ re: /\bmake sure that\b/gi, to: 'ensure that' },
	{ re: /\bmake sure\b/gi, to: 'ensure' },
	{ re: /\btake into (?:account|consideration)\b/gi, to: 'consider' },
	{ re: /\bgive consideration to\b/gi, to: 'consider' },
	{ re: /\bin the process of\s+/gi, to: '' },
	{ re: /\bwhether or not\b/gi, to: 'whether' },
	{ re: /\buntil such time as\b/gi, to: 'until' },
	{ re: /\bon a daily basis\b/gi, to: 'daily' },
	{ re: /\bon a regular basis\b/gi, to: 'regularly' },
	{ re: /\bat all times\b/gi, to: 'always' },
	{ re: /\bwith the exception of\b/gi, to: 'except' },
	{ re: /\bin the near future\b/gi, to: 'soon' },
	{ re: /\bby means of\b/gi, to: 'with' },
	{ re: /\bin addition to that,?\s*/gi, to: 'also, ' },
];

/** Lines a lossy rule leaves alone: indented code, table rows, and (below) YAML-like blocks. */
function structuredLine(line: string): boolean {
	return indentedCode.test(line) || /^\s*\|/.test(line);
}

const yamlLike = /^\s*(?:-\s+)?[A-Za-z_][\w.-]*:(?:\s|$)/;

/** Indexes of lines in runs of 2+ `key: value` lines (a YAML block in a prompt is data, not prose). */
function yamlBlockLines(lines: readonly string[]): Set<number> {
	const out = new Set<number>();
	for (let i = 0; i < lines.length;) {
		let j = i;
		while (j < lines.length && yamlLike.test(lines[j]!)) j++;
		if (j - i >= 2) for (let k = i; k < j; k++) out.add(k);
		i = j > i ? j : i + 1;
	}
	return out;
}

/** List marker or quote prefix of a Markdown line, kept as is. */
const linePrefix = /^[ \t]*(?:[-*+>]\s+|\d+[.)]\s+)?/;

/** Applies the rewrites to one free (unprotected) part of a line. */
function rewriteFree(free: string, lineStart: boolean, rewrites: readonly Rewrite[], onChange: () => void): string {
	let f = free;
	for (const rw of rewrites) {
		f = f.replace(rw.re, (match: string, ...rest: unknown[]) => {
			const offset = rest[rest.length - 2] as number;
			const whole = rest[rest.length - 1] as string;
			const groups = rest.slice(0, -2) as (string | undefined)[];
			const before = whole.slice(0, offset);
			const after = whole.slice(offset + match.length);
			// Part of an identifier, path, hyphenated term or handle: keep.
			if (/[\w.\-/@$#\\]$/.test(before) || (/\w$/.test(match) && /^[\w\-/@\\]/.test(after))) return match;
			const atStart = (before.trim() === '' && lineStart) || /[.!?]\s+$/.test(before) || before.endsWith(capitalizeMark);
			if (rw.sentenceStart && !atStart) return match;
			onChange();
			const to = typeof rw.to === 'string' ? rw.to : rw.to(groups);
			if (to === '') return atStart ? capitalizeMark : '';
			return /^[A-Z]/.test(match) && /^[a-z]/.test(to) ? to[0]!.toUpperCase() + to.slice(1) : to;
		});
	}
	if (f === free) return f;
	return (
		f
			// a plain lowercase word that now starts a sentence (never an identifier-like one)
			.replace(new RegExp(`${capitalizeMark}([,;]\\s*)?([a-z])(?=[a-z]*(?:[\\s,;:!?)]|\\.(?!\\w)|$))`, 'g'), (_m, _p, c: string) => c.toUpperCase())
			.replaceAll(capitalizeMark, '')
			.replace(/[ \t]{2,}/g, ' ')
			.replace(/ +([,.;:!?)])/g, '$1')
			.replace(/,(?=[,.;:!?])/g, '')
			.replace(/\( +/g, '(')
	);
}

function applyRewrites(text: string, rewrites: readonly Rewrite[], rule: PromptRule, changes: RuleCounts): string {
	return joinBlocks(
		splitBlocks(text).map(b => {
			if (b.code) return b;
			const yaml = yamlBlockLines(b.lines);
			const lines = b.lines.map((line, i) => {
				if (yaml.has(i) || structuredLine(line) || line.includes(capitalizeMark)) return line;
				const prefix = linePrefix.exec(line)![0];
				const body = mapFree(line.slice(prefix.length), (free, isFirst) => rewriteFree(free, isFirst, rewrites, () => count(changes, rule)));
				return (prefix + body.replace(/^[ \t]+/, '')).replace(/[ \t]+$/, '');
			});
			return { ...b, lines };
		}),
	);
}

/** Removes sentences that repeat an earlier one of the same text (ignoring case and spacing); lines left empty go too. */
function dropRepeatedSentences(text: string, changes: RuleCounts): string {
	const seen = new Set<string>();
	return joinBlocks(
		splitBlocks(text).map(b => {
			if (b.code) return b;
			const yaml = yamlBlockLines(b.lines);
			const lines: string[] = [];
			b.lines.forEach((line, i) => {
				if (yaml.has(i) || structuredLine(line) || line.trim() === '') {
					lines.push(line);
					return;
				}
				const prefix = linePrefix.exec(line)![0];
				// A sentence ends at . ! or ? followed by a space (so "3.5" and "e.g.x" do not split).
				const sentences = line.slice(prefix.length).split(/(?<=[.!?])(?=\s)/);
				const kept = sentences.filter(s => {
					const key = s.trim().toLowerCase().replace(/\s+/g, ' ');
					// Short fragments ("Yes.") and anything quoted or coded are not worth the risk.
					if (key.length < 20 || /["“”'`{<]/.test(key)) return true;
					if (seen.has(key)) {
						count(changes, 'duplicateSentences');
						return false;
					}
					seen.add(key);
					return true;
				});
				if (kept.length === sentences.length) lines.push(line);
				else if (kept.length > 0) lines.push((prefix + kept.join('').trimStart()).replace(/[ \t]+$/, ''));
			});
			return { ...b, lines };
		}),
	);
}

/** The lossy stages, mildest first: each one runs only while the target is not yet met. */
export const lossyStages: readonly ((text: string, changes: RuleCounts) => string)[] = [
	(text, changes) => applyRewrites(text, filler, 'filler', changes),
	(text, changes) => applyRewrites(text, wordy, 'wordyPhrases', changes),
	dropRepeatedSentences,
];
