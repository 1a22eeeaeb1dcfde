/**
 * Where each coding agent keeps its session logs: the default places, the places its own
 * environment variables move them to, and folders the user adds (settings, CLI flags). Read-only:
 * nothing here creates, locks or moves an agent's files.
 *
 * - Claude Code: `$CLAUDE_CONFIG_DIR` (a comma-separated list is allowed), else `~/.config/claude`
 *   and `~/.claude`; sessions are `<dir>/projects/<project>/**\/*.jsonl`.
 * - Codex CLI: `$CODEX_HOME` (comma-separated allowed), else `~/.codex`; `sessions/YYYY/MM/DD/`
 *   and `archived_sessions/`.
 * - Gemini CLI: `$GEMINI_CLI_HOME/.gemini` (the CLI's own home override), else `~/.gemini`;
 *   recordings are `tmp/<project>/chats/*.json[l]`. `$GEMINI_DATA_DIR` (ccusage's variable, the
 *   `tmp` folder itself) is honoured too.
 * - pi: `$PI_CODING_AGENT_DIR/sessions`, else `~/.pi/agent/sessions`.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentId } from '../../core/sessions/agents';
import { agentIds } from '../../core/sessions/agents';

/** A folder to search for one agent's session files. */
export interface AgentRoot {
	readonly agent: AgentId;
	/** The folder files are searched in (recursively). */
	readonly dir: string;
	/** Why it is searched: a default place, an environment variable, a setting or a flag. */
	readonly source: 'default' | 'env' | 'setting' | 'flag';
}

export interface AgentDirOptions {
	readonly env: Readonly<Record<string, string | undefined>>;
	/** The home folder (default: `$HOME`, else the OS's). */
	readonly home?: string;
	/** Folders added by settings, on top of the default places. */
	readonly extra?: Partial<Record<AgentId, readonly string[]>>;
	/** Folders that REPLACE an agent's default places (CLI flags). */
	readonly only?: Partial<Record<AgentId, readonly string[]>>;
	/** Search the default places and environment variables. @default true */
	readonly includeDefaults?: boolean;
	/** Relative folders (flags) resolve against this. */
	readonly cwd?: string;
}

function list(value: string | undefined): string[] {
	return (value ?? '')
		.split(',')
		.map(s => s.trim())
		.filter(s => s !== '');
}

function isDir(path: string): boolean {
	try {
		return statSync(path).isDirectory();
	} catch {
		return false;
	}
}

function expandHome(path: string, home: string): string {
	return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * The folder to walk for a folder the user named: the agent's own subfolder when the name is the
 * agent's home (`~/.claude` → `projects`), else the folder itself (a projects folder, one project).
 */
function searchFolders(agent: AgentId, dir: string): string[] {
	const sub = (name: string) => join(dir, name);
	switch (agent) {
		case 'claude':
			return isDir(sub('projects')) ? [sub('projects')] : [dir];
		case 'codex': {
			const found = ['sessions', 'archived_sessions'].map(sub).filter(isDir);
			return found.length > 0 ? found : [dir];
		}
		case 'gemini':
			return isDir(join(dir, '.gemini', 'tmp')) ? [join(dir, '.gemini', 'tmp')] : isDir(sub('tmp')) ? [sub('tmp')] : [dir];
		case 'pi':
			return isDir(sub('sessions')) ? [sub('sessions')] : [dir];
	}
}

function defaults(agent: AgentId, env: AgentDirOptions['env'], home: string): { dir: string; source: 'default' | 'env' }[] {
	const fromEnv = (name: string) => list(env[name]).map(dir => ({ dir: expandHome(dir, home), source: 'env' as const }));
	switch (agent) {
		case 'claude': {
			const e = fromEnv('CLAUDE_CONFIG_DIR');
			return e.length > 0 ? e : [join(home, '.config', 'claude'), join(home, '.claude')].map(dir => ({ dir, source: 'default' as const }));
		}
		case 'codex': {
			const e = fromEnv('CODEX_HOME');
			return e.length > 0 ? e : [{ dir: join(home, '.codex'), source: 'default' }];
		}
		case 'gemini': {
			const e = fromEnv('GEMINI_DATA_DIR');
			if (e.length > 0) return e;
			const geminiHome = env.GEMINI_CLI_HOME;
			return geminiHome ? [{ dir: join(expandHome(geminiHome, home), '.gemini'), source: 'env' }] : [{ dir: join(home, '.gemini'), source: 'default' }];
		}
		case 'pi': {
			const e = fromEnv('PI_CODING_AGENT_DIR');
			return e.length > 0 ? e.map(d => ({ ...d, dir: join(d.dir, 'sessions') })) : [{ dir: join(home, '.pi', 'agent', 'sessions'), source: 'default' }];
		}
	}
}

/** Every existing folder to search, per agent, without duplicates (first source wins). */
export function agentRoots(options: AgentDirOptions): AgentRoot[] {
	const home = options.home ?? options.env.HOME ?? homedir();
	const cwd = options.cwd ?? process.cwd();
	const out: AgentRoot[] = [];
	const seen = new Set<string>();
	const add = (agent: AgentId, dir: string, source: AgentRoot['source']) => {
		for (const folder of searchFolders(agent, resolve(cwd, expandHome(dir, home)))) {
			const key = `${agent}\u0000${folder}`;
			if (seen.has(key) || !existsSync(folder)) continue;
			seen.add(key);
			out.push({ agent, dir: folder, source });
		}
	};
	for (const agent of agentIds) {
		const only = options.only?.[agent];
		if (only && only.length > 0) {
			for (const dir of only) add(agent, dir, 'flag');
			continue;
		}
		if (options.includeDefaults !== false) for (const d of defaults(agent, options.env, home)) add(agent, d.dir, d.source);
		for (const dir of options.extra?.[agent] ?? []) add(agent, dir, 'setting');
	}
	return out;
}

/** The folders that would be searched for an agent whether or not they exist (for "no sessions found" messages). */
export function defaultAgentFolders(agent: AgentId, env: AgentDirOptions['env'], home = env.HOME ?? homedir()): string[] {
	return defaults(agent, env, home).map(d => d.dir);
}
