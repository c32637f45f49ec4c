import pytest

from linkcheck.sizes import byte_size


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (1024 * 1024 - 1, "1 MiB"),
        (2 * 1024 * 1024, "2 MiB"),
        (3 * 1024**3, "3 GiB"),
        (5 * 1024**5, "5120 TiB"),
    ],
)
def test_sizes_read_in_binary_units_without_a_trailing_zero(count: int, text: str) -> None:
    assert byte_size(count) == text
