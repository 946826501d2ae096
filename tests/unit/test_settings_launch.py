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
