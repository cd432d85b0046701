import type { Command } from 'commander';
import { ApiKeyStore } from '@xp/auth';
import { dataDir } from '../config';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys (each belongs to one team and sees only its data)');
  const dataDirOption = ['--data-dir <dir>', 'data directory (env XP_DATA_DIR, default ./.xp-data)'] as const;

  keys
    .command('create')
    .description('create a key; the key is printed alone on the last line and cannot be shown again')
    .requiredOption('--team <team>', 'the team the key belongs to')
    .option('--label <label>', 'what the key is for')
    .option(...dataDirOption)
    .action(async (flags: { team: string; label?: string; dataDir?: string }) => {
      const store = ApiKeyStore.open(dataDir(flags));
      try {
        const created = await store.create(flags.team, flags.label);
        process.stdout.write(`created key ${created.keyId} for team ${created.team}\n${created.key}\n`);
      } finally {
        await store.close();
      }
    });

  keys
    .command('list')
    .description('list keys (ids, teams, labels; never the keys themselves)')
    .option('--team <team>', 'only this team')
    .option('--json', 'one JSON object per key')
    .option(...dataDirOption)
    .action(async (flags: { team?: string; json?: boolean; dataDir?: string }) => {
      const store = ApiKeyStore.open(dataDir(flags));
      try {
        for (const key of store.list(flags.team)) {
          process.stdout.write(flags.json ? `${JSON.stringify(key)}\n` : `${key.keyId}  ${key.team}  ${key.createdAt}  ${key.label ?? ''}\n`);
        }
      } finally {
        await store.close();
      }
    });

  keys
    .command('revoke')
    .argument('<keyId>', 'id shown by xp keys list')
    .description('revoke a key')
    .option(...dataDirOption)
    .action(async (keyId: string, flags: { dataDir?: string }) => {
      const store = ApiKeyStore.open(dataDir(flags));
      try {
        if (!(await store.revoke(keyId))) {
          process.stderr.write(`no key with id ${keyId}\n`);
          process.exitCode = 1;
        } else process.stdout.write(`revoked ${keyId}\n`);
      } finally {
        await store.close();
      }
    });
}
