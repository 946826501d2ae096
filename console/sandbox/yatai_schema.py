"""The demo's Yatai database schema: our own DDL, only what the console reads and the seed writes.

Written for this project (not copied from Yatai): the tables, columns, types, nullability and
defaults the Yatai source (:data:`inference_console.sources.yatai.db.REQUIRED` and its queries)
reads and :mod:`.yatai_seed` writes, named and typed as in Yatai's schema (migrations
000001-000006 of bentoml/Yatai's api-server).  The demo always loads this, so its Yatai pane
is the same on every machine.  ``tests/integration/test_registry_yatai_schema.py`` builds one
database from Yatai's real migrations and one from this and checks that every table and column
here exists there with the same type and nullability, that the console's schema check accepts
both, and that the seed and the source give the same rows from both.

Columns Yatai has and the console never touches (``uid``, ``file_path``, the upload and
image-build timestamps, ``config`` …) are left out, and so are Yatai's other tables.
"""

from __future__ import annotations

TABLES: tuple[str, ...] = (
    "user",
    "organization",
    "bento_repository",
    "bento",
    "model_repository",
    "model",
    "bento_model_rel",
    "label",
)

DDL = """
CREATE TYPE "bento_upload_status" AS ENUM ('pending', 'uploading', 'success', 'failed');
CREATE TYPE "bento_image_build_status" AS ENUM ('pending', 'building', 'success', 'failed');
CREATE TYPE "model_upload_status" AS ENUM ('pending', 'uploading', 'success', 'failed');
CREATE TYPE "model_image_build_status" AS ENUM ('pending', 'building', 'success', 'failed');
CREATE TYPE "resource_type" AS ENUM ('user', 'organization', 'bento_repository', 'bento',
                                     'model_repository', 'model');

CREATE TABLE "user" (
    id SERIAL PRIMARY KEY,
    name VARCHAR(128) UNIQUE NOT NULL,
    first_name VARCHAR(128) NOT NULL,
    last_name VARCHAR(128) NOT NULL,
    email VARCHAR(256) UNIQUE DEFAULT NULL,
    password VARCHAR(1024) NOT NULL
);

CREATE TABLE "organization" (
    id SERIAL PRIMARY KEY,
    name VARCHAR(128) UNIQUE NOT NULL,
    description TEXT,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE
);

CREATE TABLE "bento_repository" (
    id SERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    description TEXT,
    organization_id INTEGER NOT NULL REFERENCES "organization"(id) ON DELETE CASCADE,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (organization_id, name)
);

CREATE TABLE "bento" (
    id SERIAL PRIMARY KEY,
    version VARCHAR(512) NOT NULL,
    description TEXT,
    manifest JSONB,
    bento_repository_id INTEGER NOT NULL REFERENCES "bento_repository"(id) ON DELETE CASCADE,
    upload_status bento_upload_status NOT NULL DEFAULT 'pending',
    image_build_status bento_image_build_status NOT NULL DEFAULT 'pending',
    upload_finished_reason TEXT,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    build_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (bento_repository_id, version)
);

CREATE TABLE "model_repository" (
    id SERIAL PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    description TEXT,
    organization_id INTEGER NOT NULL REFERENCES "organization"(id) ON DELETE CASCADE,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (organization_id, name)
);

CREATE TABLE "model" (
    id SERIAL PRIMARY KEY,
    version VARCHAR(512) NOT NULL,
    description TEXT,
    manifest JSONB,
    model_repository_id INTEGER NOT NULL REFERENCES "model_repository"(id) ON DELETE CASCADE,
    upload_status model_upload_status NOT NULL DEFAULT 'pending',
    image_build_status model_image_build_status NOT NULL DEFAULT 'pending',
    upload_finished_reason TEXT,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    build_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (model_repository_id, version)
);

CREATE TABLE "bento_model_rel" (
    id SERIAL PRIMARY KEY,
    bento_id INTEGER NOT NULL REFERENCES "bento"(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES "model"(id) ON DELETE CASCADE,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (bento_id, model_id)
);

CREATE TABLE "label" (
    id SERIAL PRIMARY KEY,
    resource_type resource_type NOT NULL,
    resource_id INTEGER NOT NULL,
    key VARCHAR(128) NOT NULL,
    value VARCHAR(1024) NOT NULL,
    creator_id INTEGER NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
    organization_id INTEGER REFERENCES "organization"(id) ON DELETE CASCADE,
    deleted_at TIMESTAMP WITH TIME ZONE,
    UNIQUE (organization_id, resource_type, resource_id, key)
);
"""
