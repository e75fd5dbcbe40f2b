"""Datasets: curate stored production traffic into versioned, immutable datasets and export them."""
