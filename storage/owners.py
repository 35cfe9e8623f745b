"""Who holds a claim: a token naming this process, and whether the holder of a claim is still alive.

A token is "host/pid/start/nonce": `start` is the process's start time in clock ticks since boot (from
/proc), so a pid reused by another process does not look alive. Only holders on this host can be checked;
for others (another container, another machine) liveness is unknown and the claim's age decides.
"""

from __future__ import annotations

import os
import secrets
import socket


def _start_ticks(pid: int) -> str | None:
    """The process's start time in ticks since boot, '-' where /proc is missing, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rpartition(")")[2].split()
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
        try:  # no /proc (macOS): a signal 0 only says whether the pid exists
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "-"
    except OSError:
        return None
    if not fields or fields[0] in ("Z", "X"):  # a zombie is dead: it only waits to be reaped
        return None
    return fields[19] if len(fields) > 19 else "-"


def new_owner() -> str:
    """A fresh claim-holder token for this process (each publishing run gets its own)."""
    return f"{socket.gethostname()}/{os.getpid()}/{_start_ticks(os.getpid()) or '-'}/{secrets.token_hex(4)}"


def owner_alive(owner: str) -> bool | None:
    """True/False for a holder on this host; None when it cannot be told (another host, or no holder)."""
    host, _, rest = owner.partition("/")
    pid, _, rest = rest.partition("/")
    start = rest.partition("/")[0]
    if not owner or host != socket.gethostname() or not pid.isdigit():
        return None
    ticks = _start_ticks(int(pid))
    return ticks is not None and (ticks == start or "-" in (ticks, start))
