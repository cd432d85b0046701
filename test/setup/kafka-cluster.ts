/**
 * The local three-broker cluster (infra/kafka/cluster.sh) for the scale-out tests. It is started by
 * the first test file that asks for it, not by globalSetup, so runs without those files do not pay
 * for three more JVMs; globalTeardown stops it when a test of this run started it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO_ROOT, 'infra/kafka/cluster.sh');
/** Written when a test started the cluster; globalTeardown stops the cluster only then. */
const STARTED_BY_TESTS = path.join(REPO_ROOT, 'infra/kafka/.run-cluster/started-by-tests');
/** Held (a directory naming its process) while a test kills and restarts brokers. */
const FAULTS_LOCK = path.join(REPO_ROOT, 'infra/kafka/.run-cluster/faults.lock');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work`, which kills and restarts brokers, while no other test (in any process) does: two
 * tests killing different brokers at once leave one broker of three, below min.insync.replicas, and
 * a broker just restarted is still catching up. Waits for the other test's window to end.
 */
export async function withClusterFaults<T>(work: () => Promise<T>, waitMs = 120_000): Promise<T> {
  for (const deadline = Date.now() + waitMs; ;) {
    try {
      mkdirSync(FAULTS_LOCK);
      writeFileSync(path.join(FAULTS_LOCK, 'pid'), `${process.pid}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = existsSync(path.join(FAULTS_LOCK, 'pid')) ? Number(readFileSync(path.join(FAULTS_LOCK, 'pid'), 'utf8')) : NaN;
      if (Number.isInteger(owner) && !alive(owner)) rmSync(FAULTS_LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test has held ${FAULTS_LOCK} for ${waitMs} ms (pid ${owner})`);
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(FAULTS_LOCK, { recursive: true, force: true });
  }
}

/** Waits until every partition of `topics` has all its replicas in sync (a broker restarted earlier has caught up). */
export async function waitForFullReplicas(brokers: string[], topics: string[], timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const existing = new Set(await admin.listTopics());
      const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.filter((t) => existing.has(t)) });
      if (found.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length))) return;
      if (Date.now() > deadline) throw new Error(`partitions of ${topics.join(', ')} still lack in-sync replicas after ${timeoutMs} ms`);
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

export function stopKafkaClusterIfStartedByTests(): void {
  if (!existsSync(STARTED_BY_TESTS)) return;
  const result = spawnSync('bash', [SCRIPT, 'stop'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2], timeout: 120 * 1000 });
  if (result.status !== 0) process.stderr.write(`warning: could not stop the local Kafka cluster (status ${result.status})\n`);
}
