"""VET2B services marketplace (issue 14): VET providers offer services that their learners deliver, small and
medium enterprises find and request them. No Rasa here: :mod:`~lmi4vet.marketplace.categories` (the fixed
category list), :mod:`~lmi4vet.marketplace.models` (tables, and what erasing a user removes),
:mod:`~lmi4vet.marketplace.store` (providers, link codes, offers, the cards the search reads),
:mod:`~lmi4vet.marketplace.quote_requests` (requests for a quote, ratings, contact data),
:mod:`~lmi4vet.marketplace.moderation` (reports and the moderation queue), :mod:`~lmi4vet.marketplace.checks`
(:class:`~lmi4vet.marketplace.checks.MarketplaceError` and its codes).
"""
