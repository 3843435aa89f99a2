"""The PWA's static assets: each file under site_templates/static/ gets its content hash in its name."""

import functools
import hashlib
import shutil
from pathlib import Path

from django.conf import settings

ASSET_URL_PREFIX = "/assets/"


def source_dir() -> Path:
    """`site_templates/static/`, or `settings.PWA_STATIC_DIR` where a test builds other assets."""
    configured = getattr(settings, "PWA_STATIC_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "site_templates" / "static"


def hashed_name(relative: str, data: bytes) -> str:
    """`js/app.js` -> `js/app.1a2b3c4d5e.js`: a new name whenever the content changes."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class AssetManifest:
    """Source name -> hashed name of every static asset, read afresh by `refresh()`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.names: dict[str, str] = {}
        self.refresh()

    def refresh(self) -> None:
        names: dict[str, str] = {}
        if self.root.is_dir():
            for file in sorted(self.root.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    relative = file.relative_to(self.root).as_posix()
                    names[relative] = hashed_name(relative, file.read_bytes())
        self.names = names

    def url(self, relative: str) -> str:
        try:
            return ASSET_URL_PREFIX + self.names[relative]
        except KeyError:
            raise LookupError(f"no asset {relative!r} under {self.root}") from None

    def urls(self) -> list[str]:
        return [ASSET_URL_PREFIX + name for name in self.names.values()]

    def copy_to(self, dist: Path) -> list[str]:
        """Copies every asset under its hashed name into `dist/assets/`; returns the paths."""
        written = []
        for relative, hashed in self.names.items():
            target = dist / "assets" / hashed
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.root / relative, target)
            written.append(f"assets/{hashed}")
        return written


def manifest() -> AssetManifest:
    return _manifest_of(source_dir())


@functools.lru_cache(maxsize=1)
def _manifest_of(root: Path) -> AssetManifest:
    """One manifest per source directory (tests point the build at another one)."""
    return AssetManifest(root)


def asset(relative: str) -> str:
    """Jinja2 global: the hashed URL of a static asset, e.g. `asset("js/app.js")`."""
    return manifest().url(relative)
