import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineJobError } from '../../../src/core/jobs/jobProtocol';
import { CancelledError } from '../../../src/core/lib/errors';
import { asRecordedScenario, productDefaultScenario } from '../../../src/core/replay/scenario';
import { ReplayJobError } from '../../../src/core/jobs/replayJobs';
import { defaultEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { createEngineWorkerClient } from '../../../src/node/engineWorkerClient';
import type { JobWorkerClient } from '../../../src/node/jobWorkerClient';
import type { EngineJobs } from '../../../src/core/jobs/engineJobs';
import { repoRoot, transcriptsDir } from '../../support/paths';

/** The real bundled worker (dist/engineWorker.js), as the extension host spawns it. */
describe('engine worker (replay jobs in a worker thread)', function () {
	this.timeout(60_000);
	let client: JobWorkerClient<EngineJobs>;
	let dir: string;
	const config = defaultEngineConfig();
	beforeEach(() => {
		client = createEngineWorkerClient({ workerPath: join(repoRoot(), 'dist', 'engineWorker.js') });
		dir = mkdtempSync(join(tmpdir(), 'engine-worker-'));
	});
	afterEach(() => {
		client.dispose();
		rmSync(dir, { recursive: true, force: true });
	});

	it('is not started before the first job', () => assert.equal(client.isRunning, false));

	it('opens a transcript with its report and per-call table, then compares scenarios on it', async () => {
		const progress: number[] = [];
		const opened = await client.run(
			'transcript/open',
			{ path: join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_django__django-14765.traj.json'), displayName: 'django.traj.json' },
			{ onProgress: p => progress.push(p.calls) },
		);
		assert.equal(opened.report.calls, 13);
		assert.equal(opened.calls.length, 13);
		assert.equal(opened.report.file, 'django.traj.json');
		assert.ok(progress.length > 0);
		const steps: number[] = [];
		const c = await client.run(
			'replay/compare',
			{ transcriptId: opened.transcriptId, scenarios: [asRecordedScenario(config), productDefaultScenario(config)] },
			{ onProgress: p => steps.push(p.done) },
		);
		assert.equal(c.baseline.kind, 'recorded');
		assert.equal(c.scenarios[0].costUsd, c.baseline.costUsd);
		assert.ok(Math.abs(c.baseline.costUsd! - (opened.report.recordedCostUsd ?? 0)) < 1e-9);
		assert.equal(c.scenarios.length, 2);
		const sweep = await client.run('replay/sweep', { transcriptId: opened.transcriptId, base: productDefaultScenario(config), parameter: 'budget.maxSteps', values: [5, 10, 0] });
		assert.deepEqual(
			sweep.points.map(p => p.stoppedAtStep),
			[6, 11, null],
		);
	});

	it('an unknown transcript id is a typed error the host can recover from', async () => {
		await assert.rejects(client.run('replay/compare', { transcriptId: 'nope', scenarios: [] }), (e: unknown) => ReplayJobError.is(e, 'unknownTranscript'));
	});

	it("a malformed file fails with the importer's reason and location", async () => {
		writeFileSync(join(dir, 'bad.json'), '{"trajectory_format": "mini-swe-agent-1", "messages": [');
		await assert.rejects(
			client.run('transcript/open', { path: join(dir, 'bad.json') }),
			(e: unknown) => EngineJobError.is(e, 'failed') && e.original?.name === 'TranscriptImportError' && /bad\.json/.test(e.message),
		);
	});

	it('cancels a long replay promptly', async () => {
		// A long run: the same session replayed under 40 scenarios.
		copyFileSync(join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json'), join(dir, 'flask.traj.json'));
		const opened = await client.run('transcript/open', { path: join(dir, 'flask.traj.json') });
		const ac = new AbortController();
		const scenarios = Array.from({ length: 400 }, (_, i) => ({ ...productDefaultScenario(config), name: `s${i}` }));
		const p = client.run('replay/compare', { transcriptId: opened.transcriptId, scenarios }, { signal: ac.signal, onProgress: prog => prog.done > 40 && ac.abort() });
		await assert.rejects(p, (e: unknown) => CancelledError.is(e));
		// The worker is still usable afterwards.
		const again = await client.run('replay/compare', { transcriptId: opened.transcriptId, scenarios: [asRecordedScenario(config)] });
		assert.equal(again.scenarios.length, 1);
	});

	it('an unknown job name fails clearly', async () => {
		await assert.rejects(
			(client as unknown as JobWorkerClient<Record<string, never>>).run('no/such' as never, undefined as never),
			(e: unknown) => e instanceof Error && /no job "no\/such"/.test(e.message),
		);
	});
});

describe('engine worker: a cancelled job stops inside a long count', function () {
	this.timeout(60_000);
	it('a Compress Prompt preview of a 3 MB run is cancelled while the tokenizer merges it (shared-memory cancel flag)', async () => {
		const client = createEngineWorkerClient({ workerPath: join(repoRoot(), 'dist', 'engineWorker.js') });
		try {
			const dir = mkdtempSync(join(tmpdir(), 'engine-worker-'));
			const paths = { ledgerDir: dir, cacheDir: dir, recordingsDir: dir };
			const params = { config: defaultEngineConfig(), paths, strategy: 'lossless' as const, format: 'text' as const, model: 'gpt-4o', text: `Summarize:\n${'中'.repeat(3_000_000)}` };
			// Warm up (ranks, byte maps) so the timing below is the count, not the start-up.
			await client.run('compress/prompt', { ...params, text: 'hi' });
			const ac = new AbortController();
			const job = client.run('compress/prompt', params, { signal: ac.signal });
			setTimeout(() => ac.abort(), 100);
			// The job never yields while it counts: the `cancel` message is read only after the count, by
			// when the preview is done and would be answered. Only the shared flag stops it inside.
			await assert.rejects(job, (e: unknown) => CancelledError.is(e));
			const ok = await client.run('compress/prompt', { ...params, text: 'Summarize: a short prompt.' });
			assert.equal(ok.kind, 'compressed');
			rmSync(dir, { recursive: true, force: true });
		} finally {
			client.dispose();
		}
	});
});
