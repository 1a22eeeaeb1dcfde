// The engine worker: a worker_threads entry (bundled as dist/engineWorker.js) for the heavy, long
// work — transcript import, replays, sweeps, live calls, Compress Prompt — so the shared extension
// host never blocks on it (and never loads tokenizers, prices or provider SDKs).
// Job handlers live in src/node/engineJobs/; this file only wires them to the thread.
import { parentPort } from 'node:worker_threads';
import type { EngineJobs } from '../core/jobs/engineJobs';
import { createLiveJobHandlers } from './engineJobs/liveJobs';
import { createReplayJobHandlers } from './engineJobs/replayJobs';
import { createSessionJobHandlers } from './engineJobs/sessionJobs';
import { serveJobs } from './jobServer';

if (!parentPort) throw new Error('engineWorker.js must run in a worker thread');
serveJobs<EngineJobs>(parentPort, { ...createReplayJobHandlers(), ...createLiveJobHandlers().handlers, ...createSessionJobHandlers() });
