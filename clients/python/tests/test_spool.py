import os
import struct

from xp_client.spool import MAGIC, Position, Spool, decode_frames, encode_frame, list_segments, segment_name


def payloads(spool, start=None):
    return [p for p, _ in spool.read(start or spool.acked(), 10_000, 1 << 30)]


def test_frames_round_trip_and_stop_at_a_torn_or_corrupt_frame():
    frames = [b'{"a":1}', b"", b"x" * 70_000]
    data = b"".join(encode_frame(f) for f in frames)
    assert decode_frames(data) == (frames, len(data))
    # Cut inside the last frame's body, then inside a header: only whole frames come back.
    assert decode_frames(data[:-1])[0] == frames[:2]
    assert decode_frames(data[: len(encode_frame(frames[0])) + 3])[0] == frames[:1]
    # A flipped byte in the last frame's body fails its CRC.
    flipped = bytearray(data)
    flipped[-5] ^= 0xFF
    assert decode_frames(bytes(flipped))[0] == frames[:2]


def test_reopening_cuts_a_torn_tail_and_keeps_every_whole_frame(tmp_path):
    spool = Spool(str(tmp_path))
    spool.append([b"one", b"two"])
    spool.close(remove_if_answered=False)
    path = tmp_path / segment_name(1)
    whole = path.stat().st_size
    # A crash in the middle of the next write: a header promising 100 bytes, and 10 of them.
    with open(path, "ab") as f:
        f.write(struct.pack("<II", 100, 0) + b"0123456789")
    reopened = Spool(str(tmp_path))
    assert reopened.torn_bytes == 18
    assert path.stat().st_size == whole
    assert payloads(reopened) == [b"one", b"two"]
    # Appending after recovery continues cleanly behind the intact frames.
    reopened.append([b"three"])
    assert payloads(reopened) == [b"one", b"two", b"three"]


def test_acked_position_survives_reopening_and_passed_segments_are_deleted(tmp_path):
    spool = Spool(str(tmp_path), segment_bytes=64)
    for i in range(6):
        spool.append([b"%d" % i * 20])
    assert len(list_segments(str(tmp_path))) >= 3
    frames = spool.read(spool.acked(), 4, 1 << 20)
    assert [p[:1] for p, _ in frames] == [b"0", b"1", b"2", b"3"]
    spool.ack(frames[-1][1])
    assert list_segments(str(tmp_path))[0] == frames[-1][1].segment
    spool.close(remove_if_answered=False)
    reopened = Spool(str(tmp_path), segment_bytes=64)
    assert [p[:1] for p in payloads(reopened)] == [b"4", b"5"]
    reopened.ack(reopened.end())
    assert reopened.all_answered()
    assert reopened.close(remove_if_answered=True)
    assert list_segments(str(tmp_path)) == []


def test_read_respects_frame_and_byte_budgets_but_always_takes_one_frame(tmp_path):
    spool = Spool(str(tmp_path))
    spool.append([b"a" * 100, b"b" * 100, b"c" * 5000])
    at = spool.acked()
    taken = []
    for _ in range(3):
        frames = spool.read(at, 10, 150)
        taken.append([len(p) for p, _ in frames])
        at = frames[-1][1]
    # 150 bytes hold one 100-byte frame; the 5000-byte frame comes alone rather than never.
    assert taken == [[100], [100], [5000]]
    assert at == spool.end()
    assert [len(p) for p, _ in spool.read(spool.acked(), 2, 1 << 20)] == [100, 100]
    assert spool.read(spool.end(), 10, 150) == []


def test_a_spool_with_no_segments_starts_at_the_first(tmp_path):
    spool = Spool(str(tmp_path))
    assert spool.acked() == Position(0, 0)
    assert spool.end() == Position(1, len(MAGIC))
    assert spool.all_answered() is False or spool.read(spool.acked(), 1, 1) == []
    assert os.path.exists(tmp_path / segment_name(1))
