"""The optional LLM-as-judge evaluator: 1-5 quality scores from an OpenAI-compatible endpoint."""
