// Child process of the Redis kill -9 stress test (bundled by the test with esbuild).
// argv: <url> <prefix> <worker> <dailyNano> <epochMs>
// Reserves and settles (at the reserved amount) in a loop, printing "granted <day> <id> <nano>"
// once a reservation is acknowledged and "refused" after a refusal.
import { RedisStore } from '../../../src/node/redisStore';

const [url, prefix, worker, dailyArg, epochArg] = process.argv.slice(2);

function dayOf(at: number): string {
	return new Date(Date.UTC(2026, 0, 1) + (Math.floor(at / Number(epochArg)) % 20_000) * 86_400_000).toISOString().slice(0, 10);
}

async function main(): Promise<void> {
	const store = new RedisStore({ url, keyPrefix: prefix });
	const limits = { runNano: 0, dailyNano: Number(dailyArg), maxSteps: 0 };
	for (let i = 0; ; i++) {
		const id = `${worker}.${process.pid}.${i}`;
		const nano = 800 + Math.floor(Math.random() * 400);
		const at = Date.now();
		const day = dayOf(at);
		const o = await store.reserve({ id, runId: `run-${worker}`, day, nano, model: 'm', at, limits, enforce: true, newStep: true, expiresAt: at + 500 });
		if (!o.ok) {
			process.stdout.write('refused\n');
			await new Promise(r => setTimeout(r, Math.random() * 2));
			continue;
		}
		process.stdout.write(`granted ${day} ${id} ${nano}\n`);
		await new Promise(r => setTimeout(r, Math.random() * 3));
		await store.settle(id, nano);
	}
}
void main().catch(e => {
	process.stderr.write(String(e instanceof Error ? e.stack : e));
	process.exit(1);
});
