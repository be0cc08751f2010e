"""Local stand-ins for the Telegram Bot API and the Twilio Messages API: real wire formats, recorded calls."""
