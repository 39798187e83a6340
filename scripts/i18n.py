#!/usr/bin/env python3
"""Translation catalogues of the portal: extract, fill, compile, check.

Source strings (msgids) are English, wrapped in ``_()`` / ``_l()`` / ``{{ _('...') }}``;
Russian, the default interface language, comes from the ``ru`` catalogue. ``en`` is kept
complete with msgstr = msgid, so every shipped string is visibly accounted for.

    .venv/bin/python scripts/i18n.py extract          # re-read sources, update ru and en, compile
    .venv/bin/python scripts/i18n.py missing          # JSON skeleton of untranslated ru strings
    .venv/bin/python scripts/i18n.py fill ru.json     # {"msgid": "русский"} → ru; compile
    .venv/bin/python scripts/i18n.py compile          # .po → .mo only
    .venv/bin/python scripts/i18n.py check            # exit 1 if anything is missing or stale

For plural strings (``ngettext``) the JSON value is a list of the three Russian forms
(1 счётчик, 2 счётчика, 5 счётчиков) under the singular msgid.

Message contexts: one short English word can need two Russian ones («Register» of a meter is
«Разрядность», the «Register» button is «Зарегистрироваться»). Mark such a string with its
context — ``pgettext("meter", "Register")`` in Python and templates, ``lazy_pgettext`` for
module-level labels, ``npgettext`` for plurals — and it becomes a message of its own. In the
JSON of ``missing`` / ``fill`` its key is the context, the character U+0004 and the msgid (the
gettext convention: ``"meter\u0004Register"``); reports show it as ``'Register' [meter]``.

Several people run this at once on one working tree, so every command that writes holds an
exclusive ``flock`` on /tmp/lk-i18n.lock. Output is deterministic (sorted, no source
locations, header dates kept) so that re-running changes nothing and commits of the .po/.mo
files from different people do not conflict needlessly. The compiled .mo files are committed:
a fresh clone runs without a compile step.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import fcntl
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import babel.messages.catalog as babel_catalog
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "lk_corporate" / "translations"
LOCALES = ("ru", "en")
DOMAIN = "messages"
LOCK_PATH = Path("/tmp/lk-i18n.lock")
# DEFAULT_KEYWORDS already has gettext, ngettext, pgettext, npgettext and N_ (the jinja2
# extractor is given the same names, so pgettext in templates is found too).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}
CONTEXT_SEPARATOR = "\x04"  # between context and msgid in JSON keys, as in .mo files
PROJECT = "LK Corporate"


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


@contextmanager
def locked() -> Iterator[None]:
    with open(LOCK_PATH, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def extract() -> Catalog:
    """Every translatable string in the sources, as a template catalogue (no translations)."""
    with open(MAPPING) as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(MAPPING))
    template = Catalog(project=PROJECT, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def msgids(catalog: Catalog) -> set[tuple[str | tuple[str, ...], str | None]]:
    """(msgid, context) of every real message (not the header, not obsolete ones)."""
    return {(m.id, m.context) for m in catalog if m.id}


def new_catalog(locale: str) -> Catalog:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    catalog = Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=(
            f"# {locale} catalogue of {PROJECT}. Source strings (msgids) are English.\n"
            "# Maintained with scripts/i18n.py (extract, fill); do not edit the header by hand."
        ),
        project=PROJECT,
        version="1",
        copyright_holder=PROJECT,
        msgid_bugs_address="noreply@lk.example",
        creation_date=now,
        revision_date=now,
        last_translator=f"{PROJECT} team",
        language_team=f"{PROJECT} team",
        charset="utf-8",
        fuzzy=False,
    )
    return catalog


def read_catalog(locale: str) -> Catalog | None:
    path = po_path(locale)
    if not path.exists():
        return None
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN)


@contextmanager
def _fixed_generator() -> Iterator[None]:
    """Babel writes its own version into every header (``Generated-By``); a fixed name keeps
    the bytes the same under every Babel release, so committed catalogues do not turn stale
    when CI installs a newer Babel."""
    saved = babel_catalog.VERSION
    babel_catalog.VERSION = "lk i18n"
    try:
        yield
    finally:
        babel_catalog.VERSION = saved


def render_po(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    with _fixed_generator():
        _write_po(buffer, catalog)
    return buffer.getvalue()


def _write_po(buffer: io.BytesIO, catalog: Catalog) -> None:
    write_po(
        buffer,
        catalog,
        width=100,
        no_location=True,
        sort_output=True,
        ignore_obsolete=True,
        include_previous=False,
    )


def render_mo(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    with _fixed_generator():
        write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _fill_english(catalog: Catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            if not any(message.string or ()):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")


def update(template: Catalog) -> dict[str, Catalog]:
    """Bring both catalogues to the template's msgids, keeping existing translations."""
    catalogs = {}
    for locale in LOCALES:
        catalog = read_catalog(locale)
        if catalog is None:
            catalog = new_catalog(locale)
        # No fuzzy matching: a guessed translation of a similar string is worse than none, and
        # the test insists every Russian string is a real, non-fuzzy translation. A copy of the
        # template per locale: Catalog.update adopts the template's Message objects themselves.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
        if locale == "en":
            _fill_english(catalog)
        catalogs[locale] = catalog
    return catalogs


def save(catalogs: dict[str, Catalog]) -> list[Path]:
    changed = []
    for locale, catalog in catalogs.items():
        if _write_if_changed(po_path(locale), render_po(catalog)):
            changed.append(po_path(locale))
        # Compile from what was written, exactly as the test does.
        written = read_catalog(locale)
        assert written is not None
        if _write_if_changed(mo_path(locale), render_mo(written)):
            changed.append(mo_path(locale))
    return changed


def missing(catalog: Catalog) -> list[Message]:
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message)
    return out


def _key(message: Message) -> str:
    """The message's key in the JSON of ``missing`` and ``fill``."""
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else msgid


def describe(msgid: str | tuple[str, ...], context: str | None) -> str:
    """A message for humans: ``'Register'``, or ``'Register' [meter]`` with a context."""
    return f"{msgid!r} [{context}]" if context else repr(msgid)


def merge(catalog: Catalog, translations: dict[str, str | list[str]]) -> tuple[int, list[str]]:
    """Apply {msgid: russian} to ``catalog`` (keys of messages with a context:
    ``context + CONTEXT_SEPARATOR + msgid``); returns (applied, unknown keys)."""
    by_key = {_key(m): m for m in catalog if m.id}
    applied, unknown = 0, []
    for key, value in translations.items():
        message = by_key.get(key)
        if message is None:
            unknown.append(key)
            continue
        if isinstance(message.id, (list, tuple)):
            if not isinstance(value, list) or len(value) != catalog.num_plurals:
                raise SystemExit(
                    f"{key!r} is a plural string: give a list of {catalog.num_plurals} forms"
                )
            message.string = tuple(value)
        else:
            if not isinstance(value, str):
                raise SystemExit(f"{key!r}: the translation must be a string")
            message.string = value
        message.flags.discard("fuzzy")
        applied += 1
    return applied, unknown


def cmd_extract(_args: argparse.Namespace) -> int:
    with locked():
        catalogs = update(extract())
        changed = save(catalogs)
    for path in changed:
        print(f"updated {_rel(path)}")
    todo = missing(catalogs["ru"])
    print(f"{sum(1 for m in catalogs['ru'] if m.id)} strings; {len(todo)} without a Russian translation")
    return 0


def cmd_missing(_args: argparse.Namespace) -> int:
    catalog = read_catalog("ru")
    if catalog is None:
        print("{}")
        return 0
    skeleton: dict[str, str | list[str]] = {}
    for message in missing(catalog):
        if isinstance(message.id, (list, tuple)):
            skeleton[_key(message)] = [""] * catalog.num_plurals
        else:
            skeleton[_key(message)] = ""
    json.dump(skeleton, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def cmd_fill(args: argparse.Namespace) -> int:
    translations = json.loads(Path(args.file).read_text(encoding="utf-8"))
    if not isinstance(translations, dict):
        raise SystemExit("the JSON file must hold an object {msgid: russian}")
    with locked():
        catalogs = update(extract())
        applied, unknown = merge(catalogs["ru"], translations)
        changed = save(catalogs)
    for path in changed:
        print(f"updated {_rel(path)}")
    print(f"{applied} translations applied")
    for key in unknown:
        print(f"warning: not in the sources (run extract? typo?): {key!r}", file=sys.stderr)
    todo = missing(catalogs["ru"])
    if todo:
        print(f"{len(todo)} strings still without a Russian translation "
              "(scripts/i18n.py missing lists them)")
    return 0


def cmd_compile(_args: argparse.Namespace) -> int:
    with locked():
        for locale in LOCALES:
            catalog = read_catalog(locale)
            if catalog is not None and _write_if_changed(mo_path(locale), render_mo(catalog)):
                print(f"updated {_rel(mo_path(locale))}")
    return 0


def problems() -> list[str]:
    """What is wrong with the committed catalogues (the test asserts this is empty)."""
    out = []
    source = msgids(extract())
    for locale in LOCALES:
        catalog = read_catalog(locale)
        if catalog is None:
            out.append(f"{_rel(po_path(locale))} is missing")
            continue
        have = msgids(catalog)
        for msgid, ctx in sorted(source - have, key=str):
            out.append(f"{locale}: not extracted yet: {describe(msgid, ctx)}")
        for msgid, ctx in sorted(have - source, key=str):
            out.append(f"{locale}: no longer in the sources: {describe(msgid, ctx)}")
        for message in missing(catalog):
            out.append(f"{locale}: no translation: {describe(message.id, message.context)}")
        mo = mo_path(locale)
        if not mo.exists() or mo.read_bytes() != render_mo(catalog):
            out.append(f"{_rel(mo)} does not match the .po (run compile)")
    return out


def cmd_check(_args: argparse.Namespace) -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="re-extract strings, update ru and en, compile").set_defaults(
        func=cmd_extract)
    sub.add_parser("missing", help="print untranslated ru strings as JSON").set_defaults(
        func=cmd_missing)
    fill = sub.add_parser("fill", help="merge a JSON {msgid: russian} into ru, compile")
    fill.add_argument("file")
    fill.set_defaults(func=cmd_fill)
    sub.add_parser("compile", help="compile .po to .mo").set_defaults(func=cmd_compile)
    sub.add_parser("check", help="exit 1 when catalogues are stale or incomplete").set_defaults(
        func=cmd_check)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
