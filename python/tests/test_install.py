"""The package as a user installs it: pip install into a temporary target (offline, Debian's
setuptools), then a fit from there, finding the library as installed (libshrinknet.so.0 through
the loader's path) rather than through SHRINKNET_LIB; and one version everywhere."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

PY = "/usr/bin/python3"


def header_version():
    text = open(os.path.join(ROOT, "include", "shrinknet.h")).read()
    return re.search(r'#define SN_VERSION "([^"]+)"', text).group(1)


def test_versions_agree():
    import shrinknet
    assert shrinknet.__version__ == header_version()
    from shrinknet import _lib
    assert _lib.lib().sn_version().decode() == header_version()


def test_pip_install_and_fit(tmp_path):
    target = tmp_path / "site"
    # From a copy: setuptools builds in place and would leave its egg-info in the repository.
    src = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "python"), src,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "*.egg-info", "build"))
    r = subprocess.run([PY, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--no-index", "--quiet", "--target", str(target), str(src)],
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (target / "shrinknet" / "estimators.py").exists()
    build = os.path.dirname(os.environ.get("SHRINKNET_LIB") or
                            os.path.join(ROOT, "build", "libshrinknet.so"))
    env = {k: v for k, v in os.environ.items() if k != "SHRINKNET_LIB"}
    env["PYTHONPATH"] = str(target)
    env["LD_LIBRARY_PATH"] = build  # holds libshrinknet.so.0, as an installed lib folder does
    code = (
        "import numpy as np, shrinknet, sys\n"
        "assert shrinknet.__file__.startswith(sys.argv[1]), shrinknet.__file__\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(200, 3)); y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=200)\n"
        "m = shrinknet.ShrinkNetRegressor(epochs=60, seed=1).fit(X[:150], y[:150])\n"
        "r2 = m.score(X[150:], y[150:])\n"
        "print(shrinknet.library_path(), r2)\n"
        "assert r2 > 0.9, r2\n"
    )
    r = subprocess.run([PY, "-c", code, str(target)], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split()[0] == "libshrinknet.so.0", r.stdout


def test_wrong_version_refused(tmp_path, monkeypatch):
    """A library of another version is not loaded (it would misread the structs)."""
    import shrinknet
    from shrinknet import _lib
    monkeypatch.setattr(shrinknet, "__version__", "9.9.9")
    monkeypatch.setattr(_lib, "_lib", None)
    with pytest.raises(OSError, match="version"):
        _lib.lib()
    monkeypatch.undo()
    _lib._lib = None
    assert _lib.lib() is not None
