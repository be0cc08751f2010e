"""Test-only helpers that the servers under test load (through Rasa's extension points)."""
