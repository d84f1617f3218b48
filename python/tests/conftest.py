"""Shared fixtures of the Python tests: paths (the repository, the shared data folder, the CLI)
and the data sets. Run from the repository root: /usr/bin/python3 -m pytest -q python/tests."""

import os
import sys

import numpy as np
import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

# As tests/run.sh: $SN_SHARED, else ../shared relative to the repository root.
SHARED = os.environ.get("SN_SHARED") or os.path.normpath(os.path.join(ROOT, "..", "shared"))
CLI = os.environ.get("SN_BIN") or os.path.join(ROOT, "build", "shrinknet")


def _need(path):
    if not os.path.exists(path):
        pytest.skip("%s is missing (set SN_SHARED to the shared data folder)" % path)
    return path


def read_uci_split(name, split):
    """(X_train, y_train, X_test, y_test) of split k of a folder in Gal & Ghahramani's layout,
    rows in the order of the index files, as sn_data_read_uci reads them."""
    d = _need(os.path.join(SHARED, "uci", name))
    data = np.loadtxt(os.path.join(d, "data.txt"), ndmin=2)
    feat = np.loadtxt(os.path.join(d, "index_features.txt"), dtype=int, ndmin=1)
    target = int(np.loadtxt(os.path.join(d, "index_target.txt"), dtype=int))
    train = np.loadtxt(os.path.join(d, "index_train_%d.txt" % split), dtype=int, ndmin=1)
    test = np.loadtxt(os.path.join(d, "index_test_%d.txt" % split), dtype=int, ndmin=1)
    X, y = data[:, feat], data[:, target]
    return X[train], y[train], X[test], y[test]


def read_classification(name):
    """(X, y) of ../shared/classification/NAME.csv: header row, features, integer label last."""
    path = _need(os.path.join(SHARED, "classification", name + ".csv"))
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return a[:, :-1], a[:, -1].astype(int)


@pytest.fixture(scope="session")
def yacht():
    return read_uci_split("yacht", 0)


@pytest.fixture(scope="session")
def iris():
    return read_classification("iris")


@pytest.fixture(scope="session")
def cli():
    if not os.access(CLI, os.X_OK):
        pytest.skip("%s is not built (make)" % CLI)
    return CLI
