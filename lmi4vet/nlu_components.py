"""Custom Rasa NLU components (referenced by dotted path in config.yml)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.text import strip_accents


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class AccentFoldingTokenizer(WhitespaceTokenizer):
    """Whitespace tokens with diacritics stripped ("competențe" == "competente", "Schweißer" == "Schweisser").

    People on phones often type without diacritics; folding both training data and messages makes the two
    spellings one feature. Token offsets are unchanged, so entity values keep the user's own spelling.
    """

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.text = strip_accents(token.text)
            token.lemma = token.text
        return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafeguardingClassifier(GraphComponent, IntentClassifier):
    """A message with a curated safeguarding phrase (self-harm, violence, exploitation; any of the five
    languages, see :mod:`lmi4vet.handoff.safeguarding`) is the intent ``safeguarding`` with certainty, whatever
    the model thought, and carries the category as entity ``risk``. Runs last, after the fallback: a person at
    risk who writes badly is not a fallback. The lists are read at run time (no retraining to change them)."""

    INTENT_NAME = "safeguarding"

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SafeguardingClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        from lmi4vet.handoff.safeguarding import detect

        for message in messages:
            text = message.get(TEXT) or ""
            risk = detect(text)
            if risk is None:
                continue
            message.set(INTENT, {INTENT_NAME_KEY: self.INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0},
                        add_to_output=True)
            entities = [e for e in message.get(ENTITIES, []) if e.get(ENTITY_ATTRIBUTE_TYPE) != "risk"]
            entities.append({ENTITY_ATTRIBUTE_TYPE: "risk", ENTITY_ATTRIBUTE_VALUE: risk.category,
                             ENTITY_ATTRIBUTE_START: 0, ENTITY_ATTRIBUTE_END: len(text),
                             EXTRACTOR: type(self).__name__})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class MarketplaceEntityExtractor(GraphComponent, EntityExtractorMixin):
    """The marketplace's entities from :func:`lmi4vet.marketplace.understanding.parse_query`: ``service`` (a
    subcategory id, or a group id when only the group is recognised) and ``place`` (the city's or region's
    local name, or the country's code), with the spans of their words. Added when the predicted intent is
    ``find_service``, else only where no other entity overlaps. Place it after the intent classifier (it reads
    the intent) and before the FallbackClassifier, which keeps entities. Not trained: the words are
    ``content/marketplace/categories.yml``'s and the gazetteer's."""

    INTENT_NAME = "find_service"

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MarketplaceEntityExtractor:
        from lmi4vet.marketplace.understanding import lexicon

        lexicon()  # build once at load time, not on the first message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        from lmi4vet.marketplace.understanding import parse_query

        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.lstrip().startswith("/"):
                continue
            hint = (message.get(METADATA) or {}).get("language_hint")
            query = parse_query(text, hint if hint in SUPPORTED_LANGUAGES else None)
            found = []
            if query.category_span is not None:
                found.append(("service", query.category or query.group, query.category_span))
            if query.place is not None:
                found.append(("place", query.place.name, query.place.span))
            if not found:
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            entities = list(message.get(ENTITIES, []))
            for kind, value, (start, end) in found:
                overlapping = [e for e in entities if e.get(ENTITY_ATTRIBUTE_START, 0) < end
                               and e.get(ENTITY_ATTRIBUTE_END, 0) > start]
                if intent == self.INTENT_NAME:
                    entities = [e for e in entities if e not in overlapping or e.get(ENTITY_ATTRIBUTE_TYPE) != kind]
                elif overlapping:
                    continue
                entities.append(self.add_extractor_name([{
                    ENTITY_ATTRIBUTE_TYPE: kind, ENTITY_ATTRIBUTE_VALUE: value, ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end, "text": text[start:end]}])[0])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
