"""Human review: annotation queues that fill from production, reviews, and agreement with the evaluators."""
