/**
 * k8s/: every overlay builds with kustomize; core objects validate against the Kubernetes JSON
 * schemas (kubeconform, strict, each supported Kubernetes version); Strimzi resources decode
 * strictly into the Strimzi API types; and the rendered manifests hang together (references,
 * probes, resources, security, scaling, topics). Offline: see docs/deploy.md for what these
 * checks cannot cover.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeployTools, ensureDeployTools, REPO_ROOT, runOk } from './deploy-tools';
import { appendRecipe, grantAfterRecipe } from './keys-file';
import { LOOP_SERVICES } from '../../libs/loop/src/services/turn';
import { compareTopic, topicPlan } from '../../libs/event-log/src/kafka/topic-plan';
import { all, CHECKPOINT_SERVICES, CLICKHOUSE_SERVICES, containers, find, findGenerated, KubeObject, overlays, podSpec, render, Rendered, selects, STRIMZI_KINDS, XP_SERVICES } from './kube';

let tools: DeployTools;
const rendered = new Map<string, Rendered>();

beforeAll(() => {
  tools = ensureDeployTools();
  for (const overlay of overlays()) rendered.set(overlay, render(tools, overlay));
}, 15 * 60_000);

const get = (overlay: string): Rendered => {
  const r = rendered.get(overlay);
  if (!r) throw new Error(`overlay ${overlay} was not rendered`);
  return r;
};

test('the deployments cover every service `xp serve` runs: api, projector and the loop stages', () => {
  expect([...XP_SERVICES].sort()).toEqual(['api', 'projector', ...LOOP_SERVICES].sort());
  expect(CLICKHOUSE_SERVICES.every((s) => (XP_SERVICES as readonly string[]).includes(s))).toBe(true);
  expect(CHECKPOINT_SERVICES.every((s) => (XP_SERVICES as readonly string[]).includes(s))).toBe(true);
});

test('there are dev and prod overlays, and kustomize builds every one of them', () => {
  expect(overlays()).toEqual(expect.arrayContaining(['dev', 'prod']));
  for (const overlay of overlays()) expect(get(overlay).objects.length).toBeGreaterThan(20);
});

describe.each(overlays())('overlay %s', (overlay) => {
  const objects = (): KubeObject[] => get(overlay).objects;

  test.each(['1.30.0', '1.37.0'])('core objects are valid Kubernetes %s objects (kubeconform, strict)', (version) => {
    expect(tools.kubeVersions).toContain(version);
    const out = runOk(tools.kubeconform, [
      '-strict', '-summary', '-verbose', '-output', 'json', '-kubernetes-version', version,
      '-schema-location', tools.schemaLocation, '-skip', STRIMZI_KINDS.join(','), get(overlay).file,
    ]);
    const report = JSON.parse(out) as { resources: { kind: string; name: string; status: string; msg: string }[]; summary: Record<string, number> };
    const bad = report.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
    expect(bad).toEqual([]);
    // Only the Strimzi kinds are skipped here, and each of those is checked by xp-deploy-check.
    const skipped = report.resources.filter((r) => r.status === 'statusSkipped').map((r) => `${r.kind}/${r.name}`).sort();
    const strimzi = get(overlay).strimziChecked.map((r) => `${r.kind}/${r.name}`).sort();
    expect(skipped).toEqual(strimzi);
    expect(report.summary.valid + report.summary.skipped).toBe(objects().length);
  });

  test('Strimzi resources decode strictly into the Strimzi API types, and only known kinds are used', () => {
    const strimzi = objects().filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(get(overlay).strimziChecked).toHaveLength(strimzi.length);
    expect(new Set(strimzi.map((o) => o.kind))).toEqual(new Set(STRIMZI_KINDS));
  });

  test('every namespaced object lives in the overlay namespace', () => {
    const namespace = all(objects(), 'Namespace')[0]?.metadata.name;
    expect(namespace).toBeTruthy();
    for (const o of objects().filter((x) => x.kind !== 'Namespace')) expect([o.kind, o.metadata.namespace]).toEqual([o.kind, namespace]);
  });

  test('one Deployment per service, running `xp serve <service>` from one image, with probes', () => {
    const images = new Set<string>();
    for (const service of XP_SERVICES) {
      const [c] = containers(find(objects(), 'Deployment', service));
      images.add(c.image);
      expect(c.args?.slice(0, 2)).toEqual(['serve', service]);
      if (service === 'api') {
        expect(c.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 4000 }));
        expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      } else {
        expect(c.args).toEqual(['serve', service, '--health-port', '9464']);
        expect(c.ports).toContainEqual(expect.objectContaining({ name: 'health', containerPort: 9464 }));
        expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
        expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      }
      expect(c.startupProbe.httpGet.path).toBe('/healthz');
    }
    expect(images.size).toBe(1);
    expect([...images][0]).not.toMatch(/:latest$|^[^:]*$/);
  });

  test('every container has CPU and memory requests and limits', () => {
    for (const w of [...all(objects(), 'Deployment'), ...all(objects(), 'StatefulSet')]) {
      for (const c of containers(w)) {
        for (const kind of ['requests', 'limits'] as const) {
          expect([w.metadata.name, kind, Object.keys(c.resources?.[kind] ?? {}).sort()]).toEqual([w.metadata.name, kind, ['cpu', 'memory']]);
        }
      }
    }
  });

  test('pods run as non-root without privilege escalation; xp containers have a read-only root filesystem', () => {
    for (const w of [...all(objects(), 'Deployment'), ...all(objects(), 'StatefulSet')]) {
      const pod = podSpec(w);
      expect([w.metadata.name, pod.securityContext.runAsNonRoot, pod.securityContext.seccompProfile?.type]).toEqual([w.metadata.name, true, 'RuntimeDefault']);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of containers(w)) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        if (w.kind === 'Deployment') expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      }
    }
  });

  test('every workload has a PodDisruptionBudget that selects its pods', () => {
    const budgets = all(objects(), 'PodDisruptionBudget');
    for (const w of [...all(objects(), 'Deployment'), ...all(objects(), 'StatefulSet')]) {
      const labels = w.spec.template.metadata.labels;
      const matching = budgets.filter((b) => selects(b.spec.selector.matchLabels, labels));
      expect([w.metadata.name, matching.length]).toEqual([w.metadata.name, 1]);
    }
  });

  test('everything a pod refers to exists: service account, ConfigMaps, Secrets, volumes', () => {
    // In prod the Secrets are created by the operator of the cluster, never kept in git.
    const external = overlay === 'prod' ? ['xp-clickhouse', 'xp-api-keys'] : [];
    const exists = (kind: 'ConfigMap' | 'Secret', name: string) =>
      objects().some((o) => o.kind === kind && o.metadata.name === name) || (kind === 'Secret' && external.includes(name));
    for (const w of [...all(objects(), 'Deployment'), ...all(objects(), 'StatefulSet')]) {
      const pod = podSpec(w);
      find(objects(), 'ServiceAccount', pod.serviceAccountName);
      for (const v of pod.volumes ?? []) {
        if (v.configMap) expect([w.metadata.name, exists('ConfigMap', v.configMap.name)]).toEqual([w.metadata.name, true]);
        if (v.secret) expect([w.metadata.name, exists('Secret', v.secret.secretName)]).toEqual([w.metadata.name, true]);
        if (v.persistentVolumeClaim) find(objects(), 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
      }
      for (const c of containers(w)) {
        for (const from of c.envFrom ?? []) if (from.configMapRef) expect(exists('ConfigMap', from.configMapRef.name)).toBe(true);
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect([e.name, exists('Secret', e.valueFrom.secretKeyRef.name)]).toEqual([e.name, true]);
        const volumes = [...(pod.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((t: KubeObject) => t.metadata)].map((v) => v.name);
        for (const m of c.volumeMounts ?? []) expect([w.metadata.name, volumes.includes(m.name)]).toEqual([w.metadata.name, true]);
      }
    }
    for (const name of external) expect(findGenerated(objects(), 'Secret', name)).toBeUndefined();
  });

  test('the xp configuration points at the Kafka bootstrap service and the ClickHouse service', () => {
    const config = findGenerated(objects(), 'ConfigMap', 'xp-config');
    expect(config?.data).toMatchObject({ XP_BUS: 'kafka', XP_DATA_DIR: '/data' });
    const kafka = find(objects(), 'Kafka', 'xp');
    const plain = kafka.spec.kafka.listeners.find((l: { tls: boolean }) => !l.tls);
    expect(config?.data?.KAFKA_BROKERS).toBe(`${kafka.metadata.name}-kafka-bootstrap:${plain.port}`);
    // ClickHouse settings live apart from the log's, for the services that use ClickHouse only.
    expect(Object.keys(config?.data ?? {}).filter((k) => k.startsWith('CLICKHOUSE_'))).toEqual([]);
    const analytics = findGenerated(objects(), 'ConfigMap', 'xp-analytics-config');
    expect(analytics?.data).toMatchObject({ CLICKHOUSE_DATABASE: 'xp' });
    const clickhouse = find(objects(), 'Service', 'clickhouse');
    const http = clickhouse.spec.ports.find((p: { name: string }) => p.name === 'http');
    expect(analytics?.data?.CLICKHOUSE_URL).toBe(`http://clickhouse:${http.port}`);
    for (const service of XP_SERVICES) {
      const [c] = containers(find(objects(), 'Deployment', service));
      expect(c.envFrom).toContainEqual({ configMapRef: { name: config?.metadata.name } });
      const fromAnalytics = (c.envFrom ?? []).some((f) => f.configMapRef?.name === analytics?.metadata.name);
      const clickhouseEnv = (c.env ?? []).map((e) => e.name).filter((name) => name.startsWith('CLICKHOUSE_')).sort();
      const secrets = (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name).filter(Boolean);
      if (service === 'projector') {
        // Projector replicas read their own writes back: all of them talk to the first ClickHouse replica.
        const statefulSet = find(objects(), 'StatefulSet', 'clickhouse');
        expect([service, fromAnalytics, clickhouseEnv]).toEqual([service, true, ['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_URL', 'CLICKHOUSE_USER']]);
        expect(c.env?.find((e) => e.name === 'CLICKHOUSE_URL')?.value).toBe(`http://clickhouse-0.${statefulSet.spec.serviceName}:${http.port}`);
      } else if (CLICKHOUSE_SERVICES.includes(service)) {
        expect([service, fromAnalytics, clickhouseEnv]).toEqual([service, true, ['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_USER']]);
      } else {
        // Loop stages use the event log only: no ClickHouse settings, credentials or waits.
        expect([service, fromAnalytics, clickhouseEnv, secrets.includes('xp-clickhouse')]).toEqual([service, false, [], false]);
        expect([service, podSpec(find(objects(), 'Deployment', service)).initContainers ?? []]).toEqual([service, []]);
      }
    }
  });

  test('the API reads its keys from the mounted Secret and is exposed by a Service', () => {
    const api = find(objects(), 'Deployment', 'api');
    const [c] = containers(api);
    const keysFile = c.env?.find((e) => e.name === 'XP_API_KEYS_FILE')?.value ?? '';
    const mount = c.volumeMounts?.find((m) => keysFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = podSpec(api).volumes.find((v: { name: string }) => v.name === mount?.name);
    expect(volume.secret.items).toEqual([{ key: 'api-keys', path: keysFile.slice(mount!.mountPath.length + 1) }]);
    const service = find(objects(), 'Service', 'api');
    expect(selects(service.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ port: 4000, targetPort: 'http' }));
  });

  test('checkpoints are shared by the trainer, the sampler, the evaluator and the API at the same path', () => {
    const config = findGenerated(objects(), 'ConfigMap', 'xp-config');
    expect(`${config?.data?.XP_DATA_DIR}/checkpoints`).toBe('/data/checkpoints');
    for (const service of CHECKPOINT_SERVICES) {
      const deployment = find(objects(), 'Deployment', service);
      const [c] = containers(deployment);
      expect([service, c.volumeMounts]).toEqual([service, expect.arrayContaining([expect.objectContaining({ name: 'checkpoints', mountPath: '/data/checkpoints' })])]);
      // The trainer writes checkpoints, and so does the API for the forks it trains.
      if (service === 'trainer' || service === 'api') expect([service, c.volumeMounts?.find((m) => m.name === 'checkpoints')?.readOnly ?? false]).toEqual([service, false]);
      const volume = podSpec(deployment).volumes.find((v: { name: string }) => v.name === 'checkpoints');
      expect([service, volume?.persistentVolumeClaim?.claimName]).toEqual([service, 'xp-checkpoints']);
    }
    // Pods on several nodes share the volume only if it is ReadWriteMany (dev: one node).
    if (overlay === 'prod') expect(find(objects(), 'PersistentVolumeClaim', 'xp-checkpoints').spec.accessModes).toContain('ReadWriteMany');
  });

  test('topics belong to the Kafka cluster and fit its brokers; the event log is never expired', () => {
    const kafka = find(objects(), 'Kafka', 'xp');
    const pools = all(objects(), 'KafkaNodePool');
    for (const pool of pools) expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
    const brokers = pools.filter((p) => p.spec.roles.includes('broker')).reduce((n, p) => n + p.spec.replicas, 0);
    const controllers = pools.filter((p) => p.spec.roles.includes('controller')).reduce((n, p) => n + p.spec.replicas, 0);
    expect(controllers % 2).toBe(1);
    expect(kafka.spec.kafka.version).toMatch(/^3\.9\./);
    const topics = all(objects(), 'KafkaTopic');
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual(['xp.events', 'xp.events.dlq', 'xp.loop.scan-from']);
    for (const topic of topics) {
      expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
      expect(topic.spec.replicas).toBeLessThanOrEqual(brokers);
      const minIsr = topic.spec.config['min.insync.replicas'];
      expect(minIsr).toBeLessThanOrEqual(Math.max(1, topic.spec.replicas - 1));
    }
    const events = topics.find((t) => t.spec.topicName === 'xp.events')!;
    expect(events.spec.config['retention.ms']).toBe(-1);
    expect(events.spec.config['retention.bytes']).toBe(-1);
    // An evaluation decision at the default config is about 1 MB, past Kafka's 1 MiB default.
    for (const topic of [events, topics.find((t) => t.spec.topicName === 'xp.events.dlq')!]) expect(topic.spec.config['max.message.bytes']).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(topics.find((t) => t.spec.topicName === 'xp.loop.scan-from')!.spec.config['cleanup.policy']).toBe('compact');
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);
    expect(kafka.spec.kafka.config['offsets.topic.replication.factor']).toBeLessThanOrEqual(brokers);
  });

  test('services expect the partition count xp.events has, and every KafkaTopic carries what `xp kafka init` creates', () => {
    const expected = Number(findGenerated(objects(), 'ConfigMap', 'xp-config')?.data?.XP_EVENTS_PARTITIONS);
    const topics = all(objects(), 'KafkaTopic');
    expect(topics.find((t) => t.spec.topicName === 'xp.events')!.spec.partitions).toBe(expected);
    for (const planned of topicPlan({ eventsPartitions: expected })) {
      const topic = topics.find((t) => t.spec.topicName === planned.name)!;
      const configs = Object.fromEntries(Object.entries(topic.spec.config ?? {}).map(([name, value]) => [name, String(value)]));
      expect(compareTopic(planned, { partitions: topic.spec.partitions, replicationFactor: topic.spec.replicas, configs })).toEqual([]);
    }
  });

  test('autoscalers target existing Deployments and the projector never outnumbers the partitions', () => {
    const partitions = all(objects(), 'KafkaTopic').find((t) => t.spec.topicName === 'xp.events')!.spec.partitions;
    for (const hpa of all(objects(), 'HorizontalPodAutoscaler')) {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      const target = find(objects(), 'Deployment', hpa.spec.scaleTargetRef.name);
      expect(target.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      if (hpa.metadata.name === 'projector') expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(partitions);
    }
  });

  test('ClickHouse keeps its data on persistent volumes and its XML configuration is well-formed', () => {
    const clickhouse = find(objects(), 'StatefulSet', 'clickhouse');
    expect(clickhouse.spec.volumeClaimTemplates.map((t: KubeObject) => t.metadata.name)).toEqual(['data']);
    const [c] = containers(clickhouse);
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ name: 'data', mountPath: '/var/lib/clickhouse' }));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'http' });
    const config = findGenerated(objects(), 'ConfigMap', 'clickhouse-config')!;
    expect(get(overlay).xmlChecked.sort()).toEqual(Object.keys(config.data ?? {}).map((k) => `${config.metadata.namespace}/${config.metadata.name}/${k}`).sort());
    // A replicated ClickHouse needs xp to create Replicated tables on its cluster, and the
    // cluster definition must list exactly the StatefulSet's replicas.
    const cluster = findGenerated(objects(), 'ConfigMap', 'xp-analytics-config')?.data?.CLICKHOUSE_CLUSTER;
    if (clickhouse.spec.replicas > 1) {
      const xml = config.data?.['cluster.xml'] ?? '';
      expect(xml).toContain(`<${cluster}>`);
      const hosts = [...xml.matchAll(/<host>(clickhouse-\d+)\.clickhouse-headless<\/host>\s*<port>9000<\/port>/g)].map((m) => m[1]);
      expect(hosts).toEqual(Array.from({ length: clickhouse.spec.replicas }, (_, i) => `clickhouse-${i}`));
    } else {
      expect(cluster).toBeUndefined();
    }
  });
});

test('dev runs one replica of everything without autoscaling, with its own development secrets', () => {
  const { objects } = get('dev');
  for (const service of XP_SERVICES) expect([service, find(objects, 'Deployment', service).spec.replicas]).toEqual([service, 1]);
  expect(all(objects, 'HorizontalPodAutoscaler')).toEqual([]);
  expect(find(objects, 'StatefulSet', 'clickhouse').spec.replicas).toBe(1);
  expect(findGenerated(objects, 'Secret', 'xp-api-keys')).toBeDefined();
});

test('prod replicates Kafka, ClickHouse and the services, and scales the API and the projector', () => {
  const { objects } = get('prod');
  const events = all(objects, 'KafkaTopic').find((t) => t.spec.topicName === 'xp.events')!;
  expect(events.spec).toMatchObject({ partitions: 12, replicas: 3 });
  expect(find(objects, 'StatefulSet', 'clickhouse').spec.replicas).toBe(3);
  // Services on the replicated ClickHouse only check the migrations; this Job applies them ON CLUSTER.
  expect(find(objects, 'Job', 'xp-migrate').spec.template.spec.containers[0].args).toEqual(['migrate']);
  expect(all(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name).sort()).toEqual(['api', 'projector']);
  for (const name of ['api', 'projector']) expect(find(objects, 'HorizontalPodAutoscaler', name).spec.minReplicas).toBeGreaterThanOrEqual(2);
  const dev = get('dev').objects;
  for (const service of XP_SERVICES) {
    const cpu = (objs: KubeObject[]) => containers(find(objs, 'Deployment', service))[0].resources?.requests?.cpu ?? '';
    const millis = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) : Number(v) * 1000);
    expect(millis(cpu(objects))).toBeGreaterThan(millis(cpu(dev)));
  }
});

test('the dev API keys file is one the API accepts, and the recipe in its comments adds a key the API resolves', async () => {
  const file = join(REPO_ROOT, 'k8s', 'overlays', 'dev', 'api-keys');
  const { grant, added } = await grantAfterRecipe(file, appendRecipe(readFileSync(file, 'utf8')));
  expect(added).toMatch(/^demo [0-9a-f]{64}\n$/);
  expect(grant).toEqual({ keyId: expect.any(String), team: 'demo' });
});
