import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JobContext } from '../../../../src/core/jobs/jobProtocol';
import type { SessionJobs } from '../../../../src/core/jobs/sessionJobs';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { createSessionJobHandlers } from '../../../../src/node/engineJobs/sessionJobs';
import { archiveManifestName } from '../../../../src/node/sessions/archiveSessions';
import { claudeProjectFolder } from '../../../../src/node/sessions/currentSession';
import { LiveSessionWatcher, type LiveSessionState } from '../../../../src/node/sessions/liveSession';
import { transcriptsDir } from '../../../support/paths';
import { waitFor } from '../../../support/waitFor';

const none = { claude: [], codex: [], gemini: [], pi: [] };
const ctx: JobContext<never> = { signal: new AbortController().signal, progress: () => undefined };
const dayMs = 86_400_000;

let tmp: string;
let home: string;
let handlers: ReturnType<typeof createSessionJobHandlers>;
beforeEach(() => {
	tmp = mkdtempSync(join(tmpdir(), 'session-jobs-'));
	home = join(tmp, 'home');
	mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
	handlers = createSessionJobHandlers({ counter: { countText, countChat }, env: { HOME: home } });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function run<K extends keyof SessionJobs>(job: K, params: SessionJobs[K]['params']): Promise<SessionJobs[K]['result']> {
	return Promise.resolve((handlers[job] as (p: unknown, c: unknown) => SessionJobs[K]['result'] | Promise<SessionJobs[K]['result']>)(params, ctx));
}

function assistant(id: string, at: string, input: number, output: number, sessionId = 'live-1'): string {
	return JSON.stringify({
		parentUuid: null,
		sessionId,
		cwd: '/w',
		type: 'assistant',
		uuid: `u-${id}`,
		requestId: `req_${id}`,
		timestamp: at,
		message: { id: `msg_${id}`, model: 'claude-opus-4-6', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: input, output_tokens: output } },
	});
}

describe('engine-worker session jobs', () => {
	it('scan: sessions with their files, today/week/month totals; a rescan reads only what changed', async () => {
		const project = join(home, '.claude', 'projects', 'p1');
		mkdirSync(project);
		for (const f of readdirSync(join(transcriptsDir(), 'claude_code'))) writeFileSync(join(project, f), readFileSync(join(transcriptsDir(), 'claude_code', f)));
		const params = { folders: none, timeZone: 'UTC', retentionNoticeDays: 0 };
		const first = await run('sessions/scan', params);
		assert.equal(first.sessions.length, 4);
		assert.deepEqual(first.folders, [{ agent: 'claude', dir: join(home, '.claude', 'projects') }]);
		const main = first.sessions.find(s => s.sidechainCalls > 0)!;
		assert.equal(main.files.length, 2, 'the sidechain file belongs to its parent session');
		assert.ok(main.file.endsWith('fasthooks_sample_main_transcript.jsonl'));
		assert.equal(first.totals.today.calls, 0, 'the fixtures are from January–February 2026');
		// A new session today, appended by "the agent".
		const now = new Date();
		writeFileSync(join(project, 'today.jsonl'), assistant('a', now.toISOString(), 100, 7, 'today') + '\n');
		const second = await run('sessions/scan', params);
		assert.equal(second.sessions.length, 5);
		assert.equal(second.totals.today.calls, 1);
		assert.equal(second.totals.today.sessions, 1);
		assert.ok(second.totals.month.calls >= 1);
		assert.deepEqual(
			second.sessions.filter(s => s.sessionId !== 'today').map(s => [s.sessionId, s.calls, s.costUsd]),
			first.sessions.map(s => [s.sessionId, s.calls, s.costUsd]),
			'the unchanged files give the same sessions from the cache',
		);
	});

	it('retention: Claude Code session logs its cleanup deletes soon are counted until archived', async () => {
		const project = join(home, '.claude', 'projects', 'p1');
		mkdirSync(project);
		writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ cleanupPeriodDays: 10 }));
		const old = join(project, 'old.jsonl');
		writeFileSync(old, assistant('o', '2026-01-01T00:00:00Z', 10, 1, 'old') + '\n');
		const eightDaysAgo = new Date(Date.now() - 8 * dayMs);
		utimesSync(old, eightDaysAgo, eightDaysAgo);
		writeFileSync(join(project, 'fresh.jsonl'), assistant('f', new Date().toISOString(), 10, 1, 'fresh') + '\n');
		const archive = join(tmp, 'archive');
		const params = { folders: none, timeZone: 'UTC', retentionNoticeDays: 3, archiveFolder: archive };
		const before = await run('sessions/scan', params);
		assert.deepEqual(before.retention, [{ agent: 'claude', cleanupPeriodDays: 10, settingsFile: join(home, '.claude', 'settings.json'), files: 1, soonestInDays: 1 }]);
		const result = await run('sessions/archive', { dest: archive, folders: none });
		assert.deepEqual([result.copied, result.unchanged, result.failed], [2, 0, []]);
		const copy = join(
			archive,
			'claude',
			`${join(home, '.claude', 'projects')
				.replace(/[^A-Za-z0-9._-]+/g, '-')
				.replace(/^-+/, '')}`,
			'p1',
			'old.jsonl.gz',
		);
		assert.equal(gunzipSync(readFileSync(copy)).toString('utf8'), readFileSync(old, 'utf8'));
		assert.ok(existsSync(join(archive, archiveManifestName)));
		assert.ok(Math.abs(statSync(old).mtimeMs - eightDaysAgo.getTime()) < 1, 'the original is not touched');
		const after = await run('sessions/scan', params);
		assert.deepEqual(after.retention, []);
		const again = await run('sessions/archive', { dest: archive, folders: none });
		assert.deepEqual([again.copied, again.unchanged], [0, 2], 'only changed files are copied again');
	});

	it('current + tail: the newest session of a folder, read incrementally as it grows', async () => {
		const workspace = join(tmp, 'my project');
		const dir = join(home, '.claude', 'projects', claudeProjectFolder(workspace));
		mkdirSync(dir, { recursive: true });
		const file = join(dir, 'live-1.jsonl');
		writeFileSync(file, assistant('1', '2026-06-01T10:00:00Z', 1000, 10) + '\n');
		const current = await run('sessions/current', { folders: none, workspace });
		assert.deepEqual(current, { agent: 'claude', path: file });
		const t1 = await run('sessions/tail', { file: current!, timeZone: 'UTC' });
		assert.deepEqual([t1.calls, t1.usage.input, t1.sessionId], [1, 1000, 'live-1']);
		assert.equal(t1.readBytes, statSync(file).size);
		// Half a line: not read yet; then the rest of it and another call.
		const second = assistant('2', '2026-06-01T10:01:00Z', 2000, 20);
		appendFileSync(file, second.slice(0, 40));
		const t2 = await run('sessions/tail', { file: current!, timeZone: 'UTC' });
		assert.deepEqual([t2.calls, t2.readBytes], [1, 0]);
		appendFileSync(file, second.slice(40) + '\n' + assistant('3', '2026-06-01T10:02:00Z', 3000, 30) + '\n');
		const t3 = await run('sessions/tail', { file: current!, timeZone: 'UTC' });
		assert.deepEqual([t3.calls, t3.usage.input, t3.usage.output], [3, 6000, 60]);
		assert.equal(t3.readBytes, statSync(file).size - t1.offset, 'only the appended bytes were read');
		assert.equal(await run('sessions/current', { folders: none, workspace: join(tmp, 'elsewhere') }), null);
	});

	it('the live watcher follows the running session as it is written and publishes its totals', async () => {
		const workspace = join(tmp, 'ws');
		const dir = join(home, '.claude', 'projects', claudeProjectFolder(workspace));
		mkdirSync(dir, { recursive: true });
		const file = join(dir, 'live-1.jsonl');
		writeFileSync(file, assistant('1', new Date().toISOString(), 1000, 10) + '\n');
		const states: LiveSessionState[] = [];
		const watcher = new LiveSessionWatcher({ run: (job, params) => run(job, params as never) as never, workspace, folders: () => none, timeZone: () => 'UTC', batchMs: 20, pollMs: 60_000 });
		watcher.onDidChange(s => states.push(s));
		try {
			await watcher.start();
			await waitFor('the first read', () => watcher.state.kind === 'session' && watcher.state.tail.calls === 1, 5000);
			appendFileSync(file, assistant('2', new Date().toISOString(), 2000, 20) + '\n');
			await waitFor('the appended call', () => watcher.state.kind === 'session' && watcher.state.tail.calls === 2, 5000);
			const s = watcher.state;
			assert.ok(s.kind === 'session' && s.running && s.tail.usage.input === 3000);
			assert.ok(watcher.hostMs.length >= 2 && watcher.hostMs.every(ms => ms < 50));
		} finally {
			watcher.dispose();
		}
	});
});
