import type { LiveJobs } from '../live/liveJobs';
import type { ReplayJobs } from '../replay/replayJobs';

/** Every job the engine worker runs, by name. Features add their job maps here. */
export type EngineJobs = ReplayJobs & LiveJobs;
