import type { Random } from '../ports/clock';
import { seededRandom } from '../ports/clock';

export interface SemanticIndexOptions {
	readonly dims: number;
	readonly maxEntries: number;
	/** LSH tables. @default 32 */
	readonly tables?: number;
	/** Hyperplanes per table. @default 18 */
	readonly bits?: number;
	/** Below this many entries every entry is compared (exact recall). @default 2048 */
	readonly exactBelow?: number;
	readonly seed?: number;
}

export interface IndexMatch {
	readonly slot: number;
	readonly similarity: number;
}

const chunkSlots = 1024;

function gaussian(r: Random): number {
	const u = Math.max(r.next(), 1e-12);
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next());
}

/**
 * A bounded vector index for cosine ≥ threshold look-ups over L2-normalized vectors. Small indexes
 * are scanned exactly; large ones use random-hyperplane LSH (32 tables × 18 bits): a pair at cosine
 * 0.95 (angle 18.2°) agrees on one hyperplane with p = 1 − 18.2/180 ≈ 0.90, lands in the same bucket
 * of one table with p ≈ 0.90¹⁸ ≈ 0.15, so in at least one of 32 tables with p ≈ 0.994 (higher for
 * closer pairs). Each query then compares a few small buckets instead of every entry. 18 bits keep
 * buckets small even for clustered prompt embeddings (10 bits gave 2,000-entry buckets at 100k).
 * Vectors live in chunked Float32Arrays; slots are reused (oldest first) when the bound is hit.
 */
export class SemanticIndex {
	readonly dims: number;
	readonly maxEntries: number;
	private readonly tables: number;
	private readonly bits: number;
	private readonly exactBelow: number;
	private readonly planes: Float32Array;
	private readonly buckets: Map<number, number[]>[];
	private readonly chunks: Float32Array[] = [];
	private readonly codes: Int32Array[] = [];
	private readonly live: Uint8Array[] = [];
	private readonly stamp: Uint32Array[] = [];
	private generation = 0;
	private highWater = 0;
	private readonly free: number[] = [];
	private count = 0;

	constructor(opts: SemanticIndexOptions) {
		this.dims = opts.dims;
		this.maxEntries = opts.maxEntries;
		this.tables = opts.tables ?? 32;
		this.bits = opts.bits ?? 18;
		this.exactBelow = opts.exactBelow ?? 2048;
		const r = seededRandom(opts.seed ?? 0x5eed);
		this.planes = new Float32Array(this.tables * this.bits * this.dims);
		for (let i = 0; i < this.planes.length; i++) this.planes[i] = gaussian(r);
		this.buckets = Array.from({ length: this.tables }, () => new Map());
	}

	get size(): number {
		return this.count;
	}

	private ensure(slot: number): void {
		while (slot >= this.chunks.length * chunkSlots) {
			this.chunks.push(new Float32Array(chunkSlots * this.dims));
			this.codes.push(new Int32Array(chunkSlots * this.tables));
			this.live.push(new Uint8Array(chunkSlots));
			this.stamp.push(new Uint32Array(chunkSlots));
		}
	}

	private hash(v: Float32Array, out: Int32Array, outOffset: number): void {
		const { dims, bits, planes } = this;
		for (let t = 0; t < this.tables; t++) {
			let code = 0;
			for (let b = 0; b < bits; b++) {
				const p = (t * bits + b) * dims;
				let s = 0;
				for (let i = 0; i < dims; i++) s += planes[p + i]! * v[i]!;
				if (s >= 0) code |= 1 << b;
			}
			out[outOffset + t] = code;
		}
	}

	/** Allocates a slot for `v` (the caller has made room: size < maxEntries). */
	add(v: Float32Array): number {
		if (v.length !== this.dims) throw new RangeError(`vector has ${v.length} dims, index has ${this.dims}`);
		if (this.count >= this.maxEntries) throw new RangeError('index is full; remove an entry first');
		const slot = this.free.length ? this.free.pop()! : this.highWater++;
		this.ensure(slot);
		const c = (slot / chunkSlots) | 0;
		const o = slot % chunkSlots;
		this.chunks[c]!.set(v, o * this.dims);
		this.hash(v, this.codes[c]!, o * this.tables);
		for (let t = 0; t < this.tables; t++) {
			const code = this.codes[c]![o * this.tables + t]!;
			let list = this.buckets[t]!.get(code);
			if (!list) this.buckets[t]!.set(code, (list = []));
			list.push(slot);
		}
		this.live[c]![o] = 1;
		this.count++;
		return slot;
	}

	remove(slot: number): void {
		const c = (slot / chunkSlots) | 0;
		const o = slot % chunkSlots;
		if (!this.live[c]?.[o]) return;
		this.live[c][o] = 0;
		for (let t = 0; t < this.tables; t++) {
			const code = this.codes[c]![o * this.tables + t]!;
			const list = this.buckets[t]!.get(code)!;
			const i = list.indexOf(slot);
			list[i] = list[list.length - 1]!;
			list.pop();
			if (list.length === 0) this.buckets[t]!.delete(code);
		}
		this.free.push(slot);
		this.count--;
	}

	vector(slot: number): Float32Array {
		const c = (slot / chunkSlots) | 0;
		const o = slot % chunkSlots;
		return this.chunks[c]!.subarray(o * this.dims, (o + 1) * this.dims);
	}

	private similarity(slot: number, q: Float32Array): number {
		const c = (slot / chunkSlots) | 0;
		const base = (slot % chunkSlots) * this.dims;
		const data = this.chunks[c]!;
		let s = 0;
		for (let i = 0; i < this.dims; i++) s += data[base + i]! * q[i]!;
		return s;
	}

	/**
	 * The most similar live entry with similarity ≥ `threshold` that `accept` admits (partition, TTL),
	 * or undefined. `exact` forces a full scan (benchmarks compare recall with it).
	 */
	best(q: Float32Array, threshold: number, accept: (slot: number) => boolean, exact = false): IndexMatch | undefined {
		let best: IndexMatch | undefined;
		const consider = (slot: number) => {
			const s = this.similarity(slot, q);
			if (s >= threshold && (!best || s > best.similarity) && accept(slot)) best = { slot, similarity: s };
		};
		if (exact || this.count < this.exactBelow) {
			for (let slot = 0; slot < this.highWater; slot++) if (this.live[(slot / chunkSlots) | 0]![slot % chunkSlots]) consider(slot);
			return best;
		}
		const codes = new Int32Array(this.tables);
		this.hash(q, codes, 0);
		const gen = ++this.generation;
		for (let t = 0; t < this.tables; t++) {
			const list = this.buckets[t]!.get(codes[t]!);
			if (!list) continue;
			for (const slot of list) {
				const st = this.stamp[(slot / chunkSlots) | 0]!;
				const o = slot % chunkSlots;
				if (st[o] === gen) continue;
				st[o] = gen;
				consider(slot);
			}
		}
		return best;
	}
}
