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


def shell_commands(markdown: str, heading: str) -> list[str]:
    """The commands of the sh blocks under heading, continuation lines joined, comments cut."""
    section = markdown.split(f"{heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [" ".join(re.sub(r"\s#\s.*$", "", line).split()) for line in lines if line.strip()]


def test_the_documented_production_path_is_the_one_ci_runs():
    smoke = (ROOT / "docker" / "production-smoke").read_text()
    smoke = " ".join(smoke.replace("\\\n", " ").split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    documented = shell_commands(readme, "## Running the real stack") + shell_commands(
        operations, "## Production deployment"
    )
    app_commands = [command for command in documented if command.startswith(".venv/bin/")]
    assert len(app_commands) >= 2 * 7  # migrate ... load_articles, in both documents
    for command in app_commands:
        assert command in smoke, f"docker/production-smoke does not run: {command}"
