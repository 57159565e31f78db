"""Random streams: reproducible by name and key, independent of each other, and of how much others draw."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from sim.core.context import Standalone
from sim.core.streams import Streams
from tests.tiny_world import standalone


def draws(streams: Streams, name: str, *key: int, n: int = 50) -> np.ndarray:
    return streams(name, *key).random(n)


def test_same_seed_name_and_key_give_the_same_sequence() -> None:
    a, b = Streams(7), Streams(7)
    assert np.array_equal(draws(a, "border.post", 3), draws(b, "border.post", 3))
    assert a("border.post", 3) is a("border.post", 3)  # one generator per name and key, continuing
    assert not np.array_equal(draws(a, "border.post", 3), draws(Streams(7), "border.post", 3))


def test_names_keys_and_seeds_each_change_the_sequence() -> None:
    base = draws(Streams(7), "community", 1)
    for other in (draws(Streams(7), "communities", 1), draws(Streams(7), "community", 2),
                  draws(Streams(7), "community"), draws(Streams(7), "community", 1, 0),
                  draws(Streams(8), "community", 1)):
        assert not np.array_equal(base, other)
    # Keys are not concatenated digits: (1, 2) and (12,) are different streams.
    assert not np.array_equal(draws(Streams(0), "x", 1, 2), draws(Streams(0), "x", 12))


def test_different_streams_are_uncorrelated() -> None:
    s = Streams(3)
    x, y = s("shipments").random(20_000), s("justice").random(20_000)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.03
    # Neighbouring keys of one purpose too.
    u, v = s("border.post", 0).random(20_000), s("border.post", 1).random(20_000)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03


def test_a_streams_draws_do_not_depend_on_how_much_another_drew() -> None:
    quiet, busy = Streams(11), Streams(11)
    busy("victims").random(10_000)
    busy("border.trail", 2).normal(size=333)
    first = [quiet("justice").random(5), quiet("justice").random(5)]
    busy("victims").random(17)  # interleaved draws elsewhere change nothing either
    second = [busy("justice").random(5), busy("justice").random(5)]
    assert np.array_equal(np.concatenate(first), np.concatenate(second))


def test_standalone_streams_are_the_seeded_streams() -> None:
    assert np.array_equal(Standalone(seed=5).stream("finance").random(10), Streams(5)("finance").random(10))
    assert np.array_equal(standalone(5).stream("market", 2).random(10), Streams(5)("market", 2).random(10))


def test_streams_do_not_depend_on_the_process_hash_seed() -> None:
    """Names are hashed stably (crc32), not with Python's salted hash(): another process agrees."""
    code = "from sim.core.streams import Streams; print(repr(Streams(42)('corruption', 3).random()))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert float(out.stdout.strip()) == Streams(42)("corruption", 3).random()
