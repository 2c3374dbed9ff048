"""Finding 12: what is installed is pinned and hashed (requirements*.lock, made by scripts/lock.sh)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]


def _name(line: str) -> str:
    return re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _requirements(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            names |= _requirements(path.parent / line[3:].strip())
        else:
            names.add(_name(line))
    return names


def _locked(path: Path) -> dict[str, list[str]]:
    """Each pinned package with its hashes."""
    locked: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        if re.match(r"^[A-Za-z0-9]", line):
            assert "==" in line, f"{path.name}: not pinned: {line}"
            current = _name(line)
            locked[current] = []
        elif "--hash=sha256:" in line:
            locked[current].append(line.strip())
    return locked


@pytest.mark.parametrize("requirements, lock", PAIRS)
def test_every_requirement_is_pinned_with_hashes(requirements, lock):
    locked = _locked(ROOT / lock)
    missing = _requirements(ROOT / requirements) - set(locked)
    assert not missing, f"run bash scripts/lock.sh: {sorted(missing)} not in {lock}"
    assert all(locked.values()), f"packages without hashes in {lock}"


def test_the_dev_lock_pins_the_runtime_set_at_the_same_versions():
    runtime = (ROOT / "requirements.lock").read_text()
    dev = (ROOT / "requirements-dev.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9][^ ]*==[^ ]+)", runtime, flags=re.M)
    assert pins and all(re.search(rf"^{re.escape(pin)} ", dev, flags=re.M) for pin in pins)


def test_ci_and_the_test_script_install_from_the_lock():
    for script in (".ci/run", "scripts/test.sh"):
        text = (ROOT / script).read_text()
        assert "--require-hashes -r requirements-dev.lock" in text, script
    assert "scripts/audit.sh" in (ROOT / ".ci/run").read_text()
