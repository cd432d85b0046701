/**
 * The local three-broker cluster (infra/kafka/cluster.sh) for the scale-out tests. It is started by
 * the first test file that asks for it, not by globalSetup, so runs without those files do not pay
 * for three more JVMs; globalTeardown stops it when a test of this run started it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO_ROOT, 'infra/kafka/cluster.sh');
/** Written when a test started the cluster; globalTeardown stops the cluster only then. */
const STARTED_BY_TESTS = path.join(REPO_ROOT, 'infra/kafka/.run-cluster/started-by-tests');

function cluster(...args: string[]): string {
  const result = spawnSync('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (result.status !== 0) throw new Error(`infra/kafka/cluster.sh ${args.join(' ')} failed (status ${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts the cluster unless it runs; returns its bootstrap list. */
export function ensureKafkaCluster(): string[] {
  const before = spawnSync('bash', [SCRIPT, 'start'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (before.status !== 0) throw new Error(`the local Kafka cluster did not start (infra/kafka/.run-cluster/node-N.log): ${before.stderr}`);
  if (!/already running/.test(before.stderr)) writeFileSync(STARTED_BY_TESTS, `${process.pid}\n`);
  return before.stdout.trim().split('\n').at(-1)!.split(',');
}

/** SIGKILLs one node (1-3), keeping its data. */
export function killClusterNode(node: number): void {
  cluster('kill', String(node));
}

/** Starts a killed node again on its data and waits for its listener. */
export function restartClusterNode(node: number): void {
  cluster('restart', String(node));
}

export function stopKafkaClusterIfStartedByTests(): void {
  if (!existsSync(STARTED_BY_TESTS)) return;
  const result = spawnSync('bash', [SCRIPT, 'stop'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2], timeout: 120 * 1000 });
  if (result.status !== 0) process.stderr.write(`warning: could not stop the local Kafka cluster (status ${result.status})\n`);
}
