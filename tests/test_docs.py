"""The API-facts document stands on its own: every citation resolves, no old tags remain.

Code, ``openapi.yaml`` and the README cite facts as ``docs/api-facts.md#<anchor>``. An
anchor is an explicit ``<a id="..."></a>`` in ``docs/api-facts.md``. The old source tags
(``(DOCS ...)``, ``S000``, ``PY``, ``reference §8``...) pointed at a file outside this
repository, so none may come back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "docs" / "api-facts.md"
FACTS_NAME = "docs/api-facts.md"

CITATION = re.compile(r"docs/api-facts\.md(?:#([A-Za-z0-9_-]*))?")
"""The one citation form: ``docs/api-facts.md#<anchor>`` (a bare path cites the page)."""
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LOCAL_LINK = re.compile(r"\]\(#([^)]*)\)")
OLD_TAG = re.compile(
    r"shared/reference|fashn-api\.md|reference §|§"
    r"|\b(?:S00[0-4]|DOCS(?:-OAS|-OLD|-LEGACY)?|PY[TH]?|TSH|SKILL|3P)\b")
"""The retired source tags. Case-sensitive, so ``docs``, ``Python`` or ``DOCS_EXAMPLE_ID``
do not match."""

OLD_TAGS_ALLOWED: dict[str, str] = {}
"""Files allowed to keep old-style tags while they are retagged (file -> why): none."""


def cited_files() -> list[Path]:
    """Every file that may cite the facts: the package, the contract, the README."""
    return [*sorted((ROOT / "fashn_mock").rglob("*.py")), ROOT / "openapi.yaml",
            ROOT / "README.md"]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def anchors() -> list[str]:
    return ANCHOR.findall(FACTS.read_text(encoding="utf-8"))


def test_anchors_are_unique_and_stable_looking() -> None:
    found = anchors()
    assert found, f"{FACTS_NAME} defines no anchors"
    duplicates = sorted({a for a in found if found.count(a) > 1})
    assert not duplicates, f"anchors defined twice: {duplicates}"
    malformed = [a for a in found if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", a)]
    assert not malformed, f"anchors must be short lowercase-hyphen ids: {malformed}"


def test_links_inside_the_facts_page_resolve() -> None:
    text = FACTS.read_text(encoding="utf-8")
    broken = sorted(set(LOCAL_LINK.findall(text)) - set(anchors()))
    assert not broken, f"{FACTS_NAME} links to anchors it does not define: {broken}"


def test_reference_links_are_defined_and_public() -> None:
    """Every ``[text][label]`` has a definition, and every definition is an https URL."""
    text = FACTS.read_text(encoding="utf-8")
    definitions = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, flags=re.MULTILINE))
    used = set(re.findall(r"\]\[([^\]]+)\]", text))
    assert not used - set(definitions), f"undefined link labels: {sorted(used - set(definitions))}"
    not_public = {k: v for k, v in definitions.items() if not v.startswith("https://")}
    assert not not_public, f"sources must be public https URLs: {not_public}"


def test_facts_page_cites_no_local_material() -> None:
    text = FACTS.read_text(encoding="utf-8")
    for forbidden in ("/work/", "seeds/", "shared/", "file://"):
        assert forbidden not in text, f"{FACTS_NAME} mentions {forbidden!r}"
    assert not re.search(r"\b\d{3}_[0-9a-f]{16}\b", text), "a seed file name is cited"
    assert not OLD_TAG.search(text), f"{FACTS_NAME} uses an old tag: {OLD_TAG.search(text)}"


@pytest.mark.parametrize("path", cited_files(), ids=rel)
def test_every_citation_names_an_existing_anchor(path: Path) -> None:
    known = set(anchors())
    text = path.read_text(encoding="utf-8")
    unknown = [f"line {text.count(chr(10), 0, m.start()) + 1}: #{m.group(1)}"
               for m in CITATION.finditer(text)
               if m.group(1) is not None and m.group(1) not in known]
    assert not unknown, f"{rel(path)} cites anchors missing from {FACTS_NAME}: {unknown}"


@pytest.mark.parametrize("path", cited_files(), ids=rel)
def test_no_old_source_tags(path: Path) -> None:
    if rel(path) in OLD_TAGS_ALLOWED:
        pytest.skip(f"allow-listed until retagged: {OLD_TAGS_ALLOWED[rel(path)]}")
    text = path.read_text(encoding="utf-8")
    found = [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
             for m in OLD_TAG.finditer(text)]
    assert not found, (f"{rel(path)} still uses old source tags; cite "
                       f"{FACTS_NAME}#<anchor> instead: {found}")


def test_allow_list_only_names_files_that_still_need_it() -> None:
    """An allow-listed file that no longer has old tags must leave the list."""
    clean = [name for name in OLD_TAGS_ALLOWED
             if (ROOT / name).exists()
             and not OLD_TAG.search((ROOT / name).read_text(encoding="utf-8"))]
    assert not clean, f"remove from OLD_TAGS_ALLOWED (no old tags left): {clean}"


def test_the_checks_catch_what_they_claim_to() -> None:
    """The patterns themselves: old tags are found, ordinary words are not."""
    for old in ("(DOCS, PY)", "(S002)", "reference §8", "(DOCS-OAS StatusResponse)",
                "shared/reference/fashn-api.md", "(PY 0.9.0, DOCS-OAS)", "SKILL"):
        assert OLD_TAG.search(old), old
    for fine in ("DOCS_EXAMPLE_ID", "docs/api-facts.md#rate-limits", "Python SDK",
                 "the docs say", "PYTHONPATH", "face_reference"):
        assert not OLD_TAG.search(fine), fine
    assert [m.group(1) for m in CITATION.finditer(
        "see docs/api-facts.md#rate-limits and docs/api-facts.md")] == ["rate-limits", None]
