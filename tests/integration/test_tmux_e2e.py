"""The installed command in a real terminal (tmux), read the way a person reads it."""

import shutil
import subprocess
import sys
import time
import uuid

import pytest

TMUX = shutil.which("tmux")


def tmux(socket, *args):
    return subprocess.run([TMUX, "-L", socket, *args], capture_output=True, text=True, timeout=20)


def wait_screen(socket, needle, timeout=20.0):
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(socket, "capture-pane", "-p", "-t", "ic").stdout
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared; the screen was:\n{screen}")


@pytest.fixture
def tmux_socket(tmp_path):
    assert TMUX, "tmux is required for the end-to-end terminal test (.ci/run installs it)"
    socket = f"ic-test-{uuid.uuid4().hex[:8]}"
    yield socket
    tmux(socket, "kill-server")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_demo_in_a_real_terminal(tmux_socket, tmp_path, size):
    width, height = size
    done = tmp_path / "exit-code"
    command = (
        f"env XDG_CONFIG_HOME={tmp_path} TERM=xterm-256color {sys.executable} -m inference_console demo --no-controller; "
        f"echo $? > {done}; sleep 30"
    )
    result = tmux(tmux_socket, "new-session", "-d", "-s", "ic", "-x", str(width), "-y", str(height), command)
    assert result.returncode == 0, result.stderr
    wait_screen(tmux_socket, "● live")
    screen = wait_screen(tmux_socket, "gemma-9b")  # the rows draw a frame after the state
    assert "ctx:sandbox" in screen and "InferenceServices" in screen
    tmux(tmux_socket, "send-keys", "-t", "ic", ":")
    wait_screen(tmux_socket, "command")
    tmux(tmux_socket, "send-keys", "-t", "ic", "pods", "Enter")
    screen = wait_screen(tmux_socket, "Pods(llm-prod)")
    assert "CrashLoopBackOff" in screen or "Pending" in screen
    tmux(tmux_socket, "send-keys", "-t", "ic", "q")
    deadline = time.monotonic() + 15
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done.exists(), "the app did not quit on q"
    assert done.read_text().strip() == "0"
    screen = tmux(tmux_socket, "capture-pane", "-p", "-t", "ic").stdout
    assert "Traceback" not in screen


def test_no_color_and_16_colour_terminals(tmux_socket, tmp_path):
    command = (
        f"env XDG_CONFIG_HOME={tmp_path} NO_COLOR=1 TERM=xterm {sys.executable} -m inference_console demo --no-controller; "
        "sleep 30"
    )
    assert tmux(tmux_socket, "new-session", "-d", "-s", "ic", "-x", "80", "-y", "24", command).returncode == 0
    wait_screen(tmux_socket, "● live")
    wait_screen(tmux_socket, "gemma-9b")
    raw = tmux(tmux_socket, "capture-pane", "-p", "-e", "-t", "ic").stdout
    # No 256-colour or true-colour foregrounds/backgrounds reach the terminal.
    for code in ("38;5;", "48;5;", "38;2;", "48;2;"):
        assert code not in raw, f"colour sequence {code} under NO_COLOR"
    # The cursor row is still visible: reverse video marks it.
    assert "\x1b[7m" in raw or ";7m" in raw or "[7;" in raw
    tmux(tmux_socket, "send-keys", "-t", "ic", "j")  # keyboard only: move down
    tmux(tmux_socket, "send-keys", "-t", "ic", "q")
