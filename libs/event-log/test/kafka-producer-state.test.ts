import { randomUUID } from 'node:crypto';
import { Kafka, KafkaJSProtocolError, type Producer } from 'kafkajs';
import { KafkaEventLog } from '../src';

// The jest globalSetup starts the local broker (infra/kafka) when none answers.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/**
 * Makes the first producer the log creates behave as kafkajs's idempotent producer does once the
 * broker stopped accepting its sequence (seen on the three-broker cluster after a killed leader
 * lost a request's answer): from `broken()` on, every send of that producer fails with the broker's
 * OUT_OF_ORDER_SEQUENCE_NUMBER. Producers made later are left alone.
 */
function breakableFirstProducer(): { broken: () => void; created: () => number } {
  let created = 0;
  let broken = false;
  const original = Kafka.prototype.producer;
  jest.spyOn(Kafka.prototype, 'producer').mockImplementation(function (this: Kafka, ...args: Parameters<Kafka['producer']>) {
    const producer: Producer = original.apply(this, args);
    if (++created === 1) {
      const send = producer.send.bind(producer);
      producer.send = async (record) => {
        if (broken) throw new KafkaJSProtocolError({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false, message: 'The broker received an out of order sequence number' });
        return send(record);
      };
    }
    return producer;
  });
  return { broken: () => { broken = true; }, created: () => created };
}

describe('KafkaEventLog after the broker refuses its producer sequence', () => {
  afterEach(() => jest.restoreAllMocks());

  it('fails that append with the reason and appends again on a fresh producer', async () => {
    const producers = breakableFirstProducer();
    const log = await KafkaEventLog.connect({ brokers });
    try {
      const topic = `xp-test-producer-state-${randomUUID()}`;
      await log.ensureTopics([{ name: topic, partitions: 1 }]);
      await log.append(topic, [{ key: 'run', value: Buffer.from('before') }]);

      producers.broken();
      await expect(log.append(topic, [{ key: 'run', value: Buffer.from('refused') }])).rejects.toThrow(/no longer accepts this producer's sequence/);
      const [position] = await log.append(topic, [{ key: 'run', value: Buffer.from('after') }]);

      expect(producers.created()).toBe(2);
      expect((await log.read(topic, 0, 0, 10)).map((r) => r.value.toString())).toEqual(['before', 'after']);
      expect(position.offset).toBe(1);
    } finally {
      await log.close();
    }
  });
});
