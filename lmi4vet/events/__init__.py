"""Network events and opt-in updates for the Joint-VET network: events in the chat, registration, calendar
files, consent per topic and country, STOP / START, and who a broadcast reaches by which route.

- :mod:`lmi4vet.events.models`: events and their texts, registrations, consents and their log, the STOP
  state, calendar links, broadcasts, their texts and recipients (our database, migration 0007).
- :mod:`lmi4vet.events.catalogue`: creating, changing, publishing and cancelling events; upcoming events;
  their text in a language (with an honest fallback); registering within capacity; reminders, follow-ups and
  feedback.
- :mod:`lmi4vet.events.calendar`: the RFC 5545 ``.ics`` of an event (``icalendar``), and the unguessable,
  expiring links that serve it on WhatsApp.
- :mod:`lmi4vet.events.consent`: opt-ins per topic x country and their append-only record; the STOP and START
  words of the five languages (``content/events/keywords.yml``); unsubscribing and resubscribing.
- :mod:`lmi4vet.events.audience`: a broadcast's audience, routes (Telegram free; WhatsApp free inside the
  24-hour window, else template, else skipped), the console's preview, and the recipients the worker sends to.

No Rasa, no channel code and no web framework here: the actions, the channel worker, the task queue that
delivers broadcasts and reminders, and the console build on these functions (each takes the caller's session).
Every table with rows about one user is erased and exported by :mod:`lmi4vet.privacy`.
"""
