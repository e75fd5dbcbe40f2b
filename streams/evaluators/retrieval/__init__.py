"""Retrieval quality: are the passages a call retrieved relevant to what the user asked?"""
