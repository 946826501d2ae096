import json
import subprocess
import sys

import pytest

from inference_console.settings.config_file import ConfigFileError, load_config, mask_secrets


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_missing_file_gives_defaults(tmp_path):
    cfg = load_config(tmp_path / "nope.toml")
    assert not cfg.exists and cfg.defaults.readonly is False


def test_per_context_settings_inherit_defaults(tmp_path):
    cfg = load_config(write(tmp_path, """
[defaults]
refresh_interval = 5
prometheus = { url = "http://prom:9090" }

[contexts."prod"]
readonly = true
namespace = "llm-prod"
loki = { url = "https://loki.example", tenant = "a", token = "s3cret" }
"""))
    prod = cfg.for_context("prod")
    assert prod.readonly and prod.namespace == "llm-prod" and prod.refresh_interval == 5
    assert prod.endpoints["prometheus"]["url"] == "http://prom:9090"
    assert prod.endpoints["loki"]["tenant"] == "a"
    assert cfg.for_context("other").readonly is False


def test_malformed_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, "[defaults]\nreadonly = true\nrefresh_interval = = 3\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(path) in str(info.value) and info.value.line == 3
    assert f"{path}:3" in str(info.value)


@pytest.mark.parametrize("text,needle", [
    ("[defaults]\nreadonly = 'yes'\n", "readonly must be true or false"),
    ("[contexts.x]\nprometheus = { url = 'ftp://x' }\n", "must be an http\\(s\\) URL"),
    ("[contexts.x]\nbogus = 1\n", "unknown setting"),
    ("[weird]\n", "unknown top-level"),
])
def test_semantic_errors(tmp_path, text, needle):
    with pytest.raises(ConfigFileError, match=needle):
        load_config(write(tmp_path, text))


def test_mask_secrets():
    masked = mask_secrets({"loki": {"url": "u", "token": "t", "password": "p", "api_key": "k"}})
    assert masked == {"loki": {"url": "u", "token": "********", "password": "********", "api_key": "********"}}


def run_cli(args, env):
    return subprocess.run([sys.executable, "-m", "inference_console", *args], capture_output=True, text=True, env=env, timeout=60)


def test_cli_config_prints_masked_settings(tmp_path):
    cfgdir = tmp_path / "inference-console"
    cfgdir.mkdir()
    (cfgdir / "config.toml").write_text('[contexts.prod]\nloki = { url = "https://l", token = "TOPSECRET" }\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = run_cli(["config"], env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["contexts"]["prod"]["loki"]["token"] == "********"
    assert "TOPSECRET" not in out.stdout


def test_cli_malformed_config_exits_2(tmp_path):
    cfgdir = tmp_path / "inference-console"
    cfgdir.mkdir()
    (cfgdir / "config.toml").write_text("[defaults\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["config"], ["--kubeconfig", str(tmp_path / "kc")]):
        out = run_cli(args, env)
        assert out.returncode == 2
        assert "config.toml:1" in out.stderr and "Traceback" not in out.stderr


def test_cli_version_and_help():
    env = {"PATH": "/usr/bin:/bin"}
    out = run_cli(["--version"], env)
    assert out.returncode == 0 and out.stdout.startswith("inference-console ")
    out = run_cli(["--help"], env)
    assert out.returncode == 0 and "demo" in out.stdout and "--readonly" in out.stdout
