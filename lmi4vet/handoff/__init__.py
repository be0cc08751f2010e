"""Human handoff: a person (an agent of the admin console) takes over a chat, and gives it back.

- :mod:`lmi4vet.handoff.models`: tickets and their messages (our database).
- :mod:`lmi4vet.handoff.tickets`: opening, relaying, assigning, replying, closing; queries for the console.
- :mod:`lmi4vet.handoff.summary`: the structured summary a ticket opens with (from the conversation's events).
- :mod:`lmi4vet.handoff.hours`: office hours, and the honest "when" a user is told.
- :mod:`lmi4vet.handoff.safeguarding`: curated phrases (per language) that open an urgent ticket and show 112.

No Rasa and no channel code here: the actions (``actions/handoff.py``) open tickets, the channel worker
(``bot/worker.py``) relays messages both ways through the durable inbox, the console (``admin/``) answers.
"""
