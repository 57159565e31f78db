"""Random streams: one numpy Generator per mechanism and purpose, all from one `SeedSequence(seed)`.

With one shared stream, a lever that changes how many draws one mechanism makes shifts every later draw
of every other mechanism, so two runs with the same seed share little randomness. Giving each purpose its
own stream (and each post, trail, community and organisation its own) keeps unrelated draws identical
when a lever changes: paired comparisons (common random numbers) then measure the lever, not the noise.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Streams:
    """Named, independent random streams derived from one seed.

    `streams("border.inspection", 3)` is the stream of that purpose for entity 3; the same name and key
    always give the same sequence for the same seed, whatever else the model draws.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._made: dict[tuple[str, tuple[int, ...]], np.random.Generator] = {}

    def __call__(self, name: str, *key: int, keep: bool = True) -> np.random.Generator:
        """The stream for this name and key; `keep=False` for one occasion (see `once`)."""
        if not keep:
            return self.once(name, *key)
        ident = (name, tuple(int(k) for k in key))
        rng = self._made.get(ident)
        if rng is None:
            rng = self._made[ident] = self.once(name, *key)
        return rng

    def once(self, name: str, *key: int) -> np.random.Generator:
        """A stream for one occasion (a lead, a trial), not kept: keyed by who and when, it gives the same
        draws in two runs whenever the same occasion arises in both, whatever happened in between."""
        # A stable hash of the name (Python's hash() is salted per process). Keys may be negative (a day
        # of the warm-up); SeedSequence takes non-negative words, so those map above every real key.
        spawn = (zlib.crc32(name.encode()), *(_word(int(k)) for k in key))
        # What default_rng(seed_sequence) builds, without its argument checks (hundreds of occasions a run).
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=spawn)))


def _word(k: int) -> int:
    return k if k >= 0 else (1 << 62) - k


def pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    """One of `items`, uniformly: floor(u x n) of one uniform draw (a third of the cost of
    `rng.integers` for a scalar, with the same distribution)."""
    return items[int(rng.random() * len(items))]
