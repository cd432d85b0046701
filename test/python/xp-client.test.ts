import { spawnSync } from 'node:child_process';
import { ensurePythonVenv, PYTHON_CLIENT_DIR } from '../support/python-venv';
import { REPO_ROOT } from '../support/cli';

/** Runs pytest on the Python client; its failures fail this test with pytest's own report. */
function pytest(python: string, args: string[], timeoutMs: number): void {
  const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...args], {
    cwd: PYTHON_CLIENT_DIR,
    env: { ...process.env, XP_REPO_ROOT: REPO_ROOT, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.status !== 0) {
    throw new Error(`pytest ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout.slice(-20_000)}\n${result.stderr.slice(-5_000)}`);
  }
}

describe('Python client xp_client', () => {
  let python: string;

  beforeAll(() => {
    python = ensurePythonVenv();
  }, 300_000);

  it('passes its unit tests', () => {
    pytest(python, ['-m', 'not integration'], 180_000);
  }, 200_000);

  it('passes its integration tests against a real xp up', () => {
    pytest(python, ['-m', 'integration'], 600_000);
  }, 620_000);
});
