import json
import subprocess
import sys

import pytest

from inference_console.settings.config_file import ConfigFileError, load_config
from inference_console.settings.endpoints import LokiSettings, PrometheusSettings


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_missing_file_gives_defaults(tmp_path):
    cfg = load_config(tmp_path / "nope.toml")
    assert not cfg.exists and cfg.defaults.readonly is False


def test_per_context_settings_inherit_defaults(tmp_path):
    cfg = load_config(
        write(
            tmp_path,
            """
[defaults]
refresh_interval = 5
prometheus = { url = "http://prom:9090" }

[contexts."prod"]
readonly = true
namespace = "llm-prod"
loki = { url = "https://loki.example", tenant = "a", token = "s3cret" }
""",
        )
    )
    prod = cfg.for_context("prod")
    assert prod.readonly and prod.namespace == "llm-prod" and prod.refresh_interval == 5
    assert isinstance(prod.prometheus, PrometheusSettings) and prod.prometheus.url == "http://prom:9090"
    assert isinstance(prod.loki, LokiSettings) and prod.loki.tenant == "a" and prod.loki.token == "s3cret"
    assert prod.model_registry is None and prod.yatai is None and prod.s3 is None and prod.image_registry is None
    other = cfg.for_context("other")
    assert other.readonly is False and other.loki is None and other.prometheus.url == "http://prom:9090"
    assert set(prod.endpoints()) == {"prometheus", "loki"}


def test_malformed_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, "[defaults]\nreadonly = true\nrefresh_interval = = 3\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(path) in str(info.value) and info.value.line == 3
    assert f"{path}:3" in str(info.value)


@pytest.mark.parametrize(
    "text,needle",
    [
        ("[defaults]\nreadonly = 'yes'\n", "readonly must be true or false"),
        ("[contexts.x]\nprometheus = { url = 'ftp://x' }\n", "must be an http\\(s\\) URL"),
        ("[contexts.x]\nbogus = 1\n", "unknown setting"),
        ("[weird]\n", "unknown top-level"),
    ],
)
def test_semantic_errors(tmp_path, text, needle):
    with pytest.raises(ConfigFileError, match=needle):
        load_config(write(tmp_path, text))


def test_masked_settings(tmp_path):
    cfg = load_config(
        write(
            tmp_path,
            """
[defaults]
loki = { url = "https://l", username = "bob", password = "p4ss", headers = { "X-Scope-OrgID" = "a", Authorization2 = "z" } }
""",
        )
    )
    masked = cfg.defaults.masked()
    assert masked["loki"]["password"] == "***" and masked["loki"]["username"] == "bob"
    assert masked["loki"]["headers"] == {"X-Scope-OrgID": "a", "Authorization2": "***"}
    assert masked["readonly"] is False and "prometheus" not in masked


def run_cli(args, env):
    return subprocess.run(
        [sys.executable, "-m", "inference_console", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_cli_config_prints_masked_settings(tmp_path):
    cfgdir = tmp_path / "inference-console"
    cfgdir.mkdir()
    (cfgdir / "config.toml").write_text('[contexts.prod]\nloki = { url = "https://l", token = "TOPSECRET" }\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = run_cli(["config"], env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["contexts"]["prod"]["loki"]["token"] == "***"
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


SECRETS = (
    "LITERALTOKEN",
    "LITERALPASS",
    "DSNPASS",
    "URLPASS",
    "HEADERSECRET",
    "S3SECRET",
    "S3KEYID",
    "ENVSECRET",
    "FILESECRET",
    "YATAIPASS",
    "REGISTRYPASS",
)


def test_cli_config_masks_every_secret(tmp_path):
    cfgdir = tmp_path / "inference-console"
    cfgdir.mkdir()
    (cfgdir / "loki-token").write_text("FILESECRET\n")
    (cfgdir / "config.toml").write_text("""
[defaults]
prometheus = { url = "https://prom.example", token = "LITERALTOKEN", headers = { "X-Scope-OrgID" = "tenant-a" } }

[contexts.prod]
prometheus = { url = "https://u:URLPASS@prom.example/?token=URLPASS", headers = { Authorization = "Bearer HEADERSECRET", "X-Api-Key" = "HEADERSECRET" } }
loki = { url = "https://loki.example", tenant = "team-a", token_file = "loki-token" }
model_registry = { url = "https://mr.example", token_env = "MR_TOKEN" }
image_registry = { url = "https://reg.example", username = "robot", password = "REGISTRYPASS" }
yatai = { dsn = "postgresql://yatai:DSNPASS@db.example:5432/yatai?sslmode=require" }
s3 = { endpoint_url = "http://minio:9000", access_key_id = "S3KEYID", secret_access_key = "S3SECRET" }

[contexts.staging]
yatai = { host = "db", user = "yatai", password = "YATAIPASS" }
""")
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "MR_TOKEN": "ENVSECRET"}
    out = run_cli(["config"], env)
    assert out.returncode == 0, out.stderr
    for secret in SECRETS:
        assert secret not in out.stdout and secret not in out.stderr, secret
    data = json.loads(out.stdout)
    prod = data["contexts"]["prod"]
    # The tenant header and the names of variables and files stay readable.
    assert prod["prometheus"]["headers"] == {"Authorization": "***", "X-Api-Key": "***"}
    assert data["defaults"]["prometheus"]["headers"] == {"X-Scope-OrgID": "tenant-a"}
    assert data["defaults"]["prometheus"]["token"] == "***"
    assert prod["prometheus"]["url"] == "https://u:***@prom.example/?token=***"
    assert prod["loki"]["tenant"] == "team-a" and prod["loki"]["token_file"] == str(cfgdir / "loki-token")
    assert prod["model_registry"]["token_env"] == "MR_TOKEN"
    assert prod["image_registry"] == {**prod["image_registry"], "username": "robot", "password": "***"}
    assert prod["yatai"]["dsn"] == "postgresql://yatai:***@db.example:5432/yatai?sslmode=require"
    assert prod["s3"]["access_key_id"] == "***" and prod["s3"]["secret_access_key"] == "***"
    assert data["contexts"]["staging"]["yatai"]["password"] == "***"
    # The context's url replaced the default's, its headers too, and a context that names no
    # token still inherits the default's literal token (masked).
    assert prod["prometheus"]["token"] == "***"


@pytest.mark.parametrize(
    "table",
    [
        'loki = { url = "https://l", buffer_lines = "many" }',
        'yatai = { dsn = "host=db password=DSNPASS" }',
        "s3 = { bogus = 1 }",
    ],
)
def test_cli_bad_endpoint_table_exits_2(tmp_path, table):
    cfgdir = tmp_path / "inference-console"
    cfgdir.mkdir()
    (cfgdir / "config.toml").write_text(f"[contexts.prod]\n{table}\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["config"], ["--kubeconfig", str(tmp_path / "kc")]):
        out = run_cli(args, env)
        assert out.returncode == 2, out.stderr
        assert "config.toml" in out.stderr and "contexts.prod." in out.stderr and "Traceback" not in out.stderr
        assert "DSNPASS" not in out.stderr
