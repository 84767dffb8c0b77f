import numpy as np

from moodtunes.emotions import EMOTIONS
from moodtunes.vision.recognizer import EmotionRecognizer, Face, pick_face


def test_analyze_finds_the_face_and_its_emotion(recognizer: EmotionRecognizer,
                                                face_frames: list[np.ndarray]) -> None:
    faces = recognizer.analyze(face_frames[0])
    assert len(faces) == 1
    face = faces[0]
    assert list(face.scores) == list(EMOTIONS)
    assert abs(sum(face.scores.values()) - 1) < 1e-4
    assert face.emotion == max(face.scores, key=face.scores.__getitem__)
    as_json = face.to_dict()
    assert as_json["box"] == list(face.box) and as_json["emotion"] == face.emotion
    assert len(as_json["landmarks"]) == 5 and all(len(p) == 2 for p in as_json["landmarks"])


def test_grey_frames_work_too(recognizer: EmotionRecognizer,
                              face_frames: list[np.ndarray]) -> None:
    grey = face_frames[1][:, :, 0]
    assert len(recognizer.analyze(grey)) == 1


def test_no_face_no_answer(recognizer: EmotionRecognizer, blank_frame: np.ndarray) -> None:
    assert recognizer.analyze(blank_frame) == []


def test_two_faces_are_both_found_largest_first(recognizer: EmotionRecognizer,
                                                face_frames: list[np.ndarray]) -> None:
    canvas = np.full((480, 1000, 3), 120, np.uint8)
    canvas[:, :640] = face_frames[2]
    small = face_frames[3][144:336, 224:416]  # just the pasted face, 192 px
    canvas[100:292, 700:892] = small
    faces = recognizer.analyze(canvas)
    assert len(faces) == 2
    assert faces[0].box[2] * faces[0].box[3] >= faces[1].box[2] * faces[1].box[3]


def test_batch_call_on_crops(recognizer: EmotionRecognizer,
                             publictest: dict[str, np.ndarray]) -> None:
    probs = recognizer.classify_faces(publictest["images"][:8])
    assert probs.shape == (8, 7)


def test_the_largest_face_drives_unless_a_point_picks_another() -> None:
    scores = dict.fromkeys(EMOTIONS, 1 / 7)
    faces = [Face((300, 100, 200, 200), "happy", scores), Face((10, 10, 80, 80), "sad", scores)]
    assert pick_face([]) is None
    assert pick_face(faces) == 0
    assert pick_face(list(reversed(faces))) == 1
    assert pick_face(faces, (50, 50)) == 1  # inside the small face
    assert pick_face(faces, (120, 60)) == 1  # inside neither: the nearest centre
    assert pick_face(faces, (390, 210)) == 0
    assert Face((0, 0, 1, 1), "sad", scores).to_dict()["landmarks"] is None
