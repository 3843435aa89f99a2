"""HR's list of applicants: CSV (UTF-8 with BOM, CP932) and XLSX matched to the roster, a
preview of unmatched rows, nothing changed on a bad file or without commit, audit-logged."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from cms.alumni.models import AuditLogEntry
from cms.comeback.models import Outcome
from cms.comeback.outcomes import OutcomeFileError
from cms.comeback.services import outcome_record, outcomes_import
from cms.errors import ServiceError
from tests.alumni.factories import AlumnusFactory, RosterEntryFactory
from tests.comeback.factories import SeasonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, object]:
    entry = RosterEntryFactory(staff_number="A00123")
    by_staff = AlumnusFactory(roster_entry=entry, family_name="宮城", given_name="花子")
    by_name = AlumnusFactory(family_name="仙台", given_name="一郎", birth_date=dt.date(1979, 7, 7))
    RosterEntryFactory(staff_number="B00999")  # in the roster, never registered
    return {"by_staff": by_staff, "by_name": by_name}


CSV = (
    "職員番号,氏名,生年月日,応募,採用\r\n"
    "A00123,宮城 花子,1985-04-01,○,○\r\n"
    ",仙台　一郎,昭和54年7月7日,○,\r\n"
    "B00999,未登録 次郎,1990-01-01,○,\r\n"
    "Z99999,不明 三郎,1990-01-01,○,\r\n"
    ",誰か 四郎,1970-01-01,○,\r\n"
)


def test_a_csv_in_utf8_with_bom_is_previewed_without_changing_anything(
    people: dict, admin_user: object
) -> None:
    season = SeasonFactory()
    preview = outcomes_import(
        data=b"\xef\xbb\xbf" + CSV.encode(),
        filename="applicants.csv",
        season=season,
        actor=admin_user,  # type: ignore[arg-type]
        commit=False,
    )
    assert [(m.row, m.alumnus, m.applied, m.hired) for m in preview.matched] == [
        (2, people["by_staff"], True, True),
        (3, people["by_name"], True, False),
    ]
    assert [(u.row, u.reason) for u in preview.unmatched] == [
        (4, "名簿にありますが、アルムナイとして登録されていません"),
        (5, "職員番号が名簿にありません"),
        (6, "氏名と生年月日が一致する登録者がいません"),
    ]
    assert "不明 三郎" in preview.unmatched[1].text
    assert Outcome.objects.count() == 0
    assert not AuditLogEntry.objects.filter(
        target="comeback_outcomes_import", action="import"
    ).exists()


def test_committing_a_cp932_csv_records_the_matched_rows_and_logs_them(
    people: dict, admin_user: object
) -> None:
    season = SeasonFactory()
    result = outcomes_import(
        data=CSV.encode("cp932"),
        filename="applicants.csv",
        season=season,
        actor=admin_user,  # type: ignore[arg-type]
        commit=True,
    )
    assert result.recorded == 2
    assert set(Outcome.objects.values_list("alumnus_id", "applied", "hired")) == {
        (people["by_staff"].pk, True, True),
        (people["by_name"].pk, True, False),
    }
    entry = AuditLogEntry.objects.get(target="comeback_outcomes_import", action="import")
    assert sorted(entry.record_ids) == sorted(
        [str(people["by_staff"].pk), str(people["by_name"].pk)]
    )


def test_an_xlsx_without_an_applied_column_means_everyone_listed_applied(people: dict) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓", "名", "生年月日"])
    sheet.append(["仙台", "一郎", dt.date(1979, 7, 7)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = outcomes_import(
        data=buffer.getvalue(),
        filename="list.xlsx",
        season=SeasonFactory(),
        actor=None,
        commit=True,
    )
    assert result.unmatched == []
    assert Outcome.objects.get().applied is True


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"\xff\xfe\x00\x81\xff binary", "photo.csv", "文字コード"),
        (b"PK\x03\x04broken", "list.xlsx", "Excel"),
        ("氏名,住所\r\n宮城 花子,仙台市\r\n".encode(), "list.csv", "列が必要です"),
        ("職員番号,氏名\r\n".encode(), "list.csv", "データの行がありません"),
        # A BOM says UTF-8 but the text after it was saved in CP932.
        (b"\xef\xbb\xbf" + "職員番号,応募\r\nA001,○\r\n".encode("cp932"), "list.csv", "文字コード"),
        # A stray quote in a short list joins the next rows into one cell: refused, with its row.
        (
            '職員番号,応募\r\nA001,○\r\nA002,"○\r\nA003,○\r\n'.encode(),
            "list.csv",
            "3 行目の欄が次の行まで続いています",
        ),
        # A stray quote turns the rest of a long list into one cell past the csv module's limit.
        (
            ('職員番号,氏名\r\nA001,"宮城 花子\r\n' + "A002,仙台 次郎\r\n" * 12000).encode(),
            "list.csv",
            "引用符",
        ),
    ],
)
def test_a_bad_file_is_refused_in_japanese_and_nothing_changes(
    people: dict, data: bytes, filename: str, words: str
) -> None:
    season = SeasonFactory()
    outcome_record(season=season, alumnus=people["by_name"], applied=True, hired=False, actor=None)
    with pytest.raises(OutcomeFileError, match=words):
        outcomes_import(data=data, filename=filename, season=season, actor=None, commit=True)
    assert list(Outcome.objects.values_list("alumnus_id", "applied")) == [
        (people["by_name"].pk, True)
    ]


def test_recording_one_outcome_is_audited_and_hired_needs_applied(
    people: dict, admin_user: object
) -> None:
    season = SeasonFactory()
    with pytest.raises(ServiceError, match="応募した方に限り"):
        outcome_record(
            season=season,
            alumnus=people["by_name"],
            applied=False,
            hired=True,
            actor=admin_user,  # type: ignore[arg-type]
        )
    outcome_record(
        season=season,
        alumnus=people["by_name"],
        applied=True,
        hired=False,
        actor=admin_user,  # type: ignore[arg-type]
    )
    outcome_record(
        season=season,
        alumnus=people["by_name"],
        applied=True,
        hired=True,
        actor=admin_user,  # type: ignore[arg-type]
    )
    assert Outcome.objects.get().hired is True
    assert AuditLogEntry.objects.filter(target="comeback_outcome", action="edit").count() == 2
