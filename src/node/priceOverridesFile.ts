import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { mergePriceOverrides, parsePriceOverrides, type PriceOverrides } from '../core/pricing/overrides';

/** Where a workspace keeps its price overrides (same JSON shape as `agentCost.pricing.overrides`). */
export const workspacePriceOverridesRelativePath = join('.agent-cost', 'prices.json');

export function workspacePriceOverridesPath(workspaceRoot: string): string {
	return join(workspaceRoot, workspacePriceOverridesRelativePath);
}

export interface PriceOverridesFile {
	readonly path: string;
	/** False when the file does not exist (not a problem: the file is optional). */
	readonly found: boolean;
	readonly overrides: PriceOverrides;
	/** Each problem starts with the file name, ready to show to the user. */
	readonly problems: string[];
	/** Set when the file as a whole could not be used (unreadable, not JSON); also in `problems`. */
	readonly fileError?: string;
}

/** A price file is a few KB; anything this large is the wrong file. */
const maxBytes = 1024 * 1024;

/**
 * Reads and parses a price-overrides JSON file. Never throws: a missing file is `found: false`;
 * unreadable files, invalid JSON and bad entries become `problems` naming the file (invalid
 * entries are dropped, valid ones kept).
 */
export async function readPriceOverridesFile(path: string, displayName: string = path): Promise<PriceOverridesFile> {
	const fail = (problem: string): PriceOverridesFile => {
		const message = `${displayName}: ${problem}`;
		return { path, found: true, overrides: {}, problems: [message], fileError: message };
	};
	let text: string;
	try {
		const info = await stat(path);
		if (info.isDirectory()) return fail('is a folder, expected a JSON file');
		if (info.size > maxBytes) return fail(`is ${info.size} bytes; a price file should be a small JSON object (limit ${maxBytes} bytes)`);
		text = await readFile(path, 'utf8');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return { path, found: false, overrides: {}, problems: [] };
		return fail(`cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`);
	}
	let raw: unknown;
	try {
		raw = JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch (e) {
		return fail(`is not valid JSON (${e instanceof Error ? e.message : String(e)}); no overrides from it are used`);
	}
	const parsed = parsePriceOverrides(raw);
	return { path, found: true, overrides: parsed.overrides, problems: parsed.problems.map(p => `${displayName}: ${p}`) };
}

/**
 * The workspace's overrides file (`agentCost.pricing.overridesFile`, default `.agent-cost/prices.json`),
 * named relative to the workspace in problems. An absolute `relativePath` is used as is.
 */
export function readWorkspacePriceOverrides(workspaceRoot: string, relativePath: string = workspacePriceOverridesRelativePath): Promise<PriceOverridesFile> {
	return readPriceOverridesFile(isAbsolute(relativePath) ? relativePath : join(workspaceRoot, relativePath), relativePath);
}

/** Where price overrides come from, highest precedence first (see {@link loadPriceOverrides}). */
export interface PriceOverrideSources {
	/** `agentCost.pricing.overrides` (the editor, the engine worker) — the user's own choice. */
	readonly setting?: unknown;
	/** `--overrides FILE` (the CLI): read and checked by the caller, see {@link readPriceOverridesFile}. */
	readonly explicitFile?: PriceOverridesFile;
	/** The workspace folder whose overrides file applies (absent: none, e.g. an untitled window). */
	readonly workspaceDir?: string;
	/** `agentCost.pricing.overridesFile` (default `.agent-cost/prices.json`). */
	readonly workspaceFile?: string;
}

export interface LoadedPriceOverrides {
	readonly overrides: PriceOverrides;
	/** Every problem of every source, each naming its source, ready to show. */
	readonly problems: readonly string[];
}

/**
 * THE merge of price overrides, used by the editor, the engine worker and the CLI alike. One
 * precedence, first wins on the same key: the `agentCost.pricing.overrides` setting or the CLI's
 * `--overrides` file (the user's explicit choice) → the workspace's overrides file (a project
 * default that arrives with whatever repository is open) → the bundled price data.
 */
export async function loadPriceOverrides(sources: PriceOverrideSources): Promise<LoadedPriceOverrides> {
	const layers: PriceOverrides[] = [];
	const problems: string[] = [];
	if (sources.setting !== undefined) {
		const s = parsePriceOverrides(sources.setting);
		layers.push(s.overrides);
		problems.push(...s.problems.map(p => `agentCost.pricing.overrides: ${p}`));
	}
	if (sources.explicitFile) {
		layers.push(sources.explicitFile.overrides);
		problems.push(...sources.explicitFile.problems);
	}
	if (sources.workspaceDir !== undefined) {
		const file = await readWorkspacePriceOverrides(sources.workspaceDir, sources.workspaceFile);
		layers.push(file.overrides);
		problems.push(...file.problems);
	}
	return { overrides: mergePriceOverrides(...layers), problems };
}
