/** Rendering overlays and reading the rendered objects: just enough typing for the assertions. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployTools, REPO_ROOT, runOk } from './deploy-tools';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: any;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: any;
  livenessProbe?: any;
  startupProbe?: any;
}

export const OVERLAYS_DIR = join(REPO_ROOT, 'k8s', 'overlays');
export const XP_SERVICES = ['api', 'projector', 'curriculum', 'replay', 'sampler', 'trainer', 'evaluator'] as const;
/** The services that use ClickHouse; the loop stages (the others) use only the event log. */
export const CLICKHOUSE_SERVICES: readonly string[] = ['api', 'projector'];
/** The services that read or write checkpoints under /data/checkpoints. */
export const CHECKPOINT_SERVICES: readonly string[] = ['trainer', 'sampler', 'evaluator', 'api'];
export const STRIMZI_KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic'];

export function overlays(): string[] {
  return readdirSync(OVERLAYS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export interface Rendered {
  overlay: string;
  /** The `kustomize build` output, written to a file for the validators. */
  file: string;
  objects: KubeObject[];
  /** kafka.strimzi.io resources xp-deploy-check decoded and checked. */
  strimziChecked: { kind: string; name: string; namespace?: string }[];
  /** ConfigMap XML entries xp-deploy-check found well-formed. */
  xmlChecked: string[];
}

/** `kustomize build` of one overlay, then xp-deploy-check's Strimzi and XML checks of the result. */
export function render(tools: DeployTools, overlay: string): Rendered {
  const yaml = runOk(tools.kustomize, ['build', join(OVERLAYS_DIR, overlay)]);
  const file = join(mkdtempSync(join(tmpdir(), `xp-k8s-${overlay}-`)), 'manifests.yaml');
  writeFileSync(file, yaml);
  const report = JSON.parse(runOk(tools.check, ['manifests', file]));
  return { overlay, file, objects: report.documents, strimziChecked: report.strimzi, xmlChecked: report.xml };
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export function all(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** Generated ConfigMaps and Secrets carry a content hash suffix: find them by their base name. */
export function findGenerated(objects: KubeObject[], kind: 'ConfigMap' | 'Secret', baseName: string): KubeObject | undefined {
  return objects.find((o) => o.kind === kind && (o.metadata.name === baseName || o.metadata.name.startsWith(`${baseName}-`)));
}

export function podSpec(workload: KubeObject): any {
  return workload.spec.template.spec;
}

export function containers(workload: KubeObject): Container[] {
  return podSpec(workload).containers;
}

export function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
