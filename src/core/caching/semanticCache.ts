import type { Clock } from '../ports/clock';
import { base64ToBytes, bytesToBase64 } from '../lib/base64';
import type { Embedder } from '../ports/embedder';
import { SemanticIndex } from './semanticIndex';

export interface SemanticCacheOptions {
	readonly embedder: Embedder;
	/** Minimum cosine similarity for a hit (`cache_similarity_threshold`). */
	readonly threshold: number;
	readonly ttlMs: number;
	readonly maxEntries: number;
	readonly clock: Clock;
}

export interface SemanticHit<V> {
	readonly value: V;
	readonly similarity: number;
	readonly ageMs: number;
}

interface Meta<V> {
	readonly partition: string;
	readonly value: V;
	readonly createdAt: number;
	readonly expiresAt: number;
	/** Insertion sequence, for oldest-first eviction. */
	readonly seq: number;
}

export interface SemanticCacheSnapshot<V> {
	readonly v: 1;
	readonly embedder: string;
	/** [partition, value, createdAt, expiresAt, int8 vector as base64], oldest first. */
	readonly entries: readonly (readonly [string, V, number, number, string])[];
}

/**
 * Serves a request whose conversation is merely SIMILAR (cosine ≥ threshold) to a cached one within
 * the same partition (model, parameters, tools and system prompt equal — see `semanticPartition`).
 * Bounded (oldest evicted first) with TTL.
 */
export class SemanticCache<V> {
	private readonly index: SemanticIndex;
	private readonly meta = new Map<number, Meta<V>>();
	/** Slots in insertion order; stale slot numbers are skipped by their seq. */
	private readonly order: { slot: number; seq: number }[] = [];
	private orderHead = 0;
	private seq = 0;
	private dirty = false;

	/** True when entries were added since the last {@link snapshot}. */
	get isDirty(): boolean {
		return this.dirty;
	}

	constructor(private readonly opts: SemanticCacheOptions) {
		this.index = new SemanticIndex({ dims: opts.embedder.dims, maxEntries: opts.maxEntries });
	}

	get size(): number {
		return this.index.size;
	}

	/** The embedder whose vector space this cache holds (callers that embed once and look up / store by vector). */
	get embedder(): Embedder {
		return this.opts.embedder;
	}

	async lookup(partition: string, text: string, signal?: AbortSignal): Promise<SemanticHit<V> | undefined> {
		return this.lookupVector(partition, await this.embedOne(text, signal));
	}

	lookupVector(partition: string, v: Float32Array): SemanticHit<V> | undefined {
		const now = this.opts.clock.now();
		const m = this.index.best(v, this.opts.threshold, slot => {
			const e = this.meta.get(slot)!;
			return e.partition === partition && (e.expiresAt === 0 || e.expiresAt > now);
		});
		if (!m) return undefined;
		const e = this.meta.get(m.slot)!;
		return { value: e.value, similarity: m.similarity, ageMs: now - e.createdAt };
	}

	async store(partition: string, text: string, value: V, signal?: AbortSignal): Promise<void> {
		this.storeVector(partition, await this.embedOne(text, signal), value);
	}

	/** The port returns one vector per text; an embedder that does not fails here, not deep inside the index. */
	private async embedOne(text: string, signal?: AbortSignal): Promise<Float32Array> {
		const [v] = await this.opts.embedder.embed([text], signal);
		if (v === undefined) throw new RangeError(`embedder ${this.opts.embedder.id} returned no vector`);
		return v;
	}

	storeVector(partition: string, v: Float32Array, value: V, createdAt = this.opts.clock.now(), expiresAt = this.opts.ttlMs > 0 ? createdAt + this.opts.ttlMs : 0): void {
		this.evict();
		const slot = this.index.add(v);
		const seq = this.seq++;
		this.meta.set(slot, { partition, value, createdAt, expiresAt, seq });
		this.order.push({ slot, seq });
		this.dirty = true;
	}

	/** Drops expired entries from the old end, then the oldest while full. */
	private evict(): void {
		const now = this.opts.clock.now();
		while (this.orderHead < this.order.length) {
			const { slot, seq } = this.order[this.orderHead]!;
			const e = this.meta.get(slot);
			if (!e || e.seq !== seq) {
				this.orderHead++;
				continue;
			}
			const expired = e.expiresAt !== 0 && e.expiresAt <= now;
			if (!expired && this.index.size < this.opts.maxEntries) break;
			this.index.remove(slot);
			this.meta.delete(slot);
			this.orderHead++;
		}
		if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
			this.order.splice(0, this.orderHead);
			this.orderHead = 0;
		}
	}

	/** Vectors are stored as int8 (×127) to keep snapshots ~4× smaller; cosine changes by < 0.01. */
	snapshot(): SemanticCacheSnapshot<V> {
		const now = this.opts.clock.now();
		const entries: [string, V, number, number, string][] = [];
		for (let i = this.orderHead; i < this.order.length; i++) {
			const { slot, seq } = this.order[i]!;
			const e = this.meta.get(slot);
			if (!e || e.seq !== seq || (e.expiresAt !== 0 && e.expiresAt <= now)) continue;
			const v = this.index.vector(slot);
			const q = new Int8Array(v.length);
			for (let j = 0; j < v.length; j++) q[j] = Math.max(-127, Math.min(127, Math.round(v[j]! * 127)));
			entries.push([e.partition, e.value, e.createdAt, e.expiresAt, bytesToBase64(new Uint8Array(q.buffer))]);
		}
		this.dirty = false;
		return { v: 1, embedder: this.opts.embedder.id, entries };
	}

	/** Loads a snapshot made with the same embedder; returns the entries restored. */
	restore(snapshot: unknown): number {
		const s = snapshot as SemanticCacheSnapshot<V> | undefined;
		if (!s || s.v !== 1 || s.embedder !== this.opts.embedder.id || !Array.isArray(s.entries)) return 0;
		const now = this.opts.clock.now();
		let n = 0;
		for (const row of s.entries) {
			if (!Array.isArray(row) || row.length !== 5 || typeof row[0] !== 'string' || typeof row[4] !== 'string') continue;
			if (row[3] !== 0 && row[3] <= now) continue;
			let bytes: Uint8Array;
			try {
				bytes = base64ToBytes(row[4]);
			} catch {
				continue;
			}
			if (bytes.length !== this.opts.embedder.dims) continue;
			const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
			const v = new Float32Array(q.length);
			let norm = 0;
			for (let j = 0; j < q.length; j++) norm += (v[j] = q[j]! / 127) ** 2;
			const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
			for (let j = 0; j < v.length; j++) v[j]! *= inv;
			this.storeVector(row[0], v, row[1], row[2], row[3]);
			n++;
		}
		this.dirty = false;
		return n;
	}
}
