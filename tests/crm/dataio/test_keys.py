"""The compact table of keys an import has met."""

from crm.dataio.keys import SeenKeys


def test_the_first_line_of_each_key_is_remembered_through_growth():
    seen = SeenKeys(expected=10)
    for line in range(2, 20_002):  # grows the table many times
        assert seen.first(f"BO{line:08d}", line) is None
    for line in range(2, 20_002):
        assert seen.first(f"BO{line:08d}", line + 50_000) == line
    assert seen.first(("tuple", "key"), 7) is None
    assert seen.first(("tuple", "key"), 8) == 7
    assert seen.first("", 9) is None  # hashes to 0, the empty slot's mark
    assert seen.first("", 10) == 9


class SameHash:
    def __init__(self, text):
        self.text = text

    def __hash__(self):
        return 12345


def test_keys_of_one_hash_count_as_one_refusing_rather_than_losing():
    seen = SeenKeys()
    assert seen.first(SameHash("a"), 2) is None
    assert seen.first(SameHash("b"), 3) == 2
