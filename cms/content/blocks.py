"""StreamField blocks of the body of notices, press releases and standard pages."""

from functools import cached_property
from typing import Any

from django import forms
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class LinkButtonBlock(blocks.StructBlock):
    """A large call-to-action link, to a page of the site or an external URL."""

    label = blocks.CharBlock(label="ボタンの文言", max_length=40)
    page = blocks.PageChooserBlock(label="サイト内のページ", required=False)
    url = blocks.URLBlock(label="外部 URL", required=False)

    class Meta:
        icon = "link"
        label = "リンクボタン"

    def clean(self, value: blocks.StructValue) -> blocks.StructValue:
        cleaned = super().clean(value)
        if bool(cleaned.get("page")) == bool(cleaned.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "url": blocks.BlockValidationError(
                        "ページか外部 URL のどちらか一方を指定してください。"
                    )
                }
            )
        return cleaned


def image_block() -> ImageBlock:
    """Wagtail's image block with alt text, its image field labelled in Japanese: Wagtail names
    that field after itself ("Image"), outside its translation catalog."""
    block = ImageBlock(label="画像")
    block.child_blocks["image"].label = "画像"
    return block


class LabelledRichTextBlock(blocks.RichTextBlock):
    """A rich text block whose editor a screen reader names by the block's label (本文): in a
    StreamField the editor has no label element of its own to point at."""

    @cached_property
    def field(self) -> forms.CharField:
        field: forms.CharField = super().field
        field.widget.options = {**field.widget.options, "ariaLabel": str(self.label)}
        return field

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        # Stored as the RichTextBlock it is: the name is for the editor, not the data.
        _path, args, kwargs = super().deconstruct()
        return "wagtail.blocks.RichTextBlock", args, kwargs


class BodyBlock(blocks.StreamBlock):
    paragraph = LabelledRichTextBlock(
        label="本文",
        features=["h2", "h3", "bold", "ol", "ul", "link", "document-link"],
    )
    image = image_block()
    button = LinkButtonBlock()

    class Meta:
        label = "本文"
