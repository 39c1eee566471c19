"""The shared rate limiter: never more than N of a kind in any 60-second window, across threads."""

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from map_workspace.nightly import Shard
from map_workspace.ports import PlanRef
from map_workspace.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_never_more_than_the_limit_in_any_window_with_threads():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(15):
            limiter.acquire("read")
            with lock:
                stamps.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == 60
    assert max_in_any_window(stamps, 60.0) <= 10
    assert limiter.counts["read"] == 60


def test_reads_and_writes_are_counted_separately():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    for kind in ("read", "read", "write", "write"):
        limiter.acquire(kind)
    assert clock.now == 0.0  # two of each fit in the first window
    limiter.acquire("read")
    assert clock.now >= 60.0


def test_time_scale_shrinks_the_window():
    clock = FakeClock()
    limiter = RateLimiter(1, time_scale=60.0, clock=clock, sleep=clock.sleep)
    limiter.acquire("read")
    limiter.acquire("read")
    assert 0.99 <= clock.now <= 1.01


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=60, unique=True), st.integers(1, 9))
def test_every_plan_falls_in_exactly_one_shard(ids, n):
    refs = [PlanRef(id=i, url="", slug=i) for i in ids]
    for ref in refs:
        assert sum(Shard(k, n).holds(ref) for k in range(n)) == 1


def test_snapshot_codec_round_trips_every_kind_of_cell():
    from datetime import date, datetime, timezone

    from map_workspace.layout import Cell, Grid, Snapshot
    from map_workspace.snapshot_codec import decode, encode

    cells = (Cell(), Cell("text", None, "note"), Cell(None, "=A1+1"), Cell(date(2026, 5, 4)),
             Cell(datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)), Cell(3), Cell(2.5), Cell(True), Cell(0))
    snap = Snapshot("src", {"plan_id": "p"}, {"Plan": Grid("Plan", (cells,))}, False, ("Extra",))
    assert decode(encode(snap)) == snap


def test_terminal_safe_drops_escape_sequences_and_bidi_overrides():
    from map_workspace.report import terminal_safe

    assert terminal_safe("\x1b]8;;http://evil\x1b\\IT\x1b[2J team\u202e") == "]8;;http://evil\\IT[2J team"
    assert terminal_safe("Dana Tanaka · 12 of 18 done") == "Dana Tanaka · 12 of 18 done"


def test_a_slot_counts_its_request_from_when_the_answer_came_back():
    """Google charges a request on arrival, so a slow request must keep its place until it ends."""
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    with limiter.slot("read"):
        clock.now = 10.0  # a slow request: answered 10 s after it was sent
    with limiter.slot("read"):
        pass  # sent and answered at t=10
    clock.now = 60.0
    with limiter.slot("read"):
        pass  # both earlier places ended at t=10, still in the window at t=60: it waits until t=70
    assert clock.now >= 70.0
    assert limiter.counts["read"] == 3


def test_a_request_still_in_flight_a_window_later_keeps_its_place():
    """Google may count a request at any moment until its answer comes back, so a request in flight
    holds its place however long it takes. (On a loaded machine a read outlived the emulator's
    scaled window; its place went to a fourth read and Google saw four in a minute, the limit three.)"""
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    admitted = threading.Event()
    other = threading.Thread(target=lambda: (limiter.acquire("read"), admitted.set()))
    with limiter.slot("read"):  # sent at t=0
        clock.now = 61.0  # a window later, still no answer
        other.start()
        assert not admitted.wait(0.3), "a second request was sent while the first was in flight"
    other.join(5)
    assert admitted.is_set() and clock.now >= 121.0  # counted from the first one's answer at t=61
    assert limiter.counts["read"] == 2
