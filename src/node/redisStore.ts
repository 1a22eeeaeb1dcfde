import Redis from 'ioredis';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest, StoreWarning } from '../core/ports/budgetStore';
import { displayUrl } from '../core/providers/scrubSecrets';
import type { BudgetExceededReason } from '../core/ports/budgetStore';
import type { SharedResponseCache, SnapshotStore } from '../core/ports/snapshotStore';

/**
 * Shared state for teams: budgets and caches in Redis (`agentCost.store.redisUrl`).
 *
 * Budget reservations are ONE Lua script — sweep expired reservations, check the run/day/step
 * limits, record the reservation — which Redis runs atomically, so any number of processes on any
 * number of machines can never together overshoot a limit. Money is integer nano-USD (HINCRBY).
 * Keys: `<prefix>b:day:<day>` and `<prefix>b:run:<run>` hashes {spent, reserved, steps},
 * `<prefix>b:res:<id>` per open reservation, `<prefix>b:open` (zset by expiry). Scripts address keys
 * they derive from reservation data, so this targets a single Redis (not Cluster).
 */

/**
 * Every script reads the SERVER's clock: a client whose clock runs ahead must not expire other
 * clients' reservations, nor one behind keep its own alive. (Effects replication, so TIME may be
 * followed by writes on Redis 3.2–4.x too; the default from 5 on.)
 */
const sweep = `
if redis.replicate_commands then redis.replicate_commands() end
local function servertime()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function sweep(p, now)
  local expired = redis.call('ZRANGEBYSCORE', p .. 'b:open', '-inf', now, 'LIMIT', 0, 256)
  for _, id in ipairs(expired) do
    local r = redis.call('HMGET', p .. 'b:res:' .. id, 'run', 'day', 'nano')
    if r[1] then
      local n = tonumber(r[3])
      redis.call('HINCRBY', p .. 'b:run:' .. r[1], 'reserved', -n)
      redis.call('HINCRBY', p .. 'b:run:' .. r[1], 'spent', n)
      redis.call('HINCRBY', p .. 'b:day:' .. r[2], 'reserved', -n)
      redis.call('HINCRBY', p .. 'b:day:' .. r[2], 'spent', n)
      redis.call('DEL', p .. 'b:res:' .. id)
    end
    redis.call('ZREM', p .. 'b:open', id)
  end
end
local function totals(p, run, day)
  local r = redis.call('HMGET', p .. 'b:run:' .. run, 'spent', 'reserved', 'steps')
  local d = redis.call('HMGET', p .. 'b:day:' .. day, 'spent', 'reserved')
  return { tonumber(r[1] or 0), tonumber(r[2] or 0), tonumber(r[3] or 0), tonumber(d[1] or 0), tonumber(d[2] or 0), redis.call('EXISTS', p .. 'b:mark:' .. day) }
end
`;

/**
 * ARGV: prefix, id, run, day, nano, runLimit, dailyLimit, maxSteps, newStep, enforce, ttlMs, keyTtlSeconds.
 * Returns {status, runSpent, runReserved, steps, daySpent, dayReserved, dayMarkerExisted}. The day's
 * marker key is set by every reservation; a client that set it and later finds it gone knows Redis
 * lost the day (a restart without persistence, a flush, eviction).
 */
const reserveScript = `${sweep}
local p, id, run, day = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local nano, runLimit, dayLimit, maxSteps = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local newStep, enforce, ttlMs, ttl = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local now = servertime()
sweep(p, now)
local t = totals(p, run, day)
redis.call('SET', p .. 'b:mark:' .. day, '1', 'EX', ttl)
if redis.call('EXISTS', p .. 'b:res:' .. id) == 1 then return { 'ok', unpack(t) } end
if enforce == 1 then
  if maxSteps > 0 and newStep == 1 and t[3] + 1 > maxSteps then return { 'steps', unpack(t) } end
  if runLimit > 0 and t[1] + t[2] + nano > runLimit then return { 'run', unpack(t) } end
  if dayLimit > 0 and t[4] + t[5] + nano > dayLimit then return { 'daily', unpack(t) } end
end
local rk, dk = p .. 'b:run:' .. run, p .. 'b:day:' .. day
redis.call('HSET', p .. 'b:res:' .. id, 'run', run, 'day', day, 'nano', nano)
redis.call('ZADD', p .. 'b:open', now + ttlMs, id)
redis.call('HINCRBY', rk, 'reserved', nano)
redis.call('HINCRBY', dk, 'reserved', nano)
if newStep == 1 then redis.call('HINCRBY', rk, 'steps', 1) end
redis.call('EXPIRE', rk, ttl)
redis.call('EXPIRE', dk, ttl)
local after = totals(p, run, day)
after[6] = t[6]
return { 'ok', unpack(after) }
`;

/** ARGV: prefix, id, nano, mode ('settle' | 'release') */
const finishScript = `
local p, id, nano, mode = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local r = redis.call('HMGET', p .. 'b:res:' .. id, 'run', 'day', 'nano')
if not r[1] then return 0 end
local held = tonumber(r[3])
local spent = 0
if mode == 'settle' then spent = nano end
redis.call('HINCRBY', p .. 'b:run:' .. r[1], 'reserved', -held)
redis.call('HINCRBY', p .. 'b:run:' .. r[1], 'spent', spent)
redis.call('HINCRBY', p .. 'b:day:' .. r[2], 'reserved', -held)
redis.call('HINCRBY', p .. 'b:day:' .. r[2], 'spent', spent)
redis.call('DEL', p .. 'b:res:' .. id)
redis.call('ZREM', p .. 'b:open', id)
return 1
`;

/** ARGV: prefix, run, day */
const totalsScript = `${sweep}
sweep(ARGV[1], servertime())
return totals(ARGV[1], ARGV[2], ARGV[3])
`;

type Row = [string | number, number, number, number, number, number, number];

function toTotals(r: number[]): BudgetTotals {
	return { run: { spentNano: r[0], reservedNano: r[1], steps: r[2] }, daily: { spentNano: r[3], reservedNano: r[4] } };
}

interface ScriptedRedis extends Redis {
	acReserve(...args: (string | number)[]): Promise<Row>;
	acFinish(...args: (string | number)[]): Promise<number>;
	acTotals(...args: (string | number)[]): Promise<number[]>;
}

export interface RedisStoreOptions {
	/** `redis://host:port/db` (from `agentCost.store.redisUrl`). */
	readonly url: string;
	/** From the secret store, never from settings. */
	readonly password?: string;
	/** @default 'agentCost:' */
	readonly keyPrefix?: string;
	/** Budget keys expire this long after their last reservation. @default 40 days */
	readonly keyTtlSeconds?: number;
	/** Fail fast instead of queueing commands while disconnected. @default 2 */
	readonly maxRetriesPerRequest?: number;
}

/** Budgets (and cache snapshots) in Redis; see the module comment. */
export class RedisStore implements BudgetStore, SnapshotStore, SharedResponseCache {
	readonly redis: ScriptedRedis;
	private readonly prefix: string;
	private readonly keyTtl: number;
	/** Host and port for messages (never the password). */
	private readonly where: string;
	/** Days this client reserved on, and so knows the marker of. */
	private readonly markedDays = new Set<string>();
	private readonly lostDays = new Set<string>();
	private readonly found: StoreWarning[] = [];

	constructor(opts: RedisStoreOptions) {
		this.prefix = opts.keyPrefix ?? 'agentCost:';
		this.keyTtl = opts.keyTtlSeconds ?? 40 * 86_400;
		this.where = displayUrl(opts.url);
		this.redis = new Redis(opts.url, { password: opts.password, maxRetriesPerRequest: opts.maxRetriesPerRequest ?? 2, lazyConnect: false, enableOfflineQueue: true }) as ScriptedRedis;
		this.redis.defineCommand('acReserve', { numberOfKeys: 0, lua: reserveScript });
		this.redis.defineCommand('acFinish', { numberOfKeys: 0, lua: finishScript });
		this.redis.defineCommand('acTotals', { numberOfKeys: 0, lua: totalsScript });
	}

	async reserve(r: ReserveRequest): Promise<ReserveOutcome> {
		const row = await this.redis.acReserve(
			this.prefix,
			r.id,
			r.runId,
			r.day,
			r.nano,
			r.limits.runNano,
			r.limits.dailyNano,
			r.limits.maxSteps,
			r.newStep ? 1 : 0,
			r.enforce ? 1 : 0,
			// Only the reservation's lifetime crosses over; the server adds it to ITS clock.
			Math.max(0, Math.round(r.expiresAt - r.at)),
			this.keyTtl,
		);
		const [status, ...nums] = row;
		this.checkMarker(r.day, nums[5]);
		this.markedDays.add(r.day);
		const totals = toTotals(nums as number[]);
		if (status === 'ok') return { ok: true, totals };
		return { ok: false, reason: status as BudgetExceededReason, totals };
	}

	async settle(id: string, nano: number): Promise<FinishOutcome> {
		return (await this.redis.acFinish(this.prefix, id, nano, 'settle')) === 1 ? 'settled' : 'missing';
	}

	async release(id: string): Promise<FinishOutcome> {
		return (await this.redis.acFinish(this.prefix, id, 0, 'release')) === 1 ? 'released' : 'missing';
	}

	/** `at` is ignored: expiry is decided by the server's clock (see the scripts). */
	async totals(runId: string, day: string, _at?: number): Promise<BudgetTotals> {
		const row = await this.redis.acTotals(this.prefix, runId, day);
		this.checkMarker(day, row[5]);
		return toTotals(row);
	}

	/** A day this client wrote to whose marker is gone: Redis lost that day's budget keys. */
	private checkMarker(day: string, existed: number | undefined): void {
		if (existed !== 0 || !this.markedDays.has(day) || this.lostDays.has(day)) return;
		this.lostDays.add(day);
		this.markedDays.delete(day);
		this.found.push({
			kind: 'dataLost',
			message: `Redis at ${this.where} lost the budget of ${day}: its keys vanished (a restart without persistence, FLUSHALL, or eviction under maxmemory). Spend recorded before that no longer counts against the daily budget. Turn on persistence (appendonly yes) and use maxmemory-policy noeviction for the budget database.`,
		});
	}

	/**
	 * Asks the server whether it persists anything (`CONFIG GET appendonly` / `save`). A server that
	 * keeps budgets in memory only is a warning, not a refusal; a server that does not allow CONFIG
	 * (managed Redis) is left to the per-day marker.
	 */
	async checkPersistence(): Promise<void> {
		let appendonly: string | undefined;
		let save: string | undefined;
		try {
			appendonly = ((await this.redis.config('GET', 'appendonly')) as string[])[1];
			save = ((await this.redis.config('GET', 'save')) as string[])[1];
		} catch {
			return;
		}
		if (appendonly === 'no' && (save === '' || save === undefined)) {
			this.found.push({
				kind: 'noPersistence',
				message: `Redis at ${this.where} keeps the shared budgets in memory only (appendonly no, save ""): a restart loses today's spend and the daily budget starts again from $0. Turn on persistence (appendonly yes, or a save schedule) on that server.`,
			});
		}
	}

	warnings(): readonly StoreWarning[] {
		return [...this.found];
	}

	async load(name: string): Promise<unknown | undefined> {
		const s = await this.redis.get(`${this.prefix}snap:${name}`);
		if (s === null) return undefined;
		try {
			return JSON.parse(s);
		} catch {
			return undefined;
		}
	}

	async save(name: string, value: unknown): Promise<void> {
		await this.redis.set(`${this.prefix}snap:${name}`, JSON.stringify(value));
	}

	/** Shared response cache: one key per response, expiring with the cache TTL. */
	async get(key: string): Promise<unknown | undefined> {
		const s = await this.redis.get(`${this.prefix}rc:${key}`);
		if (s === null) return undefined;
		try {
			return JSON.parse(s);
		} catch {
			return undefined;
		}
	}

	async set(key: string, value: unknown, ttlMs: number): Promise<void> {
		const k = `${this.prefix}rc:${key}`;
		if (ttlMs > 0) await this.redis.set(k, JSON.stringify(value), 'PX', Math.ceil(ttlMs));
		else await this.redis.set(k, JSON.stringify(value));
	}

	async close(): Promise<void> {
		await this.redis.quit().catch(() => this.redis.disconnect());
	}
}
