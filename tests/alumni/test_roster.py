"""Roster import: encodings, XLSX, 和暦, idempotent re-import, all-or-nothing with every bad row."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from cms.alumni.models import RosterEntry
from cms.alumni.roster import RosterFileError, roster_file_read, roster_value_check
from cms.alumni.services import RosterInvalid, roster_import

pytestmark = pytest.mark.django_db

HEADER = "職員番号,姓,名,姓（かな）,名（かな）,生年月日,退職時の所属,採用日,退職日,メールアドレス,郵便番号,住所"
ROWS = [
    "A001,宮城,花子,みやぎ,はなこ,昭和60年4月1日,総務部,2008/4/1,2022/3/31,ｈａｎａｋｏ@example.jp,9808570,仙台市青葉区本町3-8-1",
    "A002,仙台,次郎,せんだい,じろう,S60.4.1,土木部,H20.4.1,R4.3.31,,980-0811,仙台市青葉区一番町1-1",
    "A003,石巻,三郎,ｲｼﾉﾏｷ,さぶろう,1990-12-24,保健福祉部,2012-04-01,2023-03-31,saburo@example.jp,,",
]


def csv_bytes(rows: list[str], encoding: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_csv_roster_is_imported_in_each_encoding_with_japanese_era_dates(encoding: str) -> None:
    roster = roster_file_read(filename="roster.csv", content=csv_bytes(ROWS, encoding))
    result = roster_import(roster=roster)

    assert (result.created, result.updated) == (3, 0)
    hanako = RosterEntry.objects.get(staff_number="A001")
    assert hanako.family_name == "宮城"
    assert hanako.birth_date == dt.date(1985, 4, 1)
    assert hanako.email == "hanako@example.jp"
    assert hanako.postal_code == "980-8570"
    jiro = RosterEntry.objects.get(staff_number="A002")
    assert jiro.birth_date == dt.date(1985, 4, 1)
    assert jiro.hired_on == dt.date(2008, 4, 1)
    assert jiro.retired_on == dt.date(2022, 3, 31)
    assert RosterEntry.objects.get(staff_number="A003").family_name_kana == "イシノマキ"


def test_xlsx_roster_is_imported_with_date_cells_and_era_strings() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "B001",
            "気仙沼",
            "一郎",
            "けせんぬま",
            "いちろう",
            dt.datetime(1970, 5, 5),
            "水産部",
            "平成2年4月1日",
            dt.date(2020, 3, 31),
            "",
            "988-0000",
            "気仙沼市",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    roster_import(roster=roster_file_read(filename="名簿.xlsx", content=buffer.getvalue()))

    entry = RosterEntry.objects.get(staff_number="B001")
    assert entry.birth_date == dt.date(1970, 5, 5)
    assert entry.hired_on == dt.date(1990, 4, 1)
    assert entry.retired_on == dt.date(2020, 3, 31)


def test_importing_the_same_file_again_changes_nothing() -> None:
    content = csv_bytes(ROWS, "cp932")
    roster_import(roster=roster_file_read(filename="r.csv", content=content))
    before = list(RosterEntry.objects.values_list("pk", "updated_at"))

    again = roster_import(roster=roster_file_read(filename="r.csv", content=content))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(RosterEntry.objects.values_list("pk", "updated_at")) == before


def test_reimport_updates_by_staff_number_without_duplicates() -> None:
    roster_import(roster=roster_file_read(filename="r.csv", content=csv_bytes(ROWS, "utf-8")))
    changed = [ROWS[0].replace("総務部", "企画部")]

    result = roster_import(
        roster=roster_file_read(filename="r.csv", content=csv_bytes(changed, "utf-8"))
    )

    assert (result.created, result.updated) == (0, 1)
    assert RosterEntry.objects.count() == 3
    assert RosterEntry.objects.get(staff_number="A001").former_department == "企画部"


def test_a_file_with_bad_rows_writes_nothing_and_names_every_bad_row() -> None:
    bad = [
        ROWS[0],
        "A004,登米,四郎,とめ,しろう,昭和65年1月1日,,,,,,",
        "A005,,五郎,,ごろう,1980-01-01,,,,not-an-email,,",
        "A006,栗原,\u202e六郎,くりはら,ろくろう,1980-01-01,,,,,,",
        "A001,重複,七郎,ちょうふく,しちろう,1980-01-01,,,,,,",
    ]
    roster = roster_file_read(filename="r.csv", content=csv_bytes(bad, "utf-8"))

    with pytest.raises(RosterInvalid) as refused:
        roster_import(roster=roster)

    assert [line for line, _ in refused.value.errors] == [3, 4, 5, 6]
    reasons = dict(refused.value.errors)
    assert "昭和" in reasons[3]
    assert "姓が空です" in reasons[4] and "メールアドレス" in reasons[4]
    assert "見えない文字" in reasons[5]
    assert "重複" in reasons[6]
    assert RosterEntry.objects.count() == 0


def test_two_rows_with_one_email_address_are_a_bad_row_not_two_invitations_to_one_mailbox() -> None:
    rows = [
        ROWS[0],
        "A004,登米,四郎,とめ,しろう,1980-01-01,,,,Hanako@Example.jp,,",
    ]
    roster = roster_file_read(filename="r.csv", content=csv_bytes(rows, "utf-8"))

    assert roster.errors == [(3, "メールアドレスが 2 行目と重複しています")]


def test_an_address_too_long_for_the_letters_window_is_a_bad_row() -> None:
    address = "宮城県仙台市青葉区本町三丁目8番1号" + "ロイヤルガーデンレジデンス" * 6
    row = f"A004,登米,四郎,とめ,しろう,1980-01-01,,,,,980-8570,{address}"

    roster = roster_file_read(filename="r.csv", content=csv_bytes([ROWS[0], row], "utf-8"))

    [(line, reason)] = roster.errors
    assert line == 3 and "住所" in reason and "窓に収まりません" in reason


@pytest.mark.parametrize(
    "typed",
    [
        "9808570",
        "980-8570",
        "９８０－８５７０",
        "980ー8570",
        "980−8570",
        "〒980-8570",
        "〒 9808570",
    ],
)
def test_a_postcode_typed_the_japanese_ways_is_kept_as_980_8570(typed: str) -> None:
    assert roster_value_check("postal_code", typed) == "980-8570"


@pytest.mark.parametrize("typed", ["980-857", "98-08570", "980--8570", "〒〒9808570"])
def test_a_postcode_without_seven_digits_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="7 桁で入力してください"):
        roster_value_check("postal_code", typed)


def test_kana_columns_headed_furigana_first_are_recognised() -> None:
    content = "職員番号,姓,名,ふりがな（姓）,フリガナ(名),生年月日\r\nA010,宮城,花子,みやぎ,はなこ,1980-01-01\r\n"

    roster = roster_file_read(filename="r.csv", content=content.encode("cp932"))

    assert roster.is_valid
    assert roster.rows[0].values["given_name_kana"] == "はなこ"


def test_a_bom_before_cp932_text_is_an_encoding_error_not_a_crash() -> None:
    # An editor kept the BOM of a UTF-8 file and saved the text in Shift_JIS.
    content = b"\xef\xbb\xbf" + csv_bytes(ROWS, "cp932")

    with pytest.raises(RosterFileError) as refused:
        roster_file_read(filename="r.csv", content=content)

    assert "文字コードを判別できません" in str(refused.value)


def test_missing_columns_are_named_as_hr_heads_them() -> None:
    content = "職員番号,姓,名,生年月日\r\nA010,宮城,花子,1980-01-01\r\n".encode("cp932")

    with pytest.raises(RosterFileError) as refused:
        roster_file_read(filename="r.csv", content=content)

    assert "姓（かな）、名（かな）" in str(refused.value)
    assert "kana" not in str(refused.value)


def test_a_stray_quote_that_runs_past_the_csv_cell_limit_is_named_not_a_crash() -> None:
    rows = [ROWS[0], 'A004,"登米,四郎,とめ,しろう,1980-01-01,,,,,,', *[ROWS[1]] * 2000]

    with pytest.raises(RosterFileError) as refused:
        roster_file_read(filename="r.csv", content=csv_bytes(rows, "cp932"))

    assert "引用符" in str(refused.value)


def test_import_roster_command_imports_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROWS, "cp932"))
    out = io.StringIO()

    call_command("import_roster", str(path), stdout=out, stderr=io.StringIO())

    assert "新規 3 件" in out.getvalue()
    assert RosterEntry.objects.count() == 3


def test_import_roster_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROWS, "utf-8-sig"))
    out = io.StringIO()

    call_command("import_roster", str(path), "--dry-run", stdout=out, stderr=io.StringIO())

    assert "新規 3 件" in out.getvalue() and "書き込みなし" in out.getvalue()
    assert RosterEntry.objects.count() == 0


def test_import_roster_command_fails_with_every_bad_row_listed(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(
        csv_bytes([ROWS[0], "A009,,,,,,,,,,,", "A010,x,y,x,y,2001-02-30,,,,,,"], "utf-8")
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 行に誤り"):
        call_command("import_roster", str(path), stdout=io.StringIO(), stderr=err)

    assert "3 行目" in err.getvalue() and "4 行目" in err.getvalue()
    assert RosterEntry.objects.count() == 0


def test_import_roster_command_refuses_a_file_without_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    with pytest.raises(CommandError, match="必須の列"):
        call_command("import_roster", str(path), stdout=io.StringIO(), stderr=io.StringIO())
