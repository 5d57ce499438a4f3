"""`make run` waits for Ctrl-C in its main thread; a process-directed signal may land on any of its threads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The signal goes to another thread once the main thread is inside the wait: the kernel picks any thread that does
# not block a process-directed signal (Ctrl-C, kill), and make run has dozens (gateway, SMTP, consumers).
CHILD = r"""
import signal, sys, threading
from loket_local.__main__ import _interrupt, wait_until_interrupted

signal.signal(signal.SIGINT, _interrupt)
main = threading.main_thread().ident

def waiting() -> bool:
    frame = sys._current_frames().get(main)
    return frame is not None and frame.f_code.co_name == "wait_until_interrupted"

def other_thread() -> None:
    while not waiting():
        threading.Event().wait(0.01)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

threading.Thread(target=other_thread, daemon=True).start()
try:
    wait_until_interrupted()
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_delivered_to_another_thread_still_stops_the_main_thread() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "interrupted"
