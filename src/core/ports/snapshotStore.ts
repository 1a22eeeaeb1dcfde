/**
 * Where caches persist between sessions: one JSON document per name. The Node implementation
 * (`src/node/fileSnapshotStore.ts`) writes files into VS Code's workspace storage folder; Redis
 * (`src/node/redisStore.ts`) shares them across machines.
 */
export interface SnapshotStore {
	load(name: string): Promise<unknown | undefined>;
	save(name: string, value: unknown): Promise<void>;
}

/**
 * A response cache shared between processes and machines (Redis), consulted after the in-process
 * exact cache misses. Keys are exact-cache keys (`v1:<sha256>`), values JSON-serializable.
 */
export interface SharedResponseCache {
	get(key: string): Promise<unknown | undefined>;
	set(key: string, value: unknown, ttlMs: number): Promise<void>;
}
