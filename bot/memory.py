"""How the long-running bot keeps its memory small: the allocator's settings, the content.

Two calls around loading the content, made by `clinic-bot` (and by the load benchmark,
which starts the bot the same way):

- `before_loading`: on Linux with glibc, the allocator's thresholds fixed at their usual
  values. By default glibc raises them each time a large block (a getUpdates answer, a
  long JSON text) is freed, after which such blocks come from the heap instead of being
  handed back to the system, and the heap only grows: under a thousand clients booking
  at once this kept about 1 MB more.
- `after_loading`: the content lives as long as the process, so full garbage collections
  no longer walk it (each walk cost a client's message about 10 ms).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import platform

log = logging.getLogger(__name__)

# glibc's mallopt parameters (malloc.h) and the values it starts with.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD = 128 * 1024


def before_loading() -> bool:
    """Fix glibc's mmap and trim thresholds; True if they were set (False elsewhere)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = all(mallopt(param, THRESHOLD) == 1 for param in (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD))
    if not done:
        log.debug("event=allocator_settings_refused")
    return done


def after_loading() -> None:
    """Keep what is loaded so far out of the garbage collector's full collections."""
    gc.collect()
    gc.freeze()
