"""Draws the app icons into site_templates/static/icons/ (run once; the PNGs are committed).

`python -m pwa_build.icons` redraws them: a white ring with a returning arrow (カムバック) on the
brand blue, with the maskable variant's drawing inside the 80 % safe zone.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 83, 148, 255)
WHITE = (255, 255, 255, 255)
ICONS_DIR = Path(__file__).resolve().parent.parent / "site_templates" / "static" / "icons"


def draw_mark(
    size: int, *, scale: float, background: tuple[int, int, int, int] | None
) -> Image.Image:
    """The mark centred on a square of `size` px, its ring `scale` of the side wide."""
    big = size * 4  # drawn large and scaled down for smooth edges
    image = Image.new("RGBA", (big, big), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = WHITE
    radius = big * scale / 2
    centre = big / 2
    width = max(4, int(big * scale * 0.09))
    box = (centre - radius, centre - radius, centre + radius, centre + radius)
    draw.arc(box, start=200, end=500, fill=colour, width=width)
    # The arrow head at the ring's open end, pointing back along it.
    tip_x, tip_y = centre - radius * 0.94, centre - radius * 0.34
    head = radius * 0.42
    draw.polygon(
        [
            (tip_x - head * 0.55, tip_y + head * 0.1),
            (tip_x + head * 0.65, tip_y + head * 0.2),
            (tip_x + head * 0.05, tip_y - head * 0.9),
        ],
        fill=colour,
    )
    dot = radius * 0.2
    draw.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    draw_mark(192, scale=0.62, background=BRAND).save(ICONS_DIR / "icon-192.png", optimize=True)
    draw_mark(512, scale=0.62, background=BRAND).save(ICONS_DIR / "icon-512.png", optimize=True)
    draw_mark(512, scale=0.5, background=BRAND).save(
        ICONS_DIR / "icon-maskable-512.png", optimize=True
    )
    draw_mark(180, scale=0.62, background=BRAND).convert("RGB").save(
        ICONS_DIR / "apple-touch-icon.png", optimize=True
    )
    draw_mark(96, scale=0.8, background=None).save(ICONS_DIR / "badge-96.png", optimize=True)
    draw_mark(48, scale=0.7, background=BRAND).save(
        ICONS_DIR / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)]
    )


if __name__ == "__main__":
    main()
