import type { ExactCache } from './exactCache';
import type { SemanticCache } from './semanticCache';
import type { SnapshotStore } from '../ports/snapshotStore';

/** Snapshot names in the store (one JSON document each). */
const cacheSnapshotNames = { exact: 'response-cache', semantic: 'semantic-cache' } as const;

export interface PersistedCaches {
	readonly exact: ExactCache<unknown>;
	readonly semantic?: SemanticCache<unknown>;
}

/**
 * Loads both caches from the store (workspace storage by default), dropping expired entries.
 * A missing or damaged snapshot is a cold cache, never an error.
 */
export async function restoreCaches(caches: PersistedCaches, store: SnapshotStore): Promise<{ exact: number; semantic: number }> {
	const exact = caches.exact.restore(await store.load(cacheSnapshotNames.exact));
	const semantic = caches.semantic ? caches.semantic.restore(await store.load(cacheSnapshotNames.semantic)) : 0;
	return { exact, semantic };
}

/** Saves the caches that changed since their last snapshot (call on a timer and on dispose). */
export async function persistCaches(caches: PersistedCaches, store: SnapshotStore): Promise<{ saved: string[] }> {
	const saved: string[] = [];
	if (caches.exact.isDirty) {
		await store.save(cacheSnapshotNames.exact, caches.exact.snapshot());
		saved.push(cacheSnapshotNames.exact);
	}
	if (caches.semantic?.isDirty) {
		await store.save(cacheSnapshotNames.semantic, caches.semantic.snapshot());
		saved.push(cacheSnapshotNames.semantic);
	}
	return { saved };
}
