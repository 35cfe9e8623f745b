"""Claim holders: a token names a live process; a killed (even a zombie) or replaced process is dead."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

from storage.owners import _start_ticks, new_owner, owner_alive


def _token(pid: int) -> str:
    return f"{socket.gethostname()}/{pid}/{_start_ticks(pid)}/test"


def test_this_process_is_alive_and_a_killed_one_is_dead_zombie_or_reaped() -> None:
    assert owner_alive(new_owner()) is True
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        token = _token(child.pid)
        assert owner_alive(token) is True
        child.send_signal(signal.SIGKILL)
        for _ in range(200):  # not reaped yet: a zombie still has /proc/<pid>, and is dead all the same
            if owner_alive(token) is False:
                break
            time.sleep(0.01)
        assert owner_alive(token) is False
    finally:
        child.kill()
        child.wait()
    assert owner_alive(token) is False


def test_a_reused_pid_does_not_look_alive_and_other_hosts_are_unknown() -> None:
    me = new_owner().split("/")
    assert owner_alive("/".join([me[0], me[1], "1", "x"])) is False  # same pid, another start time
    assert owner_alive(f"another-host/{me[1]}/{me[2]}/x") is None
    assert owner_alive("") is None
