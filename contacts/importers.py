"""Import and export of salespeople and contacts (see docs/import-export.md)."""

from django.utils.translation import gettext as _

from contacts.models import Contact, ContactType, Salesperson
from crm.dataio import Column, Importer, Row, choice_column, fetch
from crm.services import number_series_take


class SalespersonImporter(Importer):
    kind = "salespeople"
    model = Salesperson
    key = ("code",)
    columns = [
        Column("code", "Code", required=True),
        Column("name", "Name", required=True),
        Column("email", "E-Mail"),
        Column("phone", "Phone No."),
        Column("job_title", "Job Title"),
        Column("commission_pct", "Commission %", kind="decimal"),
        Column("blocked", "Blocked", kind="boolean"),
    ]
    exclude_clean = ("user",)

    def existing(self, rows):
        codes = [r.values["code"] for r in rows]
        return {(o.code,): o for o in Salesperson.objects.filter(code__in=codes)}


class ContactImporter(Importer):
    """Contacts; a person's company may be in the database or in the same file."""

    kind = "contacts"
    model = Contact
    key = ("number",)
    columns = [
        Column("number", "No."),
        choice_column("type", "Type", ContactType),
        Column("name", "Name", required=True),
        Column("company", "Company No.", kind="ref", path="company__number"),
        Column(
            "salesperson",
            "Salesperson Code",
            kind="ref",
            attr="salesperson_id",
            path="salesperson__code",
        ),
        Column("email", "E-Mail"),
        Column("phone", "Phone No."),
        Column("mobile", "Mobile Phone No."),
        Column("street", "Address"),
        Column("postcode", "Post Code"),
        Column("city", "City"),
        Column("country", "Country/Region Code"),
    ]
    exclude_clean = ("company", "salesperson")

    def resolve(self, rows):
        found = self.refs(rows, "salesperson", Salesperson)
        for row in rows:
            if row.values.get("salesperson"):
                row.values["salesperson"] = found.get(row.values["salesperson"])
        # The company is resolved in check(): it may be a row of this file.
        self.company_numbers = {}
        for row in rows:
            number = row.values.pop("company", None) if "company" in row.values else 0
            if number == row.values.get("number") and number:
                number = None  # NAV gives a company its own number
            self.company_numbers[row.line] = number

    def existing(self, rows):
        numbers = [r.values["number"] for r in rows if r.values.get("number")]
        return {(o.number,): o for o in fetch(Contact.objects, "number", numbers)}

    def row_key(self, row):
        # Rows without a number are all new: give each its own key.
        return (row.values.get("number") or f"\0{row.line}",)

    def check(self, rows):
        in_file = {r.obj.number: r for r in rows if r.obj.number}
        wanted = {n for n in self.company_numbers.values() if n}
        in_db = {
            c.number: c
            for c in fetch(Contact.objects, "number", wanted - in_file.keys())
        }
        self.pending = []  # (row, company number) to link after the write
        for row in rows:
            number = self.company_numbers.get(row.line, 0)
            if number == 0:  # no company column: keep what is there
                continue
            contact = row.obj
            company_type = (
                in_file[number].obj.type
                if number in in_file
                else in_db[number].type
                if number in in_db
                else None
            )
            if number and company_type is None:
                self.error(
                    row,
                    "company",
                    _("Contact “%(code)s” does not exist.") % {"code": number},
                )
            elif number and contact.type == ContactType.COMPANY:
                self.error(
                    row, "company", _("A company cannot belong to another company.")
                )
            elif number and company_type != ContactType.COMPANY:
                self.error(
                    row,
                    "company",
                    _("The company of a person must be a company-type contact."),
                )
            elif number in in_db or (number and in_file[number].obj.pk):
                company = in_db.get(number) or in_file[number].obj
                self._set_company(row, company.pk)
            elif number:
                self.pending.append((row, number))
                if not row.created:
                    row.changed.append("company_id")
            else:
                self._set_company(row, None)
        self._check_type_changes(rows)

    def _set_company(self, row: Row, company_id):
        if row.obj.company_id != company_id:
            row.obj.company_id = company_id
            if not row.created:
                row.changed.append("company_id")

    def _check_type_changes(self, rows):
        changed = {r.obj.pk: r for r in rows if "type" in r.changed}
        if not changed:
            return
        # Through the reverse relation: contacts know nothing of the apps
        # above them, the opportunities app included.
        used = set(
            fetch(
                Contact.objects.filter(opportunities__isnull=False)
                .values_list("pk", flat=True)
                .distinct(),
                "pk",
                changed,
            )
        )
        has_persons = set(
            fetch(
                Contact.objects.values_list("company_id", flat=True), "company", changed
            )
        )
        for pk, row in changed.items():
            if pk in used:
                self.error(
                    row,
                    "type",
                    _("The type cannot change: opportunities refer to this contact."),
                )
            elif pk in has_persons:
                self.error(
                    row, "type", _("The type cannot change: persons work for it.")
                )

    def write(self, rows):
        new = [r.obj for r in rows if r.created and not r.obj.number]
        for contact, number in zip(
            new,
            number_series_take(code="CONTACT", model=Contact, count=len(new)),
            strict=True,
        ):
            contact.number = number
        super().write(rows)
        if self.pending:
            numbers = {number for _row, number in self.pending}
            ids = dict(
                fetch(Contact.objects.values_list("number", "pk"), "number", numbers)
            )
            linked = []
            for row, number in self.pending:
                if row.obj.company_id != ids[number]:
                    row.obj.company_id = ids[number]
                    linked.append(row.obj)
            Contact.objects.bulk_update(linked, ["company_id"], batch_size=1000)


IMPORTERS = [SalespersonImporter, ContactImporter]
