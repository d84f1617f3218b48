"""The estimators inside scikit-learn's machinery: cross_val_score, Pipeline with a scaler,
clone, GridSearchCV. scikit-learn is optional (Debian's python3-sklearn): skipped without it."""

import importlib.util

import numpy as np
import pytest

from shrinknet import ShrinkNetClassifier, ShrinkNetRegressor

pytestmark = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                reason="scikit-learn is not installed (apt-get install "
                                       "python3-sklearn to run these tests)")


def test_cross_val_score_pipeline_regressor(yacht):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, X_test, _ = yacht
    pipe = Pipeline([("scale", StandardScaler()),
                     ("net", ShrinkNetRegressor(epochs=40, test_samples=100))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    assert scores.mean() > 0.3, scores
    pipe.fit(X, y)
    mean, std = pipe.predict(X_test, return_std=True)
    assert mean.shape == std.shape == (X_test.shape[0],) and np.all(std > 0)


def test_cross_val_score_classifier(iris):
    from sklearn.base import is_classifier, is_regressor
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    clf = ShrinkNetClassifier(epochs=150, test_samples=100)
    assert is_classifier(clf) and is_regressor(ShrinkNetRegressor())
    scores = cross_val_score(clf, X, y, cv=5)  # stratified, as clf is a classifier
    assert scores.shape == (5,) and scores.mean() >= 0.85, scores
    pipe = make_pipeline(StandardScaler(), ShrinkNetClassifier(epochs=100, test_samples=100))
    assert is_classifier(pipe)
    scores = cross_val_score(pipe, X, np.array(["a", "b", "c"])[y], cv=3)
    assert scores.mean() >= 0.85, scores


def test_clone_and_grid_search(yacht):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    X, y, _, _ = yacht
    est = ShrinkNetRegressor(epochs=5, hidden=8, test_samples=20)
    c = clone(est)
    assert c is not est and c.get_params() == est.get_params()
    grid = GridSearchCV(est, {"hidden": [8, 16], "noise": ["bernoulli:0.9", "gaussian:0.2"]},
                        cv=2).fit(X, y)
    assert grid.best_params_["hidden"] in (8, 16)
    assert isinstance(grid.best_estimator_, ShrinkNetRegressor)
    assert grid.best_estimator_.n_features_in_ == X.shape[1]
