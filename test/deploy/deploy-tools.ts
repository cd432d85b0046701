/**
 * The offline deployment validators (infra/deploy-tools/install.sh puts them in
 * $XP_DEPLOY_TOOLS_DIR, default ~/.cache/xp-deploy-tools) and small wrappers to run them.
 *
 * In CI (CI=true) the tools must already be installed and current (.ci/run installs them):
 * a missing or stale tool fails the tests, it never skips them. Elsewhere the install script
 * is run first; it returns at once when everything is current.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = join(REPO_ROOT, 'infra', 'deploy-tools', 'install.sh');

export interface DeployTools {
  kustomize: string;
  kubeconform: string;
  check: string;
  /** kubeconform -schema-location template for the local Kubernetes schemas. */
  schemaLocation: string;
  /** Kubernetes versions the schemas were installed for, e.g. ["1.30.0", "1.37.0"]. */
  kubeVersions: string[];
}

export function toolsDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.XP_DEPLOY_TOOLS_DIR || join(cache, 'xp-deploy-tools');
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command that must succeed and returns its stdout; the error names the command and its stderr. */
export function runOk(command: string, args: string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** Finds the tools (installing them first outside CI); throws when they are missing or stale in CI. */
export function ensureDeployTools(): DeployTools {
  const dir = toolsDir();
  if (process.env.CI === 'true') {
    const check = run('bash', [INSTALL_SCRIPT, '--check']);
    if (check.status !== 0) {
      throw new Error(
        `The deployment validators are not installed or out of date in ${dir}; CI must run ` +
          `\`bash infra/deploy-tools/install.sh\` before the tests.\n${check.stderr}`,
      );
    }
  } else {
    const install = run('bash', [INSTALL_SCRIPT], { timeoutMs: 15 * 60_000 });
    if (install.status !== 0) {
      throw new Error(`infra/deploy-tools/install.sh failed:\n${install.stderr}`);
    }
  }
  const bin = join(dir, 'bin');
  const tools: DeployTools = {
    kustomize: join(bin, 'kustomize'),
    kubeconform: join(bin, 'kubeconform'),
    check: join(bin, 'xp-deploy-check'),
    schemaLocation: join(dir, 'kube-schemas', '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    kubeVersions: readFileSync(join(dir, 'kube-schemas', 'versions'), 'utf8').split('\n').filter(Boolean),
  };
  for (const path of [tools.kustomize, tools.kubeconform, tools.check]) {
    if (!existsSync(path)) throw new Error(`${path} is missing after installing the deployment validators`);
  }
  if (tools.kubeVersions.length === 0) throw new Error(`no Kubernetes schema versions in ${dir}/kube-schemas/versions`);
  return tools;
}
