"""The contract every strategy keeps, then what each one is for."""

import numpy as np
import pytest

from moodtunes.emotions import AFFECT, EMOTIONS, AffectPoint
from moodtunes.recommend.strategies import (
    STRATEGIES,
    Strategy,
    UpliftStrategy,
    create_strategy,
)

STARTS = [
    *(AFFECT[e] for e in EMOTIONS),
    AffectPoint(0.0, 0.0),
    AffectPoint(-1.0, 1.0),
    AffectPoint(1.0, -1.0),
    AffectPoint(1.0, 1.0),
    AffectPoint(-1.0, -1.0),
    AffectPoint(-0.2, 0.6),
]
LENGTHS = [1, 2, 3, 10, 25]
TENSE = ["angry", "fear", "disgust"]


@pytest.fixture(params=list(STRATEGIES))
def strategy(request: pytest.FixtureRequest) -> Strategy:
    return create_strategy(request.param)


class TestContract:
    @pytest.mark.parametrize("n", LENGTHS)
    @pytest.mark.parametrize("start", STARTS)
    def test_path_has_n_points_inside_the_plane(self, strategy: Strategy, start: AffectPoint,
                                                n: int) -> None:
        path = strategy.path(start, n)
        assert path.shape == (n, 2)
        assert np.all(np.isfinite(path))
        assert np.all((path >= -1.0) & (path <= 1.0))

    @pytest.mark.parametrize("start", STARTS)
    def test_path_opens_at_the_mood(self, strategy: Strategy, start: AffectPoint) -> None:
        path = strategy.path(start, 10)
        assert path[0] == pytest.approx([start.valence, start.arousal])
        # The iso principle: the path is slow to leave the mood; its first step is no longer
        # than its average step.
        steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
        assert steps[0] <= steps.mean() + 1e-12

    def test_same_start_gives_the_same_path(self, strategy: Strategy) -> None:
        start = AFFECT["sad"]
        assert np.array_equal(strategy.path(start, 10), strategy.path(start, 10))

    @pytest.mark.parametrize("n", [0, -1])
    def test_n_below_one_is_rejected(self, strategy: Strategy, n: int) -> None:
        with pytest.raises(ValueError, match="n must be at least 1"):
            strategy.path(AFFECT["sad"], n)

    def test_a_start_outside_the_plane_is_rejected(self, strategy: Strategy) -> None:
        with pytest.raises(ValueError, match="start valence must be in -1..1"):
            strategy.path(AffectPoint(1.5, 0.0), 5)

    def test_each_step_has_a_phrase(self, strategy: Strategy) -> None:
        assert strategy.phrase_for(0) == "close to your mood"
        assert strategy.phrase_for(3)


@pytest.mark.parametrize("start", STARTS)
def test_match_stays_at_the_mood(start: AffectPoint) -> None:
    path = create_strategy("match").path(start, 10)
    assert np.allclose(path, [start.valence, start.arousal])


@pytest.mark.parametrize("start", STARTS)
def test_uplift_ends_more_pleasant_and_never_loses_valence(start: AffectPoint) -> None:
    path = create_strategy("uplift").path(start, 10)
    if start.valence < 1.0:
        assert path[-1, 0] > start.valence
    assert np.all(np.diff(path[:, 0]) >= -1e-12)


@pytest.mark.parametrize("n", [3, 5, 10, 25])
@pytest.mark.parametrize("emotion", TENSE)
def test_uplift_calms_a_tense_mood_before_lifting_it(emotion: str, n: int) -> None:
    start = AFFECT[emotion]
    path = create_strategy("uplift").path(start, n)
    lifted = np.flatnonzero(path[:, 0] > start.valence + 1e-9)
    first_lift = int(lifted[0])
    assert first_lift >= 2  # at least one calming step after the opening song
    calming = path[:first_lift]
    assert np.all(np.diff(calming[:, 1]) <= 1e-12)
    assert calming[-1, 1] < start.arousal - 0.3
    assert path[-1, 0] > 0.5


def test_uplift_lifts_a_sad_mood_straight_away() -> None:
    path = create_strategy("uplift").path(AFFECT["sad"], 10)
    assert not UpliftStrategy().is_tense(AFFECT["sad"])
    assert path[1, 0] > AFFECT["sad"].valence


@pytest.mark.parametrize("start", STARTS)
def test_calm_ends_at_lower_arousal_without_losing_valence(start: AffectPoint) -> None:
    path = create_strategy("calm").path(start, 10)
    if start.arousal > -1.0:
        assert path[-1, 1] < start.arousal
    assert np.all(np.diff(path[:, 1]) <= 1e-12)
    assert path[-1, 0] >= start.valence - 1e-12


@pytest.mark.parametrize("start", STARTS)
def test_energize_ends_livelier_and_pleasant(start: AffectPoint) -> None:
    path = create_strategy("energize").path(start, 10)
    if start.arousal < 1.0:
        assert path[-1, 1] > start.arousal
    assert path[-1, 0] >= max(start.valence, 0.5) - 1e-12
    assert np.all(np.diff(path[:, 1]) >= -1e-12)


def test_the_registry_names_the_four_strategies() -> None:
    assert list(STRATEGIES) == ["match", "uplift", "calm", "energize"]
    for name, cls in STRATEGIES.items():
        assert create_strategy(name).name == name
        assert isinstance(create_strategy(name), cls)


def test_unknown_strategy_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown strategy 'cheer'; expected one of: "
                                         r"match, uplift, calm, energize"):
        create_strategy("cheer")


def test_parameters_override_the_defaults() -> None:
    path = create_strategy("calm", goal_arousal=-0.9).path(AFFECT["happy"], 5)
    assert path[-1, 1] == pytest.approx(-0.9)
    with pytest.raises(TypeError):
        create_strategy("calm", no_such_parameter=1)
