import type { Clock } from '../ports/clock';

export interface ExactCacheOptions {
	readonly maxEntries: number;
	/** 0 = entries never expire. */
	readonly ttlMs: number;
	readonly clock: Clock;
}

interface Entry<V> {
	readonly value: V;
	readonly createdAt: number;
	readonly expiresAt: number;
}

export interface CacheHit<V> {
	readonly value: V;
	/** ms since the entry was stored. */
	readonly ageMs: number;
}

/** Serializable state for persistence (see `snapshotStore.ts`). */
export interface ExactCacheSnapshot<V> {
	readonly v: 1;
	/** [key, value, createdAt, expiresAt], least recently used first. */
	readonly entries: readonly (readonly [string, V, number, number])[];
}

/**
 * Exact-match response cache with TTL and an LRU bound. A `Map` keeps insertion order, so
 * re-inserting on a hit makes its order the recency order: get/set are O(1).
 */
export class ExactCache<V> {
	private readonly map = new Map<string, Entry<V>>();
	private dirty = false;
	hits = 0;
	misses = 0;

	constructor(private readonly opts: ExactCacheOptions) {}

	get size(): number {
		return this.map.size;
	}

	/** True when the contents changed since the last {@link snapshot}. */
	get isDirty(): boolean {
		return this.dirty;
	}

	get(key: string): CacheHit<V> | undefined {
		const e = this.map.get(key);
		if (!e) {
			this.misses++;
			return undefined;
		}
		const now = this.opts.clock.now();
		if (e.expiresAt !== 0 && now >= e.expiresAt) {
			this.map.delete(key);
			this.dirty = true;
			this.misses++;
			return undefined;
		}
		this.map.delete(key);
		this.map.set(key, e);
		this.hits++;
		return { value: e.value, ageMs: now - e.createdAt };
	}

	set(key: string, value: V): void {
		const now = this.opts.clock.now();
		this.map.delete(key);
		this.map.set(key, { value, createdAt: now, expiresAt: this.opts.ttlMs > 0 ? now + this.opts.ttlMs : 0 });
		while (this.map.size > this.opts.maxEntries) this.map.delete(this.map.keys().next().value as string);
		this.dirty = true;
	}

	delete(key: string): boolean {
		const had = this.map.delete(key);
		if (had) this.dirty = true;
		return had;
	}

	clear(): void {
		this.map.clear();
		this.dirty = true;
	}

	snapshot(): ExactCacheSnapshot<V> {
		const now = this.opts.clock.now();
		this.dirty = false;
		return { v: 1, entries: [...this.map].filter(([, e]) => e.expiresAt === 0 || e.expiresAt > now).map(([k, e]) => [k, e.value, e.createdAt, e.expiresAt] as const) };
	}

	/** Loads a snapshot (expired and malformed entries are dropped; the LRU bound applies). */
	restore(snapshot: unknown): number {
		if (typeof snapshot !== 'object' || snapshot === null || (snapshot as { v?: unknown }).v !== 1 || !Array.isArray((snapshot as { entries?: unknown }).entries)) return 0;
		const now = this.opts.clock.now();
		let n = 0;
		for (const row of (snapshot as { entries: unknown[] }).entries) {
			if (!Array.isArray(row) || row.length !== 4 || typeof row[0] !== 'string' || typeof row[2] !== 'number' || typeof row[3] !== 'number') continue;
			if (row[3] !== 0 && row[3] <= now) continue;
			this.map.delete(row[0]);
			this.map.set(row[0], { value: row[1] as V, createdAt: row[2], expiresAt: row[3] });
			n++;
		}
		while (this.map.size > this.opts.maxEntries) this.map.delete(this.map.keys().next().value as string);
		return n;
	}
}
