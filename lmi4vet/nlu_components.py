"""Custom Rasa NLU components (referenced by dotted path in config.yml)."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

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
