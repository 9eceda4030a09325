"""Service configuration from the environment (`DIVBASE_*`), one object shared by api, worker and beat."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIVBASE_", extra="ignore")

    database_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/divbase"
    broker_url: str = "redis://127.0.0.1:6379/0"

    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_public_endpoint: str | None = None
    """S3 URL as clients see it, for presigned links (default: s3_endpoint), e.g. behind compose."""
    s3_access_key: str = "divbase"
    s3_secret_key: str = "divbase-secret"
    s3_bucket_prefix: str = "divbase-"

    jwt_secret: str = Field("change-me-in-production-please-32b", min_length=32)
    jwt_algorithm: str = "HS256"
    access_token_seconds: int = 15 * 60
    refresh_token_seconds: int = 7 * 24 * 3600
    login_max_failures: int = 5
    """Failed logins of one account within `login_window_seconds` before it is locked out for the window."""
    login_max_client_failures: int = 30
    """Failed logins from one client address (any account) within the window before it is locked out."""
    login_window_seconds: int = 15 * 60
    max_tokens_per_user: int = 5
    """Active personal access tokens one user may hold."""

    quick_soft_limit: int = 60
    quick_hard_limit: int = 90
    long_soft_limit: int = 6 * 3600
    long_hard_limit: int = 6 * 3600 + 300
    history_retention_days: int = 30
    stuck_task_hours: float = 12.0
    result_file_days: int = 30
    worker_cache_dir: str = "/tmp/divbase-worker"
    quick_wait_seconds: float = 20.0
    visibility_timeout_seconds: int | None = None
    """Default: the longest hard limit plus 10 minutes (a task must never outlive its visibility)."""
    cron_every_seconds: float | None = None
    """Run every cron task at this interval instead of its own schedule (testing, demos)."""

    @property
    def result_backend(self) -> str:
        """Celery's database result backend URL (`db+<sqlalchemy url>`)."""
        return "db+" + self.database_url

    @property
    def visibility_timeout(self) -> int:
        """Redis re-delivers unacknowledged tasks after this; must exceed the longest hard limit."""
        return self.visibility_timeout_seconds or self.long_hard_limit + 600
