"""Rasa's REST channel (the local chat, the integration tests) with the download routes the other channels have:
``/webhooks/rest/calendar/<token>`` and ``/webhooks/rest/microcred/<token>`` serve the files the local chat
links to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint

from bot.common import add_download_routes


class RestInput(RasaRestInput):
    """``/webhooks/rest/webhook`` as Rasa has it, plus the download routes (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from lmi4vet.db.engine import database_url, shared_engine

        blueprint = super().blueprint(on_new_message)
        add_download_routes(blueprint, shared_engine(database_url()))
        return blueprint
