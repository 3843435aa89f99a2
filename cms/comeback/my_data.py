"""The comeback estimate's part of 「自分のデータ」: the person's band and reasons, exactly as HR
sees them (or why there is none), the eligibility window and the reminder choice."""

from cms.alumni.models import Alumnus
from cms.alumni.normalise import wareki
from cms.analytics.my_data import MyDataSection, described_section, my_data_provider, my_data_row

from .person import person_comeback
from .reminders import reminder_opt_in_get


@my_data_provider
def _comeback_estimate(alumnus: Alumnus) -> list[MyDataSection]:
    seen = person_comeback(alumnus=alumnus)
    rows = [
        my_data_row("受験資格", "対象" if seen.eligible else "対象外"),
        my_data_row("受験資格の期限", seen.window_closes_on_wareki or "—"),
    ]
    if seen.probability is not None:
        rows += [
            my_data_row("区分", seen.band_label),
            my_data_row("応募の見込み", f"{seen.probability * 100:.1f}%"),
            my_data_row("主な理由", "、".join(seen.reasons)),
        ]
    else:
        rows.append(my_data_row("推計しない理由", seen.reason))
    rows += [
        my_data_row("推計の方法", seen.model_label),
        my_data_row("計算日", wareki(seen.computed_on) if seen.computed_on else "—"),
        my_data_row(
            "カムバック採用のお知らせ",
            "受け取る" if reminder_opt_in_get(alumnus=alumnus) else "受け取らない",
        ),
    ]
    section = described_section(
        "comeback_estimate", "comeback.Estimate", "カムバック採用の推計", [rows]
    )
    section.note = f"{seen.policy}。人事課が見る区分と理由は、ここに表示しているものと同じです。"
    return [section]
