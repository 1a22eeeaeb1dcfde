/**
 * The `live/probe` job: the shadow probe of a replay scenario (`core/live/shadowProbe.ts`) in the
 * engine worker, on the live runtime of the job's settings — its transports (keys asked from the
 * host, one at a time), its ledger (so the daily budget counts the probe) and its recorder (the
 * probe's calls go to the day's live recording under their own run id, `probe-…`).
 */
import { randomBytes } from 'node:crypto';
import type { JobContext } from '../../core/jobs/jobProtocol';
import { LiveJobError, type KeyRequest, type LiveJobs, type ProbeParams, type ProbeProgress } from '../../core/jobs/liveJobs';
import { runShadowProbe } from '../../core/live/shadowProbe';
import { systemClock, systemRandom } from '../../core/ports/clock';
import { PreparedRun } from '../../core/replay/preparedRun';
import { scenarioModelProblems } from '../../core/replay/scenario';
import type { KeyChannel } from '../keyBroker';
import { counter, type LiveRuntime } from '../liveRuntime';
import { unknownModelProblem } from '../modelCheck';
import { livePriceOverrides } from '../livePriceOverrides';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { readTranscriptFile } from '../transcriptFiles';

type WithRuntime = <T>(p: ProbeParams, ctx: { progress(r: KeyRequest): void }, f: (rt: LiveRuntime, channel: KeyChannel) => Promise<T>) => Promise<T>;

export async function runProbeJob(p: ProbeParams, ctx: JobContext<ProbeProgress>, withRuntime: WithRuntime): Promise<LiveJobs['live/probe']['result']> {
	// A typo'd model is an error naming the closest ids, before anything is imported or sent.
	const po = await livePriceOverrides(p);
	const typos = scenarioModelProblems(p.scenario, id => unknownModelProblem(id, po.effective));
	if (typos.length) throw new LiveJobError('unknownModel', typos.join('; '));
	return withRuntime(p, ctx, async rt => {
		const transcript = await readTranscriptFile(p.path, { counter, displayName: p.path, signal: ctx.signal, ...(p.model && { model: p.model }) });
		const run = new PreparedRun(transcript, { counter, catalog: rt.catalog });
		const runId = `probe-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
		rt.recorder.route(runId, p.paths.recordingsDir);
		try {
			const result = await runShadowProbe(
				run,
				p.scenario,
				{ sample: p.sample, maxUsd: p.maxUsd, runId, signal: ctx.signal, onProgress: (done, total) => ctx.progress({ type: 'probe', done, total }) },
				{
					transports: rt.transports,
					counter,
					pricing: rt.catalog,
					// The list prices: the probe's budget never counts below them, as for live calls.
					...(po.effective !== po.listed && { floorPricing: createPriceCatalog({ overrides: po.listed }) }),
					clock: systemClock,
					random: systemRandom,
					config: p.config,
					budgetStore: rt.budgetStore,
					recorder: rt.recorder,
				},
			);
			return { ...result, recordingFile: rt.recorder.fileFor(runId, Date.now()) ?? p.paths.recordingsDir };
		} finally {
			rt.recorder.forget(runId);
		}
	});
}
