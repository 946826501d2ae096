"""Rows for a Yatai database: the demo's registry (consistent with the demo cluster) and bulk rows.

The demo's BentoDeployments (``scenario._yatai``) run ``iris_classifier:nxapohu4codzplg6``,
``sentiment_analysis:k3x7r2vqagmhwlg5``, ``text_summarizer:b4zq5hwqw6tkq2w3`` and, while the
image build of ``fraud_detector:q2tmz5fkwkp4mlg7`` failed, ``fraud_detector:hz4ad2lqy2vcrlg6``;
``text_embedder:mx2hq4lcrkhtvlg6`` is still building.  Each bento includes the models its
runners load (``<runner>:<version[:8]>``), as the BentoRequests say.  Older versions exist
beside them, as in a registry used for months.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

DAY = 86400.0


@dataclass
class VersionRow:
    repo: str
    version: str
    age: float  # seconds
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    upload: str = "success"
    build: str = "success"
    size: int = 0
    models: list[str] = field(default_factory=list)  # "repo:version" (bentos only)
    creator: str = "alice"
    reason: str = ""


# (repo, running version, runner models, age of the running version in days, build status)
DEMO_BENTOS = [
    ("iris_classifier", "nxapohu4codzplg6", ["iris_clf"], 30, "success"),
    ("sentiment_analysis", "k3x7r2vqagmhwlg5", ["distilbert"], 8, "success"),
    ("text_summarizer", "b4zq5hwqw6tkq2w3", ["bart_large_cnn"], 4, "success"),
    ("fraud_detector", "hz4ad2lqy2vcrlg6", ["xgb_fraud"], 40, "success"),
    ("fraud_detector", "q2tmz5fkwkp4mlg7", ["xgb_fraud"], 16, "failed"),
    ("text_embedder", "mx2hq4lcrkhtvlg6", ["bge_small"], 0.004, "building"),
]
OLDER = {
    "iris_classifier": ["m4l2a7rrwkdzplg2", "d2xn6ytq2cdzplg1"],
    "sentiment_analysis": ["a8rj3sqvkwmhwlg1"],
    "text_summarizer": ["w9ke2xqjq6tkq2w1"],
}


def demo_rows() -> tuple[list[VersionRow], list[VersionRow]]:
    bentos: list[VersionRow] = []
    models: dict[str, VersionRow] = {}
    for repo, version, runners, age_days, build in DEMO_BENTOS:
        tags = [f"{r}:{version[:8]}" for r in runners]
        for tag in tags:
            mrepo, mver = tag.split(":")
            models.setdefault(
                tag,
                VersionRow(
                    mrepo,
                    mver,
                    age_days * DAY + 3600,
                    f"{mrepo} weights",
                    {"framework": "sklearn" if "iris" in mrepo else "transformers"},
                    size=(418 << 20) if "bart" in mrepo or "distil" in mrepo else (3 << 20),
                ),
            )
        bentos.append(
            VersionRow(
                repo,
                version,
                age_days * DAY + 900,
                f"{repo.replace('_', ' ')} service",
                {"team": "ml-platform", "stage": "prod" if build == "success" else "candidate"},
                build=build,
                size=(12 << 20) + len(repo) * 4096,
                models=tags,
                creator="bob" if "fraud" in repo else "alice",
            )
        )
        for i, old in enumerate(OLDER.get(repo, [])):
            bentos.append(
                VersionRow(
                    repo,
                    old,
                    (age_days + 20 * (i + 1)) * DAY,
                    f"{repo.replace('_', ' ')} service",
                    {"team": "ml-platform"},
                    size=(11 << 20),
                    models=tags,
                )
            )
    # One upload that failed (never deployable).
    bentos.append(
        VersionRow(
            "iris_classifier",
            "zz9upl0adfailed1",
            2 * DAY,
            "aborted upload",
            upload="failed",
            build="pending",
            reason="connection reset by peer during multipart upload",
        )
    )
    return bentos, list(models.values())


async def seed(
    conn: Any, bentos: list[VersionRow], models: list[VersionRow], *, org: str = "default", now: datetime | None = None
) -> None:
    """Insert users, an organization, repositories, versions, labels and bento-model links."""
    now = now or datetime.now(timezone.utc)
    users = {}
    for name in sorted({r.creator for r in bentos + models} | {"admin"}):
        users[name] = await conn.fetchval(
            """INSERT INTO "user" (name, first_name, last_name, email, password) VALUES ($1, $2, 'Example', $3, 'x')
               ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
            name,
            name.title(),
            f"{name}@example.com",
        )
    org_id = await conn.fetchval(
        """INSERT INTO organization (name, description, creator_id) VALUES ($1, 'the default organization', $2)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
        org,
        users["admin"],
    )
    model_ids: dict[str, int] = {}
    for table, rows in (("model", models), ("bento", bentos)):
        repos: dict[str, int] = {}
        for row in rows:
            if row.repo not in repos:
                repos[row.repo] = await conn.fetchval(
                    f"""INSERT INTO {table}_repository (name, description, organization_id, creator_id, created_at)
                        VALUES ($1, $2, $3, $4, $5) RETURNING id""",
                    row.repo,
                    f"{row.repo.replace('_', ' ')}",
                    org_id,
                    users[row.creator],
                    now - timedelta(seconds=row.age + 86400),
                )
            created = now - timedelta(seconds=row.age)
            manifest = {"size_bytes": row.size, "bentoml_version": "1.1.11", "labels": row.labels}
            if table == "bento":
                manifest["models"] = row.models
            vid = await conn.fetchval(
                f"""INSERT INTO {table} (version, description, manifest, {table}_repository_id, upload_status,
                        image_build_status, upload_finished_reason, creator_id, build_at, created_at)
                    VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $9) RETURNING id""",
                row.version,
                row.description,
                json.dumps(manifest),
                repos[row.repo],
                row.upload,
                row.build,
                row.reason or None,
                users[row.creator],
                created,
            )
            for key, value in row.labels.items():
                await conn.execute(
                    """INSERT INTO label (resource_type, resource_id, key, value, creator_id, organization_id)
                       VALUES ($1, $2, $3, $4, $5, $6)""",
                    table,
                    vid,
                    key,
                    value,
                    users[row.creator],
                    org_id,
                )
            if table == "model":
                model_ids[f"{row.repo}:{row.version}"] = vid
            else:
                for tag in row.models:
                    if tag in model_ids:
                        await conn.execute(
                            "INSERT INTO bento_model_rel (bento_id, model_id) VALUES ($1, $2)", vid, model_ids[tag]
                        )


async def seed_bulk(conn: Any, repo: str, count: int, *, org: str = "default") -> None:
    """``count`` bento versions in repository ``repo`` (one statement: generate_series)."""
    user = await conn.fetchval("""INSERT INTO "user" (name, first_name, last_name, password) VALUES ('ci', 'CI', 'Bot', 'x')
                                  ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""")
    org_id = await conn.fetchval(
        """INSERT INTO organization (name, creator_id) VALUES ($1, $2)
                                    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
        org,
        user,
    )
    repo_id = await conn.fetchval(
        """INSERT INTO bento_repository (name, description, organization_id, creator_id)
                                     VALUES ($1, 'bulk', $2, $3) RETURNING id""",
        repo,
        org_id,
        user,
    )
    await conn.execute(
        """INSERT INTO bento (version, description, manifest, bento_repository_id, upload_status, image_build_status,
                              creator_id, build_at, created_at)
           SELECT 'v' || lpad(i::text, 6, '0'), 'nightly build ' || i, jsonb_build_object('size_bytes', 1000000 + i),
                  $1, 'success', CASE WHEN i % 97 = 0 THEN 'failed' ELSE 'success' END::bento_image_build_status,
                  $2, now() - make_interval(secs => i * 60), now() - make_interval(secs => i * 60)
           FROM generate_series(1, $3) AS i""",
        repo_id,
        user,
        count,
    )
