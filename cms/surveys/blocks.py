"""The question blocks HR edits in Wagtail, and how a survey's questions become a version's schema.

Every question is a StreamField block and every option a ListBlock item: Wagtail gives both a
UUID that survives relabelling and reordering, so an answer keyed by it is never orphaned (unlike
the form builder's `clean_name`). A condition ("show only if question X was answered Y") is
written in words HR already sees — X as the question's number or its text, Y as option labels —
checked on save with a field-level error, and resolved to ids in the version's schema.
"""

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from wagtail import blocks

SINGLE = "single"
MULTIPLE = "multiple"
SCALE = "scale"
SHORT_TEXT = "short_text"
LONG_TEXT = "long_text"
NUMBER = "number"
DATE = "date"

CHOICE_TYPES = frozenset({SINGLE, MULTIPLE, SCALE})
"""Question types with options: the only ones a condition may depend on."""

SCALE_POINTS = 5
SCALE_DEFAULT_CHOICES = [
    "重視しない",
    "あまり重視しない",
    "どちらともいえない",
    "やや重視する",
    "重視する",
]
"""The five points of a new scale question, low to high; HR may relabel them."""

_ANSWER_SEPARATORS = re.compile(r"[、,，\n]+")


def _common_head() -> list[tuple[str, blocks.Block]]:
    return [
        ("label", blocks.CharBlock(label="質問文", max_length=300)),
        (
            "help_text",
            blocks.CharBlock(label="補足説明", required=False, max_length=500),
        ),
    ]


def _common_tail() -> list[tuple[str, blocks.Block]]:
    return [
        ("required", blocks.BooleanBlock(label="回答を必須にする", required=False, default=True)),
        (
            "show_if_question",
            blocks.CharBlock(
                label="表示する条件: 質問",
                required=False,
                max_length=300,
                help_text=(
                    "前の質問の回答によってこの質問を表示するときだけ入力します。"
                    "その質問の番号（上から 1、2…）か、質問文をそのまま入力してください。"
                    "番号は保存すると質問文に置き換わります（質問を並べ替えても条件が変わりません）。"
                ),
            ),
        ),
        (
            "show_if_answers",
            blocks.CharBlock(
                label="表示する条件: 回答",
                required=False,
                max_length=500,
                help_text=(
                    "上の質問でこの選択肢が選ばれたときに表示します。選択肢をそのまま入力し、"
                    "複数のときは「、」で区切ります（どれかが選ばれたら表示）。"
                ),
            ),
        ),
        (
            "targeting",
            blocks.BooleanBlock(
                label="回答を情報提供に使う同意を求める",
                required=False,
                default=False,
                help_text=(
                    "チェックすると、回答者に「この回答をお知らせの対象選びに使ってよいか」を"
                    "たずねます。同意した人の回答だけが配信先グループの条件に使えます。"
                ),
            ),
        ),
    ]


class _QuestionBlock(blocks.StructBlock):
    """A question: the common fields around the type's own ones (`middle`)."""

    question_type = ""

    def __init__(self, local_blocks: Any = None, **kwargs: Any) -> None:
        if local_blocks is None:
            local_blocks = [*_common_head(), *self.middle(), *_common_tail()]
        super().__init__(local_blocks, **kwargs)

    def middle(self) -> list[tuple[str, blocks.Block]]:
        return []


class OptionBlock(blocks.CharBlock):
    """One option of a choice or scale question. A ListBlock item shows its label only as the
    heading of the item's panel, tied to nothing, so the text box had no name for a screen
    reader (axe: label); the widget names it 選択肢 itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field.widget.attrs["aria-label"] = "選択肢"


def _options_block(**kwargs: Any) -> blocks.ListBlock:
    return blocks.ListBlock(OptionBlock(label="選択肢", max_length=200), **kwargs)


class SingleChoiceBlock(_QuestionBlock):
    question_type = SINGLE

    def middle(self) -> list[tuple[str, blocks.Block]]:
        return [("options", _options_block(label="選択肢", min_num=2))]

    class Meta:
        label = "単一選択（ひとつ選ぶ）"
        icon = "radio-full"


class MultipleChoiceBlock(_QuestionBlock):
    question_type = MULTIPLE

    def middle(self) -> list[tuple[str, blocks.Block]]:
        return [("options", _options_block(label="選択肢", min_num=2))]

    class Meta:
        label = "複数選択（いくつでも選ぶ）"
        icon = "tasks"


class ScaleBlock(_QuestionBlock):
    question_type = SCALE

    def middle(self) -> list[tuple[str, blocks.Block]]:
        return [
            (
                "options",
                _options_block(
                    label="5段階の表示（低い方から）",
                    min_num=SCALE_POINTS,
                    max_num=SCALE_POINTS,
                    default=list(SCALE_DEFAULT_CHOICES),
                ),
            )
        ]

    class Meta:
        label = "5段階評価"
        icon = "order"


class ShortTextBlock(_QuestionBlock):
    question_type = SHORT_TEXT

    class Meta:
        label = "短い文章"
        icon = "pilcrow"


class LongTextBlock(_QuestionBlock):
    question_type = LONG_TEXT

    class Meta:
        label = "長い文章（自由記述）"
        icon = "doc-full"


class NumberBlock(_QuestionBlock):
    question_type = NUMBER

    class Meta:
        label = "数値"
        icon = "table"


class DateBlock(_QuestionBlock):
    question_type = DATE

    class Meta:
        label = "日付（和暦も可）"
        icon = "date"


QUESTION_BLOCKS: list[tuple[str, blocks.Block]] = [
    (SINGLE, SingleChoiceBlock()),
    (MULTIPLE, MultipleChoiceBlock()),
    (SCALE, ScaleBlock()),
    (SHORT_TEXT, ShortTextBlock()),
    (LONG_TEXT, LongTextBlock()),
    (NUMBER, NumberBlock()),
    (DATE, DateBlock()),
]


def _plain(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _options_of(child: Any) -> list[tuple[str | None, str]]:
    """(id, label) of a question block's options; ids are None before the first save."""
    options = child.value.get("options") if child.block_type in CHOICE_TYPES else None
    if options is None:
        return []
    bound = getattr(options, "bound_blocks", None)
    if bound is None:
        return [(None, str(value)) for value in options]
    return [(item.id, str(item.value)) for item in bound]


def _condition(
    questions: Sequence[Any], index: int
) -> tuple[tuple[int, list[int]] | None, dict[str, str]]:
    """The condition of question `index` as (index of question X, indexes of its options Y),
    or the field errors HR sees in the editor."""
    value = questions[index].value
    asked_question = _plain(value.get("show_if_question"))
    asked_answers = [
        a
        for a in (
            _plain(p) for p in _ANSWER_SEPARATORS.split(str(value.get("show_if_answers") or ""))
        )
        if a
    ]
    if not asked_question and not asked_answers:
        return None, {}
    if not asked_question:
        return None, {"show_if_question": "条件にする質問を入力してください。"}
    if not asked_answers:
        return None, {"show_if_answers": "どの回答のときに表示するかを入力してください。"}
    target: int | None = None
    if asked_question.isdigit():
        number = int(asked_question)
        if not 1 <= number < index + 1:
            return None, {
                "show_if_question": "この質問より前にある質問の番号（1、2…）を入力してください。"
            }
        target = number - 1
    else:
        for earlier in range(index):
            if _plain(questions[earlier].value.get("label")) == asked_question:
                target = earlier
                break
        if target is None:
            return None, {
                "show_if_question": (
                    "この質問より前に、この質問文の質問がありません。"
                    "番号（1、2…）か質問文をそのまま入力してください。"
                )
            }
    if questions[target].block_type not in CHOICE_TYPES:
        return None, {"show_if_question": "条件には、選択式か5段階評価の質問を指定してください。"}
    labels = [_plain(label) for _id, label in _options_of(questions[target])]
    chosen: list[int] = []
    for answer in asked_answers:
        if answer not in labels:
            return None, {
                "show_if_answers": f"「{answer}」は質問{target + 1}の選択肢にありません。"
            }
        chosen.append(labels.index(answer))
    return (target, chosen), {}


def questions_errors(questions: Sequence[Any]) -> dict[int, dict[str, str]]:
    """Field errors of each question (by position): its condition, repeated options."""
    errors: dict[int, dict[str, str]] = {}
    for index, child in enumerate(questions):
        _found, found_errors = _condition(questions, index)
        labels = [_plain(label) for _id, label in _options_of(child)]
        if len(set(labels)) != len(labels):
            found_errors["options"] = "同じ選択肢が2つ以上あります。"
        if found_errors:
            errors[index] = found_errors
    return errors


def _field_error(name: str, message: str) -> ValidationError:
    """The error of one field of a question block; the options (a ListBlock) take theirs as a
    list-level error, shown above the options."""
    if name == "options":
        return blocks.ListBlockValidationError(non_block_errors=[ValidationError(message)])
    return ValidationError(message)


class QuestionsBlock(blocks.StreamBlock):
    """The questions of a survey, in the order alumni see them."""

    def __init__(self, local_blocks: Any = None, **kwargs: Any) -> None:
        super().__init__(local_blocks or QUESTION_BLOCKS, **kwargs)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        errors = questions_errors(list(cleaned))
        if errors:
            raise blocks.StreamBlockValidationError(
                block_errors={
                    index: blocks.StructBlockValidationError(
                        block_errors={
                            name: _field_error(name, message) for name, message in fields.items()
                        }
                    )
                    for index, fields in errors.items()
                }
            )
        _conditions_by_text(list(cleaned))
        return cleaned


def _conditions_by_text(questions: Sequence[Any]) -> None:
    """A condition typed as a question's number is kept as that question's text. The number is
    a position: moving a question later would point the condition at another question without a
    word (two 5段階 questions share their options, so nothing would even fail to resolve). The
    text stays with its question; relabelling it is refused on the next save, at this field."""
    for index, child in enumerate(questions):
        asked = _plain(child.value.get("show_if_question"))
        if not asked.isdigit():
            continue
        label = str(questions[int(asked) - 1].value.get("label") or "")
        earlier = [_plain(q.value.get("label")) for q in questions[:index]]
        if not _plain(label).isdigit() and earlier.count(_plain(label)) == 1:
            child.value["show_if_question"] = label


def questions_schema(questions: Iterable[Any]) -> dict[str, Any]:
    """A saved survey's questions as a version's schema (see the survey contract): ids, labels,
    options, conditions resolved to ids. A condition that no longer resolves is left out (the
    editor refuses to save one, so only a page saved in code can have it)."""
    children = list(questions)
    schema: list[dict[str, Any]] = []
    for index, child in enumerate(children):
        value = child.value
        options = _options_of(child)
        found, _errors = _condition(children, index)
        condition = None
        if found is not None:
            target, chosen = found
            target_options = _options_of(children[target])
            condition = {
                "question": str(children[target].id),
                "options": [str(target_options[i][0]) for i in chosen],
            }
        schema.append(
            {
                "id": str(child.id),
                "type": child.block_type,
                "label": str(value.get("label") or ""),
                "help_text": str(value.get("help_text") or ""),
                "required": bool(value.get("required")),
                "options": [{"id": str(oid), "label": label} for oid, label in options],
                "condition": condition,
                "targeting": bool(value.get("targeting")),
            }
        )
    return {"questions": schema}


def option_items(labels: Iterable[str]) -> list[dict[str, str]]:
    """Options as raw ListBlock data with their ids: a page saved in code with plain strings
    would get new ids each time it is read, and answers would lose their options."""
    return [{"type": "item", "value": str(label), "id": str(uuid.uuid4())} for label in labels]


def demo_questions(specs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw StreamField data of questions written as plain data (content_fixtures/site.toml):
    `type`, `label`, optional `options` (a scale without them gets the default points),
    `help_text`, `required` (default true), `show_if_question`, `show_if_answers`, `targeting`."""
    questions = []
    for spec in specs:
        value: dict[str, Any] = {
            "label": spec["label"],
            "help_text": spec.get("help_text", ""),
            "required": spec.get("required", True),
            "show_if_question": spec.get("show_if_question", ""),
            "show_if_answers": spec.get("show_if_answers", ""),
            "targeting": spec.get("targeting", False),
        }
        if spec["type"] in CHOICE_TYPES:
            default = SCALE_DEFAULT_CHOICES if spec["type"] == SCALE else []
            value["options"] = option_items(spec.get("options", default))
        questions.append({"type": spec["type"], "value": value})
    return questions
