import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { mergePriceOverrides, parsePriceOverrides, type PriceOverrides } from '../core/pricing/overrides';
import { NotRegularFileError, readRegularFile } from './regularFile';

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
	/** SHA-256 (hex) of the file's bytes, when it was read: what a user's confirmation of the file is tied to. */
	readonly sha256?: string;
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
	let bytes: Buffer;
	try {
		const info = await stat(path);
		if (info.isDirectory()) return fail('is a folder, expected a JSON file');
		if (info.size > maxBytes) return fail(`is ${info.size} bytes; a price file should be a small JSON object (limit ${maxBytes} bytes)`);
		bytes = await readRegularFile(path);
		if (bytes.length > maxBytes) return fail(`is over ${maxBytes} bytes; a price file should be a small JSON object`);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return { path, found: false, overrides: {}, problems: [] };
		if (NotRegularFileError.is(e)) return fail(`is ${e.what}, not a regular file; ignored`);
		return fail(`cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`);
	}
	const sha256 = createHash('sha256').update(bytes).digest('hex');
	let raw: unknown;
	try {
		raw = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
	} catch (e) {
		return { ...fail(`is not valid JSON (${e instanceof Error ? e.message : String(e)}); no overrides from it are used`), sha256 };
	}
	const parsed = parsePriceOverrides(raw);
	return { path, found: true, overrides: parsed.overrides, problems: parsed.problems.map(p => `${displayName}: ${p}`), sha256 };
}

/**
 * The workspace's overrides file (`agentCost.pricing.overridesFile`, default `.agent-cost/prices.json`),
 * named relative to the workspace in problems. An absolute `relativePath` is used as is.
 */
export function readWorkspacePriceOverrides(workspaceRoot: string, relativePath: string = workspacePriceOverridesRelativePath): Promise<PriceOverridesFile> {
	return readPriceOverridesFile(workspacePriceFilePath(workspaceRoot, relativePath), relativePath);
}

/** The path of a workspace's price file (`agentCost.pricing.overridesFile`; an absolute setting is used as is). */
export function workspacePriceFilePath(workspaceRoot: string, relativePath: string = workspacePriceOverridesRelativePath): string {
	return isAbsolute(relativePath) ? relativePath : join(workspaceRoot, relativePath);
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
	/**
	 * Whether the workspace's file counts. A cloned repository's price file must not lower what the
	 * editor's budgets count until the user has seen it: the extension and its live jobs accept only
	 * the content the user confirmed (its SHA-256). The CLI, which enforces no budget, accepts it.
	 */
	readonly acceptWorkspaceFile: (file: PriceOverridesFile) => boolean;
}

export interface LoadedPriceOverrides {
	/** What prices calls: the user's overrides on top of the accepted workspace file. */
	readonly overrides: PriceOverrides;
	/** The user's own overrides only (setting, `--overrides`): with the bundled prices, the floor budgets never count below. */
	readonly listed: PriceOverrides;
	/** The workspace's file as read (also when it was not accepted), for the caller to ask about it. */
	readonly workspace?: PriceOverridesFile;
	/** Every problem of every source, each naming its source, ready to show. */
	readonly problems: readonly string[];
}

/**
 * THE merge of price overrides, used by the editor, the engine worker and the CLI alike. One
 * precedence, first wins on the same key: the `agentCost.pricing.overrides` setting or the CLI's
 * `--overrides` file (the user's explicit choice) → the workspace's overrides file (a project
 * default that arrives with whatever repository is open, once accepted) → the bundled price data.
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
	const listed = mergePriceOverrides(...layers);
	if (sources.workspaceDir === undefined) return { overrides: listed, listed, problems };
	const workspace = await readWorkspacePriceOverrides(sources.workspaceDir, sources.workspaceFile);
	problems.push(...workspace.problems);
	const accepted = workspace.found && Object.keys(workspace.overrides).length > 0 && sources.acceptWorkspaceFile(workspace);
	return { overrides: accepted ? mergePriceOverrides(listed, workspace.overrides) : listed, listed, workspace, problems };
}
