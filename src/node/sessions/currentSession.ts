/**
 * The agent session running in a folder now: the most recently written session file whose agent
 * worked in that folder. Each agent files sessions by folder its own way.
 */
import { openSync, readdirSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionFileRef } from '../../core/jobs/sessionJobs';
import type { AgentRoot } from './agentDirs';

/** Claude Code's folder name for a working folder: every character but letters and digits becomes '-'. */
export function claudeProjectFolder(workspace: string): string {
	return workspace.replace(/[^a-zA-Z0-9]/g, '-');
}

/** pi's folder name for a working folder (`--home-me-proj--`). */
function piProjectFolder(workspace: string): string {
	return `--${workspace.replace(/^[/\\]/, '').replace(/[/\\:]/g, '-')}--`;
}

interface Candidate {
	readonly ref: SessionFileRef;
	readonly mtimeMs: number;
}

function newest(dir: string, agent: SessionFileRef['agent'], test: (name: string) => boolean = n => n.endsWith('.jsonl')): Candidate | undefined {
	let best: Candidate | undefined;
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return undefined;
	}
	for (const name of names) {
		if (!test(name)) continue;
		try {
			const s = statSync(join(dir, name));
			if (s.isFile() && (!best || s.mtimeMs > best.mtimeMs)) best = { ref: { agent, path: join(dir, name) }, mtimeMs: s.mtimeMs };
		} catch {
			// gone meanwhile
		}
	}
	return best;
}

function firstLine(path: string): string {
	const fd = openSync(path, 'r');
	try {
		const buf = Buffer.alloc(64 * 1024);
		const n = readSync(fd, buf, 0, buf.length, 0);
		const text = buf.toString('utf8', 0, n);
		const nl = text.indexOf('\n');
		return nl < 0 ? text : text.slice(0, nl);
	} finally {
		closeSync(fd);
	}
}

/** Codex files sessions by date: today's and yesterday's rollouts, matched on the folder in their first line. */
function codexCandidate(root: string, workspace: string, now: Date): Candidate | undefined {
	let best: Candidate | undefined;
	for (const back of [0, 1]) {
		const d = new Date(now.getTime() - back * 86_400_000);
		const dir = join(root, String(d.getFullYear()), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0'));
		let names: string[];
		try {
			names = readdirSync(dir).filter(n => n.endsWith('.jsonl'));
		} catch {
			continue;
		}
		for (const name of names) {
			const path = join(dir, name);
			try {
				const s = statSync(path);
				if (best && s.mtimeMs <= best.mtimeMs) continue;
				const meta = JSON.parse(firstLine(path)) as { payload?: { cwd?: unknown } };
				if (meta.payload?.cwd === workspace) best = { ref: { agent: 'codex', path }, mtimeMs: s.mtimeMs };
			} catch {
				// not a rollout we can read
			}
		}
	}
	return best;
}

function geminiCandidate(tmp: string, workspace: string): Candidate | undefined {
	let best: Candidate | undefined;
	let projects: string[];
	try {
		projects = readdirSync(tmp);
	} catch {
		return undefined;
	}
	for (const p of projects) {
		let root: string;
		try {
			root = readFileSync(join(tmp, p, '.project_root'), 'utf8').trim();
		} catch {
			continue;
		}
		if (root !== workspace) continue;
		const c = newest(join(tmp, p, 'chats'), 'gemini', n => /^session-.*\.jsonl?$/.test(n));
		if (c && (!best || c.mtimeMs > best.mtimeMs)) best = c;
	}
	return best;
}

/** The newest session file of any agent for `workspace`, or null. */
export function findCurrentSession(roots: readonly AgentRoot[], workspace: string, now = new Date()): SessionFileRef | null {
	let best: Candidate | undefined;
	for (const root of roots) {
		const c =
			root.agent === 'claude'
				? newest(join(root.dir, claudeProjectFolder(workspace)), 'claude')
				: root.agent === 'codex'
					? codexCandidate(root.dir, workspace, now)
					: root.agent === 'gemini'
						? geminiCandidate(root.dir, workspace)
						: newest(join(root.dir, piProjectFolder(workspace)), 'pi');
		if (c && (!best || c.mtimeMs > best.mtimeMs)) best = c;
	}
	return best?.ref ?? null;
}
