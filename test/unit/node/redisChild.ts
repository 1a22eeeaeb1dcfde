// Child process for the Redis acceptance test (bundled by the test with esbuild).
// argv: <url> <prefix> <worker> <count> <nano> <dailyNano> <startAtMs>
// Fires `count` reservations at once, settles the accepted ones at their reserved amount, prints JSON.
import { RedisStore } from '../../../src/node/redisStore';

async function main(): Promise<void> {
	const [url, prefix, worker, countArg, nanoArg, dailyArg, startArg] = process.argv.slice(2);
	const store = new RedisStore({ url, keyPrefix: prefix });
	await store.redis.ping();
	// All processes fire at the same instant, so their reservations really interleave.
	await new Promise(r => setTimeout(r, Math.max(0, Number(startArg) - Date.now())));
	const nano = Number(nanoArg);
	const limits = { runNano: 0, dailyNano: Number(dailyArg), maxSteps: 0 };
	const results = await Promise.all(
		Array.from({ length: Number(countArg) }, async (_, i) => {
			const id = `${worker}-${i}`;
			const o = await store.reserve({ id, runId: `run-${worker}`, day: '2026-11-27', nano, model: 'gpt-4o', at: Date.now(), limits, enforce: true, newStep: true, expiresAt: Date.now() + 600_000 });
			if (o.ok) await store.settle(id, nano);
			return o.ok;
		}),
	);
	process.stdout.write(JSON.stringify({ accepted: results.filter(Boolean).length, refused: results.filter(x => !x).length }));
	await store.close();
}
void main().catch(e => {
	process.stderr.write(String(e));
	process.exit(1);
});
