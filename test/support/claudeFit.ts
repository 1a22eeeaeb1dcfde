import { createHash } from 'node:crypto';
import { claudeCalibration, claudeServerToolTokens, type ClaudeTerms, claudeTerms } from '../../src/core/tokens/claudeEstimate';
import { getEncoder } from '../../src/core/tokens/encodings';
import { publicAnthropicRequests, type PublicRecordedRequest } from './providerCounts';

/**
 * The Claude estimate's calibration data, split and fitted the same way for the unit tests and
 * bench/tokenCalibration.ts: the recorded Anthropic requests as {@link ClaudeTerms}, a
 * deterministic fit/test split, and a weighted least-squares refit of the constants.
 */

export interface CalibrationRow {
	readonly request: PublicRecordedRequest;
	readonly terms: ClaudeTerms;
	/** The request's feature group (tools, forced tool choice, thinking, server tools, tokenizer, output format). */
	readonly group: string;
	readonly split: 'fit' | 'test';
}

/** Terms of one recorded request, with the options its body carries. */
function termsOf(r: PublicRecordedRequest): ClaudeTerms {
	const chat = r.chat;
	return claudeTerms(getEncoder('o200k_base'), chat.messages, chat.tools, {
		model: r.model,
		thinking: chat.thinkingMode ?? false,
		...(chat.toolChoice !== undefined && { toolChoice: chat.toolChoice }),
		...(chat.outputFormat !== undefined && { outputFormat: chat.outputFormat }),
		...(r.recorded !== undefined && { at: r.recorded }),
	});
}

function groupOf(t: ClaudeTerms): string {
	const tools = t.toolDefinitions > 0 || t.serverTools.length > 0;
	return [
		tools ? 'tools' : 'no tools',
		t.forcedToolChoice ? 'forced tool' : '',
		t.thinking !== 'off' ? `thinking ${t.thinking}` : '',
		[...new Set(t.serverTools)].sort().join('+'),
		t.newTokenizer ? 'new tokenizer' : '',
		t.outputFormat ? 'output format' : '',
	]
		.filter(Boolean)
		.join(', ');
}

/**
 * Every recorded request with its split: within each feature group the cassette files, ordered by
 * the SHA-1 of their path, go fit, test, fit, fit, test, fit… (one in three to the test set), so
 * requests of one test never straddle the split and every group with three or more files is tested.
 */
export function calibrationRows(): CalibrationRow[] {
	const rows = distinctRequests(publicAnthropicRequests()).map(request => {
		const terms = termsOf(request);
		return { request, terms, group: groupOf(terms) };
	});
	const filesByGroup = new Map<string, Set<string>>();
	for (const r of rows) {
		const files = filesByGroup.get(r.group) ?? new Set<string>();
		files.add(r.request.file);
		filesByGroup.set(r.group, files);
	}
	const split = new Map<string, 'fit' | 'test'>();
	const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
	for (const [group, files] of filesByGroup) {
		[...files].sort((a, b) => (sha1(a) < sha1(b) ? -1 : 1)).forEach((file, i) => split.set(`${group}\u0000${file}`, i % 3 === 1 ? 'test' : 'fit'));
	}
	return rows.map(r => ({ ...r, split: split.get(`${r.group}\u0000${r.request.file}`)! }));
}

/** Fields of a request body that do not change its prompt. */
const notInPrompt = new Set(['stream', 'max_tokens', 'cache_control', 'metadata', 'temperature', 'top_k', 'top_p', 'stop_sequences', 'service_tier']);

/**
 * The requests without repeats: several tests send the same body to the same model (the 180
 * recorded requests hold 142 distinct ones); a repeat with the same count would only weigh its
 * content more in the fit and count twice in the error.
 */
function distinctRequests(requests: readonly PublicRecordedRequest[]): PublicRecordedRequest[] {
	const seen = new Set<string>();
	return requests.filter(r => {
		const prompt = Object.fromEntries(Object.entries(r.body).filter(([k]) => !notInPrompt.has(k)));
		const key = JSON.stringify([r.model, r.inputTokens, prompt]);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** The fitted constants, by their name in {@link claudeCalibration} (`serverTools.x` for a server tool). */
export type FittedConstants = Record<string, number>;

const scalarNames = [
	'textRatio',
	'textRatioNewTokenizer',
	'perRequest',
	'perMessage',
	'perToolBlock',
	'perToolDefinition',
	'thinkingEnabled',
	'thinkingAdaptive',
	'outputFormat',
	'legacyToolPrompt.auto',
	'legacyToolPrompt.any',
] as const;
/** Server tools with a documented size are not fitted. */
const documentedServerTools = new Set(['text_editor', 'str_replace_based_edit_tool', 'bash']);

/** A server tool's constant: `serverToolsNewGeneration.x` where the calibration splits it by generation. */
function serverConstant(s: string, newTokenizer: boolean): string {
	return newTokenizer && s in claudeCalibration.serverToolsNewGeneration ? `serverToolsNewGeneration.${s}` : `serverTools.${s}`;
}

function features(t: ClaudeTerms, serverNames: readonly string[]): number[] {
	return [
		t.newTokenizer ? 0 : t.text,
		t.newTokenizer ? t.text : 0,
		1,
		t.messages,
		t.toolBlocks,
		t.toolDefinitions,
		t.thinking === 'enabled' ? 1 : 0,
		t.thinking === 'adaptive' ? 1 : 0,
		t.outputFormat ? 1 : 0,
		t.legacyToolPrompt === 'auto' ? 1 : 0,
		t.legacyToolPrompt === 'any' ? 1 : 0,
		...serverNames.map(name => t.serverTools.filter(s => serverConstant(s, t.newTokenizer) === name).length),
	];
}

/** What the fit does not estimate: the documented tool prompt and documented server tools. */
function knownPart(t: ClaudeTerms): number {
	return t.toolPrompt + t.serverTools.filter(s => documentedServerTools.has(s)).reduce((n, s) => n + (claudeCalibration.serverTools[s] ?? 0), 0);
}

/**
 * Weighted least squares of recorded = Σ constant × term (+ the documented parts), with weights
 * 1 / recorded^0.75: between absolute and relative error, so short requests pin the framing
 * constants without letting them dominate the text ratio. Constants no fitting row exercises are
 * left out of the result.
 */
export function fitClaudeConstants(rows: readonly CalibrationRow[]): FittedConstants {
	const serverNames = [...new Set(rows.flatMap(r => r.terms.serverTools.filter(s => !documentedServerTools.has(s)).map(s => serverConstant(s, r.terms.newTokenizer))))].sort();
	const names = [...scalarNames, ...serverNames];
	const X = rows.map(r => features(r.terms, serverNames));
	const y = rows.map(r => r.request.inputTokens - knownPart(r.terms));
	const w = rows.map(r => r.request.inputTokens ** -0.75);
	const used = names.map((_, j) => X.some(x => x[j] !== 0));
	const cols = names.map((_, j) => j).filter(j => used[j]);
	const n = cols.length;
	// Normal equations (Xᵀ W² X) β = Xᵀ W² y, solved by Gaussian elimination with partial pivoting.
	const A = cols.map(a => cols.map(b => X.reduce((s, x, i) => s + w[i] * w[i] * x[a] * x[b], 0)));
	const v = cols.map(a => X.reduce((s, x, i) => s + w[i] * w[i] * x[a] * y[i], 0));
	for (let k = 0; k < n; k++) {
		let p = k;
		for (let i = k + 1; i < n; i++) if (Math.abs(A[i][k]) > Math.abs(A[p][k])) p = i;
		[A[k], A[p]] = [A[p], A[k]];
		[v[k], v[p]] = [v[p], v[k]];
		if (Math.abs(A[k][k]) < 1e-12) throw new Error(`claudeFit: ${names[cols[k]]} is not identifiable from the fitting rows`);
		for (let i = k + 1; i < n; i++) {
			const f = A[i][k] / A[k][k];
			for (let j = k; j < n; j++) A[i][j] -= f * A[k][j];
			v[i] -= f * v[k];
		}
	}
	const beta = new Array<number>(n).fill(0);
	for (let k = n - 1; k >= 0; k--) {
		let s = v[k];
		for (let j = k + 1; j < n; j++) s -= A[k][j] * beta[j];
		beta[k] = s / A[k][k];
	}
	return Object.fromEntries(cols.map((j, k) => [names[j], beta[k]]));
}

/** The estimate of `t` under fitted constants (missing ones fall back to the shipped calibration). */
export function estimateWith(constants: FittedConstants, t: ClaudeTerms): number {
	const c = (name: string, shipped: number) => constants[name] ?? shipped;
	const cal = claudeCalibration;
	let fixed =
		c('perRequest', cal.perRequest) +
		c('perMessage', cal.perMessage) * t.messages +
		c('perToolBlock', cal.perToolBlock) * t.toolBlocks +
		c('perToolDefinition', cal.perToolDefinition) * t.toolDefinitions +
		knownPart(t);
	if (t.legacyToolPrompt !== undefined) fixed += c(`legacyToolPrompt.${t.legacyToolPrompt}`, cal.legacyToolPrompt[t.legacyToolPrompt]);
	if (t.thinking === 'enabled') fixed += c('thinkingEnabled', cal.thinkingEnabled);
	else if (t.thinking === 'adaptive') fixed += c('thinkingAdaptive', cal.thinkingAdaptive);
	if (t.outputFormat) fixed += c('outputFormat', cal.outputFormat);
	for (const s of t.serverTools) if (!documentedServerTools.has(s)) fixed += c(serverConstant(s, t.newTokenizer), claudeServerToolTokens(s, t.newTokenizer ? 'claude-opus-5' : undefined));
	const ratio = t.newTokenizer ? c('textRatioNewTokenizer', cal.textRatioNewTokenizer) : c('textRatio', cal.textRatio);
	return Math.ceil(t.text * ratio) + Math.round(fixed);
}

/** Signed percentage error of `estimate` against `actual`, to one decimal. */
export function errorPct(estimate: number, actual: number): number {
	return Math.round(((estimate - actual) / actual) * 1000) / 10;
}

export interface ErrorSummary {
	readonly n: number;
	readonly medianAbsPct: number;
	readonly p90AbsPct: number;
	readonly maxAbsPct: number;
}

export function summarizeErrors(errors: readonly number[]): ErrorSummary {
	const a = errors.map(Math.abs).sort((x, y) => x - y);
	const at = (q: number) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * q))] : NaN);
	return { n: a.length, medianAbsPct: at(0.5), p90AbsPct: at(0.9), maxAbsPct: a.length ? a[a.length - 1] : NaN };
}
