"""Exports of a micro-credential specification (:class:`lmi4vet.microcred.spec.Spec`), in the draft's language:

* :func:`lmi4vet.microcred.exports.elm.elm_jsonld`: a European Learning Model v3 JSON-LD ``Qualification``
  (the shape of the Commission's Annex I micro-credential sample);
* :func:`lmi4vet.microcred.exports.badges.ob3_achievement`: an Open Badges 3.0 ``Achievement``;
* :func:`lmi4vet.microcred.exports.pdf.spec_pdf`: a one-to-two-page A4 specification sheet (fpdf2, DejaVu Sans);
* :func:`lmi4vet.microcred.exports.validate.validate`: checks the two JSON documents against the JSON Schemas in
  ``lmi4vet/microcred/schemas/``.

None of them is signed: a specification is not a credential; the school's credential platform issues and signs
the credentials.
"""
