import re

from xp_client.loop import Cursor, _ms, stable_uuid7

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_a_fact_always_gets_the_same_event_id_and_other_facts_other_ones():
    ms = 1_764_979_200_123
    first = stable_uuid7("run-1 2 sample.generated run-1/s/2/0/3", ms)
    assert first == stable_uuid7("run-1 2 sample.generated run-1/s/2/0/3", ms)
    assert UUID7.match(first), first
    assert int(first.replace("-", "")[:12], 16) == ms
    others = {stable_uuid7(f"run-1 2 sample.generated run-1/s/2/0/{a}", ms) for a in range(1000)}
    assert len(others) == 1000


def test_server_times_parse_to_utc_milliseconds():
    assert _ms("2025-12-06T00:00:00.007Z") == 1_764_979_200_007
    assert _ms("2025-12-06T00:00:01Z") == 1_764_979_201_000


def test_the_cursor_survives_a_restart_and_keeps_the_worker_id(tmp_path):
    cursor = Cursor(str(tmp_path), "run-1")
    assert (cursor.known, cursor.finished, cursor.after) == (False, -1, 0)
    cursor.finished, cursor.after = 2, 1234
    cursor.save()
    again = Cursor(str(tmp_path), "run-1")
    assert (again.known, again.finished, again.after, again.worker) == (True, 2, 1234, cursor.worker)
    assert Cursor(str(tmp_path), "run-2").known is False
