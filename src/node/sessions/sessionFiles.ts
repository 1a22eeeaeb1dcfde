/**
 * The session files under each agent folder, with what their paths say (project, session id,
 * parent session of a subagent file). Listing only: files are opened later, read-only.
 */
import { type Dirent, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { AgentId } from '../../core/sessions/agents';
import type { FileHints } from '../../core/sessions/usageRecord';
import type { AgentRoot } from './agentDirs';

export interface SessionFile {
	readonly agent: AgentId;
	readonly path: string;
	/** The agent folder it was found in. */
	readonly root: string;
	readonly size: number;
	readonly mtimeMs: number;
	readonly hints: FileHints;
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function isSessionFile(agent: AgentId, segments: readonly string[]): boolean {
	const name = segments[segments.length - 1];
	if (agent === 'gemini') return /\.jsonl?$/.test(name) && segments.includes('chats');
	return name.endsWith('.jsonl');
}

/** What the folder layout of each agent says about a file (path relative to its agent folder). */
export function fileHints(agent: AgentId, root: string, segments: readonly string[]): FileHints {
	const name = segments[segments.length - 1];
	const stem = name.replace(/\.jsonl?$/, '');
	const folder = segments.length > 1 ? segments[0] : basename(root);
	switch (agent) {
		case 'claude': {
			// <project>/<session>.jsonl, <project>/agent-<id>.jsonl, <project>/<session>/subagents/agent-<id>.jsonl
			const sub = segments.indexOf('subagents');
			const sessionId = sub > 0 ? segments[sub - 1] : uuid.test(stem) ? stem : undefined;
			return { project: folder, ...(sessionId !== undefined && { sessionId }) };
		}
		case 'codex': {
			const id = uuid.exec(stem)?.[0];
			return { ...(id !== undefined && { sessionId: id }) };
		}
		case 'gemini': {
			// <project>/chats/session-<time>-<id>.json[l]; a subagent: <project>/chats/<parent session>/<id>.jsonl
			const chats = segments.indexOf('chats');
			const project = chats > 0 ? segments[chats - 1] : folder;
			const parent = chats >= 0 && segments.length - chats > 2 ? segments[segments.length - 2] : undefined;
			return { project: geminiProjectRoot(join(root, ...segments.slice(0, Math.max(chats, 0)))) ?? project, sessionId: stem, ...(parent !== undefined && { parentSessionId: parent }) };
		}
		case 'pi': {
			const id = uuid.exec(stem)?.[0];
			return { project: segments.length > 1 ? segments[segments.length - 2] : folder, ...(id !== undefined && { sessionId: id }) };
		}
	}
}

const projectRoots = new Map<string, string | undefined>();

/** Gemini CLI writes the project's folder into `tmp/<project>/.project_root`; the folder name is only a short id. */
function geminiProjectRoot(projectDir: string): string | undefined {
	if (!projectRoots.has(projectDir)) {
		let root: string | undefined;
		try {
			root = readFileSync(join(projectDir, '.project_root'), 'utf8').trim() || undefined;
		} catch {
			root = undefined;
		}
		projectRoots.set(projectDir, root);
	}
	return projectRoots.get(projectDir);
}

export interface ListedFiles {
	readonly files: readonly SessionFile[];
	/** Folders that could not be read. */
	readonly problems: readonly string[];
}

/** Every session file under the roots, oldest first (a call copied into a later file stays with the session that made it). */
export async function listSessionFiles(roots: readonly AgentRoot[], signal?: AbortSignal): Promise<ListedFiles> {
	const files: SessionFile[] = [];
	const problems: string[] = [];
	const seen = new Set<string>();
	for (const root of roots) {
		const walk = async (dir: string): Promise<void> => {
			signal?.throwIfAborted();
			let entries: Dirent[];
			try {
				entries = await readdir(dir, { withFileTypes: true });
			} catch (e) {
				const code = (e as NodeJS.ErrnoException).code;
				problems.push(`${dir}: cannot list the folder (${code ?? (e instanceof Error ? e.message : String(e))})`);
				return;
			}
			for (const entry of entries) {
				const path = join(dir, entry.name);
				if (entry.isDirectory()) {
					await walk(path);
					continue;
				}
				if (!entry.isFile()) continue;
				const segments = relative(root.dir, path).split(sep);
				if (!isSessionFile(root.agent, segments) || seen.has(path)) continue;
				seen.add(path);
				try {
					const s = await stat(path);
					files.push({ agent: root.agent, path, root: root.dir, size: s.size, mtimeMs: s.mtimeMs, hints: fileHints(root.agent, root.dir, segments) });
				} catch (e) {
					problems.push(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
				}
			}
		};
		await walk(root.dir);
	}
	files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
	return { files, problems };
}
