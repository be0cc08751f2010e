"""Channels that carry messages between people and the Rasa server (terminal chat; Telegram and WhatsApp)."""
