import type { LiveJobs } from './liveJobs';
import type { ReplayJobs } from './replayJobs';
import type { SessionJobs } from './sessionJobs';

/** Every job the engine worker runs, by name. Features add their job maps here. */
export type EngineJobs = ReplayJobs & LiveJobs & SessionJobs;
