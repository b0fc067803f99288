"""The long-running bot hands large freed blocks back to the system (glibc's allocator)."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

# After a 1 MB block is freed, where does a 300 KB block come from: the heap (which then
# only grows) or memory of its own that goes back to the system when it is freed?
PROBE = textwrap.dedent(
    """
    import ctypes, gc, sys
    from bot import memory
    if sys.argv[1] == "settled":
        assert memory.before_loading()
    def in_heap(buffer):
        address = ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))
        for line in open("/proc/self/maps"):
            if line.rstrip().endswith("[heap]"):
                low, high = (int(part, 16) for part in line.split()[0].split("-"))
                return low <= address < high
        return False
    large = bytearray(1_000_000)
    del large
    block = bytearray(300_000)
    memory.after_loading()
    print(in_heap(block), gc.get_freeze_count() > 0)
    """
)

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the allocator settings are glibc's",
)


def _probe(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@glibc_only
def test_large_blocks_stay_out_of_the_heap_once_settled() -> None:
    assert _probe("default") == "True True"  # glibc's own way: the heap takes it
    assert _probe("settled") == "False True"
