"""Understanding one message: language, intent, crisis phrases — together."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlu.backends.embedded import EmbeddedBackend
from nlu.crisis import CrisisPhrases
from nlu.fasttext_build import shipped_lid_model
from nlu.langid import LangDecision, LanguageIdentifier
from nlu.result import IntentBackend, NluResult
from nlu.training_data import exclusive_vocabulary, language_files, load_examples

__all__ = ["Understanding", "Understood", "build_understanding"]


@dataclass(frozen=True)
class Understood:
    """Everything the runner needs to know about a text message."""

    language: LangDecision
    nlu: NluResult
    crisis: str | None


@dataclass
class Understanding:
    """Language identification + intent backend + crisis phrases."""

    langid: LanguageIdentifier
    intents: IntentBackend
    crisis: CrisisPhrases

    def warm_up(self) -> None:
        """Load (or train) the models now rather than on the first message."""
        self.langid.detect("warm up")
        load = getattr(self.intents, "load", None)
        if callable(load):
            load()

    async def understand(self, text: str, current: str | None, hint: str | None,
                         recent: Sequence[str]) -> Understood:
        language = await asyncio.to_thread(self.langid.decide, text, current, hint, recent)
        result = await self.intents.parse(text, language.lang)
        return Understood(language, result, self.crisis.match(text))


def build_understanding(data_dir: Path, cache_dir: Path, served: Sequence[str],
                        lid_model: Path | None = None) -> Understanding:
    """The embedded defaults: shipped lid.176, fastText intents from ``data_dir``."""
    examples = load_examples(language_files(data_dir, served))
    langid = LanguageIdentifier.from_files(lid_model or shipped_lid_model(), served,
                                           data_dir / "arabizi_markers.txt",
                                           exclusive_vocabulary(examples))
    backend = EmbeddedBackend(data_dir, cache_dir, served)
    return Understanding(langid, backend, CrisisPhrases.from_dir(data_dir / "crisis"))
