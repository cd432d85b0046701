import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import { UsageError } from '@xp/events';

/** How a Kafka client identifies and authenticates itself (Strimzi's TLS and SCRAM listeners). */
export interface KafkaClientSecurity {
  /** Shown in broker logs, quotas and metrics (default `xp`). */
  clientId?: string;
  ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: SASLOptions;
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * Reads KAFKA_CLIENT_ID, KAFKA_SSL (true/false), KAFKA_SSL_CA_FILE / KAFKA_SSL_CERT_FILE /
 * KAFKA_SSL_KEY_FILE (PEM; any of them turns TLS on), KAFKA_SSL_REJECT_UNAUTHORIZED (default true),
 * and KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512) with KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD. Anything missing or malformed is a usage error naming the variable.
 */
export function readKafkaClientSecurity(env: NodeJS.ProcessEnv): KafkaClientSecurity {
  const security: KafkaClientSecurity = {};
  if (env.KAFKA_CLIENT_ID !== undefined) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(env.KAFKA_CLIENT_ID)) throw new UsageError(`KAFKA_CLIENT_ID '${env.KAFKA_CLIENT_ID}' must be 1-100 letters, digits, '.', '_' or '-'`);
    security.clientId = env.KAFKA_CLIENT_ID;
  }
  const files = { ca: env.KAFKA_SSL_CA_FILE, cert: env.KAFKA_SSL_CERT_FILE, key: env.KAFKA_SSL_KEY_FILE };
  const ssl = flag('KAFKA_SSL', env.KAFKA_SSL) ?? Object.values(files).some(Boolean);
  if (ssl) {
    if (Boolean(files.cert) !== Boolean(files.key)) throw new UsageError('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (TLS client authentication needs both)');
    security.ssl = {
      ca: pem('KAFKA_SSL_CA_FILE', files.ca),
      cert: pem('KAFKA_SSL_CERT_FILE', files.cert),
      key: pem('KAFKA_SSL_KEY_FILE', files.key),
      rejectUnauthorized: flag('KAFKA_SSL_REJECT_UNAUTHORIZED', env.KAFKA_SSL_REJECT_UNAUTHORIZED) ?? true,
    };
  }
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism !== undefined) {
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) throw new UsageError(`KAFKA_SASL_MECHANISM '${env.KAFKA_SASL_MECHANISM}' is not one of ${MECHANISMS.join(', ')}`);
    if (!env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD === undefined) throw new UsageError(`KAFKA_SASL_MECHANISM ${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
    security.sasl = { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD } as SASLOptions;
  } else if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
    throw new UsageError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)');
  }
  return security;
}

function flag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`${name} must be true or false, got '${value}'`);
}

function pem(name: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${name}: cannot read ${path}: ${(error as Error).message}`);
  }
}
