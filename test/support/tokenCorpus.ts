import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './paths';

/**
 * A deterministic corpus of REAL text for tokenizer equality tests and benchmarks, built only from
 * files every clean clone has after `npm ci`: TypeScript's lib .d.ts files (code), its localized
 * diagnostics (ru, ja, ko, zh-cn, zh-tw, de, tr, pl: non-English), package READMEs (prose),
 * package.json files (JSON), gpt-tokenizer and mocha sources (code), the committed agent
 * transcripts (JSON/JSONL/Markdown), plus a small synthetic set of Unicode edge cases.
 * Files are visited in sorted order and each category is capped, so every run sees the same bytes.
 */
export type CorpusCategory = 'code' | 'prose' | 'json' | 'nonenglish' | 'transcripts' | 'edge';

export interface CorpusFile {
	/** Path relative to the repo root (or `synthetic:…`). */
	readonly name: string;
	readonly category: CorpusCategory;
	readonly text: string;
}

export interface CorpusOptions {
	/** Cap per category in UTF-16 code units (default: see `defaultCaps`). */
	readonly caps?: Partial<Record<CorpusCategory, number>>;
}

const defaultCaps: Record<CorpusCategory, number> = {
	code: 1_600_000,
	prose: 900_000,
	json: 400_000,
	nonenglish: 2_000_000,
	transcripts: 1_200_000,
	edge: 200_000,
};

function listFiles(dir: string, keep: (path: string) => boolean): string[] {
	if (!existsSync(dir)) return [];
	const out: string[] = [];
	for (const name of readdirSync(dir).sort()) {
		const path = join(dir, name);
		const st = statSync(path);
		if (st.isDirectory()) out.push(...listFiles(path, keep));
		else if (keep(path)) out.push(path);
	}
	return out;
}

function packageDirs(modules: string): string[] {
	const dirs: string[] = [];
	for (const name of readdirSync(modules).sort()) {
		if (name.startsWith('.')) continue;
		const path = join(modules, name);
		if (name.startsWith('@')) for (const sub of readdirSync(path).sort()) dirs.push(join(path, sub));
		else dirs.push(path);
	}
	return dirs.filter(d => statSync(d).isDirectory());
}

export function tokenCorpus(options: CorpusOptions = {}): CorpusFile[] {
	const root = repoRoot();
	const modules = join(root, 'node_modules');
	const caps = { ...defaultCaps, ...options.caps };
	const files: CorpusFile[] = [];
	const used: Record<CorpusCategory, number> = { code: 0, prose: 0, json: 0, nonenglish: 0, transcripts: 0, edge: 0 };
	const add = (category: CorpusCategory, path: string) => {
		if (used[category] >= caps[category]) return;
		const text = readFileSync(path, 'utf8');
		if (!text) return;
		const room = caps[category] - used[category];
		// Cut oversized files at a line end so the corpus stays real text.
		const cut = text.length <= room ? text : text.slice(0, Math.max(text.lastIndexOf('\n', room), 1));
		used[category] += cut.length;
		files.push({ name: relative(root, path), category, text: cut });
	};

	const ts = join(modules, 'typescript', 'lib');
	for (const lang of ['ru', 'ja', 'ko', 'zh-cn', 'zh-tw', 'de', 'tr', 'pl']) add('nonenglish', join(ts, lang, 'diagnosticMessages.generated.json'));
	// Smallest lib files first: many files of varied content rather than one huge lib.dom.d.ts.
	const libs = listFiles(ts, p => /[\\/]lib\.[^\\/]+\.d\.ts$/.test(p)).sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b));
	for (const p of [
		...listFiles(join(modules, 'gpt-tokenizer', 'src'), p => p.endsWith('.ts') && !p.includes('bpeRanks')),
		...listFiles(join(modules, 'mocha', 'lib'), p => p.endsWith('.js')),
		...libs,
	])
		add('code', p);
	for (const dir of packageDirs(modules)) {
		const readme = join(dir, 'README.md');
		if (existsSync(readme)) add('prose', readme);
	}
	for (const dir of packageDirs(modules)) {
		const pkg = join(dir, 'package.json');
		if (existsSync(pkg)) add('json', pkg);
	}
	for (const p of listFiles(join(root, 'test', 'fixtures', 'transcripts'), () => true)) add('transcripts', p);
	for (const [name, text] of edgeTexts()) {
		if (used.edge + text.length > caps.edge) break;
		used.edge += text.length;
		files.push({ name: `synthetic:${name}`, category: 'edge', text });
	}
	return files;
}

/** The corpus concatenated and cut to exactly `size` UTF-16 code units (repeated if needed), at a line end when possible. */
export function corpusDocument(size: number, files: readonly CorpusFile[] = tokenCorpus()): string {
	const parts: string[] = [];
	let length = 0;
	while (length < size) {
		for (const f of files) {
			parts.push(f.text, '\n');
			length += f.text.length + 1;
			if (length >= size) break;
		}
	}
	let doc = parts.join('').slice(0, size);
	// Never end inside a surrogate pair.
	if (/[\uD800-\uDBFF]$/.test(doc)) doc = doc.slice(0, -1) + 'x';
	return doc;
}

/** Short synthetic texts for the cases real files rarely hold (all deterministic). */
function edgeTexts(): [string, string][] {
	const emoji = ['👨‍👩‍👧‍👦', '🏳️‍🌈', '🇩🇪🇯🇵🇧🇷', '👍🏽', '1️⃣#️⃣', '🧑🏿‍🚀', '😀😃😄😁', '🫠🪿'];
	return [
		['emoji', Array.from({ length: 200 }, (_, i) => `${emoji[i % emoji.length]} item ${i}: ${emoji[(i * 3) % emoji.length]}\n`).join('')],
		['specials', '<|endoftext|> <|im_start|>user\nhi<|im_end|> <|fim_prefix|>a<|fim_middle|>b<|fim_suffix|> <|endofprompt|> <|im_sep|>\n'.repeat(20)],
		['nel-bom', 'a \u0085b\u0085\u0085 c\n\uFEFFhello \uFEFF world\uFEFF\uFEFF  \uFEFF\n x\u0085\n'.repeat(30)],
		['whitespace', ' \t\n\r\n  \u00A0\u2028\u2029\u3000\u200B\u000B\u000C x  \n\n\n   y\t\t\n'.repeat(40)],
		['contractions', "I'm you're he's it'll we'd they've DON'T WE'LL x'ſ Y'S 'S 'ſs K ſ İstanbul ǅ ǲ\n".repeat(30)],
		['surrogates', 'a\uD800b \uDC00c \uDC00\uD800 d\uD83D \uD83D\uDE00\n'.repeat(20)],
		['marks', 'e\u0301 a\u0308\u0301 \u0915\u094D\u0937 ห\u0e31\u0e27 \u05D0\u05B8 Zalgo Z\u0351\u0352\u0357\u035B\n'.repeat(30)],
		['long-runs', `${'a'.repeat(3000)} ${'あ'.repeat(1500)} ${'9'.repeat(2000)} ${'='.repeat(1000)} ${' '.repeat(1000)}x\n`],
		['crlf-code', 'function f() {\r\n  return 1;\r\n}\r\n// comment\r\nx = 1;\n// y\n'.repeat(30)],
	];
}
