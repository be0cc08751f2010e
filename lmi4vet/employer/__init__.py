"""Employer engagement (JOBS4ALL): a self-assessment of a VET institution's cooperation with employers on the
two-level pathway (Level 1: establishing cooperation; Level 2: strategic, sustained partnership), six areas
with their questions (``content/employer/<lang>.yml``), a level per area with its reason, a personal action
plan (next steps, the guide section and course lesson to read, the CPD learning outcomes that match) and a
radar chart. No Rasa here: :mod:`lmi4vet.employer.assessment` scores, :mod:`lmi4vet.employer.chart` draws.
"""
