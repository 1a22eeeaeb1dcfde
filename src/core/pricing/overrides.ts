/**
 * User price overrides: the `agentCost.pricing.overrides` setting and the optional workspace file
 * `.agent-cost/prices.json` share one JSON shape, parsed here (core only parses; reading the file is
 * the Node side's job, see `src/node/priceOverridesFile.ts`).
 *
 * Shape — all prices in USD per million tokens:
 * ```json
 * {
 *   "my-org/*":          { "input": 0.5, "output": 1.5 },
 *   "claude-sonnet-4-5": {
 *     "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75, "cacheWrite1h": 6,
 *     "contextWindow": 200000,
 *     "longContext": { "threshold": 200000, "input": 6, "output": 22.5, "cacheRead": 0.6, "cacheWrite": 7.5, "cacheWrite1h": 12 },
 *     "batchDiscount": 0.5
 *   }
 * }
 * ```
 * - Keys are model ids as the call reports them, compared case-insensitively; `*` matches any run of
 *   characters (`my-org/*`, `*-preview`). An exact key beats a glob; among globs the most specific
 *   (most non-`*` characters) wins. A key also matches `<provider>/<model>` when the provider is known.
 * - `input` and `output` are required (use 0 for a model that bills no output). An override REPLACES
 *   the dataset entry for that model: omitted cache prices mean those tokens are billed at `input`.
 * - `cacheWrite` is the 5-minute cache write, `cacheWrite1h` the 1-hour write.
 * - `longContext`: when a request's TOTAL input (uncached + cache reads + cache writes) is above
 *   `threshold` tokens, the whole request is billed at these prices; components omitted here keep
 *   their normal price.
 * - `batchDiscount`: the fraction taken off with the provider's batch API (0.5 = half price).
 * - `serverToolFees`: USD per 1,000 uses of provider-run tools, e.g. `{"web_search": 10}`.
 * - Keys starting with `$` (e.g. `$schema`, `$comment`) are ignored.
 */

interface LongContextOverride {
	/** Total input tokens above which the whole request is repriced. */
	readonly threshold: number;
	readonly input?: number;
	readonly output?: number;
	readonly cacheRead?: number;
	readonly cacheWrite?: number;
	readonly cacheWrite1h?: number;
}

/** One model's prices in USD per million tokens (see the module comment for the rules). */
export interface PriceOverride {
	readonly input: number;
	readonly output: number;
	readonly cacheRead?: number;
	/** 5-minute cache write. */
	readonly cacheWrite?: number;
	readonly cacheWrite1h?: number;
	readonly contextWindow?: number;
	readonly longContext?: LongContextOverride;
	/** Fraction off with the batch API, 0…1. */
	readonly batchDiscount?: number;
	/** USD per 1,000 uses of a provider-run tool, by tool name (`web_search`, `file_search`…). */
	readonly serverToolFees?: Readonly<Record<string, number>>;
}

/** Model id or glob (lower-cased) → prices. Insertion order is priority order for equal globs. */
export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

export interface ParsedPriceOverrides {
	readonly overrides: PriceOverrides;
	/** One line per dropped entry or ignored field, naming the key. Empty when all is well. */
	readonly problems: string[];
}

const priceFields = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'] as const;
const entryFields = new Set<string>([...priceFields, 'contextWindow', 'longContext', 'batchDiscount', 'serverToolFees']);
const longContextFields = new Set<string>(['threshold', ...priceFields]);

/** Common misspellings, so a problem message can say what was probably meant. */
const aliases: Record<string, string> = {
	input_mtok: 'input',
	output_mtok: 'output',
	cache_read: 'cacheRead',
	cache_read_mtok: 'cacheRead',
	cachedinput: 'cacheRead',
	cached_input: 'cacheRead',
	cache_write: 'cacheWrite',
	cache_write_mtok: 'cacheWrite',
	cachewrite5m: 'cacheWrite',
	cache_write_1h: 'cacheWrite1h',
	cache_write_1h_mtok: 'cacheWrite1h',
	context_window: 'contextWindow',
	long_context: 'longContext',
	batch_discount: 'batchDiscount',
	batch: 'batchDiscount',
	server_tool_fees: 'serverToolFees',
	toolfees: 'serverToolFees',
};

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
	try {
		return JSON.stringify(v) ?? String(v);
	} catch {
		return String(v);
	}
}

function unknownFieldProblem(where: string, field: string): string {
	const meant = aliases[field.toLowerCase()] ?? [...entryFields].find(f => f.toLowerCase() === field.toLowerCase());
	return `${where}: unknown field "${field}" ignored${meant ? ` (did you mean "${meant}"?)` : ''}`;
}

/** Reads a non-negative price; records a problem and returns `null` when present but invalid. */
function readPrice(obj: Record<string, unknown>, field: string, where: string, problems: string[]): number | undefined | null {
	if (!(field in obj) || obj[field] === undefined) return undefined;
	const v = obj[field];
	if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
		problems.push(`${where}: "${field}" must be a non-negative number of USD per million tokens, got ${show(v)}`);
		return null;
	}
	if (v > maxPricePerMillion) {
		problems.push(`${where}: "${field}" is $${v} per million tokens — no model costs that much (the limit is $${maxPricePerMillion}); is it a typo?`);
		return null;
	}
	return v;
}

/**
 * The dearest price an override may set (USD per million tokens): 15× the dearest real price today
 * ($600/M output). Above it a price is a typo or an attack (1e308 made every cost $Infinity).
 */
const maxPricePerMillion = 10_000;

function suspiciousPrice(where: string, field: string, v: number, problems: string[]): void {
	// Real prices are ≥ $0.001 per million tokens; smaller ones are almost always per-token prices.
	if (v > 0 && v < 0.001) problems.push(`${where}: "${field}" is ${v} — prices are USD per MILLION tokens (e.g. 3 for $3/Mtok), not per token`);
}

function parseEntry(key: string, raw: unknown, problems: string[]): PriceOverride | undefined {
	const where = `"${key}"`;
	if (!isRecord(raw)) {
		problems.push(`${where}: expected an object like {"input": 3, "output": 15} (USD per million tokens), got ${show(raw)}; entry dropped`);
		return undefined;
	}
	let invalid = false;
	const prices: Record<string, number> = {};
	for (const field of priceFields) {
		const v = readPrice(raw, field, where, problems);
		if (v === null) invalid = true;
		else if (v !== undefined) {
			prices[field] = v;
			suspiciousPrice(where, field, v, problems);
		}
	}
	for (const field of ['input', 'output'] as const) {
		// An explicit undefined is absent too (readPrice skips it), not a price of undefined.
		if (raw[field] === undefined) {
			problems.push(`${where}: "${field}" is required (USD per million tokens${field === 'output' ? '; use 0 for a model without output' : ''})`);
			invalid = true;
		}
	}

	let contextWindow: number | undefined;
	if (raw.contextWindow !== undefined) {
		const v = raw.contextWindow;
		if (typeof v === 'number' && Number.isInteger(v) && v > 0) contextWindow = v;
		else {
			problems.push(`${where}: "contextWindow" must be a positive whole number of tokens, got ${show(v)}`);
			invalid = true;
		}
	}

	let batchDiscount: number | undefined;
	if (raw.batchDiscount !== undefined) {
		const v = raw.batchDiscount;
		if (typeof v === 'number' && v >= 0 && v <= 1) batchDiscount = v;
		else {
			problems.push(`${where}: "batchDiscount" must be a fraction between 0 and 1 (0.5 = half price), got ${show(v)}`);
			invalid = true;
		}
	}

	let serverToolFees: Record<string, number> | undefined;
	if (raw.serverToolFees !== undefined) {
		const fees = raw.serverToolFees;
		const feesWhere = `${where}.serverToolFees`;
		if (!isRecord(fees)) {
			problems.push(`${feesWhere}: expected an object like {"web_search": 10} (USD per 1,000 uses), got ${show(fees)}`);
			invalid = true;
		} else {
			serverToolFees = {};
			for (const [tool, v] of Object.entries(fees)) {
				if (typeof v === 'number' && Number.isFinite(v) && v >= 0) serverToolFees[tool.trim().toLowerCase()] = v;
				else {
					problems.push(`${feesWhere}: "${tool}" must be a non-negative number of USD per 1,000 uses, got ${show(v)}`);
					invalid = true;
				}
			}
		}
	}

	let longContext: LongContextOverride | undefined;
	if (raw.longContext !== undefined) {
		const lc = raw.longContext;
		const lcWhere = `${where}.longContext`;
		if (!isRecord(lc)) {
			problems.push(`${lcWhere}: expected an object like {"threshold": 200000, "input": 6, "output": 22.5}, got ${show(lc)}`);
			invalid = true;
		} else {
			let lcInvalid = false;
			const threshold = lc.threshold;
			if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold <= 0) {
				problems.push(`${lcWhere}: "threshold" must be a positive whole number of input tokens, got ${show(threshold)}`);
				lcInvalid = true;
			}
			const lcPrices: Record<string, number> = {};
			for (const field of priceFields) {
				const v = readPrice(lc, field, lcWhere, problems);
				if (v === null) lcInvalid = true;
				else if (v !== undefined) {
					lcPrices[field] = v;
					suspiciousPrice(lcWhere, field, v, problems);
				}
			}
			for (const field of Object.keys(lc)) if (!longContextFields.has(field)) problems.push(unknownFieldProblem(lcWhere, field));
			if (lcInvalid) invalid = true;
			else longContext = { threshold: threshold as number, ...lcPrices };
		}
	}

	for (const field of Object.keys(raw)) if (!entryFields.has(field)) problems.push(unknownFieldProblem(where, field));

	// input and output are read and required above, so they are missing only when invalid is set.
	const { input, output } = prices;
	if (invalid || input === undefined || output === undefined) {
		problems.push(`${where}: entry dropped; the dataset price (if any) is used instead`);
		return undefined;
	}
	return {
		input,
		output,
		...(prices.cacheRead !== undefined && { cacheRead: prices.cacheRead }),
		...(prices.cacheWrite !== undefined && { cacheWrite: prices.cacheWrite }),
		...(prices.cacheWrite1h !== undefined && { cacheWrite1h: prices.cacheWrite1h }),
		...(contextWindow !== undefined && { contextWindow }),
		...(longContext !== undefined && { longContext }),
		...(batchDiscount !== undefined && { batchDiscount }),
		...(serverToolFees !== undefined && { serverToolFees }),
	};
}

/**
 * Parses overrides from a setting value or a parsed JSON file. Total: never throws; an invalid
 * entry is dropped and every problem is reported with the key it concerns. `null`/`undefined`
 * (setting not set) is an empty, problem-free result.
 */
export function parsePriceOverrides(raw: unknown): ParsedPriceOverrides {
	const problems: string[] = [];
	if (raw === undefined || raw === null) return { overrides: {}, problems };
	if (!isRecord(raw)) {
		problems.push(`price overrides must be a JSON object mapping model ids (or globs like "my-org/*") to prices, got ${show(raw)}`);
		return { overrides: {}, problems };
	}
	const overrides: Record<string, PriceOverride> = {};
	for (const [rawKey, value] of Object.entries(raw)) {
		if (rawKey.startsWith('$')) continue;
		const key = rawKey.trim().toLowerCase();
		if (key === '') {
			problems.push(`an entry has an empty model id; entry dropped`);
			continue;
		}
		if (key in overrides) {
			problems.push(`"${rawKey}": duplicate of another key (keys are compared case-insensitively); the first one is used`);
			continue;
		}
		const entry = parseEntry(rawKey, value, problems);
		if (entry) overrides[key] = entry;
	}
	return { overrides, problems };
}

/**
 * Layers overrides; EARLIER layers win on the same key. The one caller that decides the order is
 * `loadPriceOverrides` (src/node/priceOverridesFile.ts): the user's setting or `--overrides` file,
 * then the workspace's file — a cloned repository must not override prices the user configured.
 */
export function mergePriceOverrides(...layers: readonly PriceOverrides[]): PriceOverrides {
	const merged: Record<string, PriceOverride> = {};
	for (const layer of layers) for (const [key, value] of Object.entries(layer)) if (!(key in merged)) merged[key] = value;
	return merged;
}

function globToRegExp(glob: string): RegExp {
	const body = glob
		.split('*')
		.map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
		.join('.*');
	return new RegExp(`^${body}$`, 's');
}

export interface OverrideMatch {
	/** The key that matched (lower-cased), e.g. "my-org/*". */
	readonly key: string;
	readonly override: PriceOverride;
}

export type OverrideMatcher = (model: string, provider?: string) => OverrideMatch | undefined;

/**
 * A matcher over `overrides` with its globs compiled once (the catalog prices thousands of calls).
 * Exact keys beat globs; among globs the one with the most literal characters wins, then the
 * earlier one. The model is tried as written and, when the provider is known, as `<provider>/<model>`.
 */
export function createOverrideMatcher(overrides: PriceOverrides): OverrideMatcher {
	const globs = Object.keys(overrides)
		.filter(key => key.includes('*'))
		.map((key, order) => ({ key, re: globToRegExp(key), literal: key.replace(/\*/g, '').length, order }))
		.sort((a, b) => b.literal - a.literal || a.order - b.order);
	return (model, provider) => {
		const candidates = [model.trim().toLowerCase()];
		if (provider) candidates.push(`${provider.trim().toLowerCase()}/${candidates[0]}`);
		for (const c of candidates) if (Object.prototype.hasOwnProperty.call(overrides, c)) return { key: c, override: overrides[c]! };
		const glob = globs.find(g => candidates.some(c => g.re.test(c)));
		return glob && { key: glob.key, override: overrides[glob.key]! };
	};
}

/** One-off lookup; see {@link createOverrideMatcher} for the rules. */
export function findPriceOverride(overrides: PriceOverrides, model: string, provider?: string): OverrideMatch | undefined {
	return createOverrideMatcher(overrides)(model, provider);
}
