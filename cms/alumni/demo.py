"""Demo alumni for the `load_demo_*` commands, made the way people are: a roster row, a letter
code, a registration — all through the alumni services, so the demo obeys every rule."""

from dataclasses import astuple, dataclass

from django.conf import settings

from cms.alumni.models import Alumnus, RosterEntry
from cms.alumni.roster import roster_file_read
from cms.alumni.services import (
    alumnus_update,
    invitation_issue_letters,
    registration_create,
    roster_import,
)

# The columns in the order of DemoPerson's fields (the roster reader goes by the headers).
_HEADER = "職員番号,姓,名,姓（かな）,名（かな）,退職時の所属,メールアドレス,生年月日,採用日,退職日,郵便番号,住所"


@dataclass(frozen=True)
class DemoPerson:
    """A fictitious former employee (example.jp address); dates as a roster writes them."""

    staff_number: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    department: str
    email: str
    birth_date: str = "1980-04-01"
    hired_on: str = "2005-04-01"
    retired_on: str = "2023-03-31"
    postcode: str = "980-8570"
    address: str = "宮城県仙台市青葉区本町三丁目8番1号"
    current_region: str = ""


def demo_alumni_register(people: list[DemoPerson]) -> list[Alumnus]:
    """Each person registered through the services, with their self-declared region
    (idempotent: someone already registered is returned as is)."""
    rows = [",".join(astuple(p)[:12]) for p in people]
    content = "\n".join([_HEADER, *rows]).encode()
    roster_import(roster=roster_file_read(filename="demo.csv", content=content))
    waiting = RosterEntry.objects.filter(
        staff_number__in=[p.staff_number for p in people], alumnus__isnull=True
    ).exclude(email__in=Alumnus.objects.values("email"))
    for entry, code in invitation_issue_letters(entries=list(waiting), actor=None):
        alumnus = registration_create(
            invitation_code=code,
            family_name=entry.family_name,
            given_name=entry.given_name,
            family_name_kana=entry.family_name_kana,
            given_name_kana=entry.given_name_kana,
            email=entry.email,
            birth_date=entry.birth_date,
            consent_email=True,
            consent_push=True,
            consent_analytics=True,
            privacy_notice_version=settings.ALUMNI_PRIVACY_NOTICE_VERSION,
        )
        region = next(p.current_region for p in people if p.email == entry.email)
        alumnus_update(alumnus=alumnus, changes={"current_region": region})
    return list(Alumnus.objects.filter(email__in=[p.email for p in people]).order_by("pk"))
