import numpy as np

from moodtunes.vision.mtcnn import Mtcnn, MtcnnSettings, Octaves, nms, refine, square


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 4, 4]],
                     np.float32)
    scores = np.array([0.8, 0.9, 0.7, 0.6], np.float32)
    assert nms(boxes, scores, 0.5).tolist() == [1, 2, 3]
    # Over the smaller box, the small one inside the first overlaps it entirely.
    assert nms(boxes, scores, 0.5, by_min=True).tolist() == [1, 2]
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5).tolist() == []


def test_square_and_refine() -> None:
    boxes = np.array([[10, 20, 30, 60]], np.float32)  # 20 wide, 40 tall
    assert square(boxes).tolist() == [[0, 20, 40, 60]]
    moved = refine(boxes, np.array([[0.1, -0.1, 0.0, 0.5]], np.float32))
    np.testing.assert_allclose(moved, [[12, 16, 30, 80]])


def test_the_pyramid_is_bounded_by_the_smallest_face() -> None:
    m = Mtcnn(MtcnnSettings(min_face=40, min_face_fraction=1 / 16))
    levels = m.scales(480, 640)
    assert levels[0] == 12 / 40 and min(levels) * 480 >= 12
    assert all(b < a for a, b in zip(levels, levels[1:], strict=False))
    # A 12 Mpx photo is not searched for 40 px faces: its smallest face is 3000/16 px.
    assert m.scales(3000, 4000)[0] == 12 / (3000 / 16)


def test_octaves_resize_like_a_direct_resize() -> None:
    rng = np.random.default_rng(1)
    image = (rng.random((480, 640, 3)) * 255).astype(np.uint8)
    import cv2

    smooth = cv2.GaussianBlur(image, (0, 0), 4)
    pyramid = Octaves(smooth)
    for size in ((192, 144), (97, 73), (20, 15), (640, 480)):
        got = pyramid.resize(size)
        want = cv2.resize(smooth, size, interpolation=cv2.INTER_AREA)
        assert got.shape == want.shape
        assert np.abs(got.astype(int) - want).mean() < 3
