"""Possible duplicates of a contact: the same name, e-mail or phone.

Names are compared without case, accents, punctuation and the company form
("Hämeen Elintarvike Oy" is "hameen elintarvike", as is "HAMEEN ELINTARVIKE
LTD."); e-mail addresses without case; phone numbers by their last eight digits
("+358 40 555 1234" is "040-5551234").
"""

import re

from django.db.models import Q, Value
from django.db.models.functions import Replace

from contacts.models import Contact
from crm.textsearch import fold, text_match

# Company forms left out of a name when comparing (Finnish, Swedish, English,
# German and a few more that NAV users meet).
COMPANY_FORMS = frozenset(
    {"oy", "oyj", "ab", "abp", "ky", "ay", "tmi", "ltd", "limited", "plc", "inc"}
    | {"llc", "corp", "co", "corporation", "gmbh", "ag", "as", "asa", "aps", "sa"}
    | {"sarl", "srl", "bv", "nv"}
)
# The digits compared: a number without its country or area prefix.
PHONE_DIGITS = 8
SHOWN = 5


def name_key(name: str) -> str:
    """The words of a name that tell it apart, folded."""
    words = re.findall(r"\w+", fold(name))
    return " ".join(word for word in words if word not in COMPANY_FORMS)


def phone_key(phone: str) -> str:
    """The last ``PHONE_DIGITS`` digits of a phone number ('' if it has fewer)."""
    digits = re.sub(r"\D", "", phone)
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


def _digits(field: str):
    # What phone numbers are written with besides digits.
    expression = field
    for mark in (" ", "-", "+", "(", ")", ".", "/"):
        expression = Replace(expression, Value(mark), Value(""))
    return expression


def possible_duplicates(
    *,
    name: str,
    email: str = "",
    phones: tuple[str, ...] = (),
    exclude_pk: int | None = None,
) -> list[Contact]:
    """The first contacts that may be the one described: the same name (see
    ``name_key``), e-mail address or phone number."""
    key = name_key(name)
    words = key.split()
    candidates = Q()
    if words:
        # The longest word finds the candidates (an indexed match); the whole
        # key decides.
        candidates |= text_match(max(words, key=len), ("name",), number="number")
    if email.strip():
        candidates |= Q(email__iexact=email.strip())
    keys = {phone_key(phone) for phone in phones} - {""}
    for digits in keys:
        candidates |= Q(_phone__endswith=digits) | Q(_mobile__endswith=digits)
    if not candidates:
        return []
    found = []
    rows = (
        Contact.objects.alias(_phone=_digits("phone"), _mobile=_digits("mobile"))
        .filter(candidates)
        .exclude(pk=exclude_pk)
        .select_related("company")
        .order_by("number")
    )
    for contact in rows[:200]:
        same_name = bool(key) and name_key(contact.name) == key
        same_email = (
            bool(email.strip()) and contact.email.lower() == email.strip().lower()
        )
        same_phone = bool(keys & {phone_key(contact.phone), phone_key(contact.mobile)})
        if same_name or same_email or same_phone:
            found.append(contact)
            if len(found) == SHOWN:
                break
    return found
