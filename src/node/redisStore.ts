import Redis from 'ioredis';
import type { BudgetStore, BudgetTotals, FinishOutcome, ReserveOutcome, ReserveRequest } from '../core/ports/budgetStore';
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

const sweep = `
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
  return { tonumber(r[1] or 0), tonumber(r[2] or 0), tonumber(r[3] or 0), tonumber(d[1] or 0), tonumber(d[2] or 0) }
end
`;

/** ARGV: prefix, now, id, run, day, nano, runLimit, dailyLimit, maxSteps, newStep, enforce, exp, keyTtlSeconds */
const reserveScript = `${sweep}
local p, now, id, run, day = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local nano, runLimit, dayLimit, maxSteps = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local newStep, enforce, exp, ttl = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
sweep(p, now)
local t = totals(p, run, day)
if redis.call('EXISTS', p .. 'b:res:' .. id) == 1 then return { 'ok', unpack(t) } end
if enforce == 1 then
  if maxSteps > 0 and newStep == 1 and t[3] + 1 > maxSteps then return { 'steps', unpack(t) } end
  if runLimit > 0 and t[1] + t[2] + nano > runLimit then return { 'run', unpack(t) } end
  if dayLimit > 0 and t[4] + t[5] + nano > dayLimit then return { 'daily', unpack(t) } end
end
local rk, dk = p .. 'b:run:' .. run, p .. 'b:day:' .. day
redis.call('HSET', p .. 'b:res:' .. id, 'run', run, 'day', day, 'nano', nano)
redis.call('ZADD', p .. 'b:open', exp, id)
redis.call('HINCRBY', rk, 'reserved', nano)
redis.call('HINCRBY', dk, 'reserved', nano)
if newStep == 1 then redis.call('HINCRBY', rk, 'steps', 1) end
redis.call('EXPIRE', rk, ttl)
redis.call('EXPIRE', dk, ttl)
return { 'ok', unpack(totals(p, run, day)) }
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

/** ARGV: prefix, now, run, day */
const totalsScript = `${sweep}
sweep(ARGV[1], tonumber(ARGV[2]))
return totals(ARGV[1], ARGV[3], ARGV[4])
`;

type Row = [string | number, number, number, number, number, number];

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

	constructor(opts: RedisStoreOptions) {
		this.prefix = opts.keyPrefix ?? 'agentCost:';
		this.keyTtl = opts.keyTtlSeconds ?? 40 * 86_400;
		this.redis = new Redis(opts.url, { password: opts.password, maxRetriesPerRequest: opts.maxRetriesPerRequest ?? 2, lazyConnect: false, enableOfflineQueue: true }) as ScriptedRedis;
		this.redis.defineCommand('acReserve', { numberOfKeys: 0, lua: reserveScript });
		this.redis.defineCommand('acFinish', { numberOfKeys: 0, lua: finishScript });
		this.redis.defineCommand('acTotals', { numberOfKeys: 0, lua: totalsScript });
	}

	async reserve(r: ReserveRequest): Promise<ReserveOutcome> {
		const row = await this.redis.acReserve(
			this.prefix,
			r.at,
			r.id,
			r.runId,
			r.day,
			r.nano,
			r.limits.runNano,
			r.limits.dailyNano,
			r.limits.maxSteps,
			r.newStep ? 1 : 0,
			r.enforce ? 1 : 0,
			r.expiresAt,
			this.keyTtl,
		);
		const [status, ...nums] = row;
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

	async totals(runId: string, day: string, at: number): Promise<BudgetTotals> {
		return toTotals(await this.redis.acTotals(this.prefix, at, runId, day));
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
