import type { CacheTtl, PromptCacheRules } from './promptCacheRules';
import { promptCacheRulesFor } from './promptCacheRules';

/**
 * One cacheable unit of a prompt (a message, the system prompt, the tool definitions). `key` must
 * identify its content exactly (a content hash): two requests share a cached prefix only as far as
 * their leading segments have equal keys, which is how a rewritten history loses its cache hits.
 */
export interface PromptSegment {
	readonly key: string;
	readonly tokens: number;
}

export interface PromptCacheRequest {
	readonly model: string;
	readonly segments: readonly PromptSegment[];
	/** When the request was sent (ms); TTLs are measured against it. Must not go backwards per model. */
	readonly atMs: number;
	/** TTL of the entries this request writes (explicit caches only). @default '5m' */
	readonly ttl?: CacheTtl;
	/**
	 * Explicit breakpoints as prefix lengths in segments (1…segments.length). Defaults to the end of
	 * the prompt, the placement agent frameworks use. Ignored by automatic caches.
	 */
	readonly breakpoints?: readonly number[];
	/**
	 * How many leading segments are known to equal this model's previous request. A speed hint for
	 * long replays; when absent the simulator compares keys itself. Wrong hints give wrong results.
	 */
	readonly unchangedPrefix?: number;
	/**
	 * The factor from segment tokens to the tokens this request is billed for (a replay calibrates
	 * its counts to the recorded usage). An entry remembers the billed size it was written with, so a
	 * later hit reads exactly what was written. @default 1
	 */
	readonly scale?: number;
	/**
	 * Segments from this index on are cached under this variant: a change of it invalidates their
	 * entries but not the ones before (Anthropic: turning extended thinking on or off drops the
	 * cached messages, while the system prompt and tools stay cached).
	 */
	readonly variant?: { readonly key: string; readonly from: number };
}

/** Why the request got the cache result it got, for the replay's step explanations. */
export type PromptCacheReason = 'hit' | 'cold' | 'expired' | 'prefixChanged' | 'belowMinimum' | 'noCache';

export interface PromptCacheOutcome {
	/** Total prompt tokens (all segments). */
	readonly input: number;
	readonly cacheRead: number;
	readonly cacheWrite5m: number;
	readonly cacheWrite1h: number;
	/** Number of leading segments served from the cache. */
	readonly hitSegments: number;
	readonly reason: PromptCacheReason;
}

interface Lookup {
	readonly read: number;
	readonly hitSegments: number;
	readonly write5m: number;
	readonly write1h: number;
	/** A matching prefix existed but its TTL ran out. */
	readonly expired: boolean;
}

interface TrieNode {
	readonly parent: TrieNode | undefined;
	readonly depth: number;
	/** Tokens of the prefix ending at this node. */
	readonly tokens: number;
	children: Map<string, TrieNode> | undefined;
	/** Explicit caches: a written entry and when it expires. */
	entryExpiresAt: number;
	entryTtlMs: number;
	/** The billed tokens the entry was written with (what a hit on it reads). */
	entryTokens: number;
	/** Automatic caches: when this prefix was last sent, once it left the current path. */
	lastSeen: number;
}

interface ModelState {
	readonly rules: PromptCacheRules;
	readonly root: TrieNode;
	/** The previous request's path (node i = prefix of i+1 segments) and when it was sent. */
	path: TrieNode[];
	pathAt: number;
	requests: number;
}

function newNode(parent: TrieNode | undefined, tokens: number): TrieNode {
	return {
		parent,
		depth: parent ? parent.depth + 1 : 0,
		tokens,
		children: undefined,
		entryExpiresAt: Number.NEGATIVE_INFINITY,
		entryTtlMs: 0,
		entryTokens: 0,
		lastSeen: Number.NEGATIVE_INFINITY,
	};
}

/**
 * A deterministic model of provider prompt caches, per model, over a sequence of requests.
 *
 * Prefixes are kept in a trie of segment keys. For automatic caches (OpenAI, Gemini) every prefix of
 * a sent prompt becomes cached; the previous request's path carries one shared timestamp and only
 * nodes that drop off the path get their own, so a growing agent history costs O(new segments) per
 * step rather than O(history). For explicit caches (Anthropic) only breakpoint prefixes are written,
 * hits are searched at each breakpoint and up to `lookbackSegments` before it, and a hit refreshes
 * the entry's TTL.
 */
export class PromptCacheSimulator {
	private readonly models = new Map<string, ModelState>();

	constructor(private readonly rulesFor: (model: string) => PromptCacheRules = promptCacheRulesFor) {}

	request(request: PromptCacheRequest): PromptCacheOutcome {
		const req = withVariant(request);
		const state = this.stateFor(req.model);
		const { rules } = state;
		const scale = req.scale ?? 1;
		const segments = req.segments;
		const n = segments.length;
		const now = req.atMs;

		const shared = this.sharedPrefix(state, req);
		const oldPath = state.path;
		const oldAt = state.pathAt;
		const isFirst = state.requests === 0;
		// Nodes leaving the current path keep the time they were last sent. (No new-path node can be
		// one of them: past the shared prefix the keys differ, so the subtrees do.)
		if (!rules.billedWrites) {
			for (let i = shared; i < oldPath.length; i++) oldPath[i]!.lastSeen = Math.max(oldPath[i]!.lastSeen, oldAt);
		}
		// An agent loop usually extends the previous prompt: grow that path in place instead of
		// copying it, which would make a long run quadratic.
		const path = shared === oldPath.length ? oldPath : oldPath.slice(0, shared);
		let node = shared > 0 ? path[shared - 1]! : state.root;
		for (let i = shared; i < n; i++) {
			const seg = segments[i]!;
			let child = node.children?.get(seg.key);
			if (!child) {
				child = newNode(node, node.tokens + seg.tokens);
				(node.children ??= new Map()).set(seg.key, child);
			}
			path.push(child);
			node = child;
		}
		const input = n > 0 ? path[n - 1]!.tokens * scale : 0;

		const lookup: Lookup =
			rules.family === 'none' || input < rules.minTokens
				? { read: 0, hitSegments: 0, write5m: 0, write1h: 0, expired: false }
				: rules.billedWrites
					? this.explicit(rules, path, req, now, scale)
					: this.automatic(rules, path, shared, oldAt, now, scale);

		state.path = path;
		state.pathAt = now;
		state.requests++;

		let reason: PromptCacheReason;
		if (rules.family === 'none') reason = 'noCache';
		else if (lookup.read > 0) reason = 'hit';
		else if (input < rules.minTokens) reason = 'belowMinimum';
		else if (isFirst) reason = 'cold';
		else if (lookup.expired) reason = 'expired';
		else reason = 'prefixChanged';
		return {
			input,
			cacheRead: lookup.read,
			cacheWrite5m: lookup.write5m,
			cacheWrite1h: lookup.write1h,
			hitSegments: lookup.hitSegments,
			reason,
		};
	}

	/** Forgets every cached prefix (e.g. between independent replays). */
	reset(): void {
		this.models.clear();
	}

	private stateFor(model: string): ModelState {
		let state = this.models.get(model);
		if (!state) {
			state = { rules: this.rulesFor(model), root: newNode(undefined, 0), path: [], pathAt: Number.NEGATIVE_INFINITY, requests: 0 };
			this.models.set(model, state);
		}
		return state;
	}

	private sharedPrefix(state: ModelState, req: PromptCacheRequest): number {
		const limit = Math.min(state.path.length, req.segments.length);
		if (req.unchangedPrefix !== undefined) return Math.max(0, Math.min(limit, req.unchangedPrefix));
		let k = 0;
		// Keys are compared through the trie: node i's key is the one its parent maps to it.
		while (k < limit && state.path[k]!.parent!.children!.get(req.segments[k]!.key) === state.path[k]) k++;
		return k;
	}

	/**
	 * Marks the first `length` segments as cached before the run began (at `atMs`, for `ttlMs`), as
	 * `billedTokens` tokens: a recording whose first call already read from the cache shows that a
	 * prompt with that prefix (an agent's system prompt and tools) had been sent just before.
	 */
	prewarm(req: { readonly model: string; readonly segments: readonly PromptSegment[]; readonly length: number; readonly atMs: number; readonly ttlMs: number; readonly billedTokens: number }): void {
		const state = this.stateFor(req.model);
		let node = state.root;
		for (const seg of req.segments.slice(0, req.length)) {
			let child = node.children?.get(seg.key);
			if (!child) {
				child = newNode(node, node.tokens + seg.tokens);
				(node.children ??= new Map()).set(seg.key, child);
			}
			node = child;
			node.lastSeen = Math.max(node.lastSeen, req.atMs);
		}
		if (node === state.root) return;
		node.entryExpiresAt = req.atMs + req.ttlMs;
		node.entryTtlMs = req.ttlMs;
		node.entryTokens = req.billedTokens;
	}

	/** OpenAI/Gemini: the longest prefix sent within the idle TTL, rounded to the provider's blocks. */
	private automatic(rules: PromptCacheRules, path: TrieNode[], shared: number, oldAt: number, now: number, scale: number): Lookup {
		const ttl = rules.ttlMs['5m'];
		// Every node of the previous path was sent at oldAt, and an ancestor is always at least as
		// recent as its descendants, so the hit is a contiguous run from the root.
		const sentBefore = (i: number) => (i < shared ? oldAt : path[i]!.lastSeen);
		let hit = 0;
		while (hit < path.length && now - sentBefore(hit) <= ttl) hit++;
		const expired = hit === 0 && path.length > 0 && sentBefore(0) !== Number.NEGATIVE_INFINITY;
		if (hit === 0) return { read: 0, hitSegments: 0, write5m: 0, write1h: 0, expired };
		const matched = path[hit - 1]!.tokens * scale;
		if (matched < rules.minTokens) return { read: 0, hitSegments: 0, write5m: 0, write1h: 0, expired: false };
		const read = rules.minTokens + Math.floor((matched - rules.minTokens) / rules.blockTokens) * rules.blockTokens;
		return { read, hitSegments: hit, write5m: 0, write1h: 0, expired: false };
	}

	/** Anthropic: hits at or up to `lookbackSegments` before each breakpoint; writes up to the last breakpoint. */
	private explicit(rules: PromptCacheRules, path: TrieNode[], req: PromptCacheRequest, now: number, scale: number): Lookup {
		const n = path.length;
		const breakpoints = [...new Set((req.breakpoints ?? [n]).filter(b => b >= 1 && b <= n))].sort((a, b) => a - b);
		let hit = 0;
		let expired = false;
		for (const b of breakpoints) {
			const floor = Math.max(1, b - rules.lookbackSegments);
			for (let p = b; p >= floor && p > hit; p--) {
				const entry = path[p - 1]!;
				if (entry.entryExpiresAt >= now) {
					hit = p;
					break;
				}
				if (entry.entryTtlMs > 0) expired = true;
			}
		}
		// A hit reads the entry as it was written (its billed size then), not as this request counts it.
		const read = hit > 0 ? Math.min(path[hit - 1]!.entryTokens || path[hit - 1]!.tokens * scale, path[n - 1]!.tokens * scale) : 0;
		if (hit > 0) {
			// Every cached breakpoint inside the prefix that was read is used, so its TTL restarts too
			// (this is what keeps a system-prompt breakpoint alive while the history keeps growing).
			path[hit - 1]!.entryExpiresAt = now + path[hit - 1]!.entryTtlMs;
			for (const b of breakpoints) {
				const e = path[b - 1]!;
				if (b < hit && e.entryExpiresAt >= now) e.entryExpiresAt = now + e.entryTtlMs;
			}
		}

		const ttl: CacheTtl = req.ttl ?? '5m';
		const ttlMs = rules.ttlMs[ttl];
		let lastWritten = hit;
		for (const b of breakpoints) {
			if (b <= hit || path[b - 1]!.tokens * scale < rules.minTokens) continue;
			const entry = path[b - 1]!;
			entry.entryExpiresAt = now + ttlMs;
			entry.entryTtlMs = ttlMs;
			entry.entryTokens = entry.tokens * scale;
			lastWritten = b;
		}
		const written = lastWritten > hit ? Math.max(0, path[lastWritten - 1]!.tokens * scale - read) : 0;
		return { read, hitSegments: hit, write5m: ttl === '5m' ? written : 0, write1h: ttl === '1h' ? written : 0, expired: expired && hit === 0 };
	}
}

/** The request with its variant applied to the keys of the segments it covers (see `PromptCacheRequest.variant`). */
function withVariant(req: PromptCacheRequest): PromptCacheRequest {
	const v = req.variant;
	if (!v || v.key === '') return req;
	return { ...req, segments: req.segments.map((s, i) => (i < v.from ? s : { key: `${v.key}|${s.key}`, tokens: s.tokens })), unchangedPrefix: undefined };
}
