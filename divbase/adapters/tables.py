"""SQLAlchemy tables shared by local mode (SQLite) and the service (PostgreSQL).

Task history follows the spec: `task_history` (its autoincrement id is the user-facing task id),
`task_started_at` (written when a task starts) and `celery_taskmeta` (the columns of Celery's database
result backend with `result_extended`, so both modes read history the same way).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Sequence,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 3
"""Bump whenever a table or column changes: local SQLite state of another version is set aside."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every divbase table."""


class Stamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class UserRow(Stamped, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Carried by every session token; bumping it ends all of the user's sessions at once."""


class ProjectRow(Stamped, Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    bucket_name: Mapped[str] = mapped_column(String(1024))


class ProjectMemberRow(Stamped, Base):
    """A user's role in a project: READ < QUERY < EDIT < MANAGE (divbase.core.roles)."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class TaskHistoryRow(Base):
    __tablename__ = "task_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(155), unique=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TaskStartedAtRow(Base):
    __tablename__ = "task_started_at"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(155), unique=True, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CeleryTaskMetaRow(Base):
    """Same columns as Celery's `TaskExtended` model (table `celery_taskmeta`).

    Celery's database result backend writes these rows on the service (result, args and kwargs as
    serializer-encoded bytes: JSON here); local mode writes the same columns the same way.
    """

    __tablename__ = "celery_taskmeta"
    id: Mapped[int] = mapped_column(Integer, Sequence("task_id_sequence"), primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(155), unique=True)
    status: Mapped[str] = mapped_column(String(50), default="PENDING")
    result: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    date_done: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    name: Mapped[str | None] = mapped_column(String(155), nullable=True)
    args: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    kwargs: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(155), nullable=True)
    retries: Mapped[int | None] = mapped_column(Integer, nullable=True)
    queue: Mapped[str | None] = mapped_column(String(155), nullable=True)
    children: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    stamps: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class VcfFileRow(Stamped, Base):
    """One indexed VCF object version (the dimensions index)."""

    __tablename__ = "vcf_files"
    __table_args__ = (UniqueConstraint("project_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    variant_count: Mapped[int] = mapped_column(Integer)
    sample_count: Mapped[int] = mapped_column(Integer)
    samples: Mapped[list[str]] = mapped_column(JSON)
    scaffolds: Mapped[list[str]] = mapped_column(JSON)
    header_contigs: Mapped[list[str]] = mapped_column(JSON)


class VcfSkippedRow(Stamped, Base):
    """A VCF object that is not indexed: a divbase result, or a broken file with the reason."""

    __tablename__ = "vcf_skipped"
    __table_args__ = (UniqueConstraint("project_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)


class RevokedTokenRow(Base):
    """A refresh token that may not be used again (logged out or rotated away); kept until it expires."""

    __tablename__ = "revoked_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jti: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonalAccessTokenRow(Stamped, Base):
    """A token for scripts: only its SHA-256 is stored. `project_ids` None means all the user's projects;
    `max_role` caps the role the token acts with in any of them."""

    __tablename__ = "personal_access_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    max_role: Mapped[str] = mapped_column(String(16))
    task_history: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginFailureRow(Base):
    """One failed login, for rate limiting by email and by client address."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ProjectVersionRow(Stamped, Base):
    """A named checkpoint: the version id, ETag and size of every object of the project when it was made."""

    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    files: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
