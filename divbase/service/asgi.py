"""The module uvicorn loads (`uvicorn divbase.service.asgi:app`): builds the app from the environment."""

import gc

from divbase.service.api.app import create_app

app = create_app()
# What is built by now (routes, models, the admin panel's templates) lives as long as the process: move it
# out of the collector's sight so collections during requests stay short (about 1 ms a request here).
gc.collect()
gc.freeze()
