"""Issue 11's must-show through the API: a camera that goes from a happy face to a sad one,
on one browser's cookie, changes the playlist exactly once, and the one new list is already
made for the sad mood."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from flask.testing import FlaskClient

from moodtunes.vision.images import decode_image
from moodtunes.vision.recognizer import EmotionRecognizer
from tests.support import CLEAR_FACES as FACES
from tests.support import face_frame, jpeg


@pytest.fixture(scope="module")
def clear_jpegs(publictest: dict[str, npt.NDArray[np.generic]],
                recognizer: EmotionRecognizer) -> dict[str, bytes]:
    found = {}
    for emotion, index in FACES.items():
        image = jpeg(face_frame(publictest["images"][index]))
        (face,) = recognizer.analyze(decode_image(image))
        assert face.emotion == emotion and face.scores[emotion] > 0.9, face.scores
        found[emotion] = image
    return found


def frame(client: FlaskClient, image: bytes) -> dict[str, object]:
    res = client.post("/api/emotion", data=image, content_type="image/jpeg")
    assert res.status_code == 200
    answer: dict[str, object] = res.get_json()
    return answer


def test_happy_to_sad_changes_the_playlist_once_and_for_sad(
        client: FlaskClient, clear_jpegs: dict[str, bytes]) -> None:
    answers = [frame(client, clear_jpegs["happy"]) for _ in range(10)]
    assert [a["playlist_changed"] for a in answers] == [True] + [False] * 9
    assert answers[0]["playlist"]["emotion"] == "happy"  # type: ignore[index]

    answers = [frame(client, clear_jpegs["sad"]) for _ in range(15)]
    changed = [i for i, a in enumerate(answers) if a["playlist_changed"]]
    # One flag, also where earlier versions of the API put it.
    assert all(a["mood"]["playlist_changed"] == a["playlist_changed"]  # type: ignore[index]
               for a in answers)
    assert len(changed) == 1 and changed[0] <= 3  # within about a second at 3 frames a second
    switch = answers[changed[0]]
    # The emotion shown and the new playlist switch in the same answer, which brings the list.
    assert switch["mood"]["emotion"] == "sad"  # type: ignore[index]
    assert switch["playlist"]["emotion"] == "sad"  # type: ignore[index]
    assert all(a["mood"]["emotion"] == "happy" for a in answers[:changed[0]])  # type: ignore[index]
    songs = switch["recommendations"]
    assert client.get("/t").get_json() == songs  # the list stays while the mood does
    # Made for sad (the playlist opens at the mood): unpleasant songs first.
    assert all(song["valence"] < 0 for song in songs[:3])  # type: ignore[index]
    # Only answers that changed the playlist carry songs.
    assert all("recommendations" not in a for i, a in enumerate(answers) if i != changed[0])


def test_back_and_forth_changes_the_playlist_once_per_switch(
        client: FlaskClient, clear_jpegs: dict[str, bytes]) -> None:
    changes = 0
    for emotion in ("happy", "sad", "happy", "sad"):
        answers = [frame(client, clear_jpegs[emotion]) for _ in range(8)]
        changes += sum(bool(a["playlist_changed"]) for a in answers)
        assert answers[-1]["mood"]["emotion"] == emotion  # type: ignore[index]
    assert changes == 4  # the first playlist, then one per switch
