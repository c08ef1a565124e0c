"""The demo company's tables: its people and logins, customers, sales set-up and deals.

Plain data, read by the story writer (crm/demo/stories.py) and the loader
(crm/demo/loader.py); nothing here touches the database.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from opportunities.models import CloseReasonType, InteractionKind
from salescycles.models import ActivityStepType
from salescycles.probability import Method

URL = "http://127.0.0.1:8000/"
EMAIL_DOMAIN = "revontuli.example"

# -- the people -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    salesperson_code: str
    manager: bool

    @property
    def role(self) -> str:
        return _("sales manager") if self.manager else _("sales rep")

    @property
    def group(self) -> str:
        return "Sales managers" if self.manager else "Sales reps"


LOGINS = (
    DemoLogin("manager", "manager-demo", "MV", manager=True),
    DemoLogin("anna", "anna-demo", "AH", manager=False),
    DemoLogin("jussi", "jussi-demo", "JK", manager=False),
)

# code, name, job title, phone, commission %
SALESPEOPLE = (
    ("MV", "Mikko Virtanen", _("Sales Manager"), "+358 40 712 3401", "0"),
    ("AH", "Anna Heikkinen", _("Account Manager"), "+358 40 712 3402", "3.5"),
    ("JK", "Jussi Korhonen", _("Sales Representative"), "+358 40 712 3403", "4"),
    ("LN", "Liisa Nieminen", _("Key Account Manager"), "+358 40 712 3404", "3"),
    (
        "TL",
        "Tuomas Lehtonen",
        _("Inside Sales Representative"),
        "+358 40 712 3405",
        "2.5",
    ),
)

# Which cycle a company's deals run through.
CUSTOMER, LARGE, SMALL = "EXISTING", "FIRSTLARGE", "FIRSTSMALL"


@dataclass(frozen=True)
class DemoCompany:
    name: str
    street: str
    postcode: str
    city: str
    phone: str
    domain: str
    salesperson: str
    cycle: str
    persons: tuple[str, ...]


COMPANIES = (
    DemoCompany(
        "Lakeuden Logistiikka Oy", "Kauppakatu 12", "60100", "Seinäjoki",
        "+358 6 421 5500", "lakeudenlogistiikka", "AH", CUSTOMER,
        ("Matti Mäkinen", "Sanna Laine", "Pekka Järvinen"),
    ),
    DemoCompany(
        "Saimaan Puutuote Oy", "Satamatie 4", "53900", "Lappeenranta",
        "+358 5 611 2300", "saimaanpuutuote", "JK", CUSTOMER,
        ("Heidi Koskinen", "Jari Salminen"),
    ),
    DemoCompany(
        "Pohjanmaan Teräs Oy", "Teollisuuskatu 21", "65100", "Vaasa",
        "+358 6 318 7700", "pohjanmaanteras", "LN", LARGE,
        ("Kari Heinonen", "Tiina Rantanen", "Ville Hakala"),
    ),
    DemoCompany(
        "Hämeen Elintarvike Oy", "Parolantie 55", "13130", "Hämeenlinna",
        "+358 3 612 4400", "hameenelintarvike", "AH", CUSTOMER,
        ("Minna Lehtinen", "Antti Laaksonen", "Riikka Mattila"),
    ),
    DemoCompany(
        "Turun Telakkapalvelut Oy", "Telakkakatu 8", "20240", "Turku",
        "+358 2 274 9900", "turuntelakka", "JK", LARGE,
        ("Timo Saarinen", "Päivi Karjalainen"),
    ),
    DemoCompany(
        "Oulun Sähköasennus Oy", "Kiilakiventie 1", "90250", "Oulu",
        "+358 8 552 1100", "oulunsahko", "TL", SMALL,
        ("Juha Turunen", "Katja Savolainen"),
    ),
    DemoCompany(
        "Tampereen Konepaja Oy", "Hatanpään valtatie 30", "33100", "Tampere",
        "+358 3 358 6600", "tampereenkonepaja", "MV", LARGE,
        ("Markku Lindholm", "Outi Kettunen", "Sami Ahonen"),
    ),
    DemoCompany(
        "Kuopion Apteekkitukku Oy", "Savilahdentie 6", "70210", "Kuopio",
        "+358 17 288 3300", "kuopionapteekkitukku", "LN", CUSTOMER,
        ("Eija Miettinen", "Petri Hiltunen"),
    ),
    DemoCompany(
        "Espoon Kiinteistöhuolto Oy", "Keilaranta 15", "02150", "Espoo",
        "+358 9 8165 2200", "espoonkiinteistohuolto", "AH", SMALL,
        ("Laura Väisänen", "Jukka Peltonen"),
    ),
    DemoCompany(
        "Jyväskylän Kirjapaino Oy", "Vapaudenkatu 48", "40100", "Jyväskylä",
        "+358 14 337 5500", "jyvaskylankirjapaino", "JK", CUSTOMER,
        ("Hannu Kinnunen", "Satu Pesonen"),
    ),
    DemoCompany(
        "Lapin Matkailupalvelut Oy", "Koskikatu 25", "96200", "Rovaniemi",
        "+358 16 342 8800", "lapinmatkailu", "TL", SMALL,
        ("Aino Rautio", "Eero Niskanen"),
    ),
    DemoCompany(
        "Helsingin Kahvipaahtimo Oy", "Hämeentie 105", "00550", "Helsinki",
        "+358 9 7011 4400", "helsinginkahvi", "AH", SMALL,
        ("Tuula Hyvönen", "Mikael Lindqvist", "Noora Halonen"),
    ),
)  # fmt: skip

# -- the set-up -------------------------------------------------------------------

# code, description, steps: (type, description, priority, date formula)
ACTIVITIES = (
    (
        "INITIAL",
        _("Initial contact"),
        (
            (ActivityStepType.PHONE_CALL, _("Introductory phone call"), "normal", ""),
            (
                ActivityStepType.MEETING,
                _("First meeting with the customer"),
                "high",
                "1W",
            ),
        ),
    ),
    (
        "PRESENT",
        _("Presentation"),
        (
            (
                ActivityStepType.MEETING,
                _("Product presentation on site"),
                "high",
                "1W",
            ),
            (
                ActivityStepType.NONE,
                _("Send the presentation material"),
                "normal",
                "1W+2D",
            ),
        ),
    ),
    (
        "PROPOSAL",
        _("Proposal"),
        (
            (
                ActivityStepType.NONE,
                _("Prepare the proposal and the quote"),
                "high",
                "3D",
            ),
            (
                ActivityStepType.PHONE_CALL,
                _("Walk the customer through the proposal"),
                "normal",
                "1W",
            ),
            (
                ActivityStepType.PHONE_CALL,
                _("Follow up on the proposal"),
                "normal",
                "2W",
            ),
        ),
    ),
    (
        "SIGN",
        _("Sign contract"),
        (
            (ActivityStepType.MEETING, _("Contract signing meeting"), "high", "1W"),
            (
                ActivityStepType.NONE,
                _("Hand the deal over to delivery"),
                "normal",
                "2W",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class DemoStage:
    number: int
    description: str
    completed: int
    chances: int
    formula: str
    activity: str = ""
    quote_required: bool = False
    allow_skip: bool = False


# code, description, probability method, stages
CYCLES = (
    (
        "EXISTING",
        _("Existing customer"),
        Method.MULTIPLY,
        (
            DemoStage(10, _("Initial contact"), 5, 40, "CM+2M", "INITIAL"),
            DemoStage(
                20, _("Presentation"), 20, 50, "CM+1M", "PRESENT", allow_skip=True
            ),
            DemoStage(
                30, _("Proposal"), 50, 60, "CM+1M", "PROPOSAL", quote_required=True
            ),
            DemoStage(40, _("Negotiation"), 75, 75, "2W", allow_skip=True),
            DemoStage(50, _("Sign contract"), 90, 90, "1W", "SIGN"),
        ),
    ),
    (
        "FIRSTLARGE",
        _("New large customer"),
        Method.MULTIPLY,
        (
            DemoStage(10, _("Initial contact"), 2, 20, "CM+3M", "INITIAL"),
            DemoStage(20, _("Needs analysis"), 10, 30, "CM+3M"),
            DemoStage(30, _("Presentation"), 25, 40, "CM+2M", "PRESENT"),
            DemoStage(40, _("Pilot workshop"), 40, 50, "CM+2M", allow_skip=True),
            DemoStage(
                50, _("Proposal"), 60, 60, "CM+1M", "PROPOSAL", quote_required=True
            ),
            DemoStage(60, _("Negotiation"), 80, 75, "2W"),
            DemoStage(70, _("Sign contract"), 95, 90, "1W", "SIGN"),
        ),
    ),
    (
        "FIRSTSMALL",
        _("New small customer"),
        Method.CHANCES,
        (
            DemoStage(10, _("Initial contact"), 10, 25, "CM+1M", "INITIAL"),
            DemoStage(
                20, _("Presentation"), 40, 50, "CM+1M", "PRESENT", allow_skip=True
            ),
            DemoStage(30, _("Proposal"), 70, 70, "2W", "PROPOSAL", quote_required=True),
            DemoStage(40, _("Sign contract"), 95, 90, "1W", "SIGN"),
        ),
    ),
)

# code, description, type, weight when picking a reason
CLOSE_REASONS = (
    ("BESTPRICE", _("Best price"), CloseReasonType.WON, 3),
    ("RELATION", _("Good relation"), CloseReasonType.WON, 4),
    ("BESTFIT", _("Best fit for the need"), CloseReasonType.WON, 3),
    ("PRICEHIGH", _("Price too high"), CloseReasonType.LOST, 3),
    ("COMPETITOR", _("Chose a competitor"), CloseReasonType.LOST, 3),
    ("NOBUDGET", _("No budget"), CloseReasonType.LOST, 2),
    ("NODECISION", _("No decision, postponed"), CloseReasonType.LOST, 2),
)

# -- what the deals are about -------------------------------------------------------

DEALS = {
    CUSTOMER: (
        (_("Additional user licences ({n})"), 4_000, 15_000),
        (_("Support agreement renewal {year}"), 8_000, 25_000),
        (_("Upgrade to ERP version 24"), 15_000, 45_000),
        (_("Handheld scanners, {n} units"), 6_000, 20_000),
        (_("Training: purchase-to-pay process"), 3_000, 8_000),
        (_("Payroll integration"), 10_000, 30_000),
        (_("Label printers for the warehouse"), 5_000, 14_000),
        (_("BI dashboards for management"), 12_000, 35_000),
        (_("EDI link to the main wholesaler"), 9_000, 28_000),
        (_("Cloud migration of the ERP"), 25_000, 60_000),
    ),
    LARGE: (
        (_("ERP implementation, phase 1"), 90_000, 250_000),
        (_("Warehouse management system"), 60_000, 180_000),
        (_("Field service mobile solution"), 40_000, 120_000),
        (_("Production planning system"), 70_000, 200_000),
        (_("Group-wide CRM roll-out"), 50_000, 150_000),
        (_("Financial consolidation project"), 45_000, 110_000),
    ),
    SMALL: (
        (_("Starter ERP package, {n} users"), 5_000, 15_000),
        (_("Web shop integration"), 4_000, 12_000),
        (_("Time tracking app"), 3_000, 9_000),
        (_("Invoice scanning service"), 3_500, 10_000),
        (_("Inventory app for one warehouse"), 6_000, 18_000),
    ),
}

NOTES = {
    InteractionKind.CALL: (
        _("Called {who} to agree on the next steps."),
        _("Phone call with {who}: the budget is confirmed for this year."),
        _("{Who} asked for references; gave two customers to call."),
        _("Short call with {who} about the timetable."),
    ),
    InteractionKind.EMAIL: (
        _("Sent the brochure and the price list to {who}."),
        _("E-mailed the meeting notes and the agreed timetable."),
        _("Answered {who}'s questions about integrations by e-mail."),
    ),
    InteractionKind.MEETING: (
        _("Meeting in {city} with {who} and their IT manager."),
        _("Demo of the warehouse module on site in {city}."),
        _("Lunch meeting with {who} in {city}."),
    ),
    InteractionKind.NOTE: (
        _("Lead from the Logistics & Supply Chain fair in Helsinki."),
        _("{Who} mentioned a cheaper offer from a competitor (about −10 %)."),
        _("Their financial year ends in December; decision expected before that."),
    ),
}

# How the 60 stories end. "reopened_*" stories close once and are reopened by
# the manager; "lost_unstarted" is closed before it ever started.
OUTCOMES = (
    ["not_started"] * 7
    + ["in_progress"] * 26
    + ["won"] * 15
    + ["lost"] * 8
    + ["lost_unstarted"]
    + ["reopened_open", "reopened_fix", "reopened_won"]
)
