/**
 * infra/docker-compose.yml, loaded as `docker compose config` loads it (compose-go: schema,
 * interpolation, consistency), and infra/docker/Dockerfile, parsed and linted with BuildKit's
 * parser; then what the stack needs from them. No Docker daemon is involved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeployTools, ensureDeployTools, REPO_ROOT, runOk } from './deploy-tools';
import { appendRecipe, grantAfterRecipe } from './keys-file';
import { CHECKPOINT_SERVICES, CLICKHOUSE_SERVICES, XP_SERVICES } from './kube';

/* eslint-disable @typescript-eslint/no-explicit-any */
const COMPOSE_FILE = join(REPO_ROOT, 'infra', 'docker-compose.yml');
const DOCKERFILE = join(REPO_ROOT, 'infra', 'docker', 'Dockerfile');

let tools: DeployTools;

/** The normalized project, with only PATH and HOME (and `extra`) in the environment. */
function loadCompose(extra: Record<string, string> = {}): any {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
  return JSON.parse(runOk(tools.check, ['compose', COMPOSE_FILE], { env }));
}

beforeAll(() => {
  tools = ensureDeployTools();
}, 15 * 60_000);

describe('docker-compose.yml', () => {
  let project: any;
  beforeAll(() => {
    project = loadCompose();
  });

  test('runs Kafka 3.9 in KRaft mode, ClickHouse, and every xp service', () => {
    expect(Object.keys(project.services).sort()).toEqual(['clickhouse', 'kafka', 'kafka-topics', ...XP_SERVICES].sort());
    const kafka = project.services.kafka;
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(project.services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:/);
  });

  test('long-running services have health checks; xp services wait for healthy dependencies', () => {
    for (const [name, service] of Object.entries<any>(project.services)) {
      if (name === 'kafka-topics') continue;
      expect([name, service.healthcheck?.test?.length > 0]).toEqual([name, true]);
    }
    for (const name of XP_SERVICES) {
      expect(project.services[name].depends_on).toMatchObject({
        'kafka-topics': { condition: 'service_completed_successfully' },
      });
      // Only the services that use ClickHouse wait for it; the loop stages use the event log only.
      if (CLICKHOUSE_SERVICES.includes(name)) expect(project.services[name].depends_on).toMatchObject({ clickhouse: { condition: 'service_healthy' } });
      else expect([name, Object.keys(project.services[name].depends_on).sort()]).toEqual([name, ['kafka-topics']]);
    }
    expect(project.services['kafka-topics'].depends_on).toMatchObject({ kafka: { condition: 'service_healthy' } });
    expect(project.services.api.healthcheck.test.join(' ')).toContain('/readyz');
  });

  test('each xp service runs `xp serve <service>` from the one image, read-only, as a non-root user', () => {
    const images = new Set<string>();
    for (const name of XP_SERVICES) {
      const service = project.services[name];
      images.add(service.image);
      expect(service.command).toEqual(name === 'api' ? ['serve', 'api'] : ['serve', name, '--health-port', '9464']);
      expect(service.read_only).toBe(true);
      expect(service.user).toBe('1000:1000');
      expect(service.build.dockerfile).toBe('infra/docker/Dockerfile');
      expect(service.build.context).toBe(REPO_ROOT);
      if (name !== 'api') expect(service.healthcheck.test.join(' ')).toContain('127.0.0.1:9464/healthz');
    }
    expect([...images]).toEqual(['xp:local']);
  });

  test('xp services are configured for Kafka (and, where used, ClickHouse) through the environment', () => {
    for (const name of XP_SERVICES) {
      const environment = project.services[name].environment;
      expect(environment).toMatchObject({
        XP_BUS: 'kafka',
        KAFKA_BROKERS: 'kafka:9092',
        XP_DATA_DIR: '/data',
      });
      // The count kafka-topics creates xp.events with is the one each service checks at start-up.
      expect([name, environment.XP_EVENTS_PARTITIONS]).toEqual([name, project.services['kafka-topics'].environment.XP_EVENTS_PARTITIONS]);
      if (CLICKHOUSE_SERVICES.includes(name)) {
        expect(environment).toMatchObject({
          CLICKHOUSE_URL: 'http://clickhouse:8123',
          CLICKHOUSE_USER: 'xp',
          CLICKHOUSE_PASSWORD: 'xp',
          CLICKHOUSE_DATABASE: 'xp',
        });
      } else {
        expect([name, Object.keys(environment).filter((k) => k.startsWith('CLICKHOUSE_'))]).toEqual([name, []]);
      }
    }
    const kafka = project.services.kafka.environment;
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    expect(project.services['kafka-topics'].command.join('\n')).toMatch(/--topic xp\.events [^\n]*\n[^\n]*\n\s*--config retention\.ms=-1/);
    expect(project.services['kafka-topics'].command.join('\n')).toContain('--topic xp.events.dlq');
  });

  test('credentials, image and ports come from the environment when given', () => {
    const custom = loadCompose({ CLICKHOUSE_USER: 'ops', CLICKHOUSE_PASSWORD: 's3cret', XP_IMAGE: 'example/xp:1.2.3', XP_API_PORT: '14000' });
    expect(custom.services.projector.environment).toMatchObject({ CLICKHOUSE_USER: 'ops', CLICKHOUSE_PASSWORD: 's3cret' });
    expect(custom.services.clickhouse.environment).toMatchObject({ CLICKHOUSE_USER: 'ops', CLICKHOUSE_PASSWORD: 's3cret' });
    expect(custom.services.trainer.image).toBe('example/xp:1.2.3');
    expect(custom.services.api.ports).toContainEqual(expect.objectContaining({ target: 4000, published: '14000', host_ip: '127.0.0.1' }));
  });

  test('the API gets its keys file as a secret, kept out of git', async () => {
    const api = project.services.api;
    expect(api.environment.XP_API_KEYS_FILE).toBe('/run/secrets/xp-api-keys');
    expect(api.secrets).toContainEqual(expect.objectContaining({ source: 'xp-api-keys' }));
    const file: string = project.secrets['xp-api-keys'].file;
    expect(file).toBe(join(REPO_ROOT, 'infra', 'docker', 'secrets', 'xp-api-keys'));
    const ignore = readFileSync(join(REPO_ROOT, 'infra', 'docker', 'secrets', '.gitignore'), 'utf8').split('\n');
    expect(ignore).toContain('*');
    // The example copied to xp-api-keys and a key added as docs/deploy.md says: the API resolves it.
    const example = join(REPO_ROOT, 'infra', 'docker', 'secrets', 'xp-api-keys.example');
    const { grant, added } = await grantAfterRecipe(example, appendRecipe(readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8')));
    expect(added).toMatch(/^research [0-9a-f]{64}\n$/);
    expect(grant).toEqual({ keyId: expect.any(String), team: 'research' });
  });

  test('the trainer, the sampler, the evaluator and the API share one volume holding /data/checkpoints', () => {
    const sources = new Set<string>();
    for (const name of CHECKPOINT_SERVICES) {
      const volumes: { type: string; source: string; target: string; read_only?: boolean }[] = project.services[name].volumes ?? [];
      // The volume mounted at /data/checkpoints, or else the one at /data that holds it.
      const mount = volumes.find((v) => v.target === '/data/checkpoints') ?? volumes.find((v) => v.target === '/data');
      expect([name, mount?.type, mount?.read_only ?? false]).toEqual([name, 'volume', false]);
      expect(project.services[name].environment.XP_DATA_DIR).toBe('/data');
      sources.add(mount!.source);
    }
    expect(sources.size).toBe(1);
    expect(Object.keys(project.volumes)).toContain([...sources][0]);
  });

  test('host ports are bound to the loopback interface only', () => {
    for (const [name, service] of Object.entries<any>(project.services)) {
      for (const port of service.ports ?? []) expect([name, port.host_ip]).toEqual([name, '127.0.0.1']);
    }
  });
});

describe('Dockerfile', () => {
  let stages: { name: string; base: string; commands: string[] }[];
  let metaArgs: string[];
  beforeAll(() => {
    const report = JSON.parse(runOk(tools.check, ['dockerfile', DOCKERFILE]));
    stages = report.stages;
    metaArgs = report.metaArgs;
  });

  test('parses and passes BuildKit lint rules; the runtime stage is node:20-slim', () => {
    expect(metaArgs).toContain('ARG NODE_IMAGE=node:20-slim');
    const runtime = stages[stages.length - 1];
    expect(runtime.name).toBe('runtime');
    expect(runtime.base).toBe('${NODE_IMAGE}');
  });

  test('installs with npm ci, builds with npm run build, and drops dev dependencies', () => {
    const build = stages.find((s) => s.name === 'build')!.commands.join('\n');
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build\b/);
    expect(build).toMatch(/npm prune --omit=dev/);
    const scripts = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.build).toBeDefined();
  });

  test('runs the xp command as a non-root user, `xp up` by default', () => {
    const runtime = stages[stages.length - 1].commands;
    expect(runtime).toContain('ENTRYPOINT ["node", "services/cli/bin/xp.js"]');
    expect(runtime).toContain('CMD ["up", "--host", "0.0.0.0"]');
    const user = runtime.filter((c) => c.startsWith('USER ')).pop();
    expect(user).toMatch(/^USER [1-9]\d*(:\d+)?$/);
    expect(existsSync(join(REPO_ROOT, 'services', 'cli', 'bin', 'xp.js'))).toBe(true);
  });

  test('copies every path the build needs, including every project the root tsconfig references', () => {
    const sources = stages.find((s) => s.name === 'sources')!.commands.filter((c) => c.startsWith('COPY '));
    const copied = sources.flatMap((c) => c.split(/\s+/).slice(1, -1));
    for (const path of copied) expect([path, existsSync(join(REPO_ROOT, path))]).toEqual([path, true]);
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8'));
    for (const ref of tsconfig.references as { path: string }[]) {
      const top = ref.path.split('/')[0];
      expect([ref.path, copied.includes(top)]).toEqual([ref.path, true]);
    }
    const workspaces: string[] = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).workspaces;
    for (const ws of workspaces) expect(copied).toContain(ws.split('/')[0]);
  });
});

test('docs/deploy.md documents every setting the deployments pass to xp', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
  const project = loadCompose();
  const names = new Set<string>(['XP_BUS', 'KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE', 'CLICKHOUSE_CLUSTER', 'XP_DATA_DIR', 'XP_API_KEYS_FILE', 'PORT']);
  for (const name of XP_SERVICES) for (const key of Object.keys(project.services[name].environment)) names.add(key);
  for (const name of names) expect([name, docs.includes(`\`${name}\``)]).toEqual([name, true]);
});
