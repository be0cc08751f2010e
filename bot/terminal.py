"""A terminal chat over Rasa's REST channel: quick replies are numbered, and a digit picks one; an image is shown
as its URL."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import Any, TextIO

import requests

from lmi4vet.i18n import t
from lmi4vet.settings import Settings


def send(rasa_url: str, sender: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Send one message through the REST channel and return the bot's messages."""
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
    )
    response.raise_for_status()
    return response.json()


def render(messages: list[dict[str, Any]], out: TextIO) -> list[dict[str, str]]:
    """Print the bot's messages with numbered quick replies (an image as ``🖼 <url>``); return the buttons of the
    last message."""
    buttons: list[dict[str, str]] = []
    for message in messages:
        if message.get("text"):
            out.write(f"bot> {message['text']}\n")
        if message.get("image"):  # the REST channel gives {"recipient_id", "image": url}
            out.write(f"🖼 {message['image']}\n")
        buttons = message.get("buttons") or buttons
        for number, button in enumerate(message.get("buttons") or [], start=1):
            out.write(f"     [{number}] {button.get('title', '')}\n")
    return buttons


def resolve_input(text: str, buttons: list[dict[str, str]]) -> str:
    """A digit that numbers a shown quick reply becomes that button's payload; other text is sent as is."""
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return buttons[int(stripped) - 1]["payload"]
    return stripped


def chat(
    rasa_url: str,
    sender: str | None = None,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
) -> None:
    """Chat until end of input or Ctrl-C."""
    ui_lang = Settings.from_env().default_language
    sender = sender or f"terminal-{uuid.uuid4().hex[:12]}"
    out.write(t(ui_lang, "terminal.welcome") + "\n")
    buttons: list[dict[str, str]] = []
    while True:
        try:
            line = read("you> ")
        except EOFError:
            out.write("\n" + t(ui_lang, "terminal.bye") + "\n")
            return
        message = resolve_input(line, buttons)
        if not message:
            continue
        try:
            replies = send(rasa_url, sender, message)
        except requests.RequestException:
            out.write(t(ui_lang, "terminal.unreachable", url=rasa_url) + "\n")
            continue
        if not replies:
            out.write(t(ui_lang, "terminal.no_reply") + "\n")
        buttons = render(replies, out) or buttons
        out.flush()


def main() -> None:
    """``python -m bot.terminal``: chat with an already running server."""
    chat(Settings.from_env().rasa_url)


if __name__ == "__main__":
    main()
