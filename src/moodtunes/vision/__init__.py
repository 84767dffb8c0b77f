"""Vision: find faces, read their emotion with an ONNX model, smooth it over time.

The public entry point is `EmotionRecognizer`:

    recognizer = EmotionRecognizer.default()
    for face in recognizer.analyze(image):   # BGR or grey numpy image
        print(face.box, face.emotion, face.scores)
"""

from moodtunes.vision.classifier import EmotionClassifier
from moodtunes.vision.faces import FaceDetector, create_detector
from moodtunes.vision.recognizer import EmotionRecognizer, Face

__all__ = ["EmotionClassifier", "EmotionRecognizer", "Face", "FaceDetector", "create_detector"]
