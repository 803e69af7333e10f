import numpy as np
import pytest

from recommendations.collaborative.lists import Lists, ListsByCustomer, concatenated_ranges


def _by_customer():
    return ListsByCustomer(np.array([3, 7, 12], dtype=np.int64), Lists.of([[30, 10], [], [70]]))


def test_lists_by_customer_read_as_a_dict_of_python_lists():
    lists = _by_customer()

    assert dict(lists) == {3: [30, 10], 7: [], 12: [70]}
    assert lists[np.int64(12)] == [70] and 7 in lists and len(lists) == 3


@pytest.mark.parametrize("key", [4, 13, -1, "x", "3", None, (3,), 3.5, object()], ids=repr)
def test_a_key_that_is_no_customer_of_the_lists_is_missing_as_from_a_dict(key):
    lists = _by_customer()

    assert key not in lists
    assert lists.get(key) is None
    with pytest.raises(KeyError):
        lists[key]


@pytest.mark.parametrize(
    ("starts", "lengths"),
    [([], []), ([5], [0]), ([4, 0, 9, 2], [2, 3, 0, 1]), ([7, 7], [1, 2])],
    ids=["none", "one-empty", "several", "overlapping"],
)
def test_concatenated_ranges_are_the_ranges_one_after_another(starts, lengths):
    ranges = concatenated_ranges(np.array(starts, dtype=np.int64), np.array(lengths, dtype=np.int64))

    expected = [
        index for start, length in zip(starts, lengths, strict=True) for index in range(start, start + length)
    ]
    assert ranges.tolist() == expected and ranges.dtype == np.int64
