"""The micro-credential designer (LAB4microVET): a guided worksheet that produces a micro-credential
specification conforming to the Council Recommendation of 16 June 2022 (2022/C 243/02): Annex I's elements and
a review against Annex II's ten principles.

- :mod:`lmi4vet.microcred.spec`: the specification as one plain value (``Spec``), what the worksheet fills in
  and the exports read.
- :mod:`lmi4vet.microcred.elements`: the worksheet's elements in order (Annex I letter, mandatory or optional,
  kind, choices), the award-time fields, the ten principles, and the per-language content
  (``content/microcred/<lang>.yml``: explanations, examples, action verbs, principles, EQF descriptors).
- :mod:`lmi4vet.microcred.checks`: answers parsed and validated per element (workload hours and ECTS, EQF
  level, outcomes with an action verb in five languages, countries, choices), the completeness score and the
  review; results are codes with parameters, worded by the chat in the user's language.
- :mod:`lmi4vet.microcred.models`: the drafts table (our database, migration 0009).
- :mod:`lmi4vet.microcred.drafts`: a user's drafts: create, list, resume, answer, move, duplicate, delete.
- :mod:`lmi4vet.microcred.exports`: the specification as a PDF sheet, ELM v3 JSON-LD and an Open Badges 3.0
  ``Achievement`` (unsigned), validated against the JSON Schemas in ``lmi4vet/microcred/schemas/``.

No Rasa and no channel code here: the actions build on these functions (each takes the caller's session).
Drafts are per user: :mod:`lmi4vet.privacy` exports and erases them.
"""
