from pathlib import Path

import numpy as np

from moodtunes.config import Settings
from moodtunes.emotions import EMOTIONS
from moodtunes.music.catalog import Catalog
from moodtunes.vision.camera import CameraStream
from moodtunes.vision.recognizer import EmotionRecognizer
from moodtunes.web import create_app
from moodtunes.web.services import Services
from tests.support import write_avi


def test_video_feed_streams_annotated_frames_from_a_video_file(
    tmp_path: Path, recognizer: EmotionRecognizer, catalog: Catalog,
    face_frames: list[np.ndarray], prepared_home: Path,
) -> None:
    video = write_avi(tmp_path / "faces.avi", face_frames[:5], fps=15)
    camera = CameraStream(str(video), recognizer).start()
    services = Services(recognizer, catalog, Settings(camera=str(video)), camera)
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, settings=services.settings,
                     services=services)
    try:
        with app.test_client() as client:
            assert b'id="server-toggle"' in client.get("/").data
            res = client.get("/video_feed", buffered=False)
            assert res.status_code == 200
            assert res.mimetype == "multipart/x-mixed-replace"
            chunks = res.iter_encoded()
            data = b""
            while data.count(b"--frame") < 3:
                data += next(chunks)
            res.close()
            jpegs = [p for p in data.split(b"--frame")[1:3]]
            for part in jpegs:
                body = part.split(b"\r\n\r\n", 1)[1]
                assert body.startswith(b"\xff\xd8")  # a JPEG

            # following the server camera: the mood and playlist come from it
            state = client.post("/api/mood", json={"source": "server"}).get_json()
            assert state["server_camera"] is True
            assert state["mood"]["source"] == "server"
            assert camera.snapshot is not None and camera.snapshot.mood is not None
            # This browser never sent a frame: its playlist is made for the camera's mood.
            # (The engine places songs by valence/arousal, not by emotion tag.)
            assert state["playlist"]["emotion"] in EMOTIONS and state["playlist_changed"]
            assert state["mood"]["emotion"] == camera.snapshot.mood.emotion
            tracks = client.get("/t").get_json()
            assert tracks and all(t["why"] for t in tracks)
    finally:
        camera.stop()
