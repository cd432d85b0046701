import random
import threading
import time

from xp_client.delivery import Outcome, send_batch
from xp_client.transport import Backoff, Transport, parse_retry_after


def test_full_jitter_ceilings_double_from_half_a_second_to_thirty():
    backoff = Backoff(rng=random.Random(1))
    ceilings = []
    for _ in range(10):
        ceilings.append(backoff.ceiling())
        delay = backoff.next_delay()
        assert 0 <= delay <= ceilings[-1]
    assert ceilings == [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
    backoff.reset()
    assert backoff.ceiling() == 0.5


def test_delays_are_spread_over_the_whole_window():
    backoff = Backoff(rng=random.Random(2))
    backoff.attempt = 3
    delays = []
    for _ in range(2000):
        delays.append(backoff.next_delay())
        backoff.attempt = 3
    assert min(delays) < 0.5 and max(delays) > 3.5
    assert 3.6 < sum(delays) / len(delays) * 2 < 4.4


def test_retry_after_is_a_floor_in_seconds_or_as_a_date():
    backoff = Backoff(rng=random.Random(3))
    assert backoff.next_delay(retry_after=7) == 7
    assert backoff.next_delay(retry_after=10_000) == 300
    assert parse_retry_after("12") == 12
    assert abs(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) - 10) < 1e-6
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_retries_5xx_and_429_honouring_retry_after_then_stops_at_the_answer(stub):
    statuses = [503, 429, 200]
    stub.answer = lambda lines: (statuses.pop(0), {"Retry-After": "1"} if statuses and statuses[0] == 200 else {}, {"accepted": len(lines), "rejected": []})
    began = time.monotonic()
    delivery = send_batch(Transport(stub.url, "k"), [b'{"n":1}'], threading.Event(), backoff=Backoff(base=0.01))
    assert delivery.outcome == Outcome.ANSWERED and delivery.rejected == []
    assert len(stub.requests) == 3
    # The 429 carried Retry-After: 1, far above the 0.02 s jitter window of the second attempt.
    assert time.monotonic() - began >= 1.0
    assert stub.requests[0].headers["Authorization"] == "Bearer k"
    assert stub.requests[0].headers["Content-Encoding"] == "gzip"


def test_never_retries_other_4xx(stub):
    for status in (400, 404, 422):
        stub.requests.clear()
        stub.answer = lambda lines, s=status: (s, {}, {"error": f"no ({s})"})
        delivery = send_batch(Transport(stub.url, "k"), [b'{"n":1}\n{"n":2}'], threading.Event(), backoff=Backoff(base=0.01))
        assert len(stub.requests) == 1
        assert delivery.outcome == Outcome.ANSWERED
        assert [r.reasons for r in delivery.rejected] == [[f"HTTP {status}: no ({status})"]] * 2
    stub.answer = lambda lines: (401, {}, {"error": "bad key"})
    assert send_batch(Transport(stub.url, "k"), [b"{}"], threading.Event()).outcome == Outcome.UNAUTHORIZED


def test_network_errors_are_retried_until_stopped():
    stop = threading.Event()
    retries = []
    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    # Port 9 on localhost: connection refused at once, every time.
    delivery = send_batch(Transport("http://127.0.0.1:9", None), [b"{}"], stop, backoff=Backoff(base=0.01, cap=0.05), on_retry=lambda r, d: retries.append(r))
    assert delivery.outcome == Outcome.STOPPED
    assert len(retries) >= 3 and "ConnectionRefusedError" in retries[0]
    assert time.monotonic() - began < 2
