"""Rasa custom actions of the LMI4VET assistant (run by ``rasa_sdk``; see ``actions/base.py``)."""
