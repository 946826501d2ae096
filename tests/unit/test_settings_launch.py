import subprocess
import sys

from inference_console.settings.launch import LaunchOptions


def test_launch_options_defaults_and_frozen():
    options = LaunchOptions()
    assert options.kubeconfig is None and options.demo_controller is True and options.scale == 0
    try:
        options.readonly = True  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("LaunchOptions must be frozen")


def test_app_does_not_import_the_command_line():
    # The app takes its options from the settings package; importing it must not pull in cli.py
    # (which imports the app when it runs it: the loop the review found).
    code = "import sys, inference_console.ui.app; print('inference_console.cli' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_cli_reuses_the_settings_class():
    from inference_console import cli

    assert cli.LaunchOptions is LaunchOptions


def test_the_log_goes_to_a_private_file_not_the_terminal(tmp_path, monkeypatch, capsys):
    import logging

    from inference_console.settings.log_file import log_to_file

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        path = log_to_file()
        logging.getLogger("inference_console.test").exception("boom with a traceback")
        for handler in root.handlers:
            handler.flush()
        assert path == tmp_path / "inference-console" / "console.log"
        assert "boom with a traceback" in path.read_text()
        assert (path.stat().st_mode & 0o077) == 0
        assert "boom" not in capsys.readouterr().err
    finally:
        for handler in list(root.handlers):
            if handler not in before[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(before[1])
