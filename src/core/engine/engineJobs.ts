import type { LiveJobs } from '../live/liveJobs';
import type { ReplayJobs } from '../replay/replayJobs';
import type { SessionJobs } from '../sessions/sessionJobs';

/** Every job the engine worker runs, by name. Features add their job maps here. */
export type EngineJobs = ReplayJobs & LiveJobs & SessionJobs;
