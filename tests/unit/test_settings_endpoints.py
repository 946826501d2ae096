"""The typed endpoint tables: validation where the file is read, secret resolution, masking."""

import copy
import dataclasses

import pytest

from inference_console.settings.config_file import ENDPOINT_TABLES, ConfigFileError, ContextSettings, load_config
from inference_console.settings.endpoints import (
    ENDPOINT_SETTINGS,
    ImageRegistrySettings,
    LokiSettings,
    ModelRegistrySettings,
    PrometheusSettings,
    S3Settings,
    SecretUnavailable,
    YataiSettings,
    mask_url,
)

HTTP_TABLES = ("prometheus", "loki", "model_registry", "image_registry")
SECRET = "hunter2-SECRET"


def load(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path)


def error_of(tmp_path, text) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_every_table_has_a_class():
    assert tuple(ENDPOINT_SETTINGS) == ENDPOINT_TABLES
    assert set(ENDPOINT_TABLES) == {"prometheus", "loki", "model_registry", "yatai", "s3", "image_registry"}
    assert set(ENDPOINT_SETTINGS) == {f.name for f in dataclasses.fields(ContextSettings)} - {
        "readonly",
        "namespace",
        "refresh_interval",
    }


# ----------------------------------------------------------------------------- parsing, per table
def test_http_tables_parse_every_field(tmp_path):
    (tmp_path / "ca.pem").write_text("x")
    for name in HTTP_TABLES:
        cfg = load(
            tmp_path,
            f"""
[defaults.{name}]
url = "https://{name}.example/base"
token_env = "TOKEN_VAR"
ca_file = "ca.pem"
insecure = false
headers = {{ "X-Scope-OrgID" = "team-a" }}
timeout = 30
""",
        )
        settings = getattr(cfg.defaults, name)
        assert type(settings) is ENDPOINT_SETTINGS[name]
        assert settings.url == f"https://{name}.example/base" and settings.token_env == "TOKEN_VAR"
        assert settings.ca_file == str(tmp_path / "ca.pem")  # relative to the config file
        assert settings.headers == {"X-Scope-OrgID": "team-a"} and settings.timeout == 30.0
        assert isinstance(settings.timeout, float) and settings.insecure is False


def test_table_defaults():
    assert PrometheusSettings().interval == 15.0 and PrometheusSettings().timeout == 10.0
    assert LokiSettings().buffer_lines == 100_000 and LokiSettings().tenant is None
    assert YataiSettings().database == "yatai" and YataiSettings().port == 5432
    assert S3Settings().path_style is False
    assert ModelRegistrySettings().url is None and ImageRegistrySettings().headers == {}


def test_specific_fields(tmp_path):
    cfg = load(
        tmp_path,
        """
[defaults]
prometheus = { interval = 5.5 }
loki = { tenant = "team-a", buffer_lines = 2000 }
yatai = { host = "db", port = 6432, database = "y", user = "yatai", password_env = "PGPASS", sslmode = "verify-full", statement_timeout = 3, pool_size = 4 }
s3 = { endpoint_url = "http://minio:9000", region = "eu-west-1", bucket = "bentos", path_style = true, access_key_id = "AK", secret_access_key_env = "S3_SECRET" }
""",
    )
    d = cfg.defaults
    assert d.prometheus.interval == 5.5 and d.loki.tenant == "team-a" and d.loki.buffer_lines == 2000
    assert (d.yatai.host, d.yatai.port, d.yatai.database, d.yatai.user, d.yatai.sslmode) == (
        "db",
        6432,
        "y",
        "yatai",
        "verify-full",
    )
    assert d.yatai.statement_timeout == 3.0 and d.yatai.pool_size == 4 and d.yatai.password_env == "PGPASS"
    assert (d.s3.endpoint_url, d.s3.region, d.s3.bucket, d.s3.path_style) == (
        "http://minio:9000",
        "eu-west-1",
        "bentos",
        True,
    )
    assert d.s3.secret_access_key_env == "S3_SECRET"


def test_settings_are_frozen(tmp_path):
    cfg = load(tmp_path, '[defaults]\nloki = { url = "https://l", headers = { A = "b" } }\n')
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.defaults.loki.url = "https://other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.defaults.loki.headers["A"] = "c"  # type: ignore[index]
    assert hash(cfg.defaults.loki) == hash(copy.deepcopy(cfg.defaults.loki))
    assert dataclasses.replace(cfg.defaults.loki, tenant="x").tenant == "x"


# ----------------------------------------------------------------------------- validation errors
BAD_HTTP = [
    ('url = "ftp://x"', "url must be an http(s) URL"),
    ("url = 3", "url must be a string, not a whole number"),
    ('token = ""', "token must not be empty"),
    ("token = 12", "token must be a string"),
    ('token_env = "not a name"', "token_env must be the name of an environment variable"),
    ("token_file = true", "token_file must be a string"),
    ('username = "u"', "password (or password_env or password_file) is required with username"),
    ('password = "p"', "username is required with password"),
    ('password_env = "1X"', "password_env must be the name of an environment variable"),
    ('token = "t"\nusername = "u"\npassword = "p"', "token and basic auth (username, password) are both set"),
    ('insecure = "yes"', "insecure must be true or false, not a string"),
    ('headers = "Authorization: x"', "headers must be a table of strings"),
    ('headers = { "Bad Header" = "x" }', "not a valid header name"),
    ("headers = { A = 1 }", "headers.A must be a string, not a whole number"),
    ("timeout = 0", "timeout must be a number of seconds above 0"),
    ("timeout = -1", "timeout must be a number of seconds above 0"),
    ('timeout = "10s"', "timeout must be a number of seconds above 0 and at most 86400, not a string"),
    ("tokne = 1", "tokne is not a setting of {table} (did you mean token?)"),
]


@pytest.mark.parametrize("table", HTTP_TABLES)
@pytest.mark.parametrize("body,needle", BAD_HTTP)
def test_http_table_errors_name_file_table_and_key(tmp_path, table, body, needle):
    message = error_of(tmp_path, f"[contexts.prod.{table}]\n{body}\n")
    assert f"contexts.prod.{table}." in message
    assert needle.format(table=table) in message


@pytest.mark.parametrize(
    "table,body,needle",
    [
        ("prometheus", "interval = 0", "prometheus.interval must be a number of seconds"),
        ("prometheus", "tenant = 'a'", "prometheus.tenant is not a setting of prometheus"),
        ("loki", "tenant = 5", "loki.tenant must be a string"),
        ("loki", "buffer_lines = 1.5", "loki.buffer_lines must be a whole number from 1 to 10000000, not a number"),
        ("loki", "buffer_lines = 0", "loki.buffer_lines must be a whole number from 1 to 10000000, not 0"),
        ("loki", "interval = 3", "loki.interval is not a setting of loki"),
        ("model_registry", "buffer_lines = 3", "model_registry.buffer_lines is not a setting"),
        ("yatai", "dsn = 'mysql://x'", "yatai.dsn must be a PostgreSQL URL"),
        ("yatai", "dsn = 'postgresql://db/yatai'\nhost = 'db'", "yatai.dsn and host are both set"),
        ("yatai", "port = 70000", "yatai.port must be a whole number from 1 to 65535, not 70000"),
        ("yatai", "port = '5432'", "yatai.port must be a whole number from 1 to 65535, not a string"),
        ("yatai", "database = ''", "yatai.database must not be empty"),
        (
            "yatai",
            "sslmode = 'on'",
            "yatai.sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full",
        ),
        ("yatai", "statement_timeout = 'x'", "yatai.statement_timeout must be a number of seconds"),
        ("yatai", "pool_size = 0", "yatai.pool_size must be a whole number from 1 to 32"),
        ("yatai", "passwd = 'x'", "yatai.passwd is not a setting of yatai (did you mean password?)"),
        ("yatai", "token = 'x'", "yatai.token is not a setting of yatai"),
        ("s3", "endpoint_url = 'minio:9000'", "s3.endpoint_url must be an http(s) URL"),
        ("s3", "path_style = 1", "s3.path_style must be true or false, not a whole number"),
        ("s3", "region = ['a']", "s3.region must be a string, not an array"),
        (
            "s3",
            "access_key_id = 'AK'",
            "s3.secret_access_key (or secret_access_key_env) is required with access_key_id",
        ),
        ("s3", "secret_access_key_env = 'S'", "s3.access_key_id is required with secret_access_key"),
        ("s3", "url = 'http://x'", "s3.url is not a setting of s3"),
    ],
)
def test_table_errors(tmp_path, table, body, needle):
    message = error_of(tmp_path, f"[contexts.prod.{table}]\n{body}\n")
    assert f"contexts.prod.{needle}" in message


def test_table_that_is_not_a_table(tmp_path):
    assert "defaults.loki must be a table" in error_of(tmp_path, '[defaults]\nloki = "https://l"\n')


def test_error_in_defaults_names_defaults(tmp_path):
    assert "defaults.s3.bucket must be a string" in error_of(tmp_path, "[defaults]\ns3 = { bucket = 1 }\n")


def test_context_name_is_quoted_like_toml(tmp_path):
    message = error_of(tmp_path, '[contexts."gke_p_europe-west4_c1"]\nloki = { timeout = 0 }\n')
    assert "contexts.gke_p_europe-west4_c1.loki.timeout" in message
    message = error_of(tmp_path, '[contexts."arn:aws:eks:c/x"]\nloki = { timeout = 0 }\n')
    assert 'contexts."arn:aws:eks:c/x".loki.timeout' in message


@pytest.mark.parametrize(
    "text",
    [
        f'[defaults]\nloki = {{ url = "ftp://user:{SECRET}@loki" }}\n',
        f'[defaults]\nloki = {{ token = "{SECRET}\\n" }}\n',
        f'[defaults]\nloki = {{ headers = {{ Authorization = "Bearer {SECRET}\\r\\nX: y" }} }}\n',
        f'[defaults]\nyatai = {{ dsn = "host=db password={SECRET}" }}\n',
        f'[defaults]\nyatai = {{ dsn = "postgresql://u:{SECRET}@db", host = "db" }}\n',
        f'[defaults]\nloki = {{ password = "{SECRET}" }}\n',
        f'[defaults]\nloki = {{ token = "{SECRET}", username = "u", password = "{SECRET}" }}\n',
        f'[defaults]\ns3 = {{ secret_access_key = "{SECRET}" }}\n',
        f'[defaults]\ns3 = {{ access_key_id = "{SECRET}" }}\n',
    ],
)
def test_errors_never_show_a_secret(tmp_path, text):
    assert SECRET not in error_of(tmp_path, text)


# ----------------------------------------------------------------------------- merging
def test_context_merges_over_defaults_key_by_key(tmp_path):
    cfg = load(
        tmp_path,
        """
[defaults]
loki = { url = "https://loki.example", tenant = "shared", timeout = 20 }

[contexts.prod]
loki = { tenant = "prod" }
""",
    )
    prod = cfg.for_context("prod").loki
    assert (prod.url, prod.tenant, prod.timeout) == ("https://loki.example", "prod", 20.0)
    assert cfg.for_context("dev").loki.tenant == "shared"


def test_alternatives_replace_each_other(tmp_path):
    cfg = load(
        tmp_path,
        """
[defaults]
prometheus = { url = "https://p", token = "literal" }
image_registry = { url = "https://r", token_file = "/t" }
yatai = { dsn = "postgresql://db/yatai", password = "p" }
s3 = { profile = "default" }

[contexts.a]
prometheus = { token_env = "PROM_TOKEN" }
image_registry = { username = "robot", password_env = "REG_PASS" }
yatai = { host = "db2", password_file = "/run/pg" }
s3 = { access_key_id = "AK", secret_access_key_env = "S" }
""",
    )
    a = cfg.for_context("a")
    assert (a.prometheus.token, a.prometheus.token_env) == (None, "PROM_TOKEN")
    assert a.image_registry.token_file is None and a.image_registry.username == "robot"
    assert (a.yatai.dsn, a.yatai.host, a.yatai.password, a.yatai.password_file) == (None, "db2", None, "/run/pg")
    assert a.s3.profile is None and a.s3.access_key_id == "AK"
    # The defaults themselves are unchanged.
    assert cfg.defaults.prometheus.token == "literal" and cfg.defaults.yatai.dsn == "postgresql://db/yatai"


def test_combination_error_is_named_at_the_context(tmp_path):
    message = error_of(
        tmp_path,
        """
[defaults]
s3 = { access_key_id = "AK", secret_access_key = "x" }

[contexts.a]
s3 = { profile = "p", access_key_id = "AK2" }
""",
    )
    assert "contexts.a.s3.secret_access_key (or secret_access_key_env) is required with access_key_id" in message


# ----------------------------------------------------------------------------- secrets
def http_cases():
    for cls in (PrometheusSettings, LokiSettings, ModelRegistrySettings, ImageRegistrySettings):
        yield pytest.param(cls, "token", "resolve_token", {}, id=f"{cls.TABLE}-token")
        yield pytest.param(cls, "password", "resolve_password", {"username": "u"}, id=f"{cls.TABLE}-password")
    yield pytest.param(YataiSettings, "password", "resolve_password", {}, id="yatai-password")


@pytest.mark.parametrize("cls,key,method,extra", list(http_cases()))
def test_secret_resolution(tmp_path, cls, key, method, extra):
    def resolve(table, environ=None):
        return getattr(cls.from_table({**extra, **table}, relative_to=tmp_path), method)(environ or {})

    secret_file = tmp_path / "secret"
    secret_file.write_text(f"  {SECRET}\n")
    assert resolve({key: SECRET}) == SECRET
    assert resolve({f"{key}_env": "MY_SECRET"}, {"MY_SECRET": SECRET}) == SECRET
    assert resolve({f"{key}_file": "secret"}) == SECRET  # relative to the config folder, stripped
    # The literal wins over the variable, the variable over the file.
    both = {key: "literal", f"{key}_env": "MY_SECRET", f"{key}_file": str(secret_file)}
    assert resolve(both, {"MY_SECRET": "env"}) == "literal"
    both.pop(key)
    assert resolve(both, {"MY_SECRET": "env"}) == "env"
    if not extra:
        assert getattr(cls(), method)({}) is None  # nothing configured

    with pytest.raises(SecretUnavailable) as info:
        resolve({f"{key}_env": "MISSING_VAR"}, {"OTHER": SECRET})
    assert "MISSING_VAR" in str(info.value) and "not set" in str(info.value)
    assert cls.TABLE in str(info.value) and SECRET not in str(info.value)

    with pytest.raises(SecretUnavailable) as info:
        resolve({f"{key}_env": "EMPTY_VAR"}, {"EMPTY_VAR": "  "})
    assert "EMPTY_VAR" in str(info.value) and "empty" in str(info.value)

    with pytest.raises(SecretUnavailable) as info:
        resolve({f"{key}_file": "nope/secret"})
    assert str(tmp_path / "nope" / "secret") in str(info.value) and "cannot read" in str(info.value)

    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SecretUnavailable, match="is empty"):
        resolve({f"{key}_file": "empty"})

    (tmp_path / "binary").write_bytes(b"\xff\xfe" + SECRET.encode())
    with pytest.raises(SecretUnavailable) as info:
        resolve({f"{key}_file": "binary"})
    assert "not UTF-8" in str(info.value) and SECRET not in str(info.value)

    (tmp_path / "huge").write_text(SECRET * 10_000)
    with pytest.raises(SecretUnavailable) as info:
        resolve({f"{key}_file": "huge"})
    assert "larger than" in str(info.value) and SECRET not in str(info.value)


def test_secret_from_the_process_environment(monkeypatch):
    monkeypatch.setenv("IC_TEST_TOKEN", SECRET)
    assert LokiSettings.from_table({"token_env": "IC_TEST_TOKEN"}).resolve_token() == SECRET


def test_secret_file_with_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "tok").write_text(SECRET)
    settings = PrometheusSettings.from_table({"token_file": "~/tok"}, relative_to=tmp_path / "elsewhere")
    assert settings.token_file == str(tmp_path / "tok") and settings.resolve_token() == SECRET


def test_s3_secret_access_key(tmp_path):
    base = {"access_key_id": "AK"}
    assert S3Settings.from_table({**base, "secret_access_key": SECRET}).resolve_secret_access_key({}) == SECRET
    env = S3Settings.from_table({**base, "secret_access_key_env": "S3_SECRET"})
    assert env.resolve_secret_access_key({"S3_SECRET": SECRET}) == SECRET
    with pytest.raises(SecretUnavailable) as info:
        env.resolve_secret_access_key({})
    assert "S3_SECRET" in str(info.value) and "s3" in str(info.value)
    assert S3Settings.from_table({"profile": "minio"}).resolve_secret_access_key({}) is None


# ----------------------------------------------------------------------------- masking
def test_repr_and_masked_never_show_secrets(tmp_path):
    cfg = load(
        tmp_path,
        f"""
[defaults]
prometheus = {{ url = "https://u:{SECRET}@p/?access_token={SECRET}", token = "{SECRET}", headers = {{ Authorization = "Bearer {SECRET}", "X-Scope-OrgID" = "tenant" }} }}
loki = {{ username = "u", password = "{SECRET}", tenant = "t" }}
yatai = {{ dsn = "postgresql://y:{SECRET}@db:5432/yatai?sslpassword={SECRET}&sslmode=require", password = "{SECRET}" }}
s3 = {{ access_key_id = "{SECRET}", secret_access_key = "{SECRET}" }}
""",
    )
    settings = cfg.defaults
    for text in (repr(settings), str(settings), str(settings.masked()), repr(settings.prometheus.headers)):
        assert SECRET not in text
    masked = settings.masked()
    assert masked["prometheus"]["headers"] == {"Authorization": "***", "X-Scope-OrgID": "tenant"}
    assert masked["yatai"]["dsn"] == "postgresql://y:***@db:5432/yatai?sslpassword=***&sslmode=require"
    assert masked["loki"]["tenant"] == "t" and masked["loki"]["username"] == "u"
    # The real values are still there for the sources.
    assert settings.prometheus.token == SECRET and settings.prometheus.headers["Authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(
    "url,masked",
    [
        ("https://host/path", "https://host/path"),
        ("https://user@host", "https://user@host"),
        ("https://user:pw@host:8443/p?q=1#f", "https://user:***@host:8443/p?q=1#f"),
        ("https://host/p?api_key=k&x=1&token=t#frag", "https://host/p?api_key=***&x=1&token=***#frag"),
        ("https://a:b@c@host/", "https://a:***@host/"),
        ("postgresql://y:pw@db/yatai?password=pw", "postgresql://y:***@db/yatai?password=***"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked
