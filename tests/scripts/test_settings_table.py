"""docs/configuration.md is the table scripts/settings_table.py generates from the settings:
every variable the settings read has a row with its meaning."""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_table", ROOT / "scripts" / "settings_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_variable_the_settings_read_has_a_meaning() -> None:
    undocumented = [s.name for s in _script().settings_all() if not s.meaning]
    assert undocumented == []


def test_the_configuration_page_is_the_generated_table() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == _script().page(), "run: python scripts/settings_table.py --write"


def test_a_setting_added_without_a_row_fails(tmp_path: Path) -> None:
    script = _script()
    settings = tmp_path / "cms" / "settings"
    settings.mkdir(parents=True)
    for module in script.MODULES:
        text = (ROOT / "cms" / "settings" / f"{module}.py").read_text(encoding="utf-8")
        if module == "base":
            text += '\nNEW_THING = env("CHAT_NEW_THING", "1")\n'
        (settings / f"{module}.py").write_text(text, encoding="utf-8")
    script.ROOT = tmp_path
    rows = {s.name: s for s in script.settings_all()}
    assert not rows["CHAT_NEW_THING"].meaning
    assert script.page() != (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
