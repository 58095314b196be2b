"""The README's layout tree names every module of the app, so it cannot drift from the code."""

import re

from tests.conftest import ROOT


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout\n", 1)[1].split("\n## ", 1)[0]


def test_the_layout_names_every_package_and_module_of_the_app():
    layout = layout_block()
    for path in sorted((ROOT / "annotations").rglob("*.py")):
        if path.name == "__init__.py" or "migrations" in path.parts:
            continue
        assert re.search(rf"\b{path.stem}\b", layout), f"{path.relative_to(ROOT)} is not in it"
        if path.parent.name != "annotations":
            assert f"{path.parent.name}/" in layout, f"{path.parent} is not in it"
