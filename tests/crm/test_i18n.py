"""Finnish and English: complete catalogues, local numbers, dates and money."""

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from hypothesis import example, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from contacts.models import Salesperson
from crm.money import format_money, money_format
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"
SOURCES = ["crm", "contacts", "salescycles", "opportunities", "templates"]
NBSP = "\xa0"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """The Finnish catalogue merged with every message the sources have now.

    makemessages runs on a copy of the sources, so a message added to the code
    but not to locale/fi shows up here untranslated.
    """
    if not shutil.which("xgettext"):
        pytest.fail("xgettext is missing: run `make test` to install gettext")
    copy = tmp_path_factory.mktemp("sources")
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    (copy / "locale" / "fi" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, copy / "locale" / "fi" / "LC_MESSAGES" / "django.po")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
        call_command("makemessages", locale=["fi"], no_obsolete=True, verbosity=0)
    with open(copy / "locale" / "fi" / "LC_MESSAGES" / "django.po", "rb") as file:
        return read_po(file)


def test_every_message_has_a_finnish_translation(catalogue):
    missing = [
        message.id
        for message in catalogue
        if message.id
        and (
            message.fuzzy
            or not all(message.string if message.pluralizable else [message.string])
        )
    ]
    assert missing == [], f"{len(missing)} messages lack a Finnish translation"


def test_translations_keep_their_placeholders(catalogue):
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue.check()
    ]
    assert problems == []


# -- pages in Finnish ----------------------------------------------------------------


@pytest.fixture
def finnish_rep(client, rep):
    client.force_login(rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    return client


def rep_opportunity(rep, **kwargs):
    return OpportunityFactory(
        salesperson=Salesperson.objects.get(user=rep), in_progress=True, **kwargs
    )


def test_the_opportunity_page_speaks_finnish_with_finnish_numbers(finnish_rep, rep):
    opportunity = rep_opportunity(rep)
    opportunity.estimated_value = Decimal("1234.50")
    opportunity.estimated_close_date = datetime.date(2026, 11, 25)
    opportunity.save()

    page = finnish_rep.get(reverse("opportunities:detail", args=[opportunity.number]))

    text = page.content.decode()
    assert '<html lang="fi">' in text
    assert "Arvioitu arvo" in text
    assert f"1{NBSP}234,50{NBSP}€" in text
    assert "25.11.2026" in text


def test_the_browser_language_picks_finnish(client, rep):
    client.force_login(rep)

    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fi-FI,fi;q=0.9")

    assert '<html lang="fi">' in page.content.decode()


def test_the_language_chosen_in_the_page_is_remembered(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("set_language"), {"language": "fi", "next": reverse("home")}
    )

    assert response["Location"] == reverse("home")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fi"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fi">' in page.content.decode()


@pytest.mark.parametrize(
    ("language", "typed"),
    [("fi", "1 234,50"), ("fi", f"1{NBSP}234,50"), ("en", "1,234.50")],
)
def test_the_update_form_takes_numbers_as_the_language_writes_them(
    client, rep, language, typed
):
    client.force_login(rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    opportunity = rep_opportunity(rep)
    today = datetime.date.today()

    response = client.post(
        reverse("opportunities:advance", args=[opportunity.number]),
        {
            "move": "update",
            "date_of_change": today.isoformat(),
            "estimated_value": typed,
            "chances_pct": "0",
            "estimated_close_date": today.isoformat(),
            "version": opportunity.version,
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    assert Opportunity.objects.get().estimated_value == Decimal("1234.50")


def test_the_list_filter_takes_a_finnish_value(finnish_rep, rep):
    small = rep_opportunity(rep)  # 1 000 by default
    big = rep_opportunity(rep)
    big.estimated_value = Decimal("2500.00")
    big.save()

    response = finnish_rep.get(reverse("opportunities:list"), {"value_min": "1 500,5"})

    assert list(response.context["filter"].qs) == [big]
    assert small not in response.context["filter"].qs


# -- money and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "currency", "shown"),
    [
        ("fi", "EUR", f"1{NBSP}234,50{NBSP}€"),
        ("en", "EUR", "€1,234.50"),
        ("en", "USD", "$1,234.50"),
        ("fi", "SEK", f"1{NBSP}234,50{NBSP}SEK"),
    ],
)
def test_money_follows_the_language_and_the_currency_setting(
    settings, language, currency, shown
):
    settings.CRM_CURRENCY = currency
    with translation.override(language):
        assert format_money(Decimal("1234.5")) == shown


@settings_hypothesis(max_examples=500, derandomize=True, deadline=None)
@given(
    value=st.decimals(min_value=-(10**13), max_value=10**13, places=3, allow_nan=False),
    language=st.sampled_from(["en", "fi"]),
    currency=st.sampled_from(["EUR", "USD", "JPY", "SEK"]),
)
# Halves round to even, as Babel does; a negative amount that rounds to zero
# keeps its minus sign, as Babel writes it.
@example(value=Decimal("0.005"), language="en", currency="EUR")
@example(value=Decimal("0.015"), language="fi", currency="EUR")
@example(value=Decimal("2.5"), language="en", currency="JPY")
@example(value=Decimal("-0.004"), language="fi", currency="EUR")
@example(value=2.675, language="en", currency="EUR")
@example(value=1234, language="fi", currency="EUR")
def test_money_is_written_exactly_as_babel_writes_it(value, language, currency):
    """format_money reads each language's format from Babel once; every amount
    comes out as Babel would write it, rounding and minus sign included."""
    assert money_format(language, currency)(value) == format_currency(
        value, currency, locale=language
    )


def test_no_amount_is_shown_as_nothing():
    assert format_money(None) == ""


@pytest.mark.parametrize(
    ("language", "shown"), [("fi", "25.11.2026"), ("en", "25 Nov 2026")]
)
def test_dates_are_written_clearly(language, shown):
    with translation.override(language):
        assert date_format(datetime.date(2026, 11, 25), "SHORT_DATE_FORMAT") == shown
