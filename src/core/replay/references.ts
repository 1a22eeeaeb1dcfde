/**
 * The distinctive strings a run refers to — file paths, code identifiers, error messages — used to
 * tell whether an observation a scenario elided was needed later: when a later step's recorded
 * answer names one of them and nothing the scenario still shows contains it, the agent that
 * produced that answer had read it in the elided observation. A heuristic with a clear definition
 * (see `docs/policies.md`), not a judgment of the answer.
 */

/** Paths with a folder (`src/app/main.py`, `django/db/models`) or a file name with a known extension. */
const pathPattern =
	/(?:[A-Za-z0-9_.-]+\/)+[A-Za-z0-9_.-]*[A-Za-z0-9_-]|\b[A-Za-z0-9_-]+\.(?:py|pyi|js|mjs|cjs|ts|tsx|jsx|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|cs|swift|scala|json|ya?ml|toml|md|rst|txt|cfg|ini|sh|html|css|sql|lock|xml|pony)\b/g;
/** An exception or error with its message: `ValueError: 'name' may not contain a dot`. */
const errorPattern = /\b[A-Z][A-Za-z0-9_]*(?:Error|Exception)\b: [^\n]{3,}/g;
/** snake_case with an underscore, camelCase or PascalCase with an inner capital: names code defines. */
const identifierPattern = /\b(?:[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]|[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*)\b/g;
/** Error class names alone say little (every Python run mentions ValueError); the message does. */
const bareErrorClass = /(?:Error|Exception|Warning)$/;

/** Texts longer than this are scanned in their first part only (a 1 MB log has enough names in it). */
const maxScannedChars = 40_000;
/** Distinct strings kept per text: enough to identify what an observation held. */
const maxTermsPerText = 64;

/**
 * The distinctive strings of a text, first occurrences first: paths, then error messages (their
 * first 60 characters), then identifiers of 5+ characters. At most `limit`.
 */
export function distinctiveTerms(text: string, limit = maxTermsPerText): string[] {
	const scanned = text.length > maxScannedChars ? text.slice(0, maxScannedChars) : text;
	const out = new Set<string>();
	const add = (t: string) => {
		if (out.size < limit) out.add(t);
	};
	for (const m of scanned.matchAll(pathPattern)) {
		const p = m[0].replace(/^\.\//, '').replace(/[.]+$/, '');
		if (p.length >= 4 && /[A-Za-z]/.test(p) && !/^\d+(\.\d+)+$/.test(p)) add(p);
	}
	for (const m of scanned.matchAll(errorPattern)) add(m[0].slice(0, 60).trim());
	for (const m of scanned.matchAll(identifierPattern)) {
		const id = m[0];
		if (id.length >= 5 && !bareErrorClass.test(id)) add(id);
	}
	return [...out];
}
