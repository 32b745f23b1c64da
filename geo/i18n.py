"""The working languages: gettext message catalogues read through Babel.

English is the source language (the msgids); every other language is a
catalogue, ``geo/locale/<lang>/LC_MESSAGES/messages.po``, compiled to
``messages.mo`` beside it by ``make install`` (the ``.po`` is committed; a
test checks the ``.mo`` equals a fresh compilation of its ``.po``). :func:`available` lists
the languages whose catalogue is present, so a third language (Arabic, say)
is a new catalogue, not a code change; its writing direction comes from
Babel's locale data (:attr:`Translator.dir`).

Strings are marked for ``pybabel extract`` (``babel.cfg``) with ``_`` where
they are translated at once and with :func:`N_` where a module declares an
English msgid that is translated later, where it is shown (layer names,
legend labels, popup labels, reason templates), and with :func:`Nn_` for a
singular/plural pair. Text placeholders are named,
``{n}``, so a translation may reorder them.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def N_(message: str) -> str:
    """Mark ``message`` as a msgid for extraction without translating it now.

    Parameters
    ----------
    message : str

    Returns
    -------
    str
        ``message`` itself.
    """
    return message


def catalogues(directory: Path) -> tuple[str, ...]:
    """English and every language with a compiled catalogue in ``directory``.

    Parameters
    ----------
    directory : pathlib.Path
        Holds ``<lang>/LC_MESSAGES/messages.mo``.

    Returns
    -------
    tuple of str
        Language codes, English first, the others sorted.
    """
    found = sorted(p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair of msgids (one plural entry of the
    catalogue, ``pybabel extract -k Nn_:1,2``), translated later with
    :meth:`Translator.ngettext`.

    Parameters
    ----------
    singular, plural : str

    Returns
    -------
    tuple of str
        The pair itself.
    """
    return singular, plural


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """The languages served: English and every catalogue of ``geo/locale``.

    Returns
    -------
    tuple of str
    """
    return catalogues(LOCALE_DIR)


def accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first.

    Parameters
    ----------
    header : str or None
        E.g. ``"fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5"``.

    Returns
    -------
    list of str
        Tags with q > 0, by decreasing q (ties in header order); ``*`` and
        malformed entries are left out.
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                continue
        if _TAG.match(tag) and q > 0:
            ranked.append((-q, i, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(preferred: Iterable[str]) -> str:
    """The first served language among ``preferred`` (``fr-CA`` → ``fr``), else English.

    Parameters
    ----------
    preferred : iterable of str
        Language tags, most wanted first.

    Returns
    -------
    str
        One of :func:`available`.
    """
    served = available()
    for tag in preferred:
        code = tag.replace("_", "-").split("-")[0].lower()
        if code in served:
            return code
    return SOURCE_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """One language's messages, numbers and writing direction."""

    lang: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """``message`` in this language (itself when the catalogue lacks it).

        Parameters
        ----------
        message : str

        Returns
        -------
        str
        """
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for ``n``, by this language's plural rule.

        Parameters
        ----------
        singular, plural : str
        n : int

        Returns
        -------
        str
        """
        return self.translations.ngettext(singular, plural, n)

    def format(self, message: str, **params: object) -> str:
        """``message`` translated, then its ``{name}`` placeholders filled.

        Parameters
        ----------
        message : str
        **params
            Values of the placeholders.

        Returns
        -------
        str
        """
        return self.gettext(message).format(**params)

    def number(self, value: float, digits: int = 0) -> str:
        """A number as this language writes it (``12.5`` / ``12,5``; thousands grouped).

        Parameters
        ----------
        value : float
        digits : int
            Decimal digits at most.

        Returns
        -------
        str
        """
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    @property
    def dir(self) -> str:
        """``"rtl"`` for a right-to-left script (Arabic, Hebrew), else ``"ltr"``."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def messages(self, msgids: Iterable[str]) -> dict[str, str]:
        """``{msgid: translation}`` for the browser (peacemap.js's ``pm.t``).

        Parameters
        ----------
        msgids : iterable of str

        Returns
        -------
        dict
        """
        return {m: self.gettext(m) for m in msgids}


def load(lang: str, directory: Path) -> Translator:
    """The translator of ``lang`` from the catalogues in ``directory``
    (English when it has none, or Babel knows no such locale).

    Parameters
    ----------
    lang : str
    directory : pathlib.Path

    Returns
    -------
    Translator
    """
    mo = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if lang == SOURCE_LANGUAGE or not mo.is_file():
        return Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
    try:
        Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
    with mo.open("rb") as fp:
        return Translator(lang, Translations(fp, domain=DOMAIN))


@lru_cache(maxsize=16)
def translator(lang: str = SOURCE_LANGUAGE) -> Translator:
    """The translator of a served language (English for any other code).

    Parameters
    ----------
    lang : str

    Returns
    -------
    Translator
    """
    return load(lang, LOCALE_DIR)


ENGLISH = translator(SOURCE_LANGUAGE)
