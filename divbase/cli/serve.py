"""`divbase serve`: run the service's processes (api, worker, beat) and set up its database."""

from __future__ import annotations

import typer

from divbase.cli.output import done, json_option

app = typer.Typer(no_args_is_help=True, help="Run the divbase service (configured by DIVBASE_* variables).")


@app.command("api")
def api(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers"),
) -> None:
    """The HTTP API (uvicorn)."""
    import uvicorn

    uvicorn.run("divbase.service.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command("worker")
def worker(
    queues: str = typer.Option("quick,long,celery", "--queues", "-Q"),
    concurrency: int = typer.Option(2, "--concurrency", "-c"),
    name: str = typer.Option("divbase@%h", "--name", "-n"),
) -> None:
    """A Celery worker for the given queues."""
    from divbase.service.celery_app import app as celery

    celery.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-n",
            name,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command("beat")
def beat(schedule: str = typer.Option("/tmp/divbase-beat-schedule", "--schedule")) -> None:
    """Celery Beat: sends the cron tasks on their schedule."""
    from divbase.service.celery_app import app as celery

    celery.start(["beat", "--loglevel", "INFO", "-s", schedule])


@app.command("migrate")
def migrate(as_json: bool = json_option()) -> None:
    """Create or update the service's tables."""
    from divbase.adapters.database import Database
    from divbase.service.settings import ServiceSettings

    Database.from_url(ServiceSettings().database_url).create_tables()  # Alembic upgrade head
    done("Database is up to date.", as_json)
