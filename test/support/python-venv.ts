import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli';

/** What the test virtualenv holds besides the client itself; a change here rebuilds it. */
const TEST_REQUIREMENTS = ['pytest==9.2.0'];
export const PYTHON_CLIENT_DIR = join(REPO_ROOT, 'clients/python');
const VENV_DIR = join(REPO_ROOT, 'node_modules/.cache/xp-python-venv');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * A virtualenv with pytest from PyPI and the client installed editable from clients/python, made
 * once and kept under node_modules/.cache: later runs find the stamp and only check it. Returns
 * the venv's python.
 */
export function ensurePythonVenv(): string {
  const python = join(VENV_DIR, 'bin/python');
  const stamp = createHash('sha256')
    .update(TEST_REQUIREMENTS.join('\n'))
    .update(readFileSync(join(PYTHON_CLIENT_DIR, 'pyproject.toml')))
    .digest('hex');
  const stampFile = join(VENV_DIR, '.xp-stamp');
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return python;
  mkdirSync(VENV_DIR, { recursive: true });
  const system = process.env.XP_TEST_PYTHON ?? 'python3';
  run(system, ['-m', 'venv', '--clear', VENV_DIR]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...TEST_REQUIREMENTS]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--editable', PYTHON_CLIENT_DIR]);
  writeFileSync(stampFile, stamp);
  return python;
}
