import json
import marshal
import os

import pytest

from xp_client.raw_chunks import record_kind
from xp_client.records import EVENT, FLUSH, PRODUCER, SAMPLE, STATUS, control_record, decode, event_record, producer_record, sample_record
from xp_client.ring import Ring, RingFull, create_ring_fd


@pytest.fixture
def ring_pair():
    fd = create_ring_fd(1024)
    producer, consumer = Ring(fd), Ring(fd)
    yield producer, consumer
    producer.close()
    consumer.close()
    os.close(fd)


def test_records_cross_the_end_of_the_ring_whole_and_in_order(ring_pair):
    producer, consumer = ring_pair
    position = consumer.released()
    seen = []
    for n in range(200):  # 200 records of 97-106 bytes through 1 KiB: the ring wraps about 20 times
        record = (b"%03d" % n) * (32 + n % 4)
        producer.write(record)
        if n % 3 == 2:
            records, position = consumer.read(position)
            consumer.release(position)
            seen.extend(records)
    records, position = consumer.read(position)
    seen.extend(records)
    assert seen == [(b"%03d" % n) * (32 + n % 4) for n in range(200)]
    assert position == producer.written()


def test_the_producer_never_overwrites_what_the_consumer_has_not_released(ring_pair):
    producer, consumer = ring_pair
    for n in range(9):
        producer.write(bytes([n]) * 100)  # 9 x 104 bytes of 1024
    with pytest.raises(RingFull):
        producer.write(b"x" * 100)
    records, position = consumer.read(consumer.released())
    assert len(records) == 9
    with pytest.raises(RingFull):  # read but not released: still not free
        producer.write(b"x" * 100)
    consumer.release(position)
    producer.write(b"x" * 100)
    assert consumer.read(position)[0] == [b"x" * 100]


def test_a_sample_record_becomes_the_event_with_unreported_facts_left_out():
    producers = {}
    assert decode(producer_record(0, "team-a", "exp", "run-1", "prod"), producers) is None
    event = decode(sample_record(0, "id-1", 5, 1_764_979_200_007, "p1", "out", "c0", 2, 1, None, -0.5, None, None), producers)
    assert event == {
        "eventId": "id-1", "type": "sample.generated", "schemaVersion": 1, "team": "team-a", "experimentId": "exp", "runId": "run-1",
        "seq": 5, "producer": "prod", "occurredAt": "2025-12-06T00:00:00.007Z", "parents": (),
        "payload": {"sampleId": "id-1", "problemId": "p1", "checkpointId": "c0", "iteration": 2, "attempt": 1, "output": "out", "logprob": -0.5},
    }
    assert decode(sample_record(0, "i", 0, 0, "p", "o", "c", 0, 0, 1, -1.0, 2, 0.7), producers)["payload"]["temperature"] == 0.7


class Score(float):
    """A float subclass (as numpy's float64 is): marshal refuses it, JSON does not."""


def test_payloads_marshal_cannot_copy_go_as_json_and_unencodable_ones_are_marked():
    producers = {0: ("t", "e", "r", "p")}
    event = decode(event_record(0, "i", 0, 0, "metrics.logged", {"step": 1, "metrics": {"loss": Score(0.5)}}, ["a"]), producers)
    assert event["payload"] == {"step": 1, "metrics": {"loss": 0.5}} and event["parents"] == ("a",)
    odd = decode(event_record(0, "j", 1, 0, "metrics.logged", {"step": object()}, []), producers)
    with pytest.raises(TypeError):
        json.dumps(odd["payload"])
    assert "not JSON serializable" in repr(odd["payload"])


def test_the_kind_of_every_record_is_read_without_unmarshalling_it():
    records = {
        PRODUCER: producer_record(3, "t", "e", "r", "p"),
        SAMPLE: sample_record(3, "i", 2**40, 2**45, "p", "o" * 5000, "c", 1, 2, None, None, None, None),
        EVENT: event_record(3, "i", 0, 0, "metrics.logged", {"step": 1}, []),
        FLUSH: control_record(FLUSH, 7, 1.5),
        STATUS: control_record(STATUS, 2**31),
    }
    for kind, record in records.items():
        assert record_kind(record) == kind == marshal.loads(record)[0]
