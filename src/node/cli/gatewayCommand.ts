import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BudgetStore } from '../../core/ports/budgetStore';
import { parseEngineConfig } from '../../core/config/parseEngineConfig';
import type { GatewayMode } from '../../core/gateway/gatewaySnapshot';
import { describeError } from '../../core/lib/errors';
import { createPriceCatalog } from '../../core/pricing/catalog';
import { mergePriceOverrides, parsePriceOverrides } from '../../core/pricing/overrides';
import { displayUrl } from '../../core/providers/scrubSecrets';
import { tokenCounter } from '../../core/tokens/count';
import { FileLedgerStore } from '../fileLedger';
import { ledgerWorkerFile, WorkerLedgerStore } from '../workerLedgerStore';
import { startGateway, type Gateway } from '../gateway/gatewayServer';
import { processAlive, readGatewayState, removeGatewayState, withGatewayLock, writeGatewayState } from '../gateway/gatewayState';
import { GatewayControl } from '../gateway/gatewayControl';
import { readWorkspacePriceOverrides } from '../priceOverridesFile';
import { RedisStore } from '../redisStore';
import { type CliCommand, type CliIo, optionalCount, optionalNumber, type ParsedCliArgs, UsageError } from './cliCommand';
import { packageVersion } from './packageVersion';

const usage = `Usage: agent-cost gateway [options]

Runs the agent gateway on 127.0.0.1: point an agent's base URL at it and every LLM call it makes
is budgeted, priced, recorded for replay and shown live — Claude Code, Codex, the OpenAI and
Anthropic SDKs, anything that speaks Anthropic Messages, OpenAI Chat Completions or Responses.

  ANTHROPIC_BASE_URL=http://127.0.0.1:PORT          (Claude Code, the Anthropic SDK)
  OPENAI_BASE_URL=http://127.0.0.1:PORT/v1          (the OpenAI SDK; Codex: a model provider with this base_url)
  …/run/<name>/…                                    names the run (e.g. http://127.0.0.1:PORT/run/nightly)

The first line on stdout is "listening on http://127.0.0.1:PORT". SIGINT or SIGTERM stop it after
the calls in flight have settled.

Options:
  --port N                   port (default agentCost.gateway.port, 0: a free one)
  --host H                   interface (default 127.0.0.1). Anything else exposes the gateway — and
                             the keys it forwards or holds — to the network: a warning is printed
  --mode observe|enforce     observe (default, or agentCost.gateway.mode): requests and responses pass byte for byte; budgets
                             still hold. enforce: the policy pipeline (routing, response cache,
                             compression, budget) decides each call; unknown paths are refused
  --record DIR               where runs are recorded (default ./.agent-cost/recordings; the folder
                             gets a .gitignore); --no-record records nothing
  --run-budget USD           run budget (agentCost.budget.runUsd; 0 = none)
  --daily-budget USD         daily budget (agentCost.budget.dailyUsd; 0 = none)
  --max-steps N              calls per run (agentCost.budget.maxSteps; 0 = unlimited)
  --budget-policy P          hard | soft | warn (agentCost.budget.policy)
  --anthropic-upstream URL   where Anthropic calls go (default https://api.anthropic.com)
  --openai-upstream URL      where OpenAI calls go (default https://api.openai.com/v1)
  --settings S.json          agentCost.* settings as in VS Code's settings.json (flat or nested);
                             the flags above win over it
  --ledger DIR               the spend ledger (default ~/.agent-cost/ledger; the editor uses its own
                             global storage). With agentCost.store.redisUrl set, Redis is used
                             (password from AGENT_COST_REDIS_PASSWORD)
  --state-dir DIR            write the address and control token here (gateway.json, mode 0600) and
                             refuse to start a second gateway for the same folder
  --inject-keys              when an agent sends the key "agent-cost-gateway", send the key from
                             AGENT_COST_ANTHROPIC_API_KEY / AGENT_COST_OPENAI_API_KEY instead
  --run-idle-minutes N       a gap that ends a run when the agent names none (default 10,
                             agentCost.gateway.runIdleMinutes)
  --upstream-timeout S       seconds of silence from the provider before a call fails (default 600)
  --reservation-ttl S        seconds an unsettled reservation lives (default 900): a crashed
                             gateway's reservations then count as spent, never stay stuck

Keys: in observe mode the agent's own key is forwarded and never stored or logged.

Exit codes: 0 stopped cleanly (or a gateway already runs for --state-dir), 1 could not start,
2 bad arguments.`;

function positive(args: ParsedCliArgs, name: string): number | undefined {
	const v = optionalNumber(args, name);
	if (v !== undefined && v < 0) throw new UsageError(`--${name} must be 0 or more, got ${v}`);
	return v;
}

async function readSettingsFile(path: string): Promise<Record<string, unknown>> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (e) {
		throw new UsageError(`--settings: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`);
	}
	let v: unknown;
	try {
		v = JSON.parse(text);
	} catch (e) {
		throw new UsageError(`--settings: ${path} is not JSON (${describeError(e)})`);
	}
	if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`--settings: ${path} must hold a JSON object of agentCost.* settings`);
	return v as Record<string, unknown>;
}

/** The settings the gateway runs with: the file, then the flags (flat keys win in `parseEngineConfig`). */
async function settingsOf(args: ParsedCliArgs, io: CliIo): Promise<Record<string, unknown>> {
	const file = typeof args.values.settings === 'string' ? await readSettingsFile(resolve(io.cwd, args.values.settings)) : {};
	const raw: Record<string, unknown> = { ...file };
	const runBudget = positive(args, 'run-budget');
	const dailyBudget = positive(args, 'daily-budget');
	const maxSteps = optionalCount(args, 'max-steps');
	const policy = args.values['budget-policy'];
	if (runBudget !== undefined) raw['agentCost.budget.runUsd'] = runBudget;
	if (dailyBudget !== undefined) raw['agentCost.budget.dailyUsd'] = dailyBudget;
	if (maxSteps !== undefined) raw['agentCost.budget.maxSteps'] = maxSteps;
	if (policy !== undefined) {
		if (policy !== 'hard' && policy !== 'soft' && policy !== 'warn') throw new UsageError(`--budget-policy must be hard, soft or warn, got ${JSON.stringify(policy)}`);
		raw['agentCost.budget.policy'] = policy;
	}
	return raw;
}

function mode(args: ParsedCliArgs, fallback: GatewayMode): GatewayMode {
	const m = args.values.mode ?? fallback;
	if (m !== 'observe' && m !== 'enforce') throw new UsageError(`--mode must be observe or enforce, got ${JSON.stringify(m)}`);
	return m;
}

function url(args: ParsedCliArgs, name: string, fallback: string): string | undefined {
	const v = args.values[name];
	const value = typeof v === 'string' ? v : fallback;
	if (!value) return undefined;
	try {
		const u = new URL(value);
		if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
	} catch {
		throw new UsageError(`--${name} must be an http(s) URL, got ${JSON.stringify(displayUrl(value))}`);
	}
	return value;
}

export const gatewayCommand: CliCommand = {
	name: 'gateway',
	summary: 'a local gateway agents point their base URL at: budgets, live spend, recordings, policies',
	usage,
	options: {
		port: { type: 'string' },
		host: { type: 'string' },
		mode: { type: 'string' },
		record: { type: 'string' },
		'no-record': { type: 'boolean' },
		'run-budget': { type: 'string' },
		'daily-budget': { type: 'string' },
		'max-steps': { type: 'string' },
		'budget-policy': { type: 'string' },
		'anthropic-upstream': { type: 'string' },
		'openai-upstream': { type: 'string' },
		settings: { type: 'string' },
		ledger: { type: 'string' },
		'state-dir': { type: 'string' },
		'inject-keys': { type: 'boolean' },
		'run-idle-minutes': { type: 'string' },
		'upstream-timeout': { type: 'string' },
		'reservation-ttl': { type: 'string' },
	},
	async run(args, io) {
		if (args.positionals.length) throw new UsageError(`gateway takes no arguments, got ${JSON.stringify(args.positionals[0])}`);
		const portFlag = optionalCount(args, 'port');
		if (portFlag !== undefined && portFlag > 65535) throw new UsageError(`--port must be 0-65535, got ${portFlag}`);
		const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';
		const raw = await settingsOf(args, io);
		const { config, problems } = parseEngineConfig(raw);
		const gatewayMode = mode(args, config.gateway.mode);
		const port = portFlag ?? config.gateway.port;
		for (const p of problems) io.stderr(`agent-cost: warning: settings: ${p.key}: ${p.message}\n`);
		const upstreams = {
			anthropic: url(args, 'anthropic-upstream', config.providers.anthropic.baseUrl),
			openai: url(args, 'openai-upstream', config.providers.openai.baseUrl),
		};
		const idleMinutes = positive(args, 'run-idle-minutes') ?? config.gateway.runIdleMinutes;
		const upstreamTimeout = positive(args, 'upstream-timeout');
		const ttl = positive(args, 'reservation-ttl');
		const recordDir = args.values['no-record'] ? undefined : resolve(io.cwd, typeof args.values.record === 'string' ? args.values.record : join('.agent-cost', 'recordings'));
		const stateDir = typeof args.values['state-dir'] === 'string' ? resolve(io.cwd, args.values['state-dir']) : undefined;
		const ledgerDir = resolve(io.cwd, typeof args.values.ledger === 'string' ? args.values.ledger : join(io.env.HOME ?? homedir(), '.agent-cost', 'ledger'));
		const keys = args.values['inject-keys'] ? { anthropic: io.env.AGENT_COST_ANTHROPIC_API_KEY, openai: io.env.AGENT_COST_OPENAI_API_KEY } : {};

		const settingsOverrides = parsePriceOverrides(config.pricing.overrides).overrides;
		const workspace = await readWorkspacePriceOverrides(io.cwd, config.pricing.overridesFile);
		for (const p of workspace.problems) io.stderr(`agent-cost: warning: ${p}\n`);
		const pricing = createPriceCatalog({ overrides: mergePriceOverrides(settingsOverrides, workspace.overrides) });

		let store: BudgetStore & { close?(): unknown };
		if (config.store.redisUrl) {
			const redis = new RedisStore({ url: config.store.redisUrl, keyPrefix: config.store.keyPrefix, ...(io.env.AGENT_COST_REDIS_PASSWORD && { password: io.env.AGENT_COST_REDIS_PASSWORD }) });
			redis.redis.on('error', () => undefined);
			try {
				await Promise.race([redis.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000))]);
			} catch (e) {
				redis.redis.disconnect();
				io.stderr(`agent-cost: Redis at ${displayUrl(config.store.redisUrl)} is not reachable (${describeError(e)}); the gateway does not start rather than budget locally\n`);
				return 1;
			}
			store = redis;
		} else {
			// Off the event loop when the bundled worker is there (dist/); in-process otherwise (tests).
			const worker = ledgerWorkerFile();
			store = worker ? new WorkerLedgerStore(ledgerDir, worker) : new FileLedgerStore(ledgerDir);
		}

		const start = async (): Promise<Gateway | 'running'> => {
			if (stateDir) {
				const existing = readGatewayState(stateDir);
				if (existing && processAlive(existing.pid)) {
					try {
						await new GatewayControl(existing).health();
						io.stdout(`already running on ${existing.url} (pid ${existing.pid})\n`);
						return 'running';
					} catch {
						// a dead or foreign process kept the pid: start a new one
					}
				}
			}
			const gateway = await startGateway({
				mode: gatewayMode,
				host,
				port,
				upstreams: { ...(upstreams.anthropic && { anthropic: upstreams.anthropic }), ...(upstreams.openai && { openai: upstreams.openai }) },
				config,
				budgetStore: store,
				pricing,
				counter: tokenCounter,
				...(recordDir !== undefined && { recordDir }),
				keys,
				runIdleMs: idleMinutes * 60_000,
				...(upstreamTimeout !== undefined && { upstreamTimeoutMs: upstreamTimeout * 1000 }),
				...(ttl !== undefined && { reservationTtlMs: ttl * 1000 }),
				writer: `agent-cost ${packageVersion()} gateway`,
				version: packageVersion(),
				log: line => io.stderr(line + '\n'),
			});
			if (stateDir) {
				writeGatewayState(stateDir, {
					v: 1,
					pid: process.pid,
					url: gateway.url,
					port: gateway.port,
					mode: gatewayMode,
					token: gateway.controlToken,
					version: packageVersion(),
					startedAt: new Date().toISOString(),
					...(io.env.AGENT_COST_GATEWAY_LOG && { logFile: io.env.AGENT_COST_GATEWAY_LOG }),
				});
			}
			return gateway;
		};
		let gateway: Gateway | 'running';
		try {
			gateway = stateDir ? await withGatewayLock(stateDir, start) : await start();
		} catch (e) {
			await store.close?.();
			const code = (e as NodeJS.ErrnoException).code;
			io.stderr(`agent-cost: the gateway could not start: ${code === 'EADDRINUSE' ? `port ${port} is in use (use another --port, or 0 for a free one)` : describeError(e)}\n`);
			return 1;
		}
		if (gateway === 'running') {
			await store.close?.();
			return 0;
		}
		const g = gateway;
		io.stdout(`listening on ${g.url}\n`);
		io.stderr(
			`agent-cost gateway: ${gatewayMode} mode · budgets: run ${config.budget.runUsd ? `$${config.budget.runUsd}` : 'none'}, daily ${config.budget.dailyUsd ? `$${config.budget.dailyUsd}` : 'none'}, ${config.budget.maxSteps || 'unlimited'} steps (${config.budget.enabled ? config.budget.policy : 'off'}) · recordings: ${recordDir ?? 'off'}\n`,
		);
		const stop = () => {
			io.stderr(`agent-cost gateway: stopping after ${g.inFlight} call(s) in flight\n`);
			void g.close();
		};
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
		await g.closed;
		process.off('SIGINT', stop);
		process.off('SIGTERM', stop);
		if (stateDir) removeGatewayState(stateDir, process.pid);
		await store.close?.();
		io.stderr('agent-cost gateway: stopped\n');
		return 0;
	},
};
