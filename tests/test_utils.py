"""Process-level utilities."""

import sys

import pytest

from sk_stfm.utils import _allocator, configure_cpu_allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_configure_cpu_allocator_sets_both_glibc_thresholds(monkeypatch):
    calls = []
    monkeypatch.setattr(_allocator, "_mallopt", lambda: lambda *args: calls.append(args) or 1)
    assert configure_cpu_allocator(2**28) is True
    assert calls == [(_allocator._M_MMAP_THRESHOLD, 2**28), (_allocator._M_TRIM_THRESHOLD, 2**28)]
    # And the real call succeeds on this C library.
    assert configure_cpu_allocator() in (True, False)


def test_configure_cpu_allocator_without_mallopt_changes_nothing(monkeypatch):
    monkeypatch.setattr(_allocator, "_mallopt", lambda: None)
    assert configure_cpu_allocator() is False


@pytest.mark.parametrize(
    "value, error", [(0, ValueError), (2**31, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_configure_cpu_allocator_rejects_bad_thresholds(value, error):
    with pytest.raises(error, match="mmap_threshold"):
        configure_cpu_allocator(value)
