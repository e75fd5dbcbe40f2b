"""Toxicity: hateful or harassing language in outputs and inputs, scored against hand-written anchors."""
