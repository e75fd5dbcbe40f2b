"""Groundedness: is each sentence of an answer supported by the retrieved passages?"""
