"""The project's Japanese catalog (cms/locale/ja): its compiled .mo files are committed and must
say what the .po files say; with it, no string of the installed Wagtail apps stays English."""

import gettext
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation
from wagtail.models import Page

from tests.admin.catalogs import Entry, po_entries

CATALOGS = Path(settings.BASE_DIR) / "cms" / "locale" / "ja" / "LC_MESSAGES"
# Strings whose Japanese is the same text (names, abbreviations).
SAME_IN_JAPANESE = {"ID", "URL", "Wagtail API v2", "Wagtail API v3"}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalog_says_what_the_po_file_says(domain: str) -> None:
    entries = po_entries(CATALOGS / f"{domain}.po")
    with (CATALOGS / f"{domain}.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    assert entries and all(entry.msgstrs and all(entry.msgstrs) for entry in entries)
    expected: dict[object, str] = {}
    for entry in entries:
        if entry.plural is None:
            expected[entry.key] = entry.msgstrs[0]
        else:
            expected.update({(entry.key, n): text for n, text in enumerate(entry.msgstrs)})
    assert {key: text for key, text in compiled.items() if key != ""} == expected, (
        f"cms/locale/ja/LC_MESSAGES/{domain}.mo is stale: run msgfmt -o {domain}.mo {domain}.po"
    )


def test_the_catalog_is_found_through_locale_paths() -> None:
    assert CATALOGS.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]
    with translation.override("ja"):
        assert translation.gettext("Date updated") == "更新日時"


def _wagtail_strings(domain: str) -> list[Entry]:
    """Every string the installed Wagtail apps can show, from their English catalogs."""
    strings: list[Entry] = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] != "wagtail":
            continue
        english = Path(config.path) / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        if english.exists():
            strings += po_entries(english)
    return strings


def _untranslated(entries: list[Entry], catalog: DjangoTranslation) -> list[str]:
    left = []
    for entry in entries:
        if entry.msgid in SAME_IN_JAPANESE:
            continue
        if entry.plural is None:
            shown = catalog.gettext(entry.key)
        else:
            shown = catalog.ngettext(entry.key, entry.plural, 2)
        if shown in {entry.key, entry.plural}:
            left.append(entry.msgid)
    return left


def test_no_string_of_the_installed_wagtail_apps_is_left_in_english() -> None:
    catalog = translation.trans_real.translation("ja")
    assert _untranslated(_wagtail_strings("django"), catalog) == []


def test_no_string_of_the_admins_javascript_is_left_in_english() -> None:
    # As Wagtail's JavaScriptCatalog(packages=["wagtail.admin"]) builds it: the app's catalog
    # and LOCALE_PATHS.
    admin = Path(apps.get_app_config("wagtailadmin").path) / "locale"
    catalog = DjangoTranslation("ja", domain="djangojs", localedirs=[str(admin)])
    assert _untranslated(_wagtail_strings("djangojs"), catalog) == []


def test_the_title_and_slug_help_says_what_each_field_does_here() -> None:
    # Wagtail's own Japanese: 「一般公開のもとで表示したいページタイトル」 and an example at
    # http://domain.com/blog/[my-slug]/, neither of which said what the field does in this site.
    with translation.override("ja"):
        title = str(Page._meta.get_field("title").help_text)
        slug = str(Page._meta.get_field("slug").help_text)
    assert title == "アプリとサイトで、このページの見出しと一覧に表示される題名です。"
    assert "domain.com" not in slug and "アドレス（URL）の末尾" in slug
