/**
 * Which files the status-bar lens treats as prompts (`agentCost.lens.promptGlobs`), and how it
 * counts them. A small glob matcher with VS Code's glob semantics for the parts prompt globs use —
 * `**` (any number of folders), `*` and `?` (within one path segment), `{a,b}` alternatives and
 * `[abc]` / `[!abc]` classes — so the decision is pure and unit-tested, and the host bundle needs no
 * glob dependency. Matching is case-insensitive on the file's path with `/` separators.
 */

/** How the lens counts a prompt file (see `src/core/lens/promptCount.ts`). */
export type PromptFormat = 'text' | 'prompty' | 'chat';

export interface PromptMatcher {
	/**
	 * True when the file is a prompt. Give the absolute path and, when the file is inside a workspace
	 * folder, the path relative to it: a glob without a leading `**​/` (`prompts/*.md`) is relative to
	 * the workspace folder, as in VS Code's `files.exclude`.
	 */
	matches(absolutePath: string, relativePath?: string): boolean;
	/** One line per glob that could not be used (it is skipped). Empty when all are fine. */
	readonly problems: readonly string[];
}

/** Turns one glob into an anchored regular expression; throws on a malformed glob. */
export function globToRegExp(glob: string): RegExp {
	let re = '';
	let i = 0;
	let braceDepth = 0;
	const g = glob.replace(/\\/g, '/');
	while (i < g.length) {
		const c = g[i]!;
		if (c === '*') {
			if (g[i + 1] === '*') {
				// `**` as a whole segment matches zero or more folders; elsewhere it is a `*`.
				const atStart = i === 0 || g[i - 1] === '/';
				const atEnd = i + 2 === g.length || g[i + 2] === '/';
				if (atStart && atEnd) {
					if (i + 2 === g.length) re += '.*';
					else {
						re += '(?:[^/]*/)*';
						i++; // the slash after `**` is part of the group
					}
					i += 2;
					continue;
				}
				i += 2;
				re += '[^/]*';
				continue;
			}
			re += '[^/]*';
		} else if (c === '?') re += '[^/]';
		else if (c === '{') {
			braceDepth++;
			re += '(?:';
		} else if (c === '}' && braceDepth > 0) {
			braceDepth--;
			re += ')';
		} else if (c === ',' && braceDepth > 0) re += '|';
		else if (c === '[') {
			const close = g.indexOf(']', i + 2);
			if (close < 0) throw new Error(`unclosed "[" in ${JSON.stringify(glob)}`);
			let body = g.slice(i + 1, close);
			const negate = body[0] === '!' || body[0] === '^';
			if (negate) body = body.slice(1);
			re += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
			i = close;
		} else re += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
		i++;
	}
	if (braceDepth > 0) throw new Error(`unclosed "{" in ${JSON.stringify(glob)}`);
	return new RegExp(`^${re}$`, 'i');
}

function normalize(path: string): string {
	return path.replace(/\\/g, '/');
}

/**
 * A matcher over `globs`. Total: a glob that is empty or malformed is skipped and reported in
 * `problems` (the caller logs them); it never throws.
 */
export function createPromptMatcher(globs: readonly string[]): PromptMatcher {
	const problems: string[] = [];
	const compiled: { re: RegExp; anywhere: boolean }[] = [];
	for (const raw of globs) {
		const glob = typeof raw === 'string' ? raw.trim() : '';
		if (!glob) {
			problems.push(`agentCost.lens.promptGlobs: an empty glob is ignored`);
			continue;
		}
		try {
			const g = normalize(glob);
			// An absolute glob is matched against the absolute path only; `**/…` matches anywhere.
			compiled.push({ re: globToRegExp(g), anywhere: g.startsWith('/') || g.startsWith('**') || /^[a-z]:\//i.test(g) });
		} catch (e) {
			problems.push(`agentCost.lens.promptGlobs: ${e instanceof Error ? e.message : String(e)}; the glob is ignored`);
		}
	}
	return {
		problems,
		matches(absolutePath, relativePath) {
			const abs = normalize(absolutePath);
			const rel = relativePath === undefined ? undefined : normalize(relativePath).replace(/^\.\//, '');
			return compiled.some(({ re, anywhere }) => (anywhere ? re.test(abs) || (rel !== undefined && re.test(rel)) : rel !== undefined && re.test(rel)));
		},
	};
}

/**
 * How a prompt file is counted, by its name: chat JSON/JSONL as a chat request, Prompty as its
 * role sections, anything else as one user message.
 */
export function promptFormatOf(fileName: string): PromptFormat {
	const lower = normalize(fileName).toLowerCase();
	if (/\.jsonl?$/.test(lower)) return 'chat';
	if (lower.endsWith('.prompty')) return 'prompty';
	return 'text';
}
