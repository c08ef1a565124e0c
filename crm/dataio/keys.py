"""The natural keys an import has met so far, and the line of each.

A file of a million rows is checked for duplicates across all its chunks. A
dict of the keys takes about 120 bytes a key (180 as tuples): most of an
import's memory at that size. This table keeps each key's 64-bit hash and its
line in two arrays, 16 bytes a key, open addressing with linear probing. Two
different keys with the same 64-bit hash count as one (for a million keys a
chance of about 3 in 100 million): the file is then refused, naming both
lines, and nothing is written, never the other way round.
"""

from array import array

EMPTY = 0


class SeenKeys:
    def __init__(self, expected: int = 1 << 12):
        size = 1 << max(12, (2 * expected).bit_length())
        self.hashes = array("q", bytes(8 * size))
        self.lines = array("q", bytes(8 * size))
        self.mask = size - 1
        self.count = 0

    def first(self, key, line: int) -> int | None:
        """The line ``key`` was first met on; None the first time (then
        ``line`` is remembered)."""
        wanted = hash(key) or 1  # 0 marks an empty slot
        hashes, mask = self.hashes, self.mask
        slot = wanted & mask
        while True:
            found = hashes[slot]
            if found == EMPTY:
                break
            if found == wanted:
                return self.lines[slot]
            slot = (slot + 1) & mask
        hashes[slot] = wanted
        self.lines[slot] = line
        self.count += 1
        if 2 * self.count > mask:
            self._grow()
        return None

    def _grow(self) -> None:
        hashes, lines = self.hashes, self.lines
        size = 2 * (self.mask + 1)
        self.hashes = array("q", bytes(8 * size))
        self.lines = array("q", bytes(8 * size))
        self.mask, self.count = size - 1, 0
        for wanted, line in zip(hashes, lines, strict=True):
            if wanted != EMPTY:
                slot = wanted & self.mask
                while self.hashes[slot] != EMPTY:
                    slot = (slot + 1) & self.mask
                self.hashes[slot] = wanted
                self.lines[slot] = line
                self.count += 1
