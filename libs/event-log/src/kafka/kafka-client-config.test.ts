import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKafkaClientSecurity } from './kafka-client-config';

describe('readKafkaClientSecurity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-kafka-tls-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

  it('is empty (plaintext, default client id) when nothing is set', () => {
    expect(readKafkaClientSecurity({})).toEqual({});
  });

  it("reads Strimzi's SCRAM and TLS listener settings, the PEM files' contents and the client id", () => {
    const ca = file('ca.crt', 'CA PEM');
    const cert = file('user.crt', 'CERT PEM');
    const key = file('user.key', 'KEY PEM');
    expect(readKafkaClientSecurity({
      KAFKA_CLIENT_ID: 'xp-projector', KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'xp', KAFKA_SASL_PASSWORD: 's3cret',
    })).toEqual({
      clientId: 'xp-projector',
      ssl: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'xp', password: 's3cret' },
    });
    expect(readKafkaClientSecurity({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' })).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('names the variable that is wrong', () => {
    expect(() => readKafkaClientSecurity({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM 'gssapi' is not one of plain, scram-sha-256, scram-sha-512/);
    expect(() => readKafkaClientSecurity({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toThrow(/needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    expect(() => readKafkaClientSecurity({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/need KAFKA_SASL_MECHANISM/);
    expect(() => readKafkaClientSecurity({ KAFKA_SSL: 'yes' })).toThrow(/KAFKA_SSL must be true or false, got 'yes'/);
    expect(() => readKafkaClientSecurity({ KAFKA_SSL_CA_FILE: join(dir, 'missing.crt') })).toThrow(/KAFKA_SSL_CA_FILE: cannot read .*missing\.crt/);
    expect(() => readKafkaClientSecurity({ KAFKA_SSL_CERT_FILE: file('only.crt', 'x') })).toThrow(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/);
    expect(() => readKafkaClientSecurity({ KAFKA_CLIENT_ID: 'has space' })).toThrow(/KAFKA_CLIENT_ID 'has space'/);
  });
});
