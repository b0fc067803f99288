"""The clinic's own folder from the command line: init, CLINIC_DIR, check, and YAML mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config.clinic_folder import KINDS
from tests.bot.command_line import ROOT, assert_one_line_error, cli, cli_process

NEW_ENTRY = """
  - id: cupping
    title: Cupping
    question: Do you offer cupping?
    alternates:
      - do you do cupping
      - is cupping available
      - can i have cupping therapy
    keywords: [cupping]
    answer: |
      Yes: cupping can be added to any 60- or 90-minute session.
"""


def init(folder: Path, *flags: str) -> None:
    result = cli("init", str(folder), *flags)
    assert result.returncode == 0, result.stderr


def in_use(stdout: str) -> dict[str, str]:
    """Map each file's title in `check`'s list to the rest of its line."""
    listed = stdout.split("Files in use:\n", 1)[1].split("OK:", 1)[0]
    return dict(line.strip().split(": ", 1) for line in listed.strip().splitlines())


def test_init_writes_a_copy_of_each_shipped_file_a_readme_and_the_next_steps(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "our-clinic"
    result = cli("init", str(folder))
    assert result.returncode == 0, result.stderr
    for kind in KINDS:
        assert (folder / kind.name).read_bytes() == kind.shipped.read_bytes(), kind.name
    assert {p.name for p in folder.iterdir()} == {k.name for k in KINDS} | {"README.md"}
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind.name}` |" in readme
    assert f"CLINIC_DIR={folder} clinic-bot check" in readme
    assert "Next steps" in result.stdout
    assert f"CLINIC_DIR={folder} clinic-bot check" in result.stdout
    assert f"CLINIC_DIR={folder} clinic-bot run" in result.stdout


def test_init_refuses_to_overwrite_the_clinics_files_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    kb = folder / "knowledge_base.yaml"
    edited = kb.read_text(encoding="utf-8") + NEW_ENTRY
    kb.write_text(edited, encoding="utf-8")
    (folder / "messages.yaml").unlink()
    again = cli("init", str(folder))
    assert_one_line_error(again, str(folder), "knowledge_base.yaml", "--force")
    assert "messages.yaml" not in again.stderr, "only the files that are there are named"
    assert kb.read_text(encoding="utf-8") == edited, "nothing was overwritten"
    assert not (folder / "messages.yaml").exists(), "nothing at all was written"
    init(folder, "--force")
    assert kb.read_bytes() == KINDS[1].shipped.read_bytes()
    assert (folder / "messages.yaml").exists()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "clinic.txt"
    target.write_text("not a folder")
    assert_one_line_error(cli("init", str(target)), str(target), "not a folder")


def test_check_names_each_file_in_use_and_where_it_came_from(tmp_path: Path) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    kb = folder / "knowledge_base.yaml"
    kb.write_text(kb.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
    (folder / "messages.yaml").unlink()
    result = cli("check", env={"CLINIC_DIR": str(folder)})
    assert result.returncode == 0, result.stderr
    files = in_use(result.stdout)
    assert files["knowledge base"] == f"{kb} (the clinic's folder)"
    shipped = next(k.shipped for k in KINDS if k.name == "messages.yaml")
    assert files["messages"] == f"{shipped} (shipped with the bot)", "missing: falls back"
    for title in ("clinic settings", "health check", "safety phrases", "safety examples"):
        assert files[title].endswith("(the clinic's folder)"), title
    assert "28 FAQ entries" in result.stdout, "the clinic's knowledge base is the one loaded"
    faq = cli("faq", "check", env={"CLINIC_DIR": str(folder)})
    assert f"OK: {kb}: 28 entries" in faq.stdout, faq.stderr


def test_without_clinic_dir_check_lists_the_shipped_files(tmp_path: Path) -> None:
    result = cli_process("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = in_use(result.stdout)
    assert len(files) == len(KINDS)
    for kind in KINDS:
        # Run from elsewhere, the command uses the installed package (a copy under
        # site-packages when installed without -e): the same file in the package.
        path, _, source = files[kind.title].partition(" (")
        assert source == "shipped with the bot)", files[kind.title]
        assert path.endswith(str(kind.shipped.relative_to(ROOT))), path
        assert Path(path).read_bytes() == kind.shipped.read_bytes()


def test_clinic_config_wins_over_the_folders_clinic_file_and_check_says_so(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    single = tmp_path / "other-clinic.yaml"
    single.write_bytes(KINDS[0].shipped.read_bytes())
    env = {"CLINIC_DIR": str(folder), "CLINIC_CONFIG": str(single)}
    result = cli("check", env=env)
    assert result.returncode == 0, result.stderr
    files = in_use(result.stdout)
    assert files["clinic settings"] == f"{single} (CLINIC_CONFIG)"
    assert files["knowledge base"].endswith("(the clinic's folder)")
    assert f"{folder / 'clinic.yaml'} is not used" in result.stderr


def test_a_clinic_dir_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = cli("check", env={"CLINIC_DIR": str(missing)})
    assert_one_line_error(result, "CLINIC_DIR", str(missing), "clinic-bot init")


def test_a_misnamed_file_in_the_folder_is_pointed_out(tmp_path: Path) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    (folder / "knowledge_base.yaml").rename(folder / "knowledgebase.yaml")
    result = cli("check", env={"CLINIC_DIR": str(folder)})
    assert result.returncode == 0, result.stderr
    assert f"{folder / 'knowledgebase.yaml'} is not one of the bot's files" in result.stderr
    assert in_use(result.stdout)["knowledge base"].endswith("(shipped with the bot)")


# Two lines at one level ("name: value" or "- item"), the second pulled back one space: the
# commonest slip in a hand-edited YAML file.
SAME_LEVEL = re.compile(r"^( {2,})(- |[a-z_]+: \S)")


@pytest.mark.parametrize("name", [kind.name for kind in KINDS])
def test_a_yaml_syntax_error_in_any_file_names_the_file_line_and_column(
    tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)

    def same_level(i: int) -> bool:
        this, above = SAME_LEVEL.match(lines[i]), SAME_LEVEL.match(lines[i - 1])
        return bool(this and above and this[1] == above[1] and this[2][0] == above[2][0])

    number = next(i for i in range(1, len(lines)) if same_level(i))
    indent = len(lines[number]) - len(lines[number].lstrip(" "))
    lines[number] = lines[number][1:]
    path.write_text("".join(lines), encoding="utf-8")
    result = cli("check", env={"CLINIC_DIR": str(folder)})
    where = f"invalid YAML at line {number + 1}, column {indent}: this line does not line up"
    assert_one_line_error(result, f"{path}: {where}")
    for jargon in ("<block", "expected key", "while parsing", "indicator"):
        assert jargon not in result.stderr


def test_a_colon_inside_a_value_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "our-clinic"
    init(folder)
    path = folder / "clinic.yaml"
    text = path.read_text(encoding="utf-8")
    before = "price_notes: Students"
    line = text[: text.index(before)].count("\n") + 1
    path.write_text(text.replace(before, "price_notes: Note: students"), encoding="utf-8")
    result = cli("check", env={"CLINIC_DIR": str(folder)})
    where = f"{path}: invalid YAML at line {line}, column 18: a ': ' inside a value"
    assert_one_line_error(result, where, "put the whole value in quotes")
