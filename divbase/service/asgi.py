"""The module uvicorn loads (`uvicorn divbase.service.asgi:app`): builds the app from the environment."""

from divbase.service.api.app import create_app

app = create_app()
