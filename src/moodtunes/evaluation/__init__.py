"""Labelled faces and what a model makes of them, without torch.

`fer2013` reads FER2013 (npz, Kaggle's csv, image folders) and the FER+ votes; `metrics` scores
an ONNX classifier on them; `report` writes the scores as JSON and plots (matplotlib).
Training reads its faces here too, so the web app and `moodtunes evaluate` never import torch.
"""
